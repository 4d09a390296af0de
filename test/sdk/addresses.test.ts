// Elastic IP addresses through @aws-sdk/client-ec2: AllocateAddress (tags, the loopback pool,
// the per-region limit), AssociateAddress with an instance, its network interface or an
// interface of its own (reassociation, AllowReassociation=false, one address an interface,
// Gateway.NotAttached without an internet gateway), the instance's public address following its
// Elastic IP (stop, start, terminate), DisassociateAddress, ReleaseAddress (InvalidIPAddress.InUse, AuthFailure for an
// address the caller does not hold), DescribeAddresses (ids, public IPs, filters),
// DescribeAddressesAttribute, CreateTags; restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeAddressesAttributeCommand,
  DescribeAddressesCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';
import { describeInstance, instanceIn, launchableImage, runOne } from '../helpers/instances.js';

describe('EC2 Elastic IP addresses', () => {
  let server: TestServer;
  let dir: string;
  let image: string;
  const client = (region = 'us-east-1', account = ALICE): EC2Client => ec2(server.url, { account, region });
  const alice = () => client();
  const allocate = async (c: EC2Client, extra: Record<string, unknown> = {}) => c.send(new AllocateAddressCommand({ Domain: 'vpc', ...extra }));
  const addresses = async (c: EC2Client, input: Record<string, unknown> = {}) => (await c.send(new DescribeAddressesCommand(input))).Addresses!;
  const releaseAll = async (c: EC2Client) => {
    for (const a of await addresses(c)) {
      if (a.AssociationId) await c.send(new DisassociateAddressCommand({ AssociationId: a.AssociationId }));
      await c.send(new ReleaseAddressCommand({ AllocationId: a.AllocationId }));
    }
  };

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    image = await launchableImage(alice());
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('AllocateAddress: a vpc address from the loopback pool, tagged; DescribeAddresses by id, by address and by filter', async () => {
    const c = alice();
    const a = await allocate(c, { TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'Name', Value: 'web' }] }] });
    assert.match(a.AllocationId!, /^eipalloc-[0-9a-f]{17}$/);
    assert.match(a.PublicIp!, /^127\.100\.\d+\.\d+$/);
    assert.deepEqual([a.Domain, a.PublicIpv4Pool, a.NetworkBorderGroup], ['vpc', 'amazon', 'us-east-1']);
    const b = await allocate(c);
    assert.notEqual(a.PublicIp, b.PublicIp);
    const [byId] = await addresses(c, { AllocationIds: [a.AllocationId] });
    assert.deepEqual([byId.PublicIp, byId.Domain, byId.Tags, byId.AssociationId, byId.InstanceId], [a.PublicIp, 'vpc', [{ Key: 'Name', Value: 'web' }], undefined, undefined]);
    assert.equal((await addresses(c, { PublicIps: [b.PublicIp] }))[0].AllocationId, b.AllocationId);
    assert.deepEqual((await addresses(c, { Filters: [{ Name: 'tag:Name', Values: ['web'] }] })).map((x) => x.AllocationId), [a.AllocationId]);
    assert.deepEqual((await addresses(c, { Filters: [{ Name: 'public-ip', Values: [b.PublicIp!] }] })).map((x) => x.AllocationId), [b.AllocationId]);
    assert.equal((await addresses(c, { Filters: [{ Name: 'domain', Values: ['vpc'] }] })).length, 2);
    await c.send(new CreateTagsCommand({ Resources: [b.AllocationId!], Tags: [{ Key: 'Name', Value: 'db' }] }));
    assert.deepEqual((await addresses(c, { AllocationIds: [b.AllocationId] }))[0].Tags, [{ Key: 'Name', Value: 'db' }]);
    const attrs = await c.send(new DescribeAddressesAttributeCommand({ AllocationIds: [a.AllocationId!], Attribute: 'domain-name' }));
    assert.deepEqual(attrs.Addresses, [{ AllocationId: a.AllocationId, PublicIp: a.PublicIp }]);

    await expectError(addresses(c, { AllocationIds: ['eipalloc-0123456789abcdef0'] }), 'InvalidAllocationID.NotFound', /eipalloc-0123456789abcdef0/);
    await expectError(addresses(c, { PublicIps: ['127.100.250.250'] }), 'InvalidAddress.NotFound');
    await expectError(addresses(c, { Filters: [{ Name: 'nonsense', Values: ['x'] }] }), 'InvalidParameterValue');
    // another account and another region see none of them
    assert.equal((await addresses(client('us-east-1', BOB))).length, 0);
    assert.equal((await addresses(client('eu-west-1'))).length, 0);
    await expectError(client('us-east-1', BOB).send(new ReleaseAddressCommand({ AllocationId: a.AllocationId })), 'InvalidAllocationID.NotFound');
    await expectError(client('us-east-1', BOB).send(new ReleaseAddressCommand({ PublicIp: a.PublicIp })), 'AuthFailure', /does not belong to you/);
    // AWS's default quota: five a region
    for (let i = 0; i < 3; i++) await allocate(c);
    await expectError(allocate(c), 'AddressLimitExceeded');
    await releaseAll(c);
    await expectError(c.send(new ReleaseAddressCommand({ AllocationId: a.AllocationId })), 'InvalidAllocationID.NotFound');
    assert.equal((await addresses(c)).length, 0);
  });

  test('AssociateAddress: the instance is reached at its Elastic IP, kept while stopped, displaced, refused without reassociation, gone when it terminates', async () => {
    const c = alice();
    const i = await instanceIn(c, (await runOne(c, image)).InstanceId!, 'running');
    const eni = i.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }))).NetworkInterfaces![0].NetworkInterfaceId!;
    const a = await allocate(c);
    const b = await allocate(c);
    const { AssociationId } = await c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: i.InstanceId }));
    assert.match(AssociationId!, /^eipassoc-[0-9a-f]{17}$/);
    assert.equal((await describeInstance(c, i.InstanceId!))!.PublicIpAddress, a.PublicIp);
    const [shown] = await addresses(c, { AllocationIds: [a.AllocationId] });
    assert.deepEqual([shown.AssociationId, shown.InstanceId, shown.NetworkInterfaceId, shown.NetworkInterfaceOwnerId, shown.PrivateIpAddress], [AssociationId, i.InstanceId, eni, ALICE.accountId, i.PrivateIpAddress]);
    assert.deepEqual((await addresses(c, { Filters: [{ Name: 'instance-id', Values: [i.InstanceId!] }] })).map((x) => x.AllocationId), [a.AllocationId]);
    assert.deepEqual((await addresses(c, { Filters: [{ Name: 'association-id', Values: [AssociationId!] }] })).map((x) => x.AllocationId), [a.AllocationId]);
    // the same association again is a no-op
    assert.equal((await c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: i.InstanceId }))).AssociationId, AssociationId);

    // associated: not released
    await expectError(c.send(new ReleaseAddressCommand({ AllocationId: a.AllocationId })), 'InvalidIPAddress.InUse', new RegExp(`Address ${a.PublicIp!.replaceAll('.', '\\.')} is in use`));

    // kept across stop and start
    await c.send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    assert.equal((await instanceIn(c, i.InstanceId!, 'stopped')).PublicIpAddress, a.PublicIp);
    await c.send(new StartInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    assert.equal((await instanceIn(c, i.InstanceId!, 'running')).PublicIpAddress, a.PublicIp);

    // a second instance: moving the address needs reassociation, which is the default
    const j = await instanceIn(c, (await runOne(c, image)).InstanceId!, 'running');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: j.InstanceId, AllowReassociation: false })), 'Resource.AlreadyAssociated', /already associated/);
    const moved = await c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: j.InstanceId }));
    assert.notEqual(moved.AssociationId, AssociationId);
    assert.equal((await describeInstance(c, j.InstanceId!))!.PublicIpAddress, a.PublicIp);
    assert.equal((await describeInstance(c, i.InstanceId!))!.PublicIpAddress, undefined);
    await expectError(c.send(new DisassociateAddressCommand({ AssociationId })), 'InvalidAssociationID.NotFound');

    // an instance holds one: b displaces a, which stays allocated
    const byB = await c.send(new AssociateAddressCommand({ AllocationId: b.AllocationId, InstanceId: j.InstanceId }));
    assert.equal((await describeInstance(c, j.InstanceId!))!.PublicIpAddress, b.PublicIp);
    assert.equal((await addresses(c, { AllocationIds: [a.AllocationId] }))[0].AssociationId, undefined);

    // by the public address (deprecated, still accepted), and DisassociateAddress by address
    await c.send(new AssociateAddressCommand({ PublicIp: a.PublicIp, InstanceId: i.InstanceId }));
    assert.equal((await describeInstance(c, i.InstanceId!))!.PublicIpAddress, a.PublicIp);
    await c.send(new DisassociateAddressCommand({ PublicIp: a.PublicIp }));
    assert.equal((await describeInstance(c, i.InstanceId!))!.PublicIpAddress, undefined);

    // terminating the instance disassociates the address; it stays allocated
    await c.send(new TerminateInstancesCommand({ InstanceIds: [j.InstanceId!] }));
    await instanceIn(c, j.InstanceId!, 'terminated');
    const [left] = await addresses(c, { AllocationIds: [b.AllocationId] });
    assert.deepEqual([left.AssociationId, left.InstanceId], [undefined, undefined]);
    await expectError(c.send(new DisassociateAddressCommand({ AssociationId: byB.AssociationId })), 'InvalidAssociationID.NotFound');
    await c.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await releaseAll(c);
  });

  test('AssociateAddress: by network interface, and its errors', async () => {
    const c = alice();
    const i = await instanceIn(c, (await runOne(c, image)).InstanceId!, 'running');
    const eni = (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }))).NetworkInterfaces![0].NetworkInterfaceId!;
    const a = await allocate(c);
    await c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, NetworkInterfaceId: eni, PrivateIpAddress: i.PrivateIpAddress }));
    const [shown] = await addresses(c, { Filters: [{ Name: 'network-interface-id', Values: [eni] }] });
    assert.deepEqual([shown.AllocationId, shown.InstanceId], [a.AllocationId, i.InstanceId]);

    await expectError(c.send(new AssociateAddressCommand({ InstanceId: i.InstanceId })), 'MissingParameter');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId })), 'MissingParameter');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: i.InstanceId, NetworkInterfaceId: eni })), 'InvalidParameterCombination');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-0123456789abcdef0', InstanceId: i.InstanceId })), 'InvalidAllocationID.NotFound');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: 'i-0123456789abcdef0' })), 'InvalidInstanceID.NotFound');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, NetworkInterfaceId: 'eni-0123456789abcdef0' })), 'InvalidNetworkInterfaceID.NotFound');
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: i.InstanceId, PrivateIpAddress: '10.99.99.99' })), 'InvalidParameterValue');
    await expectError(c.send(new AssociateAddressCommand({ PublicIp: '127.100.250.250', InstanceId: i.InstanceId })), 'AuthFailure');
    await expectError(client('us-east-1', BOB).send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: i.InstanceId })), 'InvalidAllocationID.NotFound');
    await expectError(c.send(new DisassociateAddressCommand({ AssociationId: 'eipassoc-0123456789abcdef0' })), 'InvalidAssociationID.NotFound');
    await expectError(c.send(new AllocateAddressCommand({ PublicIpv4Pool: 'ipv4pool-ec2-0123456789abcdef0' })), 'InvalidPublicIpv4PoolID.NotFound');

    // an instance in a VPC without an internet gateway cannot have one
    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!;
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.40.1.0/24' }))).Subnet!;
    const inside = await runOne(c, image, { SubnetId: subnet.SubnetId });
    const b = await allocate(c);
    await expectError(c.send(new AssociateAddressCommand({ AllocationId: b.AllocationId, InstanceId: inside.InstanceId })), 'Gateway.NotAttached', new RegExp(`Network ${vpc.VpcId} is not attached to any internet gateway`));
    const igw = (await c.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await c.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
    await c.send(new AssociateAddressCommand({ AllocationId: b.AllocationId, InstanceId: inside.InstanceId }));
    assert.equal((await describeInstance(c, inside.InstanceId!))!.PublicIpAddress, b.PublicIp);

    // DryRun
    await expectError(c.send(new AllocateAddressCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
    await c.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!, inside.InstanceId!] }));
    await instanceIn(c, inside.InstanceId!, 'terminated');
    await instanceIn(c, i.InstanceId!, 'terminated');
    await releaseAll(c);
  });

  test('AssociateAddress with a network interface of its own: shown on the interface, displaced, dropped when it is deleted', async () => {
    const c = alice();
    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: '10.41.0.0/16' }))).Vpc!;
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.41.1.0/24' }))).Subnet!;
    const igw = (await c.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await c.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
    const eni = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId }))).NetworkInterface!;
    const a = await allocate(c);
    const b = await allocate(c);
    const { AssociationId } = await c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, NetworkInterfaceId: eni.NetworkInterfaceId }));
    const [shown] = await addresses(c, { AllocationIds: [a.AllocationId] });
    assert.deepEqual([shown.AssociationId, shown.NetworkInterfaceId, shown.PrivateIpAddress, shown.InstanceId], [AssociationId, eni.NetworkInterfaceId, eni.PrivateIpAddress, undefined]);
    const onEni = (await c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.NetworkInterfaceId!] }))).NetworkInterfaces![0];
    assert.deepEqual([onEni.Association?.PublicIp, onEni.Association?.AllocationId], [a.PublicIp, a.AllocationId]);
    await c.send(new AssociateAddressCommand({ AllocationId: b.AllocationId, NetworkInterfaceId: eni.NetworkInterfaceId }));
    assert.equal((await addresses(c, { AllocationIds: [a.AllocationId] }))[0].AssociationId, undefined);
    await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
    const [left] = await addresses(c, { AllocationIds: [b.AllocationId] });
    assert.deepEqual([left.AssociationId, left.NetworkInterfaceId], [undefined, undefined]);
    await releaseAll(c);
  });

  test('restart: allocations and associations stay', async () => {
    const c = alice();
    const i = await instanceIn(c, (await runOne(c, image)).InstanceId!, 'running');
    const a = await allocate(c, { TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'k', Value: 'v' }] }] });
    await c.send(new AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: i.InstanceId }));
    await server.stop();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    const [shown] = await addresses(alice(), { AllocationIds: [a.AllocationId] });
    assert.deepEqual([shown.PublicIp, shown.InstanceId, shown.Tags], [a.PublicIp, i.InstanceId, [{ Key: 'k', Value: 'v' }]]);
    assert.equal((await instanceIn(alice(), i.InstanceId!, 'running')).PublicIpAddress, a.PublicIp);
  });
});
