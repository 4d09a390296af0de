// DescribeInstances and DescribeInstanceStatus. Instances page in launch order (`seq`), so a
// reservation's instances stay together; pages are cut in SQL when only the state is filtered
// (the common case at scale), otherwise the candidates are materialized and filtered in memory.
// Terminated instances stay visible for `terminatedVisibleMs`, then are unknown.
import { addTo } from '../../../group-by.js';
import type { DescribeInstanceImageMetadataRequest, DescribeInstanceStatusRequest, DescribeInstancesRequest, Filter, InstanceImageMetadata, InstanceStatus, Reservation } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { FilterColumn, InstanceListQuery, InstanceRow } from '../../../store/repos/instances.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { findZone } from '../../../config/regions.js';
import { invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { compileFilters } from '../filters.js';
import { decodeToken, encodeToken, paginate } from '../pagination.js';
import type { SecurityGroupService } from '../networking/security-groups.js';
import { INSTANCE_FILTERS, type DescribedInstance } from './instance-filters.js';
import { instanceOut, type OutputContext } from './instance-output.js';
import type { InstanceLifecycle } from './instance-lifecycle.js';
import type { InstanceDriver, InstanceHealth } from '../../../compute/instance-driver.js';
import { groupsOf, specOf, stateOf } from './instance-row.js';

export interface QueryDeps {
  store: Store;
  groups: SecurityGroupService;
  lifecycle: InstanceLifecycle;
  driver: InstanceDriver;
  /** how long a running instance's status checks report `initializing` (driver `none`) */
  settleMs: number;
}

interface PageInput {
  InstanceIds?: string[];
  Filters?: Filter[];
  MaxResults?: number;
  NextToken?: string;
}

const position = (seq: number) => String(seq).padStart(15, '0');

export class InstanceQuery {
  constructor(private readonly deps: QueryDeps) {}

  async context(caller: Scope, rows: InstanceRow[]): Promise<OutputContext> {
    const ids = rows.map((r) => r.instance_id);
    const groupIds = [...new Set(rows.flatMap(groupsOf))];
    const [attachments, groupNames, tags, nics] = await Promise.all([
      this.deps.store.instances.attachments(ids),
      this.deps.groups.names(caller, groupIds),
      this.deps.store.tags.forResources(caller, ids),
      this.deps.store.vpc.attachedTo(ids),
    ]);
    const byInstance = new Map<string, typeof attachments>();
    for (const a of attachments) addTo(byInstance, a.instance_id, a);
    return { attachments: byInstance, groupNames, tags, interfaces: nics.length ? await this.interfaces(caller, nics, groupNames) : undefined };
  }

  /** Attached interfaces' rows by instance, their secondary addresses, their groups' names (added to `groupNames`). */
  private async interfaces(caller: Scope, nics: Row<'network_interfaces'>[], groupNames: Map<string, string>): Promise<OutputContext['interfaces']> {
    const missing = [...new Set(nics.flatMap((n) => JSON.parse(n.groups) as string[]))].filter((id) => !groupNames.has(id));
    const [names, addresses] = await Promise.all([this.deps.groups.names(caller, missing), this.deps.store.vpc.interfaceAddresses.of(nics.map((n) => n.eni_id))]);
    for (const [id, name] of names) groupNames.set(id, name);
    const byInstance = new Map<string, Row<'network_interfaces'>[]>();
    for (const n of nics) addTo(byInstance, n.instance_id!, n);
    const secondaries = new Map<string, string[]>();
    for (const a of addresses) if (!a.is_primary) addTo(secondaries, a.eni_id, a.private_ip);
    return { byInstance, secondaries };
  }

  async described(caller: Scope, rows: InstanceRow[]): Promise<DescribedInstance[]> {
    const ctx = await this.context(caller, rows);
    return rows.map((r) => ({ reservationId: r.reservation_id, ownerId: r.account_id, requesterId: specOf(r).requesterId, instance: instanceOut(r, ctx) }));
  }

  /**
   * The caller's instances matching `input`, one page of them: explicit ids must all exist;
   * states (exact names) are filtered in SQL, the rest on the wire shapes.
   */
  private async page<T>(caller: Scope, op: string, input: PageInput, opts: { states?: string[]; sql?: Pick<InstanceListQuery, 'equals' | 'tags'>; filter: (rows: InstanceRow[]) => Promise<{ row: InstanceRow; item: T }[]>; inSql: boolean }) {
    const ids = input.InstanceIds?.length ? [...new Set(input.InstanceIds)] : undefined;
    if (ids && input.MaxResults !== undefined) throw invalidParameterCombination('The parameter instancesSet cannot be used with the parameter maxResults');
    if (input.MaxResults !== undefined && (!Number.isInteger(input.MaxResults) || input.MaxResults < 5 || input.MaxResults > 1000)) {
      throw invalidParameterValue(`Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
    }
    if (ids) await this.deps.lifecycle.owned(caller, ids);
    const binding = [caller.accountId, caller.region, op, input.Filters ?? [], ids ?? []];
    const after = input.NextToken ? Number(decodeToken(binding, input.NextToken)) : undefined;
    const size = input.MaxResults ?? (input.NextToken ? 1000 : undefined);
    const query = { ids, states: opts.states, ...opts.sql, afterSeq: after, terminatedAfter: this.deps.lifecycle.visibleSince() };
    const rows = await this.deps.store.instances.list(caller, opts.inSql && size !== undefined ? { ...query, limit: size + 1 } : query);
    const matching = await opts.filter(opts.inSql && size !== undefined ? rows.slice(0, size) : rows);
    const page = size === undefined ? matching : matching.slice(0, size);
    const more = opts.inSql ? size !== undefined && rows.length > size : size !== undefined && matching.length > size;
    return { page, nextToken: more ? encodeToken(binding, position(page[page.length - 1].row.seq)) : undefined };
  }

  async describe(caller: Scope, input: DescribeInstancesRequest): Promise<{ reservations: Reservation[]; nextToken?: string }> {
    const { states, sql, rest } = splitFilters(input.Filters);
    const match = compileFilters(rest, INSTANCE_FILTERS);
    const { page, nextToken } = await this.page(caller, 'DescribeInstances', input, {
      states,
      sql,
      inSql: rest.length === 0,
      filter: async (rows) => {
        const described = await this.described(caller, rows);
        return described.map((item, i) => ({ row: rows[i], item })).filter((x) => match(x.item));
      },
    });
    const reservations: Reservation[] = [];
    for (const { item } of page) {
      const last = reservations[reservations.length - 1];
      if (last?.ReservationId === item.reservationId) last.Instances!.push(item.instance);
      else reservations.push({ ReservationId: item.reservationId, OwnerId: item.ownerId, RequesterId: item.requesterId, Groups: [], Instances: [item.instance] });
    }
    return { reservations, nextToken };
  }

  /** DescribeInstanceImageMetadata: the image each instance was launched from, as it is now. */
  async imageMetadata(caller: Scope, input: DescribeInstanceImageMetadataRequest): Promise<{ metadata: InstanceImageMetadata[]; nextToken?: string }> {
    const { store } = this.deps;
    const rows = input.InstanceIds?.length
      ? await this.deps.lifecycle.owned(caller, input.InstanceIds)
      : await store.instances.list(caller, { terminatedAfter: this.deps.lifecycle.visibleSince() });
    const tags = await store.tags.forResources(caller, rows.map((r) => r.instance_id));
    const out: InstanceImageMetadata[] = [];
    for (const r of rows) {
      // the image as it is now, even deprecated, deregistered or no longer shared
      const image = await store.images.get(r.image_id);
      out.push({
        InstanceId: r.instance_id,
        InstanceType: r.instance_type as InstanceImageMetadata['InstanceType'],
        LaunchTime: new Date(r.launch_time),
        AvailabilityZone: r.availability_zone,
        ZoneId: findZone(r.availability_zone)?.zone.id,
        State: stateOf(r),
        OwnerId: r.account_id,
        Tags: tags.get(r.instance_id) ?? [],
        ImageMetadata: {
          ImageId: r.image_id,
          Name: image?.name,
          OwnerId: image?.account_id,
          State: image?.state as 'available' | undefined,
          ImageOwnerAlias: image?.owner_alias ?? undefined,
          CreationDate: image?.creation_date,
          DeprecationTime: image?.deprecation_time ?? undefined,
          IsPublic: image ? Boolean(image.public) : undefined,
        },
      });
    }
    const matching = out.filter(
      compileFilters(input.Filters, {
        fields: {
          'availability-zone': (m: InstanceImageMetadata) => m.AvailabilityZone,
          'instance-id': (m) => m.InstanceId,
          'instance-state-name': (m) => m.State?.Name,
          'instance-type': (m) => m.InstanceType,
          'launch-time': (m) => m.LaunchTime,
          'owner-alias': (m) => m.ImageMetadata?.ImageOwnerAlias,
          'owner-id': (m) => m.ImageMetadata?.OwnerId,
          'zone-id': (m) => m.ZoneId,
          'image-allowed': () => true,
        },
        tags: (m) => m.Tags,
      }),
    );
    const order = new Map(rows.map((r) => [r.instance_id, String(r.seq).padStart(15, '0')]));
    const { page, nextToken } = paginate(matching, (m) => order.get(m.InstanceId!)!, input, { binding: [caller.accountId, caller.region, 'DescribeInstanceImageMetadata', input.Filters ?? [], input.InstanceIds ?? []], min: 1 });
    return { metadata: page, nextToken };
  }

  // ---- DescribeInstanceStatus ----------------------------------------------------------

  /** What the driver sees of running instances' VMs, wherever they run. */
  async checks(rows: readonly InstanceRow[]): Promise<Map<string, InstanceHealth | undefined>> {
    const { driver } = this.deps;
    const running = rows.filter((r) => r.state === 'running');
    if (driver.healthOf) return driver.healthOf(running.map((r) => ({ instanceId: r.instance_id, nodeId: r.node_id, runningSince: r.running_since })));
    return new Map(running.map((r) => [r.instance_id, driver.health(r.instance_id)]));
  }

  /**
   * A running instance's checks: what the driver sees of its VM (the process, the guest's boot),
   * or with a driver that runs nothing, `initializing` for `settleMs` after it started, then ok.
   */
  statusOf(row: InstanceRow, checks: ReadonlyMap<string, InstanceHealth | undefined>): InstanceStatus {
    const zone = findZone(row.availability_zone);
    let health: InstanceHealth | undefined;
    if (row.state === 'running') {
      health = checks.get(row.instance_id);
      if (!health) {
        const since = row.running_since ? Date.parse(row.running_since) : 0;
        const check = Date.now() - since < this.deps.settleMs ? 'initializing' : 'ok';
        health = this.deps.driver.name === 'none' ? { system: check, instance: check } : { system: 'impaired', instance: 'impaired', impairedSince: row.running_since ? new Date(row.running_since) : undefined };
      }
    }
    const summary = (status: InstanceHealth['system'] | undefined) => {
      if (!status) return { Status: 'not-applicable' as const };
      const detail = status === 'ok' ? 'passed' : status === 'impaired' ? 'failed' : 'initializing';
      return { Status: status, Details: [{ Name: 'reachability' as const, Status: detail as 'passed', ImpairedSince: status === 'impaired' ? health?.impairedSince : undefined }] };
    };
    return {
      InstanceId: row.instance_id,
      AvailabilityZone: row.availability_zone,
      AvailabilityZoneId: zone?.zone.id,
      InstanceState: stateOf(row),
      InstanceStatus: summary(health?.instance),
      SystemStatus: summary(health?.system),
      AttachedEbsStatus: summary(health && (health.system === 'impaired' ? 'impaired' : health.instance === 'initializing' ? 'initializing' : 'ok')),
      Events: [],
    };
  }

  /** Running instances' checks as DescribeInstanceStatus reports them (the metrics' StatusCheckFailed*). */
  async health(rows: InstanceRow[]): Promise<Map<string, InstanceHealth>> {
    const checks = await this.checks(rows);
    const check = (s: string | undefined) => (s === 'ok' || s === 'impaired' ? s : 'initializing');
    return new Map(
      rows.map((r) => {
        const s = this.statusOf(r, checks);
        return [r.instance_id, { instance: check(s.InstanceStatus?.Status), system: check(s.SystemStatus?.Status) }];
      }),
    );
  }

  async status(caller: Scope, input: DescribeInstanceStatusRequest): Promise<{ statuses: InstanceStatus[]; nextToken?: string }> {
    // DescribeInstanceStatus's filters are its own: only an exact state goes to SQL
    const stateFilter = input.Filters?.find((f) => f.Name === 'instance-state-name' && exact(f));
    const states = stateFilter?.Values;
    const rest = (input.Filters ?? []).filter((f) => f !== stateFilter);
    // without IncludeAllInstances only running instances have a status to report
    const visible = input.IncludeAllInstances ? states : (states ?? ['running']).filter((s) => s === 'running');
    const match = compileFilters(rest, STATUS_FILTERS);
    const { page, nextToken } = await this.page(caller, 'DescribeInstanceStatus', input, {
      states: visible,
      inSql: rest.length === 0,
      filter: async (rows) => {
        const checks = await this.checks(rows);
        return rows.map((row) => ({ row, item: this.statusOf(row, checks) })).filter((x) => match(x.item));
      },
    });
    return { statuses: page.map((p) => p.item), nextToken };
  }
}

/** Values without wildcards or escapes. */
const exact = (f: Filter) => (f.Values ?? []).every((v) => !/[*?\\]/.test(v));

const COLUMNS: Record<string, FilterColumn> = {
  'image-id': 'image_id',
  'instance-type': 'instance_type',
  'availability-zone': 'availability_zone',
  'subnet-id': 'subnet_id',
  'vpc-id': 'vpc_id',
  'reservation-id': 'reservation_id',
  'key-name': 'key_name',
  'instance-id': 'instance_id',
  'private-ip-address': 'private_ip',
  architecture: 'architecture',
};

/**
 * Filters SQL can answer (exact values of a state, a column, a tag) and the rest, matched in
 * memory on the wire shapes (wildcards, nested fields). Terminated instances keep no subnet,
 * VPC or address on the wire, so those three stay in memory for them.
 */
function splitFilters(filters: Filter[] | undefined): { states?: string[]; sql: Pick<InstanceListQuery, 'equals' | 'tags'>; rest: Filter[] } {
  const rest: Filter[] = [];
  const sql: Required<Pick<InstanceListQuery, 'equals' | 'tags'>> = { equals: [], tags: [] };
  let states: string[] | undefined;
  for (const f of filters ?? []) {
    const values = f.Values ?? [];
    const name = f.Name ?? '';
    if (!exact(f)) rest.push(f);
    else if (name === 'instance-state-name' && states === undefined) states = values;
    else if (COLUMNS[name] && !['subnet-id', 'vpc-id', 'private-ip-address'].includes(name)) sql.equals.push({ column: COLUMNS[name], values });
    else if (name.startsWith('tag:')) sql.tags.push({ key: name.slice(4), values });
    else if (name === 'tag-key') sql.tags.push({ keys: values });
    else rest.push(f);
  }
  return { states, sql, rest };
}

const STATUS_FILTERS = {
  fields: {
    'availability-zone': (s: InstanceStatus) => s.AvailabilityZone,
    'availability-zone-id': (s: InstanceStatus) => s.AvailabilityZoneId,
    'event.code': () => undefined,
    'event.description': () => undefined,
    'event.instance-event-id': () => undefined,
    'event.not-after': () => undefined,
    'event.not-before': () => undefined,
    'event.not-before-deadline': () => undefined,
    'instance-state-code': (s: InstanceStatus) => s.InstanceState?.Code,
    'instance-state-name': (s: InstanceStatus) => s.InstanceState?.Name,
    'instance-status.reachability': (s: InstanceStatus) => s.InstanceStatus?.Details?.map((d) => d.Status),
    'instance-status.status': (s: InstanceStatus) => s.InstanceStatus?.Status,
    'system-status.reachability': (s: InstanceStatus) => s.SystemStatus?.Details?.map((d) => d.Status),
    'system-status.status': (s: InstanceStatus) => s.SystemStatus?.Status,
    'attached-ebs-status.status': (s: InstanceStatus) => s.AttachedEbsStatus?.Status,
    'operator.managed': () => false,
    'operator.principal': () => undefined,
  },
};
