// Instances and their EBS attachments. A launch is one transaction: the instances, their
// volumes and attachments, tags, the image's last launch time and the job that brings them up
// (so one commit, one fsync, however many instances). Rows are ordered by `seq` (launch order).
import { atomic } from '../atomic.js';
import { idChunks, selectInChunks } from '../id-chunks.js';
import { inIdList } from '../id-list.js';
import { insertRows } from '../insert-rows.js';
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, InstanceProfileAssociationsTable, InstancesTable, InstanceVolumesTable, JobsTable, NetworkInterfaceAddressesTable, NetworkInterfacesTable, TagsTable, VolumesTable } from '../schema.js';
import type { Scope } from '../scope.js';
import { releaseInterfaces } from './vpc-family.js';
import { prepared } from '../prepared.js';

// statements every RunInstances runs, prepared (prepared.ts)
const launchedWithToken = prepared((db, accountId: string, region: string, token: string) =>
  db.selectFrom('instances').selectAll().where('account_id', '=', accountId).where('region', '=', region).where('client_token', '=', token).orderBy('seq'),
);
const addressesOfInstances = prepared((db, subnetId: string) => db.selectFrom('instances').select('private_ip').where('subnet_id', '=', subnetId).where('state', '<>', 'terminated'));
const addressesOfInterfaces = prepared((db, subnetId: string) => db.selectFrom('network_interface_addresses').select('private_ip').where('subnet_id', '=', subnetId));

export type InstanceRow = Selectable<InstancesTable>;
export type NewInstanceRow = Insertable<InstancesTable>;
export type AttachmentRow = Selectable<InstanceVolumesTable>;

export interface Launch {
  /** called inside the transaction with the subnet's used addresses (and `otherSubnets`'); returns the rows to insert */
  instances: (usedIps: Set<string>, usedIn: Map<string, Set<string>>) => NewInstanceRow[];
  subnetId: string;
  /** subnets of the launch's other network interfaces */
  otherSubnets?: readonly string[];
  /** network interfaces the launch creates or attaches besides the instances' own primary ones */
  interfaces?: (instances: NewInstanceRow[]) => LaunchInterfaces;
  volumes: (instances: NewInstanceRow[]) => { volumes: Selectable<VolumesTable>[]; attachments: AttachmentRow[] };
  tags: (instances: NewInstanceRow[], volumes: Selectable<VolumesTable>[]) => Insertable<TagsTable>[];
  job: (instances: NewInstanceRow[]) => Insertable<JobsTable>;
  image: { imageId: string; lastLaunchedTime: string };
  /** the instances' instance profile associations, when launched with one */
  profileAssociations?: (instances: NewInstanceRow[]) => Insertable<InstanceProfileAssociationsTable>[];
}

export interface LaunchInterfaces {
  rows: Insertable<NetworkInterfacesTable>[];
  addresses: Insertable<NetworkInterfaceAddressesTable>[];
  /** existing interfaces attached at launch (each must still be detached); a primary one's address moves to its instance row */
  attach: { eniId: string; set: Updateable<NetworkInterfacesTable>; primary: boolean }[];
}

/** A launch's existing network interface was attached elsewhere meanwhile (nothing was written). */
export class InterfaceTaken extends Error {
  constructor(readonly eniId: string) {
    super(`network interface ${eniId} is attached`);
  }
}

export interface Batch {
  volumes?: { ids: readonly string[]; set: Updateable<VolumesTable> }[];
  /** attachments that are now `attached` */
  attached?: readonly string[];
  /** instances whose volumes and network interfaces go: DeleteOnTermination ones deleted, the others detached */
  release?: readonly string[];
  transitions?: { ids: readonly string[]; from: readonly string[]; set: Updateable<InstancesTable> }[];
  /** jobs this batch completes (deleted with it) */
  doneJobs?: readonly string[];
  newJobs?: Insertable<JobsTable>[];
}

/**
 * Terminated instances' volumes: DeleteOnTermination ones are deleted, the others detached and
 * `available` (`error` when the launch never gave them their key).
 */
async function releaseVolumes(trx: Kysely<Database>, instanceIds: readonly string[]): Promise<void> {
  for (const chunk of idChunks(instanceIds)) {
    const attached = await trx.selectFrom('instance_volumes').selectAll().where('instance_id', 'in', chunk).execute();
    const deleted = attached.filter((a) => a.delete_on_termination).map((a) => a.volume_id);
    const kept = attached.filter((a) => !a.delete_on_termination).map((a) => a.volume_id);
    if (deleted.length) {
      await trx.deleteFrom('volume_blocks').where('volume_id', 'in', deleted).execute();
      await trx.deleteFrom('volumes').where('volume_id', 'in', deleted).execute();
      await trx.deleteFrom('tags').where('resource_id', 'in', deleted).execute();
    }
    if (attached.length) await trx.deleteFrom('instance_volumes').where('volume_id', 'in', attached.map((a) => a.volume_id)).execute();
    if (kept.length) {
      await trx.updateTable('volumes').set({ state: 'error' }).where('volume_id', 'in', kept).where('state', '=', 'creating').where('encrypted', '=', 1).where('data_key_id', 'is', null).execute();
      await trx.updateTable('volumes').set({ state: 'available' }).where('volume_id', 'in', kept).where('state', 'in', ['creating', 'in-use']).execute();
    }
  }
}

/** Columns DescribeInstances' exact filters can match in SQL. */
export type FilterColumn = 'image_id' | 'instance_type' | 'availability_zone' | 'subnet_id' | 'vpc_id' | 'reservation_id' | 'key_name' | 'instance_id' | 'private_ip' | 'architecture';

export interface InstanceListQuery {
  ids?: readonly string[];
  states?: readonly string[];
  /** each: the column is one of the values */
  equals?: { column: FilterColumn; values: readonly string[] }[];
  /** each: the instance has (the caller's) tag `key` with one of `values`, or one of the `keys` */
  tags?: { key?: string; keys?: readonly string[]; values?: readonly string[] }[];
  /** instances terminated before this time are gone (AWS shows them for about an hour) */
  terminatedAfter: string;
  afterSeq?: number;
  limit?: number;
}

export class InstancesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a whole launch atomically; returns the instance rows as inserted. */
  async launch(l: Launch): Promise<{ instances: NewInstanceRow[]; volumes: Selectable<VolumesTable>[]; attachments: AttachmentRow[] }> {
    return atomic(this.db, async (trx) => {
      const usedIn = new Map<string, Set<string>>();
      for (const subnetId of new Set([l.subnetId, ...(l.otherSubnets ?? [])])) {
        const used = await addressesOfInstances.all(trx, subnetId);
        const held = await addressesOfInterfaces.all(trx, subnetId);
        usedIn.set(subnetId, new Set([...used, ...held].map((u) => u.private_ip)));
      }
      const instances = l.instances(usedIn.get(l.subnetId)!, usedIn);
      const { volumes, attachments } = l.volumes(instances);
      await insertRows(trx, 'instances', instances);
      if (l.interfaces) {
        const nics = l.interfaces(instances);
        await insertRows(trx, 'network_interfaces', nics.rows);
        await insertRows(trx, 'network_interface_addresses', nics.addresses);
        for (const a of nics.attach) {
          const done = await trx.updateTable('network_interfaces').set(a.set).where('eni_id', '=', a.eniId).where('instance_id', 'is', null).where('instance_primary', '=', 0).executeTakeFirst();
          if (Number(done.numUpdatedRows ?? 0) !== 1) throw new InterfaceTaken(a.eniId);
          if (a.primary) await trx.deleteFrom('network_interface_addresses').where('eni_id', '=', a.eniId).where('is_primary', '=', 1).execute();
        }
      }
      await insertRows(trx, 'volumes', volumes);
      await insertRows(trx, 'instance_volumes', attachments);
      await insertRows(trx, 'tags', l.tags(instances, volumes));
      if (l.profileAssociations) await insertRows(trx, 'instance_profile_associations', l.profileAssociations(instances));
      await trx.insertInto('jobs').values(l.job(instances)).execute();
      await trx.updateTable('images').set({ last_launched_time: l.image.lastLaunchedTime }).where('image_id', '=', l.image.imageId).execute();
      return { instances, volumes, attachments };
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
    for (const e of q.equals ?? []) query = query.where(e.column, 'in', e.values.length ? (e.values as string[]) : ['']);
    for (const t of q.tags ?? []) {
      query = query.where('instance_id', 'in', (eb) => {
        let tags = eb.selectFrom('tags').select('resource_id').where('account_id', '=', scope.accountId).where('region', '=', scope.region);
        if (t.key !== undefined) tags = tags.where('key', '=', t.key);
        if (t.keys) tags = tags.where('key', 'in', t.keys.length ? (t.keys as string[]) : ['']);
        if (t.values) tags = tags.where('value', 'in', t.values.length ? (t.values as string[]) : ['']);
        return tags;
      });
    }
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
    query = query.orderBy('seq');
    if (q.limit !== undefined) query = query.limit(q.limit);
    return query.execute();
  }

  async byClientToken(scope: Scope, token: string): Promise<InstanceRow[]> {
    return launchedWithToken.all(this.db, scope.accountId, scope.region, token);
  }

  async update(instanceId: string, set: Updateable<InstancesTable>): Promise<void> {
    await this.db.updateTable('instances').set(set).where('instance_id', '=', instanceId).execute();
  }

  /** Public addresses held now, instances' and Elastic IPs' (every account and region: the pool is the host's). */
  async publicIps(): Promise<Set<string>> {
    const [rows, eips] = await Promise.all([
      this.db.selectFrom('instances').select('public_ip').where('public_ip', 'is not', null).execute(),
      this.db.selectFrom('elastic_ips').select('public_ip').execute(),
    ]);
    return new Set([...rows.map((r) => r.public_ip!), ...eips.map((r) => r.public_ip)]);
  }

  /** Instances that hold host memory now (every account and region), counted per type. */
  async runningTypes(node?: string): Promise<Map<string, number>> {
    let q = this.db
      .selectFrom('instances')
      .select(['instance_type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'in', ['pending', 'running', 'stopping', 'shutting-down']);
    if (node !== undefined) q = q.where('node_id', '=', node);
    const rows = await q.groupBy('instance_type').execute();
    return new Map(rows.map((r) => [r.instance_type, Number(r.n)]));
  }

  /** Running instances of every account and region (a restarted server brings their VMs back). */
  /** Running instances (those placed on `node`, when given). */
  async allRunning(node?: string, page?: { afterSeq: number; limit: number }): Promise<InstanceRow[]> {
    let q = this.db.selectFrom('instances').selectAll().where('state', '=', 'running');
    if (node !== undefined) q = q.where('node_id', '=', node);
    // a page: the next `limit` after `afterSeq` (the primary key's order)
    if (page) q = q.where('seq', '>', page.afterSeq).limit(page.limit);
    return q.orderBy('seq').execute();
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
      // the JSON array holds the id quoted; ids are fixed-format, so a substring test is exact
      .where('security_groups', 'like', `%"${groupId}"%`)
      .limit(1)
      .executeTakeFirst();
    return row?.instance_id;
  }

  /** Deletes instances terminated before `before` (and their attachment rows); returns how many. */
  /** Forgets terminated instances; returns their ids. */
  async purge(before: string, keepTokensAfter: string): Promise<string[]> {
    return atomic(this.db, async (trx) => {
      const gone = await trx
        .selectFrom('instances')
        .select('instance_id')
        .where('terminated_at', '<', before)
        // a retry with a recent ClientToken must still find its terminated instances
        .where((eb) => eb.or([eb('client_token', 'is', null), eb('launch_time', '<', keepTokensAfter)]))
        .execute();
      const ids = gone.map((g) => g.instance_id);
      for (const batch of idChunks(ids)) {
        await trx.deleteFrom('instance_volumes').where('instance_id', 'in', batch).execute();
        await trx.deleteFrom('tags').where('resource_id', 'in', batch).execute();
        await trx.deleteFrom('instances').where('instance_id', 'in', batch).execute();
      }
      return ids;
    });
  }

  // ---- attachments ---------------------------------------------------------------------

  async attachments(instanceIds: readonly string[]): Promise<AttachmentRow[]> {
    const all = instanceIds.length > 1 ? inIdList(this.db, 'instance_id', instanceIds) : undefined;
    if (all) return this.db.selectFrom('instance_volumes').selectAll().where(all).orderBy('instance_id').orderBy('device_name').execute();
    return selectInChunks(instanceIds, (chunk) => this.db.selectFrom('instance_volumes').selectAll().where('instance_id', 'in', chunk).execute());
  }

  /** The node running the instance a volume is attached to (undefined: none, or nothing node-bound). */
  async nodeOfVolume(volumeId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('instance_volumes')
      .innerJoin('instances', 'instances.instance_id', 'instance_volumes.instance_id')
      .select('instances.node_id')
      .where('instance_volumes.volume_id', '=', volumeId)
      .where('instances.node_id', 'is not', null)
      .executeTakeFirst();
    return row?.node_id ?? undefined;
  }

  async attachmentsOfVolumes(volumeIds: readonly string[]): Promise<AttachmentRow[]> {
    return selectInChunks(volumeIds, (chunk) => this.db.selectFrom('instance_volumes').selectAll().where('volume_id', 'in', chunk).execute());
  }

  /** Attaches a volume (and marks it in use) in one transaction. */
  async attach(row: AttachmentRow): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.insertInto('instance_volumes').values(row).execute();
      await trx.updateTable('volumes').set({ state: 'in-use' }).where('volume_id', '=', row.volume_id).execute();
    });
  }

  async setAttachment(volumeIds: readonly string[], set: Updateable<InstanceVolumesTable>): Promise<void> {
    for (const chunk of idChunks(volumeIds)) {
      await this.db.updateTable('instance_volumes').set(set).where('volume_id', 'in', chunk).execute();
    }
  }

  async getMany(instanceIds: readonly string[]): Promise<InstanceRow[]> {
    return selectInChunks(instanceIds, (chunk) => this.db.selectFrom('instances').selectAll().where('instance_id', 'in', chunk).orderBy('seq').execute());
  }

  async volumes(volumeIds: readonly string[]): Promise<Selectable<VolumesTable>[]> {
    return selectInChunks(volumeIds, (chunk) => this.db.selectFrom('volumes').selectAll().where('volume_id', 'in', chunk).execute());
  }

  /** A batch of state changes in one transaction (one commit however many instances). Returns the ids each transition moved. */
  async commit(b: Batch): Promise<string[][]> {
    return atomic(this.db, async (trx) => {
      const inBatches = async (ids: readonly string[], f: (batch: string[]) => Promise<unknown>) => {
        for (const chunk of idChunks(ids)) await f(chunk);
      };
      for (const v of b.volumes ?? []) await inBatches(v.ids, (ids) => trx.updateTable('volumes').set(v.set).where('volume_id', 'in', ids).execute());
      await inBatches(b.attached ?? [], (ids) => trx.updateTable('instance_volumes').set({ status: 'attached' }).where('volume_id', 'in', ids).execute());
      if (b.release?.length) {
        await releaseVolumes(trx, b.release);
        await releaseInterfaces(trx, b.release);
      }
      const moved: string[][] = [];
      for (const t of b.transitions ?? []) {
        const done: string[] = [];
        await inBatches(t.ids, async (ids) => {
          const rows = await trx.updateTable('instances').set(t.set).where('instance_id', 'in', ids).where('state', 'in', t.from as string[]).returning('instance_id').execute();
          done.push(...rows.map((r) => r.instance_id));
        });
        moved.push(done);
      }
      await inBatches(b.doneJobs ?? [], (ids) => trx.deleteFrom('jobs').where('job_id', 'in', ids).execute());
      for (const job of b.newJobs ?? []) await trx.insertInto('jobs').values(job).execute();
      return moved;
    });
  }

  /** Detaches a volume: it becomes `available` again (its data stays). */
  async detach(volumeId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('instance_volumes').where('volume_id', '=', volumeId).execute();
      await trx.updateTable('volumes').set({ state: 'available' }).where('volume_id', '=', volumeId).where('state', '=', 'in-use').execute();
    });
  }
}
