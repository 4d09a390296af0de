// The durable job queue (see jobs/job-runner.ts), shared by every node on one store.
//
// A lease is the job's run_at moved forward with the claimant's id in lease_owner: a claimed job
// is not due for anyone else until its lease runs out, its node renews it while it runs, and a
// dead node's jobs simply fall due again. Claims are one UPDATE … RETURNING over the due rows;
// on PostgreSQL the candidate rows are locked FOR UPDATE SKIP LOCKED, so concurrent claimants
// take disjoint sets, and the outer WHERE is re-checked against a row another claimant changed.
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Database, JobsTable } from '../schema.js';
import { dialectOf } from '../dialects/dialect.js';
import { insertRows } from '../insert-rows.js';
import { prepared } from '../prepared.js';

export type JobRow = Selectable<JobsTable>;
export type NewJob = Omit<JobRow, 'created_at' | 'attempts' | 'last_error' | 'lease_owner' | 'rerun' | 'node_id'> & { node_id?: string | null };

/**
 * Which pinned jobs a claimant may take: those pinned to `node`, and those pinned to a node that
 * has not sent a heartbeat since `liveSince` (dead, or never seen). Without it, any job.
 */
export interface Placement {
  node: string;
  liveSince: Date;
}

export class JobsRepo {
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = dialectOf(db) === 'postgres';
  }

  async insert(row: NewJob): Promise<void> {
    await insertRows(this.db, 'jobs', [{ node_id: null, ...row, attempts: 0, last_error: null, lease_owner: null, rerun: 0, created_at: new Date().toISOString() }]);
  }

  /**
   * Inserts a job under its fixed id, or moves an existing one's run_at forward to `run_at`.
   * A job leased now keeps its lease and is marked to run again once its holder finishes.
   */
  async upsertDue(row: NewJob): Promise<void> {
    await this.db
      .insertInto('jobs')
      .values({ node_id: null, ...row, attempts: 0, last_error: null, lease_owner: null, rerun: 0, created_at: new Date().toISOString() })
      .onConflict((oc) =>
        oc.column('job_id').doUpdateSet((eb) => ({
          run_at: eb
            .case()
            .when('jobs.lease_owner', 'is not', null)
            .then(eb.ref('jobs.run_at'))
            .when('excluded.run_at', '<', eb.ref('jobs.run_at'))
            .then(eb.ref('excluded.run_at'))
            .else(eb.ref('jobs.run_at'))
            .end(),
          rerun: eb.case().when('jobs.lease_owner', 'is not', null).then(1).else(eb.ref('jobs.rerun')).end(),
        })),
      )
      .execute();
  }

  /** Claims up to `limit` due jobs (of one kind if given) for `owner` until now + leaseMs. */
  async claim(owner: string, now: Date, leaseMs: number, limit: number, kind?: string, placement?: Placement): Promise<JobRow[]> {
    const at = now.toISOString();
    if (kind === undefined) {
      // the job runner's: prepared once (prepared.ts)
      const until = new Date(now.getTime() + leaseMs).toISOString();
      const rows = placement ? await claimPlaced.all(this.db, owner, until, at, limit, placement.node, placement.liveSince.toISOString()) : await claimAny.all(this.db, owner, until, at, limit);
      return rows.sort(byCreation);
    }
    return this.claimWhere(owner, now, leaseMs, limit, kind, placement, (eb) => eb('run_at', '<=', at));
  }

  /**
   * Claims every due job of `kind`, and re-leases those `owner` holds already: a handler that
   * completes a whole kind in one commit takes them all (see instances' lifecycle batches).
   */
  async claimKind(owner: string, now: Date, leaseMs: number, kind: string, placement?: Placement, limit = 5000): Promise<JobRow[]> {
    const at = now.toISOString();
    // read first: when every such job is `owner`'s already (the runner claimed them together),
    // their leases stand and there is nothing to write
    const seen = await heldOrDue.all(this.db, kind, at, owner, limit);
    if (seen.length < limit && seen.every((j) => j.lease_owner === owner && j.rerun === 0)) return seen.sort(byCreation);
    return this.claimWhere(owner, now, leaseMs, limit, kind, placement, (eb) => eb.or([eb('run_at', '<=', at), eb('lease_owner', '=', owner)]));
  }

  private async claimWhere(
    owner: string,
    now: Date,
    leaseMs: number,
    limit: number,
    kind: string | undefined,
    placement: Placement | undefined,
    due: (eb: ExpressionBuilder<Database, 'jobs'>) => Expression<SqlBool>,
  ): Promise<JobRow[]> {
    const claimable = placement ? (eb: ExpressionBuilder<Database, 'jobs'>) => eb.and([due(eb), placed(eb, placement)]) : due;
    let candidates = this.db.selectFrom('jobs').select('job_id').where(claimable).orderBy('run_at').limit(limit);
    if (kind !== undefined) candidates = candidates.where('kind', '=', kind);
    if (this.postgres) candidates = candidates.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable('jobs')
      .set({ lease_owner: owner, run_at: new Date(now.getTime() + leaseMs).toISOString(), rerun: 0 })
      .where('job_id', 'in', candidates)
      .where(claimable)
      .returningAll()
      .execute();
    return rows.sort(byCreation);
  }

  /** Extends `owner`'s leases on these jobs; returns the ids it still holds. */
  /**
   * Jobs leased by an earlier process of this node (owners `<predecessors>…`, not `owner`): that
   * process is gone — a node's id belongs to one data dir, one process — so they are due now
   * rather than when its leases run out. Returns how many.
   */
  async releasePredecessors(predecessors: string, owner: string, now: Date): Promise<number> {
    const r = await this.db
      .updateTable('jobs')
      .set({ lease_owner: null, run_at: now.toISOString() })
      .where(sql`substr(lease_owner, 1, ${predecessors.length})`, '=', predecessors)
      .where('lease_owner', '!=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async renew(owner: string, jobIds: readonly string[], until: Date): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.db
      .updateTable('jobs')
      .set({ run_at: until.toISOString() })
      .where('lease_owner', '=', owner)
      .where('job_id', 'in', [...jobIds])
      .returning('job_id')
      .execute();
    return rows.map((r) => r.job_id);
  }

  /** Due jobs, read only (tests and diagnostics). */
  async due(now: Date, limit: number): Promise<JobRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('run_at', '<=', now.toISOString()).orderBy('run_at').limit(limit).execute();
  }

  /**
   * When the earliest job falls due (a leased one: when its lease runs out) — of those this
   * placement may claim, if given: a due job pinned to another live node is not this node's to
   * wake for (its runner would look again at once, in a loop, until that node took it).
   */
  async next(placement?: Placement): Promise<string | undefined> {
    if (!placement) return (await earliest.first(this.db))?.run_at;
    return (await earliestPlaced.first(this.db, placement.node, placement.liveSince.toISOString()))?.run_at;
  }

  /**
   * Completes a job `owner` holds: deletes it, or, if it was asked to run again while it ran,
   * makes it due now. False when the lease was lost (another node took the job over).
   */
  async finish(jobId: string, owner: string, now: Date): Promise<boolean> {
    if ((await finished.run(this.db, jobId, owner)) > 0) return true;
    // asked to run again while it ran (`release` with runAt = now, prepared)
    return (await rerunNow.run(this.db, now.toISOString(), jobId, owner)) > 0;
  }

  /** Gives a held job back to the queue, due at `runAt` (now if it was asked to run again). */
  async reschedule(jobId: string, owner: string, runAt: Date, attempts: number, error: string | null, payload?: string): Promise<boolean> {
    return this.release(jobId, owner, runAt, new Date(), attempts, error, payload);
  }

  private async release(jobId: string, owner: string, runAt: Date, now: Date, attempts: number | undefined, error: string | null, payload?: string): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        run_at: eb.case().when('rerun', '=', 1).then(now.toISOString()).else(runAt.toISOString()).end(),
        lease_owner: null,
        rerun: 0,
        last_error: error,
        ...(attempts !== undefined ? { attempts } : {}),
        ...(payload !== undefined ? { payload } : {}),
      }))
      .where('job_id', '=', jobId)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async count(kind?: string): Promise<number> {
    let q = this.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'));
    if (kind) q = q.where('kind', '=', kind);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }
}

const byCreation = (a: JobRow, b: JobRow) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0);

/** The job runner's claim of due jobs of any kind (`claimWhere`'s statement, prepared), with or without a placement. */
function claimStatement(db: Kysely<Database>, owner: string, until: string, at: string, limit: number, placement?: { node: string; liveSince: string }) {
  const claimable = (eb: ExpressionBuilder<Database, 'jobs'>) => (placement ? eb.and([eb('run_at', '<=', at), placedAt(eb, placement.node, placement.liveSince)]) : eb('run_at', '<=', at));
  let candidates = db.selectFrom('jobs').select('job_id').where(claimable).orderBy('run_at').limit(limit);
  if (dialectOf(db) === 'postgres') candidates = candidates.forUpdate().skipLocked();
  return db.updateTable('jobs').set({ lease_owner: owner, run_at: until, rerun: 0 }).where('job_id', 'in', candidates).where(claimable).returningAll();
}
const claimAny = prepared((db, owner: string, until: string, at: string, limit: number) => claimStatement(db, owner, until, at, limit));
const claimPlaced = prepared((db, owner: string, until: string, at: string, limit: number, node: string, liveSince: string) => claimStatement(db, owner, until, at, limit, { node, liveSince }));
const heldOrDue = prepared((db, kind: string, at: string, owner: string, limit: number) =>
  db
    .selectFrom('jobs')
    .selectAll()
    .where('kind', '=', kind)
    .where((eb) => eb.or([eb('run_at', '<=', at), eb('lease_owner', '=', owner)]))
    .orderBy('run_at')
    .limit(limit),
);
const rerunNow = prepared((db, now: string, jobId: string, owner: string) =>
  db.updateTable('jobs').set({ run_at: now, lease_owner: null, rerun: 0, last_error: null }).where('job_id', '=', jobId).where('lease_owner', '=', owner),
);
const earliest = prepared((db) => db.selectFrom('jobs').select('run_at').orderBy('run_at').limit(1));
const earliestPlaced = prepared((db, node: string, liveSince: string) =>
  db.selectFrom('jobs').select('run_at').where((eb) => placedAt(eb, node, liveSince)).orderBy('run_at').limit(1),
);
const finished = prepared((db, jobId: string, owner: string) => db.deleteFrom('jobs').where('job_id', '=', jobId).where('lease_owner', '=', owner).where('rerun', '=', 0));

/** Unpinned, pinned to this node, or pinned to a node not alive since `liveSince`. */
function placed(eb: ExpressionBuilder<Database, 'jobs'>, p: Placement): Expression<SqlBool> {
  return placedAt(eb, p.node, p.liveSince.toISOString());
}

function placedAt(eb: ExpressionBuilder<Database, 'jobs'>, node: string, liveSince: string): Expression<SqlBool> {
  const alive = eb.selectFrom('nodes').select('nodes.node_id').whereRef('nodes.node_id', '=', 'jobs.node_id').where('nodes.heartbeat_at', '>=', liveSince);
  return eb.or([eb('jobs.node_id', 'is', null), eb('jobs.node_id', '=', node), eb.not(eb.exists(alive))]);
}
