// NAT gateways and VPC peering connections through @aws-sdk/client-ec2: CreateNatGateway with a
// subnet and an Elastic IP (pending -> available; failed without an internet gateway; the
// address held: ReleaseAddress and AssociateAddress refuse it; the subnet counts and keeps it),
// routes to it active then blackhole, DeleteNatGateway (deleting -> deleted, address freed),
// private gateways, errors; peering in one account and across accounts (pending-acceptance ->
// active, rejected, deleted; only the accepter accepts; failed for an unknown VPC or overlapping
// blocks), routes to a peering, describes from both sides, filters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AcceptVpcPeeringConnectionCommand,
  AllocateAddressCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSubnetCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DetachInternetGatewayCommand,
  DisassociateAddressCommand,
  RejectVpcPeeringConnectionCommand,
  ReleaseAddressCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EC2 NAT gateways and VPC peering', () => {
  let server: TestServer;
  let dir: string;
  const client = (region = 'us-east-1', account = ALICE): EC2Client => ec2(server.url, { account, region });
  const alice = () => client();
  const nat = async (c: EC2Client, id: string) => (await c.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways![0];
  const natIn = async (c: EC2Client, id: string, state: string) => {
    for (let i = 0; i < 100; i++) {
      const n = await nat(c, id);
      if (n.State === state) return n;
      await sleep(20);
    }
    assert.fail(`${id} never ${state}`);
  };
  const routeState = async (c: EC2Client, tableId: string, destination: string) =>
    (await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))).RouteTables![0].Routes!.find((r) => r.DestinationCidrBlock === destination)!.State;
  const vpcWith = async (c: EC2Client, cidr: string, igw = true) => {
    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }))).Vpc!;
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: `${cidr}.1.0/24` }))).Subnet!;
    let gatewayId: string | undefined;
    if (igw) {
      gatewayId = (await c.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
      await c.send(new AttachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpc.VpcId }));
    }
    return { vpc, subnet, gatewayId };
  };

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('NAT gateway: pending -> available with its Elastic IP, routes to it, deleting -> deleted', async () => {
    const c = alice();
    const { vpc, subnet, gatewayId } = await vpcWith(c, '10.70');
    const eip = await c.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const created = (await c.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId, AllocationId: eip.AllocationId, TagSpecifications: [{ ResourceType: 'natgateway', Tags: [{ Key: 'Name', Value: 'out' }] }] }))).NatGateway!;
    assert.match(created.NatGatewayId!, /^nat-[0-9a-f]{17}$/);
    assert.deepEqual([created.State, created.VpcId, created.SubnetId, created.ConnectivityType, created.Tags], ['pending', vpc.VpcId, subnet.SubnetId, 'public', [{ Key: 'Name', Value: 'out' }]]);
    const available = await natIn(c, created.NatGatewayId!, 'available');
    const [address] = available.NatGatewayAddresses!;
    assert.deepEqual([address.AllocationId, address.PublicIp, address.PrivateIp], [eip.AllocationId, eip.PublicIp, '10.70.1.4']);
    assert.match(address.NetworkInterfaceId!, /^eni-/);
    assert.equal((await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }))).Subnets![0].AvailableIpAddressCount, 250);
    const [held] = (await c.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses!;
    assert.equal(held.NetworkInterfaceId, address.NetworkInterfaceId);
    await expectError(c.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId })), 'InvalidIPAddress.InUse');
    await expectError(c.send(new DisassociateAddressCommand({ AssociationId: held.AssociationId })), 'AuthFailure');
    await expectError(c.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId, AllocationId: eip.AllocationId })), 'Resource.AlreadyAssociated');
    await expectError(c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId })), 'DependencyViolation');
    await expectError(c.send(new DetachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpc.VpcId })), 'DependencyViolation', /mapped public address/);
    // its requester-managed interface
    const [natEni] = (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'interface-type', Values: ['nat_gateway'] }, { Name: 'vpc-id', Values: [vpc.VpcId!] }] }))).NetworkInterfaces!;
    await expectError(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: natEni.NetworkInterfaceId })), 'InvalidNetworkInterface.InUse');
    assert.deepEqual([natEni.NetworkInterfaceId, natEni.RequesterManaged, natEni.PrivateIpAddress, natEni.Association?.PublicIp, natEni.Description], [address.NetworkInterfaceId, true, '10.70.1.4', eip.PublicIp, `Interface for NAT Gateway ${created.NatGatewayId}`]);
    assert.deepEqual((await c.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'state', Values: ['available'] }] }))).NatGateways!.map((n) => n.NatGatewayId), [created.NatGatewayId]);
    assert.equal((await c.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'tag:Name', Values: ['nope'] }] }))).NatGateways!.length, 0);

    // a route to it is active; after deletion, a blackhole
    const table = (await c.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId }))).RouteTable!;
    await c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: created.NatGatewayId }));
    assert.equal(await routeState(c, table.RouteTableId!, '0.0.0.0/0'), 'active');
    assert.equal((await c.send(new DeleteNatGatewayCommand({ NatGatewayId: created.NatGatewayId }))).NatGatewayId, created.NatGatewayId);
    assert.equal((await nat(c, created.NatGatewayId!)).State, 'deleting');
    await natIn(c, created.NatGatewayId!, 'deleted');
    await expectError(c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [address.NetworkInterfaceId!] })), 'InvalidNetworkInterfaceID.NotFound');
    assert.equal(await routeState(c, table.RouteTableId!, '0.0.0.0/0'), 'blackhole');
    await expectError(c.send(new DeleteNatGatewayCommand({ NatGatewayId: created.NatGatewayId })), 'NatGatewayNotFound');
    // the address is free again
    assert.equal((await c.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses![0].AssociationId, undefined);
    await c.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
  });

  test('NAT gateway: failed without an internet gateway, private ones, errors', async () => {
    const c = alice();
    const { subnet } = await vpcWith(c, '10.71', false);
    const eip = await c.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const created = (await c.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId, AllocationId: eip.AllocationId }))).NatGateway!;
    const failed = await natIn(c, created.NatGatewayId!, 'failed');
    assert.equal(failed.FailureCode, 'Gateway.NotAttached');
    const priv = (await c.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId, ConnectivityType: 'private' }))).NatGateway!;
    assert.equal((await natIn(c, priv.NatGatewayId!, 'available')).NatGatewayAddresses![0].PublicIp, undefined);
    await expectError(c.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId })), 'MissingParameter');
    await expectError(c.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId, AllocationId: 'eipalloc-0123456789abcdef0' })), 'InvalidAllocationID.NotFound');
    await expectError(c.send(new CreateNatGatewayCommand({ SubnetId: 'subnet-0123456789abcdef0', AllocationId: eip.AllocationId })), 'InvalidSubnetID.NotFound');
    await expectError(c.send(new DescribeNatGatewaysCommand({ NatGatewayIds: ['nat-0123456789abcdef0'] })), 'NatGatewayNotFound');
    await expectError(client('us-east-1', BOB).send(new DeleteNatGatewayCommand({ NatGatewayId: priv.NatGatewayId })), 'NatGatewayNotFound');
    await c.send(new DeleteNatGatewayCommand({ NatGatewayId: priv.NatGatewayId }));
    await c.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
  });

  test('peering in one account: pending-acceptance -> active, routes, deleted; failed for overlapping blocks', async () => {
    const c = alice();
    const a = await vpcWith(c, '10.80', false);
    const b = await vpcWith(c, '10.81', false);
    const created = (await c.send(new CreateVpcPeeringConnectionCommand({ VpcId: a.vpc.VpcId, PeerVpcId: b.vpc.VpcId, TagSpecifications: [{ ResourceType: 'vpc-peering-connection', Tags: [{ Key: 'Name', Value: 'ab' }] }] }))).VpcPeeringConnection!;
    assert.match(created.VpcPeeringConnectionId!, /^pcx-[0-9a-f]{17}$/);
    assert.equal(created.Status!.Code, 'initiating-request');
    assert.deepEqual([created.RequesterVpcInfo!.VpcId, created.RequesterVpcInfo!.CidrBlock, created.AccepterVpcInfo!.VpcId, created.AccepterVpcInfo!.OwnerId], [a.vpc.VpcId, '10.80.0.0/16', b.vpc.VpcId, ALICE.accountId]);
    const id = created.VpcPeeringConnectionId!;
    const describe = async (cl: EC2Client) => (await cl.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] }))).VpcPeeringConnections![0];
    assert.equal((await describe(c)).Status!.Code, 'pending-acceptance');
    const table = (await c.send(new CreateRouteTableCommand({ VpcId: a.vpc.VpcId }))).RouteTable!;
    await c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '10.81.0.0/16', VpcPeeringConnectionId: id }));
    assert.equal(await routeState(c, table.RouteTableId!, '10.81.0.0/16'), 'blackhole');
    const accepted = (await c.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }))).VpcPeeringConnection!;
    assert.deepEqual([accepted.Status!.Code, accepted.AccepterVpcInfo!.CidrBlock], ['active', '10.81.0.0/16']);
    assert.equal(await routeState(c, table.RouteTableId!, '10.81.0.0/16'), 'active');
    await expectError(c.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })), 'InvalidStateTransition');
    assert.deepEqual((await c.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: 'status-code', Values: ['active'] }, { Name: 'tag:Name', Values: ['ab'] }] }))).VpcPeeringConnections!.map((p) => p.VpcPeeringConnectionId), [id]);
    await c.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }));
    assert.equal((await describe(c)).Status!.Code, 'deleted');
    assert.equal(await routeState(c, table.RouteTableId!, '10.81.0.0/16'), 'blackhole');
    await expectError(c.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })), 'InvalidStateTransition');

    const overlap = await vpcWith(c, '10.80', false);
    const failed = (await c.send(new CreateVpcPeeringConnectionCommand({ VpcId: a.vpc.VpcId, PeerVpcId: overlap.vpc.VpcId }))).VpcPeeringConnection!;
    assert.equal((await c.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [failed.VpcPeeringConnectionId!] }))).VpcPeeringConnections![0].Status!.Code, 'failed');
    await expectError(c.send(new CreateVpcPeeringConnectionCommand({ VpcId: 'vpc-0123456789abcdef0', PeerVpcId: b.vpc.VpcId })), 'InvalidVpcID.NotFound');
    await expectError(c.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: ['pcx-0123456789abcdef0'] })), 'InvalidVpcPeeringConnectionID.NotFound');
  });

  test('peering across accounts: both see it, only the accepter accepts or rejects', async () => {
    const a = alice();
    const b = client('us-east-1', BOB);
    const mine = await vpcWith(a, '10.90', false);
    const theirs = await vpcWith(b, '10.91', false);
    const pcx = (await a.send(new CreateVpcPeeringConnectionCommand({ VpcId: mine.vpc.VpcId, PeerVpcId: theirs.vpc.VpcId, PeerOwnerId: BOB.accountId }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    const seen = (await b.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pcx] }))).VpcPeeringConnections![0];
    assert.deepEqual([seen.Status!.Code, seen.RequesterVpcInfo!.OwnerId, seen.AccepterVpcInfo!.OwnerId], ['pending-acceptance', ALICE.accountId, BOB.accountId]);
    await expectError(a.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx })), 'OperationNotPermitted');
    assert.equal((await b.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }))).VpcPeeringConnection!.Status!.Code, 'active');
    assert.equal((await a.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pcx] }))).VpcPeeringConnections![0].Status!.Code, 'active');
    // a second one, rejected
    const other = await vpcWith(b, '10.92', false);
    const rejected = (await a.send(new CreateVpcPeeringConnectionCommand({ VpcId: mine.vpc.VpcId, PeerVpcId: other.vpc.VpcId, PeerOwnerId: BOB.accountId }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await expectError(a.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: rejected })), 'OperationNotPermitted');
    assert.equal((await b.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: rejected }))).Return, true);
    assert.equal((await a.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [rejected] }))).VpcPeeringConnections![0].Status!.Code, 'rejected');
    // another region does not see them
    assert.equal((await client('eu-west-1').send(new DescribeVpcPeeringConnectionsCommand({}))).VpcPeeringConnections!.length, 0);
    await b.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
  });
});
