// RunInstances with NetworkInterfaces through @aws-sdk/client-ec2: several interfaces (device
// indexes, subnets of one zone, addresses by default, asked for, listed and counted, groups,
// descriptions, DeleteOnTermination defaults), an existing interface attached at launch (at
// index 0 or above), what DescribeInstances and DescribeNetworkInterfaces show, subnets' free
// address counts, Attach/DetachNetworkInterface seen by DescribeInstances, termination
// (delete-on-termination interfaces go, the others become available), MaxCount>1, every
// error AWS answers for a wrong list, and a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
  type InstanceNetworkInterfaceSpecification,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';
import { describeInstance, instanceIn, launchableImage } from '../helpers/instances.js';

describe('RunInstances with network interfaces', () => {
  let server: TestServer;
  let dir: string;
  let image: string;
  let credentials: string;
  const client = (account = ALICE): EC2Client => ec2(server.url, { account, region: 'us-east-1' });
  const enis = async (c: EC2Client, input: Record<string, unknown> = {}) => (await c.send(new DescribeNetworkInterfacesCommand(input))).NetworkInterfaces!;
  const eni = async (c: EC2Client, id: string) => (await enis(c, { NetworkInterfaceIds: [id] }))[0];
  const free = async (c: EC2Client, subnetId: string) => (await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets![0].AvailableIpAddressCount!;
  const run = async (c: EC2Client, NetworkInterfaces: InstanceNetworkInterfaceSpecification[], extra: Record<string, unknown> = {}) =>
    (await c.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', NetworkInterfaces, ...extra }))).Instances!;
  /** A VPC with two subnets in us-east-1a and one in us-east-1b. */
  const network = async (c: EC2Client, cidr: string) => {
    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }))).Vpc!;
    const subnet = async (n: number, zone: string) => (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: `${cidr}.${n}.0/24`, AvailabilityZone: zone }))).Subnet!.SubnetId!;
    const sg = (await c.send(new CreateSecurityGroupCommand({ GroupName: `web-${cidr}`, Description: 'web', VpcId: vpc.VpcId }))).GroupId!;
    return { vpcId: vpc.VpcId!, a: await subnet(1, 'us-east-1a'), a2: await subnet(2, 'us-east-1a'), b: await subnet(3, 'us-east-1b'), sg };
  };
  const shape = (i: Instance) =>
    [...i.NetworkInterfaces!]
      .sort((x, y) => x.Attachment!.DeviceIndex! - y.Attachment!.DeviceIndex!)
      .map((n) => ({
        index: n.Attachment!.DeviceIndex,
        id: n.NetworkInterfaceId,
        subnet: n.SubnetId,
        description: n.Description,
        dot: n.Attachment!.DeleteOnTermination,
        status: n.Attachment!.Status,
        ips: n.PrivateIpAddresses!.map((a) => `${a.PrivateIpAddress}${a.Primary ? '*' : ''}`),
        groups: n.Groups!.map((g) => g.GroupId),
      }));

  before(async () => {
    dir = tempDir();
    credentials = writeCredentials(dir);
    server = await startServer({ credentials, dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    image = await launchableImage(client());
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('several interfaces: new ones in two subnets and an existing one; describes, counts, attach/detach, termination', async () => {
    const c = client();
    const { a, a2, sg } = await network(c, '10.61');
    const existing = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: a, Description: 'kept' }))).NetworkInterface!;
    assert.equal(existing.PrivateIpAddress, '10.61.1.4');
    const [freeA, freeA2] = [await free(c, a), await free(c, a2)];
    assert.deepEqual([freeA, freeA2], [250, 251]);
    const [launched] = await run(
      c,
      [
        { DeviceIndex: 2, NetworkInterfaceId: existing.NetworkInterfaceId },
        { DeviceIndex: 1, SubnetId: a2, PrivateIpAddress: '10.61.2.50', PrivateIpAddresses: [{ PrivateIpAddress: '10.61.2.51', Primary: false }], Description: 'backend' },
        { DeviceIndex: 0, SubnetId: a, Groups: [sg], Description: 'front', SecondaryPrivateIpAddressCount: 1 },
      ],
      { TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'team', Value: 'net' }] }] },
    );
    const expected = (ids: string[]) => [
      { index: 0, id: ids[0], subnet: a, description: 'front', dot: true, status: 'attached', ips: ['10.61.1.5*', '10.61.1.6'], groups: [sg] },
      { index: 1, id: ids[1], subnet: a2, description: 'backend', dot: true, status: 'attached', ips: ['10.61.2.50*', '10.61.2.51'], groups: [launched.NetworkInterfaces!.find((n) => n.Attachment!.DeviceIndex === 1)!.Groups![0].GroupId] },
      { index: 2, id: existing.NetworkInterfaceId, subnet: a, description: 'kept', dot: false, status: 'attached', ips: ['10.61.1.4*'], groups: [existing.Groups![0].GroupId] },
    ];
    const ids = shape(launched).map((n) => n.id!);
    assert.deepEqual(shape(launched), expected(ids));
    assert.equal(launched.NetworkInterfaces!.find((n) => n.Attachment!.DeviceIndex === 1)!.Groups![0].GroupName, 'default');
    assert.deepEqual([launched.PrivateIpAddress, launched.SubnetId, launched.SecurityGroups!.map((g) => g.GroupId)], ['10.61.1.5', a, [sg]]);
    const running = await instanceIn(c, launched.InstanceId!, 'running');
    assert.deepEqual(shape(running), expected(ids));
    // several interfaces: no public address, whatever the subnet says
    assert.equal(running.PublicIpAddress, undefined);
    // the new interfaces hold their addresses; the existing one already held its own
    assert.deepEqual([await free(c, a), await free(c, a2)], [freeA - 2, freeA2 - 2]);
    for (const [k, id] of ids.entries()) {
      const n = await eni(c, id);
      assert.deepEqual([n.Status, n.Attachment!.InstanceId, n.Attachment!.DeviceIndex, n.Attachment!.Status, n.Attachment!.DeleteOnTermination], ['in-use', launched.InstanceId, k, 'attached', k < 2]);
      assert.equal(n.Attachment!.AttachmentId, running.NetworkInterfaces!.find((x) => x.NetworkInterfaceId === id)!.Attachment!.AttachmentId);
      assert.deepEqual(n.TagSet, k < 2 ? [{ Key: 'team', Value: 'net' }] : []);
    }
    await expectError(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: existing.NetworkInterfaceId })), 'InvalidNetworkInterface.InUse');
    await expectError(c.send(new DetachNetworkInterfaceCommand({ AttachmentId: running.NetworkInterfaces!.find((x) => x.Attachment!.DeviceIndex === 0)!.Attachment!.AttachmentId })), 'OperationNotPermitted');

    // attached and detached while running: DescribeInstances follows
    const extra = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: a2 }))).NetworkInterface!;
    const { AttachmentId } = await c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: extra.NetworkInterfaceId, InstanceId: launched.InstanceId, DeviceIndex: 3 }));
    const withFour = (await describeInstance(c, launched.InstanceId!))!;
    assert.deepEqual(shape(withFour).map((n) => [n.index, n.id, n.dot]), [[0, ids[0], true], [1, ids[1], true], [2, existing.NetworkInterfaceId, false], [3, extra.NetworkInterfaceId, false]]);
    assert.equal(withFour.NetworkInterfaces!.find((n) => n.Attachment!.DeviceIndex === 3)!.Attachment!.AttachmentId, AttachmentId);
    await expectError(c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: extra.NetworkInterfaceId, InstanceId: launched.InstanceId, DeviceIndex: 4 })), 'InvalidNetworkInterface.InUse');
    await c.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    assert.deepEqual(shape((await describeInstance(c, launched.InstanceId!))!).map((n) => n.index), [0, 1, 2]);

    // termination: the interfaces made at launch go, the existing one stays, available
    await c.send(new TerminateInstancesCommand({ InstanceIds: [launched.InstanceId!] }));
    const gone = await instanceIn(c, launched.InstanceId!, 'terminated');
    assert.deepEqual(gone.NetworkInterfaces, []);
    for (const id of ids.slice(0, 2)) await expectError(enis(c, { NetworkInterfaceIds: [id] }), 'InvalidNetworkInterfaceID.NotFound');
    const kept = await eni(c, existing.NetworkInterfaceId!);
    assert.deepEqual([kept.Status, kept.Attachment, kept.PrivateIpAddress, kept.Description], ['available', undefined, '10.61.1.4', 'kept']);
    assert.deepEqual([await free(c, a), await free(c, a2)], [freeA, freeA2 - 1]);
    await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: extra.NetworkInterfaceId }));
    assert.equal(await free(c, a2), freeA2);
  });

  test('an existing interface as the primary one: the instance takes its address, subnet and groups; it outlives the instance', async () => {
    const c = client();
    const { a, sg } = await network(c, '10.62');
    const n = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: a, Groups: [sg], PrivateIpAddress: '10.62.1.40', SecondaryPrivateIpAddressCount: 1 }))).NetworkInterface!;
    const before = await free(c, a);
    const [launched] = await run(c, [{ DeviceIndex: 0, NetworkInterfaceId: n.NetworkInterfaceId }]);
    assert.deepEqual([launched.PrivateIpAddress, launched.SubnetId, launched.SecurityGroups!.map((g) => [g.GroupId, g.GroupName])], ['10.62.1.40', a, [[sg, 'web-10.62']]]);
    assert.deepEqual(shape(launched), [{ index: 0, id: n.NetworkInterfaceId, subnet: a, description: '', dot: false, status: 'attached', ips: ['10.62.1.40*', n.PrivateIpAddresses!.find((x) => !x.Primary)!.PrivateIpAddress!], groups: [sg] }]);
    assert.equal(await free(c, a), before);
    const seen = await eni(c, n.NetworkInterfaceId!);
    assert.deepEqual([seen.Status, seen.Attachment!.InstanceId, seen.Attachment!.DeviceIndex, seen.Attachment!.DeleteOnTermination, seen.PrivateIpAddresses!.length], ['in-use', launched.InstanceId, 0, false, 2]);
    // one interface, one address: a second launch onto it is refused
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: n.NetworkInterfaceId }]), 'InvalidNetworkInterface.InUse', /in use/);
    await instanceIn(c, launched.InstanceId!, 'running');
    await c.send(new TerminateInstancesCommand({ InstanceIds: [launched.InstanceId!] }));
    await instanceIn(c, launched.InstanceId!, 'terminated');
    const kept = await eni(c, n.NetworkInterfaceId!);
    assert.deepEqual([kept.Status, kept.PrivateIpAddress, kept.PrivateIpAddresses!.length, kept.Groups!.map((g) => g.GroupId)], ['available', '10.62.1.40', 2, [sg]]);
    assert.equal(await free(c, a), before);
    // the address is the interface's still: a launch into the subnet does not take it
    const [other] = await run(c, [{ DeviceIndex: 0, SubnetId: a, PrivateIpAddress: '10.62.1.40' }]).then(
      () => assert.fail('address taken twice'),
      (e: Error) => [e.name],
    );
    assert.equal(other, 'InvalidIPAddress.InUse');
    await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId }));
    assert.equal(await free(c, a), before + 2);
  });

  test('MaxCount>1 with two new interfaces each: every instance gets its own addresses', async () => {
    const c = client();
    const { a, a2 } = await network(c, '10.63');
    const launched = await run(
      c,
      [
        { DeviceIndex: 0, SubnetId: a },
        { DeviceIndex: 1, SubnetId: a2, DeleteOnTermination: false },
      ],
      { MinCount: 3, MaxCount: 3 },
    );
    assert.equal(launched.length, 3);
    const all = launched.flatMap((i) => shape(i));
    assert.deepEqual(all.map((n) => n.ips[0].replace('*', '')).sort(), ['10.61.1.4', '10.61.1.5', '10.61.1.6', '10.61.2.4', '10.61.2.5', '10.61.2.6'].map((ip) => ip.replace('10.61', '10.63')).sort());
    assert.equal(new Set(all.map((n) => n.id)).size, 6);
    assert.deepEqual([await free(c, a), await free(c, a2)], [248, 248]);
    await c.send(new TerminateInstancesCommand({ InstanceIds: launched.map((i) => i.InstanceId!) }));
    for (const i of launched) await instanceIn(c, i.InstanceId!, 'terminated');
    // the interfaces at index 1 said DeleteOnTermination=false: they stay, available
    const left = await enis(c, { Filters: [{ Name: 'subnet-id', Values: [a2] }] });
    assert.deepEqual(left.map((n) => n.Status), ['available', 'available', 'available']);
    assert.deepEqual([await free(c, a), await free(c, a2)], [251, 248]);
    for (const n of left) await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId }));
  });

  test('errors: the list against AWS rules', async () => {
    const c = client();
    const { a, a2, b, sg } = await network(c, '10.64');
    const n = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: a }))).NetworkInterface!;
    const far = (await c.send(new CreateNetworkInterfaceCommand({ SubnetId: b }))).NetworkInterface!;
    const before = await free(c, a);
    await expectError(run(c, [{ DeviceIndex: 0, SubnetId: a }], { SubnetId: a }), 'InvalidParameterCombination', /^Network interfaces and an instance-level subnet ID may not be specified on the same request$/);
    await expectError(run(c, [{ DeviceIndex: 0, SubnetId: a }], { SecurityGroupIds: [sg] }), 'InvalidParameterCombination', /^Network interfaces and an instance-level security groups may not be specified on the same request$/);
    await expectError(run(c, [{ DeviceIndex: 0, SubnetId: a }], { PrivateIpAddress: '10.64.1.9' }), 'InvalidParameterCombination', /instance-level private IP address/);
    await expectError(
      run(c, [
        { DeviceIndex: 0, SubnetId: a, AssociatePublicIpAddress: true },
        { DeviceIndex: 1, SubnetId: a2 },
      ]),
      'InvalidParameterCombination',
      /^The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces\.$/,
    );
    await expectError(
      run(c, [
        { DeviceIndex: 0, SubnetId: a },
        { DeviceIndex: 0, SubnetId: a2 },
      ]),
      'InvalidParameterValue',
      /unique device index/,
    );
    await expectError(run(c, [{ DeviceIndex: 1, SubnetId: a }]), 'InvalidParameterValue', /device index 0/);
    await expectError(
      run(c, [
        { DeviceIndex: 0, SubnetId: a },
        { DeviceIndex: 1, SubnetId: b },
      ]),
      'InvalidParameterCombination',
      /same availability zone/,
    );
    await expectError(
      run(c, [
        { DeviceIndex: 0, SubnetId: a },
        { DeviceIndex: 1, NetworkInterfaceId: far.NetworkInterfaceId },
      ]),
      'InvalidParameterCombination',
      /same availability zone/,
    );
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: 'eni-0123456789abcdef0' }]), 'InvalidNetworkInterfaceID.NotFound', /^The networkInterface ID 'eni-0123456789abcdef0' does not exist$/);
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: 'nope' }]), 'InvalidNetworkInterfaceID.Malformed');
    // another account's interface is unknown to the caller
    const bob = client(BOB);
    const bobImage = await launchableImage(bob);
    await expectError(bob.send(new RunInstancesCommand({ ImageId: bobImage, MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: n.NetworkInterfaceId }] })), 'InvalidNetworkInterfaceID.NotFound');
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: n.NetworkInterfaceId }], { MinCount: 1, MaxCount: 2 }), 'InvalidParameterCombination', /single instance/);
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: n.NetworkInterfaceId, AssociatePublicIpAddress: true }]), 'InvalidParameterCombination', /associatePublicIPAddress/);
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: n.NetworkInterfaceId, SubnetId: a }]), 'InvalidParameterCombination');
    await expectError(
      run(c, [
        { DeviceIndex: 0, SubnetId: a, SecondaryPrivateIpAddressCount: 1, PrivateIpAddresses: [{ PrivateIpAddress: '10.64.1.30', Primary: false }] },
      ]),
      'InvalidParameterCombination',
      /secondaryPrivateIpAddressCount/,
    );
    await expectError(run(c, [{ DeviceIndex: 0, SubnetId: a, PrivateIpAddress: '10.64.9.9', Description: 'x' }]), 'InvalidParameterValue', /does not fall within/);
    await expectError(run(c, [{ DeviceIndex: 0, SubnetId: a, PrivateIpAddress: n.PrivateIpAddress, Description: 'x' }]), 'InvalidIPAddress.InUse');
    await expectError(run(c, [{ DeviceIndex: 0, SubnetId: a, Description: 'x', PrivateIpAddress: '10.64.1.30' }], { MinCount: 2, MaxCount: 2 }), 'InvalidParameterCombination', /single instance/);
    // an interface in use by an instance
    const [i] = await run(c, [{ DeviceIndex: 0, SubnetId: a }]);
    await c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 1 })).catch(async () => {
      await instanceIn(c, i.InstanceId!, 'running');
      await c.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: i.InstanceId, DeviceIndex: 1 }));
    });
    await expectError(
      run(c, [
        { DeviceIndex: 0, SubnetId: a },
        { DeviceIndex: 1, NetworkInterfaceId: n.NetworkInterfaceId },
      ]),
      'InvalidNetworkInterface.InUse',
    );
    // nothing of the refused launches was kept
    assert.equal(await free(c, a), before - 1);
    // DryRun checks the same and writes nothing
    await expectError(run(c, [{ DeviceIndex: 0, NetworkInterfaceId: far.NetworkInterfaceId }, { DeviceIndex: 1, SubnetId: b }], { DryRun: true }), 'DryRunOperation', undefined, 412);
    assert.equal((await eni(c, far.NetworkInterfaceId!)).Status, 'available');
  });

  test('a restart keeps the interfaces and their attachments', async () => {
    let c = client();
    const { a, a2 } = await network(c, '10.65');
    const [launched] = await run(c, [
      { DeviceIndex: 0, SubnetId: a, Description: 'zero' },
      { DeviceIndex: 1, SubnetId: a2, SecondaryPrivateIpAddressCount: 2 },
    ]);
    const seen = shape(await instanceIn(c, launched.InstanceId!, 'running'));
    await server.stop();
    server = await startServer({ credentials, dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    c = client();
    assert.deepEqual(shape((await describeInstance(c, launched.InstanceId!))!), seen);
    assert.deepEqual([await free(c, a), await free(c, a2)], [250, 248]);
    await c.send(new TerminateInstancesCommand({ InstanceIds: [launched.InstanceId!] }));
    await instanceIn(c, launched.InstanceId!, 'terminated');
    assert.deepEqual([await free(c, a), await free(c, a2)], [251, 251]);
  });
});
