// Network interfaces through @aws-sdk/client-ec2: CreateNetworkInterface (the subnet's lowest
// free address or the one asked for, the VPC's default group or groups of that VPC, description,
// secondary addresses by count or list, tags), subnets' free address counts and launches that
// skip interfaces' addresses, AttachNetworkInterface (device index, zone), DetachNetworkInterface,
// DeleteNetworkInterface (InvalidNetworkInterface.InUse), ModifyNetworkInterfaceAttribute
// (groups, source/dest check, description, delete on termination), Assign/
// UnassignPrivateIpAddresses on interfaces of their own and instances' primary ones,
// DescribeNetworkInterfaces (ids, filters), DeleteSubnet's DependencyViolation, termination.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSubnetCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
  TerminateInstancesCommand,
  UnassignPrivateIpAddressesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';
import { instanceIn, launchableImage, runOne } from '../helpers/instances.js';

describe('EC2 network interfaces', () => {
  let server: TestServer;
  let dir: string;
  let image: string;
  const client = (region = 'us-east-1', account = ALICE): EC2Client => ec2(server.url, { account, region });
  const alice = () => client();
  const enis = async (c: EC2Client, input: Record<string, unknown> = {}) => (await c.send(new DescribeNetworkInterfacesCommand(input))).NetworkInterfaces!;
  const eni = async (c: EC2Client, id: string) => (await enis(c, { NetworkInterfaceIds: [id] }))[0];
  const free = async (c: EC2Client, subnetId: string) => (await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets![0].AvailableIpAddressCount;
  const network = async (c: EC2Client, cidr: string) => {
    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }))).Vpc!;
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: `${cidr}.1.0/24`, AvailabilityZone: 'us-east-1a' }))).Subnet!;
    return { vpc, subnet };
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

  test('CreateNetworkInterface: addresses, groups, secondaries, tags; counts and launches see them; DeleteSubnet refuses', async () => {
    const c = alice();
    const { vpc, subnet } = await network(c, '10.50');
    assert.equal(await free(c, subnet.SubnetId!), 251);
    const created = (
      await c.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnet.SubnetId,
          Description: 'db',
          SecondaryPrivateIpAddressCount: 2,
          TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'Name', Value: 'db' }] }],
        }),
      )
    ).NetworkInterface!;
    assert.match(created.NetworkInterfaceId!, /^eni-[0-9a-f]{17}$/);
    assert.deepEqual([created.PrivateIpAddress, created.Status, created.Description, created.SourceDestCheck, created.VpcId, created.AvailabilityZone, created.InterfaceType, created.TagSet], ['10.50.1.4', 'available', 'db', true, vpc.VpcId, 'us-east-1a', 'interface', [{ Key: 'Name', Value: 'db' }]]);
    assert.deepEqual(created.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary]), [['10.50.1.4', true], ['10.50.1.5', false], ['10.50.1.6', false]]);
    assert.equal(created.Groups!.length, 1);
    assert.equal(created.Groups![0].GroupName, 'default');
    assert.match(created.MacAddress!, /^0e(:[0-9a-f]{2}){5}$/);
    assert.equal(await free(c, subnet.SubnetId!), 248);

    // an address asked for, groups of the VPC, a list of secondaries
    const sg = (await c.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app', VpcId: vpc.VpcId }))).GroupId!;
    const asked = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, PrivateIpAddress: '10.50.1.20', Groups: [sg], PrivateIpAddresses: [{ PrivateIpAddress: '10.50.1.21', Primary: false }] }))).NetworkInterface!;
    assert.deepEqual([asked.PrivateIpAddress, asked.Groups!.map((g) => g.GroupId), asked.PrivateIpAddresses!.map((a) => a.PrivateIpAddress)], ['10.50.1.20', [sg], ['10.50.1.20', '10.50.1.21']]);
    await expectError(c.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, PrivateIpAddress: '10.50.1.20' })), 'InvalidIPAddress.InUse');
    await expectError(c.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, PrivateIpAddress: '10.60.1.20' })), 'InvalidParameterValue');
    const defaultGroup = created.Groups![0].GroupId!;
    const other = await network(c, '10.51');
    await expectError(c.send(new CreateNetworkInterfaceCommand({ SubnetId: other.subnet.SubnetId, Groups: [defaultGroup] })), 'InvalidParameter', /different networks/);
    await expectError(c.send(new CreateNetworkInterfaceCommand({ SubnetId: 'subnet-0123456789abcdef0' })), 'InvalidSubnetID.NotFound');

    // a launch into the subnet skips the interfaces' addresses
    const i = await runOne(c, image, { SubnetId: subnet.SubnetId });
    assert.equal(i.PrivateIpAddress, '10.50.1.7');
    const primary = (await enis(c, { Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }))[0];
    assert.deepEqual([primary.NetworkInterfaceId, primary.Status, primary.Attachment!.DeviceIndex], [i.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? primary.NetworkInterfaceId, 'in-use', 0]);

    // filters and ids
    assert.deepEqual((await enis(c, { Filters: [{ Name: 'subnet-id', Values: [subnet.SubnetId!] }, { Name: 'status', Values: ['available'] }] })).map((n) => n.NetworkInterfaceId).sort(), [created.NetworkInterfaceId, asked.NetworkInterfaceId].sort());
    assert.deepEqual((await enis(c, { Filters: [{ Name: 'tag:Name', Values: ['db'] }] })).map((n) => n.NetworkInterfaceId), [created.NetworkInterfaceId]);
    assert.deepEqual((await enis(c, { Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.50.1.21'] }] })).map((n) => n.NetworkInterfaceId), [asked.NetworkInterfaceId]);
    assert.deepEqual((await enis(c, { Filters: [{ Name: 'group-id', Values: [sg] }] })).map((n) => n.NetworkInterfaceId), [asked.NetworkInterfaceId]);
    await expectError(enis(c, { NetworkInterfaceIds: ['eni-0123456789abcdef0'] }), 'InvalidNetworkInterfaceID.NotFound');
    await expectError(enis(client('us-east-1', BOB), { NetworkInterfaceIds: [created.NetworkInterfaceId!] }), 'InvalidNetworkInterfaceID.NotFound');

    // a subnet with interfaces is not deleted
    await c.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(c, i.InstanceId!, 'terminated');
    await expectError(c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId })), 'DependencyViolation');
    await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: created.NetworkInterfaceId }));
    await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: asked.NetworkInterfaceId }));
    await expectError(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: asked.NetworkInterfaceId })), 'InvalidNetworkInterfaceID.NotFound');
    assert.equal(await free(c, subnet.SubnetId!), 251);
    await c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
  });

  test('Attach/DetachNetworkInterface and DeleteNetworkInterface while in use; termination detaches or deletes', async () => {
    const c = alice();
    const { subnet } = await network(c, '10.52');
    const i = await instanceIn(c, (await runOne(c, image, { SubnetId: subnet.SubnetId })).InstanceId!, 'running');
    const n = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId }))).NetworkInterface!;
    await expectError(c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 0 })), 'InvalidParameterValue', /device index '0'/);
    const { AttachmentId } = await c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 1 }));
    assert.match(AttachmentId!, /^eni-attach-[0-9a-f]{17}$/);
    const attached = await eni(c, n.NetworkInterfaceId!);
    assert.deepEqual([attached.Status, attached.Attachment!.InstanceId, attached.Attachment!.DeviceIndex, attached.Attachment!.Status, attached.Attachment!.DeleteOnTermination], ['in-use', i.InstanceId, 1, 'attached', false]);
    await expectError(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId })), 'InvalidNetworkInterface.InUse');
    const primary = (await enis(c, { Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }, { Name: 'attachment.device-index', Values: ['0'] }] }))[0];
    await expectError(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: primary.NetworkInterfaceId })), 'InvalidNetworkInterface.InUse');
    await expectError(c.send(new DetachNetworkInterfaceCommand({ AttachmentId: primary.Attachment!.AttachmentId })), 'OperationNotPermitted');
    await expectError(c.send(new DetachNetworkInterfaceCommand({ AttachmentId: 'eni-attach-0123456789abcdef0' })), 'InvalidAttachmentID.NotFound');
    const n2 = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId }))).NetworkInterface!;
    await expectError(c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n2.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 1 })), 'InvalidParameterValue', /device index '1'/);
    await expectError(c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 2 })), 'InvalidNetworkInterface.InUse');
    // another zone
    const vpcId = subnet.VpcId!;
    const elsewhere = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.52.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet!;
    const far = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: elsewhere.SubnetId }))).NetworkInterface!;
    await expectError(c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: far.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 2 })), 'InvalidParameterCombination');

    await c.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    assert.deepEqual([(await eni(c, n.NetworkInterfaceId!)).Status, (await eni(c, n.NetworkInterfaceId!)).Attachment], ['available', undefined]);

    // termination: n (delete on termination) goes, n2 becomes available again
    const a1 = (await c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 1 }))).AttachmentId!;
    await c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n2.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 2 }));
    await c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: n.NetworkInterfaceId, Attachment: { AttachmentId: a1, DeleteOnTermination: true } }));
    assert.equal((await eni(c, n.NetworkInterfaceId!)).Attachment!.DeleteOnTermination, true);
    await c.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(c, i.InstanceId!, 'terminated');
    await expectError(enis(c, { NetworkInterfaceIds: [n.NetworkInterfaceId!] }), 'InvalidNetworkInterfaceID.NotFound');
    assert.equal((await eni(c, n2.NetworkInterfaceId!)).Status, 'available');
    await expectError(enis(c, { NetworkInterfaceIds: [primary.NetworkInterfaceId!] }), 'InvalidNetworkInterfaceID.NotFound');
  });

  test('ModifyNetworkInterfaceAttribute and Assign/UnassignPrivateIpAddresses, on an instance\'s primary interface too', async () => {
    const c = alice();
    const { vpc, subnet } = await network(c, '10.53');
    const i = await instanceIn(c, (await runOne(c, image, { SubnetId: subnet.SubnetId })).InstanceId!, 'running');
    const primary = (await enis(c, { Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }))[0];
    const id = primary.NetworkInterfaceId!;
    await c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Description: { Value: 'web' } }));
    await c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, SourceDestCheck: { Value: false } }));
    const sg = (await c.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web', VpcId: vpc.VpcId }))).GroupId!;
    await c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [sg] }));
    const shown = await eni(c, id);
    assert.deepEqual([shown.Description, shown.SourceDestCheck, shown.Groups!.map((g) => g.GroupId)], ['web', false, [sg]]);
    const seen = await instanceIn(c, i.InstanceId!, 'running');
    assert.deepEqual([seen.SecurityGroups!.map((g) => g.GroupId), seen.SourceDestCheck], [[sg], false]);
    await expectError(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Description: { Value: 'x' }, SourceDestCheck: { Value: true } })), 'InvalidParameterCombination');
    await expectError(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: 'eni-0123456789abcdef0', Description: { Value: 'x' } })), 'InvalidNetworkInterfaceID.NotFound');

    const assigned = await c.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: id, SecondaryPrivateIpAddressCount: 2 }));
    assert.deepEqual(assigned.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress), ['10.53.1.5', '10.53.1.6']);
    await c.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: id, PrivateIpAddresses: ['10.53.1.30'] }));
    assert.deepEqual((await eni(c, id)).PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary]), [[i.PrivateIpAddress, true], ['10.53.1.30', false], ['10.53.1.5', false], ['10.53.1.6', false]]);
    await expectError(c.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: id, PrivateIpAddresses: ['10.53.1.30'] })), 'InvalidIPAddress.InUse');
    assert.equal((await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }))).Subnets![0].AvailableIpAddressCount, 251 - 4);
    await c.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: id, PrivateIpAddresses: ['10.53.1.5'] }));
    await expectError(c.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: id, PrivateIpAddresses: ['10.53.1.5'] })), 'InvalidParameterValue');
    await expectError(c.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: id, PrivateIpAddresses: [i.PrivateIpAddress!] })), 'InvalidParameterValue');
    assert.deepEqual((await eni(c, id)).PrivateIpAddresses!.map((a) => a.PrivateIpAddress), [i.PrivateIpAddress, '10.53.1.30', '10.53.1.6']);
    // the instance's termination frees them
    await c.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(c, i.InstanceId!, 'terminated');
    assert.equal((await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }))).Subnets![0].AvailableIpAddressCount, 251);
    await c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
  });
});
