// The durable job queue (see jobs/job-runner.ts).
import type { Kysely, Selectable } from 'kysely';
import type { Database, JobsTable } from '../schema.js';

export type JobRow = Selectable<JobsTable>;

export class JobsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Omit<JobRow, 'created_at' | 'attempts' | 'last_error'>): Promise<void> {
    await this.db.insertInto('jobs').values({ ...row, attempts: 0, last_error: null, created_at: new Date().toISOString() }).execute();
  }

  /** Inserts a job under its fixed id, or moves an existing one's run_at forward to `run_at`. */
  async upsertDue(row: Omit<JobRow, 'created_at' | 'attempts' | 'last_error'>): Promise<void> {
    await this.db
      .insertInto('jobs')
      .values({ ...row, attempts: 0, last_error: null, created_at: new Date().toISOString() })
      .onConflict((oc) =>
        oc.column('job_id').doUpdateSet((eb) => ({
          run_at: eb.case().when('excluded.run_at', '<', eb.ref('jobs.run_at')).then(eb.ref('excluded.run_at')).else(eb.ref('jobs.run_at')).end(),
        })),
      )
      .execute();
  }

  async due(now: Date, limit: number): Promise<JobRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('run_at', '<=', now.toISOString()).orderBy('run_at').limit(limit).execute();
  }

  async next(): Promise<string | undefined> {
    const row = await this.db.selectFrom('jobs').select('run_at').orderBy('run_at').limit(1).executeTakeFirst();
    return row?.run_at;
  }

  async delete(jobId: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('job_id', '=', jobId).execute();
  }

  async reschedule(jobId: string, runAt: Date, attempts: number, error: string | null, payload?: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ run_at: runAt.toISOString(), attempts, last_error: error, ...(payload !== undefined ? { payload } : {}) })
      .where('job_id', '=', jobId)
      .execute();
  }

  async count(kind?: string): Promise<number> {
    let q = this.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'));
    if (kind) q = q.where('kind', '=', kind);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }
}
