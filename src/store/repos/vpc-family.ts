// The VPC family's rows (migration 0025): each resource table through one small scoped-table
// helper (listed by account, region and id; narrowed by exact column values), and the children
// (CIDR blocks, routes, associations, ACL entries) by their parents. One member of Repos, so
// every write joins the caller's unit of work.
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { atomic } from '../atomic.js';
import { idChunks, selectInChunks } from '../id-chunks.js';
import { insertRows } from '../insert-rows.js';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type Row<T extends keyof Database> = Selectable<Database[T]>;

/**
 * Terminated instances leave their interfaces (in the termination's unit of work): those marked
 * delete-on-termination go with their addresses (a primary one's own row too), the others are
 * detached and `available` — a primary one that stays takes its address back from the instance row.
 */
export async function releaseInterfaces(db: Kysely<Database>, instanceIds: readonly string[]): Promise<void> {
  for (const chunk of idChunks(instanceIds)) {
    const rows = await db.selectFrom('network_interfaces').select(['eni_id', 'subnet_id', 'private_ip', 'instance_primary', 'delete_on_termination']).where('instance_id', 'in', chunk).execute();
    if (rows.length === 0) continue;
    const gone = rows.filter((r) => r.delete_on_termination === 1).map((r) => r.eni_id);
    const kept = rows.filter((r) => r.delete_on_termination !== 1);
    if (gone.length) {
      await db.updateTable('elastic_ips').set({ association_id: null, instance_id: null, eni_id: null, private_ip: null }).where('eni_id', 'in', gone).execute();
      await db.deleteFrom('network_interface_addresses').where('eni_id', 'in', gone).execute();
      await db.deleteFrom('network_interfaces').where('eni_id', 'in', gone).execute();
      await db.deleteFrom('tags').where('resource_id', 'in', gone).execute();
    }
    const primaries = kept.filter((r) => r.instance_primary === 1);
    if (primaries.length) await insertRows(db, 'network_interface_addresses', primaries.map((r) => ({ eni_id: r.eni_id, subnet_id: r.subnet_id, private_ip: r.private_ip, is_primary: 1 })));
    if (kept.length) {
      await db
        .updateTable('network_interfaces')
        .set({ instance_primary: 0, instance_id: null, device_index: null, attachment_id: null, attach_time: null })
        .where('eni_id', 'in', kept.map((r) => r.eni_id))
        .execute();
    }
  }
}

export interface ScopedQuery {
  ids?: readonly string[];
  /** each: the column is one of the values */
  equals?: { column: string; values: readonly (string | number)[] }[];
  /** ids after this one (paging) */
  after?: string;
  limit?: number;
}

/** A table whose rows belong to one account and region, keyed by one id column. */
export class ScopedTable<T extends keyof Database & string> {
  constructor(
    private readonly db: Kysely<Database>,
    readonly table: T,
    readonly idColumn: string,
  ) {}

  private get any(): Kysely<any> {
    return this.db as Kysely<any>;
  }

  async get(scope: Scope, id: string): Promise<Row<T> | undefined> {
    return (await this.list(scope, { ids: [id] }))[0];
  }

  async list(scope: Scope, q: ScopedQuery = {}): Promise<Row<T>[]> {
    if (q.ids && q.ids.length === 0) return [];
    let query = this.any.selectFrom(this.table as string).selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (q.ids) query = query.where(this.idColumn, 'in', [...q.ids]);
    for (const e of q.equals ?? []) query = query.where(e.column, 'in', e.values.length ? [...e.values] : ['']);
    if (q.after !== undefined) query = query.where(this.idColumn, '>', q.after);
    query = query.orderBy(this.idColumn);
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()) as Row<T>[];
  }

  async insert(rows: readonly Insertable<Database[T]>[], options: { ignoreExisting?: boolean } = {}): Promise<void> {
    if (rows.length === 0) return;
    if (!options.ignoreExisting) return insertRows(this.db, this.table, rows);
    await this.any.insertInto(this.table as string).values([...rows] as any[]).onConflict((oc) => oc.doNothing()).execute();
  }

  async update(scope: Scope, id: string, set: Updateable<Database[T]>): Promise<void> {
    await this.any.updateTable(this.table as string).set(set as any).where(this.idColumn, '=', id).where('account_id', '=', scope.accountId).where('region', '=', scope.region).execute();
  }

  async delete(scope: Scope, ids: readonly string[]): Promise<void> {
    if (ids.length) await this.any.deleteFrom(this.table as string).where(this.idColumn, 'in', [...ids]).where('account_id', '=', scope.accountId).where('region', '=', scope.region).execute();
  }

  /** Rows whose `column` is one of `values` (children of parents, users of a resource). */
  async where(scope: Scope, column: string, values: readonly (string | number)[]): Promise<Row<T>[]> {
    return this.list(scope, { equals: [{ column, values }] });
  }
}

/** Rows of a child table, by parent id (no scope columns of their own). */
class ChildTable<T extends keyof Database & string> {
  constructor(
    private readonly db: Kysely<Database>,
    readonly table: T,
    readonly parentColumn: string,
    private readonly order: string[],
  ) {}

  private get any(): Kysely<any> {
    return this.db as Kysely<any>;
  }

  async of(parentIds: readonly string[]): Promise<Row<T>[]> {
    if (parentIds.length === 0) return [];
    let q = this.any.selectFrom(this.table as string).selectAll().where(this.parentColumn, 'in', [...parentIds]);
    for (const o of this.order) q = q.orderBy(o);
    return (await q.execute()) as Row<T>[];
  }

  async insert(rows: readonly Insertable<Database[T]>[], options: { ignoreExisting?: boolean } = {}): Promise<void> {
    if (rows.length === 0) return;
    if (!options.ignoreExisting) return insertRows(this.db, this.table, rows);
    await this.any.insertInto(this.table as string).values([...rows] as any[]).onConflict((oc) => oc.doNothing()).execute();
  }

  /** Deletes the rows matching every given column value. */
  async delete(match: Record<string, string | number>): Promise<number> {
    let q = this.any.deleteFrom(this.table as string);
    for (const [column, value] of Object.entries(match)) q = q.where(column, '=', value);
    const result = await q.executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }

  async update(match: Record<string, string | number>, set: Updateable<Database[T]>): Promise<number> {
    let q = this.any.updateTable(this.table as string).set(set as any);
    for (const [column, value] of Object.entries(match)) q = q.where(column, '=', value);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows ?? 0);
  }

  async deleteOf(parentIds: readonly string[]): Promise<void> {
    if (parentIds.length) await this.any.deleteFrom(this.table as string).where(this.parentColumn, 'in', [...parentIds]).execute();
  }
}

export class VpcRepos {
  readonly vpcs: ScopedTable<'vpcs'>;
  readonly cidrBlocks: ChildTable<'vpc_cidr_blocks'>;
  readonly cidrAssociations: ScopedTable<'vpc_cidr_blocks'>;
  readonly subnets: ScopedTable<'subnets'>;
  readonly internetGateways: ScopedTable<'internet_gateways'>;
  readonly routeTables: ScopedTable<'route_tables'>;
  readonly routes: ChildTable<'routes'>;
  readonly routeAssociations: ScopedTable<'route_table_associations'>;
  readonly networkAcls: ScopedTable<'network_acls'>;
  readonly aclEntries: ChildTable<'network_acl_entries'>;
  readonly aclAssociations: ScopedTable<'network_acl_associations'>;
  readonly dhcpOptions: ScopedTable<'dhcp_options'>;
  readonly elasticIps: ScopedTable<'elastic_ips'>;
  readonly networkInterfaces: ScopedTable<'network_interfaces'>;
  readonly interfaceAddresses: ChildTable<'network_interface_addresses'>;
  readonly natGateways: ScopedTable<'nat_gateways'>;

  constructor(private readonly db: Kysely<Database>) {
    this.vpcs = new ScopedTable(db, 'vpcs', 'vpc_id');
    this.cidrBlocks = new ChildTable(db, 'vpc_cidr_blocks', 'vpc_id', ['vpc_id', 'position']);
    this.cidrAssociations = new ScopedTable(db, 'vpc_cidr_blocks', 'association_id');
    this.subnets = new ScopedTable(db, 'subnets', 'subnet_id');
    this.internetGateways = new ScopedTable(db, 'internet_gateways', 'gateway_id');
    this.routeTables = new ScopedTable(db, 'route_tables', 'route_table_id');
    this.routes = new ChildTable(db, 'routes', 'route_table_id', ['route_table_id', 'created_at', 'destination']);
    this.routeAssociations = new ScopedTable(db, 'route_table_associations', 'association_id');
    this.networkAcls = new ScopedTable(db, 'network_acls', 'network_acl_id');
    this.aclEntries = new ChildTable(db, 'network_acl_entries', 'network_acl_id', ['network_acl_id', 'egress', 'rule_number']);
    this.aclAssociations = new ScopedTable(db, 'network_acl_associations', 'association_id');
    this.dhcpOptions = new ScopedTable(db, 'dhcp_options', 'dhcp_options_id');
    this.elasticIps = new ScopedTable(db, 'elastic_ips', 'allocation_id');
    this.networkInterfaces = new ScopedTable(db, 'network_interfaces', 'eni_id');
    this.interfaceAddresses = new ChildTable(db, 'network_interface_addresses', 'eni_id', ['eni_id', 'private_ip']);
    this.natGateways = new ScopedTable(db, 'nat_gateways', 'nat_gateway_id');
  }

  /** The network interfaces attached to these instances (a primary one only once it has a row of its own). */
  async attachedTo(instanceIds: readonly string[]): Promise<Row<'network_interfaces'>[]> {
    return selectInChunks(instanceIds, (chunk) => this.db.selectFrom('network_interfaces').selectAll().where('instance_id', 'in', chunk).execute());
  }

  /** Live instances' addresses in a subnet (free addresses; launches read it in their transaction). */
  async addressesInUse(scope: Scope, subnetIds: readonly string[]): Promise<Map<string, number>> {
    if (subnetIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('instances')
      .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('subnet_id', 'in', [...subnetIds])
      .where('state', '<>', 'terminated')
      .groupBy('subnet_id')
      .execute();
    const held = await this.db
      .selectFrom('network_interface_addresses')
      .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('subnet_id', 'in', [...subnetIds])
      .groupBy('subnet_id')
      .execute();
    const out = new Map(rows.map((r) => [r.subnet_id, Number(r.n)]));
    for (const h of held) out.set(h.subnet_id, (out.get(h.subnet_id) ?? 0) + Number(h.n));
    return out;
  }

  /** Every address taken in a subnet: live instances' and network interfaces'. */
  async usedAddresses(subnetId: string): Promise<Set<string>> {
    const [instances, held] = await Promise.all([
      this.db.selectFrom('instances').select('private_ip').where('subnet_id', '=', subnetId).where('state', '<>', 'terminated').execute(),
      this.db.selectFrom('network_interface_addresses').select('private_ip').where('subnet_id', '=', subnetId).execute(),
    ]);
    return new Set([...instances, ...held].map((r) => r.private_ip));
  }

  /** A live instance in one of the subnets (DeleteSubnet's and DeleteVpc's dependency check). */
  async instanceIn(scope: Scope, column: 'subnet_id' | 'vpc_id', ids: readonly string[]): Promise<string | undefined> {
    if (ids.length === 0) return undefined;
    const row = await this.db
      .selectFrom('instances')
      .select('instance_id')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where(column, 'in', [...ids])
      .where('state', '<>', 'terminated')
      .limit(1)
      .executeTakeFirst();
    return row?.instance_id;
  }

  /** The Elastic IP addresses associated with these instances (instance id -> address; every account). */
  async elasticIpsOf(instanceIds: readonly string[]): Promise<Map<string, string>> {
    if (instanceIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('elastic_ips').select(['instance_id', 'public_ip']).where('instance_id', 'in', [...instanceIds]).execute();
    return new Map(rows.map((r) => [r.instance_id!, r.public_ip]));
  }

  /** Terminated instances lose their Elastic IPs' associations (the addresses stay allocated). */
  async dropElasticIpAssociations(instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.db.updateTable('elastic_ips').set({ association_id: null, instance_id: null, eni_id: null, private_ip: null }).where('instance_id', 'in', [...instanceIds]).execute();
  }

  /** Peering connections the caller is either side of (requester or accepter, in its region). */
  async peerings(scope: Scope, ids?: readonly string[]): Promise<Row<'vpc_peering_connections'>[]> {
    if (ids && ids.length === 0) return [];
    let q = this.db
      .selectFrom('vpc_peering_connections')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('account_id', '=', scope.accountId), eb('region', '=', scope.region)]),
          eb.and([eb('peer_account_id', '=', scope.accountId), eb('peer_region', '=', scope.region)]),
        ]),
      );
    if (ids) q = q.where('pcx_id', 'in', [...ids]);
    return q.orderBy('pcx_id').execute();
  }

  async insertPeering(row: Row<'vpc_peering_connections'>): Promise<void> {
    await this.db.insertInto('vpc_peering_connections').values(row).execute();
  }

  async updatePeering(id: string, set: Updateable<Database['vpc_peering_connections']>): Promise<void> {
    await this.db.updateTable('vpc_peering_connections').set(set).where('pcx_id', '=', id).execute();
  }

  /** Several writes as one (joins the caller's unit of work). */
  atomically<T>(fn: (repos: VpcRepos) => Promise<T>): Promise<T> {
    return atomic(this.db, (trx) => fn(trx === this.db ? this : new VpcRepos(trx)));
  }
}
