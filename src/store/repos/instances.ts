// Instances and their EBS attachments. A launch is one transaction: the instances, their
// volumes and attachments, tags, the image's last launch time and the job that brings them up
// (so one commit, one fsync, however many instances). Rows are ordered by `seq` (launch order).
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, InstancesTable, InstanceVolumesTable, JobsTable, TagsTable, VolumesTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type InstanceRow = Selectable<InstancesTable>;
export type NewInstanceRow = Insertable<InstancesTable>;
export type AttachmentRow = Selectable<InstanceVolumesTable>;

export interface Launch {
  /** called inside the transaction with the subnet's used addresses; returns the rows to insert */
  instances: (usedIps: Set<string>) => NewInstanceRow[];
  subnetId: string;
  volumes: (instances: NewInstanceRow[]) => { volumes: Selectable<VolumesTable>[]; attachments: AttachmentRow[] };
  tags: (instances: NewInstanceRow[], volumes: Selectable<VolumesTable>[]) => Insertable<TagsTable>[];
  job: (instances: NewInstanceRow[]) => Insertable<JobsTable>;
  image: { imageId: string; lastLaunchedTime: string };
}

// SQLite allows 32766 bound values per statement
const batchesOf = <T extends object>(rows: T[]): T[][] => {
  if (rows.length === 0) return [];
  const per = Math.max(1, Math.floor(30000 / Object.keys(rows[0]).length));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
};

export interface InstanceListQuery {
  ids?: readonly string[];
  states?: readonly string[];
  /** instances terminated before this time are gone (AWS shows them for about an hour) */
  terminatedAfter: string;
  afterSeq?: number;
  limit?: number;
}

export class InstancesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a whole launch atomically; returns the instance rows as inserted. */
  async launch(l: Launch): Promise<{ instances: NewInstanceRow[]; volumes: Selectable<VolumesTable>[] }> {
    return this.db.transaction().execute(async (trx) => {
      const used = await trx.selectFrom('instances').select('private_ip').where('subnet_id', '=', l.subnetId).where('state', '<>', 'terminated').execute();
      const instances = l.instances(new Set(used.map((u) => u.private_ip)));
      const { volumes, attachments } = l.volumes(instances);
      for (const b of batchesOf(instances)) await trx.insertInto('instances').values(b).execute();
      for (const b of batchesOf(volumes)) await trx.insertInto('volumes').values(b).execute();
      for (const b of batchesOf(attachments)) await trx.insertInto('instance_volumes').values(b).execute();
      for (const b of batchesOf(l.tags(instances, volumes))) await trx.insertInto('tags').values(b).execute();
      await trx.insertInto('jobs').values(l.job(instances)).execute();
      await trx.updateTable('images').set({ last_launched_time: l.image.lastLaunchedTime }).where('image_id', '=', l.image.imageId).execute();
      return { instances, volumes };
    });
  }

  async get(instanceId: string): Promise<InstanceRow | undefined> {
    return this.db.selectFrom('instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
  }

  async list(scope: Scope, q: InstanceListQuery): Promise<InstanceRow[]> {
    let query = this.db
      .selectFrom('instances')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>', q.terminatedAfter)]));
    if (q.ids) query = query.where('instance_id', 'in', q.ids.length ? (q.ids as string[]) : ['']);
    if (q.states) query = query.where('state', 'in', q.states.length ? (q.states as string[]) : ['']);
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
    query = query.orderBy('seq');
    if (q.limit !== undefined) query = query.limit(q.limit);
    return query.execute();
  }

  async byClientToken(scope: Scope, token: string): Promise<InstanceRow[]> {
    return this.db
      .selectFrom('instances')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('client_token', '=', token)
      .orderBy('seq')
      .execute();
  }

  /** Moves instances still in one of `from` to a new state; returns those that moved. */
  async transition(instanceIds: readonly string[], from: readonly string[], set: Updateable<InstancesTable>): Promise<string[]> {
    const moved: string[] = [];
    for (let i = 0; i < instanceIds.length; i += 500) {
      const rows = await this.db
        .updateTable('instances')
        .set(set)
        .where('instance_id', 'in', instanceIds.slice(i, i + 500) as string[])
        .where('state', 'in', from as string[])
        .returning('instance_id')
        .execute();
      moved.push(...rows.map((r) => r.instance_id));
    }
    return moved;
  }

  async update(instanceId: string, set: Updateable<InstancesTable>): Promise<void> {
    await this.db.updateTable('instances').set(set).where('instance_id', '=', instanceId).execute();
  }

  /** Live instances per subnet of an account (free addresses, default placement). */
  async countBySubnet(scope: Scope): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('instances')
      .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('state', '<>', 'terminated')
      .groupBy('subnet_id')
      .execute();
    return new Map(rows.map((r) => [r.subnet_id, Number(r.n)]));
  }

  /** Whether a live instance uses the security group (DeleteSecurityGroup's dependency check). */
  async usingGroup(scope: Scope, groupId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('instances')
      .select('instance_id')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('state', '<>', 'terminated')
      .where(sql<boolean>`exists (select 1 from json_each(instances.security_groups) where value = ${groupId})`)
      .limit(1)
      .executeTakeFirst();
    return row?.instance_id;
  }

  /** Deletes instances terminated before `before` (and their attachment rows); returns how many. */
  async purge(before: string, keepTokensAfter: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const gone = await trx
        .selectFrom('instances')
        .select('instance_id')
        .where('terminated_at', '<', before)
        // a retry with a recent ClientToken must still find its terminated instances
        .where((eb) => eb.or([eb('client_token', 'is', null), eb('launch_time', '<', keepTokensAfter)]))
        .execute();
      const ids = gone.map((g) => g.instance_id);
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500);
        await trx.deleteFrom('instance_volumes').where('instance_id', 'in', batch).execute();
        await trx.deleteFrom('tags').where('resource_id', 'in', batch).execute();
        await trx.deleteFrom('instances').where('instance_id', 'in', batch).execute();
      }
      return ids.length;
    });
  }

  // ---- attachments ---------------------------------------------------------------------

  async attachments(instanceIds: readonly string[]): Promise<AttachmentRow[]> {
    const out: AttachmentRow[] = [];
    for (let i = 0; i < instanceIds.length; i += 500) {
      out.push(...(await this.db.selectFrom('instance_volumes').selectAll().where('instance_id', 'in', instanceIds.slice(i, i + 500) as string[]).execute()));
    }
    return out;
  }

  async attachmentsOfVolumes(volumeIds: readonly string[]): Promise<AttachmentRow[]> {
    const out: AttachmentRow[] = [];
    for (let i = 0; i < volumeIds.length; i += 500) {
      out.push(...(await this.db.selectFrom('instance_volumes').selectAll().where('volume_id', 'in', volumeIds.slice(i, i + 500) as string[]).execute()));
    }
    return out;
  }

  /** Attaches a volume (and marks it in use) in one transaction. */
  async attach(row: AttachmentRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('instance_volumes').values(row).execute();
      await trx.updateTable('volumes').set({ state: 'in-use' }).where('volume_id', '=', row.volume_id).execute();
    });
  }

  async setAttachment(volumeIds: readonly string[], set: Updateable<InstanceVolumesTable>): Promise<void> {
    for (let i = 0; i < volumeIds.length; i += 500) {
      await this.db.updateTable('instance_volumes').set(set).where('volume_id', 'in', volumeIds.slice(i, i + 500) as string[]).execute();
    }
  }

  async updateVolumes(volumeIds: readonly string[], set: Updateable<VolumesTable>): Promise<void> {
    for (let i = 0; i < volumeIds.length; i += 500) {
      await this.db.updateTable('volumes').set(set).where('volume_id', 'in', volumeIds.slice(i, i + 500) as string[]).execute();
    }
  }

  /**
   * After instances terminate: their DeleteOnTermination volumes are deleted, the others are
   * detached and become `available` (`error` when the launch never gave them their key).
   */
  async releaseVolumes(instanceIds: readonly string[]): Promise<{ deleted: string[]; kept: string[] }> {
    const attached = await this.attachments(instanceIds);
    const deleted = attached.filter((a) => a.delete_on_termination).map((a) => a.volume_id);
    const kept = attached.filter((a) => !a.delete_on_termination).map((a) => a.volume_id);
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < deleted.length; i += 500) {
        const batch = deleted.slice(i, i + 500);
        await trx.deleteFrom('volume_blocks').where('volume_id', 'in', batch).execute();
        await trx.deleteFrom('volumes').where('volume_id', 'in', batch).execute();
        await trx.deleteFrom('tags').where('resource_id', 'in', batch).execute();
      }
      for (let i = 0; i < attached.length; i += 500) {
        await trx.deleteFrom('instance_volumes').where('volume_id', 'in', attached.slice(i, i + 500).map((a) => a.volume_id)).execute();
      }
      for (let i = 0; i < kept.length; i += 500) {
        const batch = kept.slice(i, i + 500);
        await trx.updateTable('volumes').set({ state: 'error' }).where('volume_id', 'in', batch).where('state', '=', 'creating').where('encrypted', '=', 1).where('data_key_id', 'is', null).execute();
        await trx.updateTable('volumes').set({ state: 'available' }).where('volume_id', 'in', batch).where('state', 'in', ['creating', 'in-use']).execute();
      }
    });
    return { deleted, kept };
  }

  /** Detaches a volume: it becomes `available` again (its data stays). */
  async detach(volumeId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('instance_volumes').where('volume_id', '=', volumeId).execute();
      await trx.updateTable('volumes').set({ state: 'available' }).where('volume_id', '=', volumeId).where('state', '=', 'in-use').execute();
    });
  }
}
