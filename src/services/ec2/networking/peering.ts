// VPC peering connections (records: nothing is routed). The requester names its VPC and the
// peer (PeerVpcId, PeerOwnerId — the caller by default —, PeerRegion — the caller's by default);
// both sides see the connection in their own region. It is `initiating-request` in the answer,
// then `pending-acceptance` when the peer VPC exists and the blocks do not overlap, else `failed`
// with AWS's message. Only the accepter accepts (`active`) or rejects (`rejected`); either side
// deletes a pending or active one (`deleted`). Ended connections stay listed for two hours.
import type { Filter, VpcPeeringConnection } from '../../../api/ec2/types.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import { findRegion } from '../../../config/regions.js';
import { compileFilters, type FilterSpec } from '../filters.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { parseCidr } from './ipv4.js';
import { overlaps, type VpcService } from './vpc-service.js';

export const peeringNotFound = (id: string) => ec2Error('InvalidVpcPeeringConnectionID.NotFound', `The vpcPeeringConnection ID '${id}' does not exist`);
const ENDED_VISIBLE_MS = 2 * 3600_000;
const ENDED = ['deleted', 'rejected', 'failed', 'expired'];

const info = (v: VpcPeeringConnection['RequesterVpcInfo']) => v!;
const PEERING_FILTERS: FilterSpec<VpcPeeringConnection> = {
  fields: {
    'accepter-vpc-info.cidr-block': (p) => info(p.AccepterVpcInfo).CidrBlock,
    'accepter-vpc-info.owner-id': (p) => info(p.AccepterVpcInfo).OwnerId,
    'accepter-vpc-info.vpc-id': (p) => info(p.AccepterVpcInfo).VpcId,
    'expiration-time': (p) => p.ExpirationTime,
    'requester-vpc-info.cidr-block': (p) => info(p.RequesterVpcInfo).CidrBlock,
    'requester-vpc-info.owner-id': (p) => info(p.RequesterVpcInfo).OwnerId,
    'requester-vpc-info.vpc-id': (p) => info(p.RequesterVpcInfo).VpcId,
    'status-code': (p) => p.Status?.Code,
    'status-message': (p) => p.Status?.Message,
    'vpc-peering-connection-id': (p) => p.VpcPeeringConnectionId,
  },
  tags: (p) => p.Tags,
};

export class PeeringService {
  readonly taggable: Taggable;

  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {
    this.taggable = { prefix: 'pcx', resourceType: 'vpc-peering-connection', visible: async (caller, id) => isId('pcx', id) && (await this.store.vpc.peerings(caller, [id])).length > 0, notFound: peeringNotFound };
  }

  private async get(caller: Scope, id: string): Promise<Row<'vpc_peering_connections'>> {
    if (!isId('pcx', id)) throw ec2Error('InvalidVpcPeeringConnectionId.Malformed', `Invalid id: "${id}" (expecting "pcx-...")`);
    const [row] = await this.store.vpc.peerings(caller, [id]);
    if (!row) throw peeringNotFound(id);
    return row;
  }

  private async views(caller: Scope, rows: Row<'vpc_peering_connections'>[]): Promise<VpcPeeringConnection[]> {
    const tags = await this.store.tags.forResources(caller, rows.map((r) => r.pcx_id));
    return rows.map((r) => ({
      VpcPeeringConnectionId: r.pcx_id,
      RequesterVpcInfo: { VpcId: r.vpc_id, OwnerId: r.account_id, Region: r.region, CidrBlock: r.vpc_cidr, CidrBlockSet: [{ CidrBlock: r.vpc_cidr }] },
      AccepterVpcInfo: {
        VpcId: r.peer_vpc_id,
        OwnerId: r.peer_account_id,
        Region: r.peer_region,
        CidrBlock: r.status === 'active' ? (r.peer_vpc_cidr ?? undefined) : undefined,
        CidrBlockSet: r.status === 'active' && r.peer_vpc_cidr ? [{ CidrBlock: r.peer_vpc_cidr }] : undefined,
      },
      Status: { Code: r.status as NonNullable<VpcPeeringConnection['Status']>['Code'], Message: r.message },
      ExpirationTime: r.status === 'pending-acceptance' ? new Date(Date.parse(r.created_at) + 7 * 86400_000) : undefined,
      Tags: tags.get(r.pcx_id) ?? [],
    }));
  }

  async describe(caller: Scope, req: { ids?: string[]; filters?: Filter[] }): Promise<VpcPeeringConnection[]> {
    const match = compileFilters(req.filters, PEERING_FILTERS);
    for (const id of req.ids ?? []) if (!isId('pcx', id)) throw ec2Error('InvalidVpcPeeringConnectionId.Malformed', `Invalid id: "${id}" (expecting "pcx-...")`);
    const since = Date.now() - ENDED_VISIBLE_MS;
    const rows = (await this.store.vpc.peerings(caller, req.ids?.length ? req.ids : undefined)).filter((r) => !ENDED.includes(r.status) || Date.parse(r.changed_at) > since);
    const missing = req.ids?.find((id) => !rows.some((r) => r.pcx_id === id));
    if (missing) throw peeringNotFound(missing);
    return (await this.views(caller, rows)).filter(match);
  }

  async create(caller: Scope, req: { vpcId: string; peerVpcId?: string; peerOwnerId?: string; peerRegion?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<VpcPeeringConnection> {
    const vpc = await this.vpcs.get(caller, req.vpcId);
    if (!req.peerVpcId) throw ec2Error('MissingParameter', 'The request must contain the parameter PeerVpcId');
    const peerAccount = req.peerOwnerId ?? caller.accountId;
    const peerRegion = req.peerRegion ?? caller.region;
    if (!/^\d{12}$/.test(peerAccount)) throw invalidParameterValue(`Value (${peerAccount}) for parameter peerOwnerId is invalid.`);
    if (!findRegion(peerRegion)) throw invalidParameterValue(`Value (${peerRegion}) for parameter peerRegion is invalid.`);
    const peer = isId('vpc', req.peerVpcId) ? await this.store.vpc.vpcs.get({ accountId: peerAccount, region: peerRegion }, req.peerVpcId) : undefined;
    const overlap = peer && overlaps(parseCidr(peer.cidr_block)!, parseCidr(vpc.cidr_block)!);
    checkpoint();
    const now = new Date().toISOString();
    const ok = peer && !overlap;
    const row: Row<'vpc_peering_connections'> = {
      pcx_id: newId('pcx'),
      account_id: caller.accountId,
      region: caller.region,
      vpc_id: vpc.vpc_id,
      vpc_cidr: vpc.cidr_block,
      peer_account_id: peerAccount,
      peer_region: peerRegion,
      peer_vpc_id: req.peerVpcId,
      peer_vpc_cidr: peer?.cidr_block ?? null,
      status: ok ? 'pending-acceptance' : 'failed',
      message: ok ? `Pending Acceptance by ${peerAccount}` : 'Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range',
      created_at: now,
      changed_at: now,
    };
    await this.store.transaction(async (tx) => {
      await tx.vpc.insertPeering(row);
      await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: row.pcx_id, resourceType: 'vpc-peering-connection', ...t })));
    });
    const [view] = await this.views(caller, [row]);
    return { ...view, Status: { Code: 'initiating-request', Message: `Initiating Request to ${peerAccount}` } };
  }

  private async move(caller: Scope, id: string, to: 'active' | 'rejected' | 'deleted', checkpoint: () => void): Promise<Row<'vpc_peering_connections'>> {
    const row = await this.get(caller, id);
    const accepter = row.peer_account_id === caller.accountId && row.peer_region === caller.region;
    if (to !== 'deleted' && !accepter) throw ec2Error('OperationNotPermitted', `User ${caller.accountId} cannot ${to === 'active' ? 'accept' : 'reject'} peering ${id}`);
    const from = to === 'deleted' ? ['pending-acceptance', 'active'] : ['pending-acceptance'];
    if (!from.includes(row.status)) throw ec2Error('InvalidStateTransition', `Invalid state transition for ${id}, attempted to transition from ${row.status} to ${to}`);
    checkpoint();
    const message = { active: 'Active', rejected: `Rejected by ${caller.accountId}`, deleted: `Deleted by ${caller.accountId}` }[to];
    const set = { status: to, message, changed_at: new Date().toISOString() };
    await this.store.vpc.updatePeering(id, set);
    return { ...row, ...set };
  }

  async accept(caller: Scope, id: string, checkpoint: () => void): Promise<VpcPeeringConnection> {
    return (await this.views(caller, [await this.move(caller, id, 'active', checkpoint)]))[0];
  }

  async reject(caller: Scope, id: string, checkpoint: () => void): Promise<void> {
    await this.move(caller, id, 'rejected', checkpoint);
  }

  async delete(caller: Scope, id: string, checkpoint: () => void): Promise<void> {
    await this.move(caller, id, 'deleted', checkpoint);
  }
}
