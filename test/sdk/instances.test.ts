// EC2 instances through @aws-sdk/client-ec2 against a real server with two accounts: RunInstances
// (counts, launch index, types, image checks in AWS's order, block device mappings, encryption
// outcomes and the Client.InternalError launch failure, tags, user data, key pairs, network,
// metadata options, ClientToken, DryRun), DescribeInstances (ids, filters, paging,
// reservations, terminated instances fading out), DescribeInstanceStatus, the state machine
// (start/stop/reboot/terminate, protection, DeleteOnTermination), instance attributes,
// Attach/DetachVolume, GetConsoleOutput, DescribeInstanceTypes, other accounts, and state
// transitions resuming after kill -9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachVolumeCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSecurityGroupCommand,
  CreateVolumeCommand,
  DescribeImageAttributeCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstanceImageMetadataCommand,
  DescribeImageReferencesCommand,
  DisableImageCommand,
  EnableImageDeprecationCommand,
  GetConsoleOutputCommand,
  ModifyImageAttributeCommand,
  ModifyInstanceAttributeCommand,
  RebootInstancesCommand,
  ResetInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DisableKeyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { ec2, kms, ssm } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { emptySnapshot, expectError, registerImage, UNKNOWN_AMI } from '../helpers/images.js';
import { describeInstance, instanceIn, launchableImage, rootVolumeOf, runOne, volume, volumeIn } from '../helpers/instances.js';

const A = ALICE.accountId;
const UNKNOWN_INSTANCE = 'i-0123456789abcdef0';

describe('EC2 instances', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client(ALICE);
  const bob = () => client(BOB);
  let image: string;

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), args: ['--settle-ms', '50', '--terminated-visible-ms', '2000'] });
    image = await launchableImage(alice());
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  describe('RunInstances', () => {
    test('launches MaxCount instances in one reservation, pending then running, each with its own root volume', async () => {
      const r = await alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 2, MaxCount: 3, InstanceType: 't3.micro' }));
      assert.match(r.ReservationId!, /^r-[0-9a-f]{17}$/);
      assert.equal(r.OwnerId, A);
      assert.deepEqual(r.Groups, []);
      assert.equal(r.Instances!.length, 3);
      assert.deepEqual(r.Instances!.map((i) => i.AmiLaunchIndex), [0, 1, 2]);
      const first = r.Instances![0];
      assert.match(first.InstanceId!, /^i-[0-9a-f]{17}$/);
      assert.deepEqual(first.State, { Code: 0, Name: 'pending' });
      assert.deepEqual(first.StateReason, { Code: 'pending', Message: 'pending' });
      assert.equal(first.ImageId, image);
      assert.equal(first.InstanceType, 't3.micro');
      assert.equal(first.Architecture, 'x86_64');
      assert.equal(first.RootDeviceType, 'ebs');
      assert.equal(first.RootDeviceName, '/dev/xvda');
      assert.equal(first.VirtualizationType, 'hvm');
      assert.equal(first.PlatformDetails, 'Linux/UNIX');
      assert.equal(first.SecurityGroups![0].GroupName, 'default');
      assert.match(first.PrivateIpAddress!, /^172\.31\./);
      assert.match(first.PrivateDnsName!, /^ip-172-31-\d+-\d+\.ec2\.internal$/);
      assert.equal(new Set(r.Instances!.map((i) => i.PrivateIpAddress)).size, 3, 'distinct addresses');
      assert.equal(first.MetadataOptions!.HttpTokens, 'optional');
      const roots = r.Instances!.map(rootVolumeOf);
      assert.equal(new Set(roots).size, 3, 'a volume per instance');

      const running = await instanceIn(alice(), first.InstanceId!, 'running');
      assert.deepEqual(running.State, { Code: 16, Name: 'running' });
      assert.equal(running.StateReason, undefined);
      assert.equal(running.MetadataOptions!.State, 'applied');
      assert.equal(running.BlockDeviceMappings![0].Ebs!.Status, 'attached');
      const root = await volume(alice(), roots[0]);
      assert.equal(root!.State, 'in-use');
      assert.equal(root!.Attachments![0].InstanceId, first.InstanceId);
      assert.equal(root!.Attachments![0].DeleteOnTermination, true);
      assert.equal(root!.Size, 1);
      assert.equal(root!.AvailabilityZone, running.Placement!.AvailabilityZone);
      const last = await alice().send(new DescribeImageAttributeCommand({ ImageId: image, Attribute: 'lastLaunchedTime' }));
      assert.ok(last.LastLaunchedTime?.Value, 'the image records its last launch');
    });

    test('count rules: both at least 1, MinCount not above MaxCount', async () => {
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 0, MaxCount: 1 })), 'InvalidParameterValue', /Minimum instance count must be greater than zero/);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 0 })), 'InvalidParameterValue', /Maximum instance count must be greater than zero/);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 3, MaxCount: 2 })), 'InvalidParameterValue', /Minimum instance count/);
    });

    test('MaxCount beyond the subnet launches as many as fit; MinCount beyond it launches none', async () => {
      const c = client(ALICE, 'eu-west-3');
      const img = await launchableImage(c);
      await expectError(
        c.send(new RunInstancesCommand({ ImageId: img, MinCount: 4092, MaxCount: 5000, Placement: { AvailabilityZone: 'eu-west-3a' } })),
        'InsufficientFreeAddressesInSubnet',
        /not enough free addresses in subnet/,
      );
      const r = await c.send(new RunInstancesCommand({ ImageId: img, MinCount: 1, MaxCount: 5000, Placement: { AvailabilityZone: 'eu-west-3a' } }));
      assert.equal(r.Instances!.length, 4091, 'a /20 has 4091 usable addresses');
      assert.equal(r.Instances![4090].AmiLaunchIndex, 4090);
      // AWS takes up to 1000 ids per TerminateInstances call
      const ids = r.Instances!.map((i) => i.InstanceId!);
      for (let at = 0; at < ids.length; at += 1000) await c.send(new TerminateInstancesCommand({ InstanceIds: ids.slice(at, at + 1000) }));
    });

    test('instance types: default m1.small, unknown types and architecture mismatches refused', async () => {
      const i = await alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1 }));
      assert.equal(i.Instances![0].InstanceType, 'm1.small');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't9.nothing' as never })), 'InvalidParameterValue', /t9\.nothing/);
      await expectError(
        alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't4g.micro' })),
        'InvalidParameterValue',
        /The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64' of the specified AMI/,
      );
      const arm = await launchableImage(alice(), { Architecture: 'arm64' });
      const g = await runOne(alice(), arm, { InstanceType: 't4g.micro' });
      assert.equal(g.Architecture, 'arm64');
      assert.equal(g.CurrentInstanceBootMode, 'uefi');
    });

    test('image checks in order: malformed, unknown, another account private, unavailable; deprecated launches', async () => {
      await expectError(alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1 })), 'MissingParameter', /ImageId/);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: 'ami-xyz', MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.Malformed', /Invalid id: "ami-xyz"/);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: UNKNOWN_AMI, MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.NotFound', new RegExp(`The image id '\\[${UNKNOWN_AMI}\\]' does not exist`));
      const bobs = await launchableImage(bob());
      await expectError(alice().send(new RunInstancesCommand({ ImageId: bobs, MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.NotFound');
      // shared: launchable by the other account, whose volume it is then
      await bob().send(new ModifyImageAttributeCommand({ ImageId: bobs, LaunchPermission: { Add: [{ UserId: A }] } }));
      const shared = await runOne(alice(), bobs);
      assert.equal((await instanceIn(alice(), shared.InstanceId!, 'running')).ImageId, bobs);
      assert.ok(await volume(alice(), rootVolumeOf(shared)), "the volume is the launching account's");
      // disabled and deregistered images are unavailable to their owner
      const disabled = await launchableImage(alice());
      await alice().send(new DisableImageCommand({ ImageId: disabled }));
      await expectError(alice().send(new RunInstancesCommand({ ImageId: disabled, MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.Unavailable');
      const gone = await launchableImage(alice());
      await alice().send(new DeregisterImageCommand({ ImageId: gone }));
      await expectError(alice().send(new RunInstancesCommand({ ImageId: gone, MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.Unavailable');
      const deprecated = await launchableImage(alice());
      await alice().send(new EnableImageDeprecationCommand({ ImageId: deprecated, DeprecateAt: new Date(Date.now() + 60_000) }));
      assert.ok((await runOne(alice(), deprecated)).InstanceId);
    });

    test('block device mappings: override by device, NoDevice, new volumes, size and key checks', async () => {
      const snap = await emptySnapshot(alice(), 2);
      const img = await registerImage(alice(), snap, {
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, VolumeType: 'gp3' } },
          { DeviceName: '/dev/sdb', Ebs: { VolumeSize: 1 } },
          { DeviceName: '/dev/sdc', VirtualName: 'ephemeral0' },
        ],
      });
      await expectError(
        alice().send(new RunInstancesCommand({ ImageId: img, MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 1 } }] })),
        'InvalidBlockDeviceMapping',
        new RegExp(`Volume of size 1GB is smaller than snapshot '${snap}', expect size >= 2GB`),
      );
      await expectError(
        alice().send(new RunInstancesCommand({ ImageId: img, MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 1, KmsKeyId: 'alias/aws/ebs' } }] })),
        'InvalidParameterDependency',
        /The parameter KmsKeyId requires the parameter Encrypted to be set/,
      );
      await expectError(alice().send(new RunInstancesCommand({ ImageId: img, MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', NoDevice: '' }] })), 'InvalidBlockDeviceMapping');
      const i = await runOne(alice(), img, {
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 4 } },
          { DeviceName: '/dev/sdb', NoDevice: '' },
          { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 4, VolumeType: 'io2', Iops: 200, DeleteOnTermination: false } },
        ],
      });
      assert.deepEqual(i.BlockDeviceMappings!.map((m) => m.DeviceName), ['/dev/sdf', '/dev/xvda']);
      const running = await instanceIn(alice(), i.InstanceId!, 'running');
      const byDevice = new Map(running.BlockDeviceMappings!.map((m) => [m.DeviceName, m.Ebs!]));
      const root = await volume(alice(), byDevice.get('/dev/xvda')!.VolumeId!);
      assert.equal(root!.Size, 4);
      assert.equal(root!.VolumeType, 'gp3');
      assert.equal(root!.SnapshotId, snap);
      const data = await volume(alice(), byDevice.get('/dev/sdf')!.VolumeId!);
      assert.deepEqual([data!.Size, data!.VolumeType, data!.Iops, data!.SnapshotId], [4, 'io2', 200, '']);
      assert.equal(byDevice.get('/dev/sdf')!.DeleteOnTermination, false);
      // terminate: the root goes with the instance, the kept volume becomes available
      await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      await instanceIn(alice(), i.InstanceId!, 'terminated');
      await until('root deleted', async () => ((await volume(alice(), root!.VolumeId!)) === undefined ? true : undefined));
      const kept = await volumeIn(alice(), data!.VolumeId!, 'available');
      assert.deepEqual(kept.Attachments, []);
    });

    test('encryption: Encrypted=true uses the default key; an unusable key ends the launch with Client.InternalError', async () => {
      const i = await runOne(alice(), image, { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true } }] });
      const running = await instanceIn(alice(), i.InstanceId!, 'running');
      const root = await volume(alice(), rootVolumeOf(running));
      assert.equal(root!.Encrypted, true);
      assert.match(root!.KmsKeyId!, new RegExp(`^arn:aws:kms:us-east-1:${A}:key/`));

      const key = await kms(server.url, { account: ALICE }).send(new CreateKeyCommand({}));
      await kms(server.url, { account: ALICE }).send(new DisableKeyCommand({ KeyId: key.KeyMetadata!.KeyId }));
      const doomed = await runOne(alice(), image, { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, KmsKeyId: key.KeyMetadata!.Arn } }] });
      assert.equal(doomed.State!.Name, 'pending', 'the request itself succeeds');
      const ended = await until('launch failed', async () => {
        const d = await describeInstance(alice(), doomed.InstanceId!);
        return d && d.State!.Name !== 'pending' ? d : undefined;
      });
      assert.ok(['shutting-down', 'terminated'].includes(ended.State!.Name!));
      assert.deepEqual(ended.StateReason, { Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' });
      const final = await instanceIn(alice(), doomed.InstanceId!, 'terminated');
      assert.equal(final.StateReason!.Code, 'Client.InternalError');
    });

    test("encryption: a shared encrypted image launches under the launcher's default key when its key is shared; else Client.InternalError", async () => {
      const bobKms = kms(server.url, { account: BOB });
      const key = await bobKms.send(new CreateKeyCommand({}));
      const snap = await emptySnapshot(bob());
      const encryptedImage = await registerImage(bob(), snap, { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }] });
      void encryptedImage;
      // an encrypted snapshot under Bob's key, through an encrypted copy of a volume
      const volumeSnap = await (async () => {
        const c = bob();
        const v = await c.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true, KmsKeyId: key.KeyMetadata!.Arn }));
        await volumeIn(c, v.VolumeId!, 'available');
        const { CreateSnapshotCommand } = await import('@aws-sdk/client-ec2');
        const s = await c.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }));
        const { snapshotCompleted } = await import('../helpers/images.js');
        await snapshotCompleted(c, s.SnapshotId!);
        return s.SnapshotId!;
      })();
      const img = await registerImage(bob(), volumeSnap);
      await bob().send(new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ UserId: A }] } }));
      // Bob's key is not shared with Alice yet: the launch fails after the request succeeded
      const refused = await runOne(alice(), img);
      const failed = await instanceIn(alice(), refused.InstanceId!, 'terminated');
      assert.equal(failed.StateReason!.Code, 'Client.InternalError');
      // once Bob's key policy lets Alice use it, her volume is encrypted under her own default key
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BOB.accountId}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'alice', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'], Resource: '*' },
        ],
      };
      await bobKms.send(new PutKeyPolicyCommand({ KeyId: key.KeyMetadata!.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) }));
      const ok = await runOne(alice(), img);
      const running = await instanceIn(alice(), ok.InstanceId!, 'running');
      const root = await volume(alice(), rootVolumeOf(running));
      assert.equal(root!.Encrypted, true);
      assert.match(root!.KmsKeyId!, new RegExp(`^arn:aws:kms:us-east-1:${A}:key/`), "Alice's default key, not Bob's");
    });

    test('launch templates: $Default, $Latest and numbers; the request wins; template tags on the instance', async () => {
      const lt = await alice().send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: `lt-${Date.now()}`,
          LaunchTemplateData: { ImageId: image, InstanceType: 't3.small', TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'from', Value: 'template' }] }] },
        }),
      );
      const id = lt.LaunchTemplate!.LaunchTemplateId!;
      const name = lt.LaunchTemplate!.LaunchTemplateName!;
      await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.medium' } }));
      const byDefault = (await alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: id } }))).Instances![0];
      assert.equal(byDefault.InstanceType, 't3.small', '$Default is version 1');
      assert.deepEqual(byDefault.Tags, [
        { Key: 'aws:ec2launchtemplate:id', Value: id },
        { Key: 'aws:ec2launchtemplate:version', Value: '1' },
        { Key: 'from', Value: 'template' },
      ]);
      const latest = (await alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: name, Version: '$Latest' } }))).Instances![0];
      assert.equal(latest.InstanceType, 't3.medium');
      assert.equal(latest.ImageId, image, 'version 2 copied the image from version 1');
      const overridden = (await alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, InstanceType: 't3.nano', LaunchTemplate: { LaunchTemplateId: id, Version: '2' } }))).Instances![0];
      assert.equal(overridden.InstanceType, 't3.nano');
      await expectError(alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: id, Version: '9' } })), 'InvalidLaunchTemplateId.VersionNotFound');
      await expectError(alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'no-such-template' } })), 'InvalidLaunchTemplateName.NotFoundException');
      await expectError(client(BOB).send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: id } })), 'InvalidLaunchTemplateId.NotFound');
    });

    test('tags by resource type; types RunInstances cannot tag are refused', async () => {
      const i = await runOne(alice(), image, {
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] },
          { ResourceType: 'volume', Tags: [{ Key: 'disk', Value: 'root' }] },
          { ResourceType: 'network-interface', Tags: [{ Key: 'nic', Value: 'eth0' }] },
        ],
      });
      assert.deepEqual(i.Tags, [{ Key: 'Name', Value: 'web' }]);
      const v = await volume(alice(), rootVolumeOf(i));
      assert.deepEqual(v!.Tags, [{ Key: 'disk', Value: 'root' }]);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'a', Value: 'b' }] }] })), 'InvalidParameterValue', /'image' is not a valid taggable resource type/);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'aws:x', Value: 'b' }] }] })), 'InvalidParameterValue', /reserved/);
    });

    test('user data: base64 checked, stored and returned', async () => {
      const data = Buffer.from('#!/bin/sh\necho hello\n').toString('base64');
      const i = await runOne(alice(), image, { UserData: data });
      const attr = await alice().send(new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'userData' }));
      assert.equal(attr.UserData!.Value, data);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, UserData: 'not base64!' })), 'InvalidParameterValue', /Invalid BASE64 encoding of user data/);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, UserData: Buffer.alloc(16385, 1).toString('base64') })), 'InvalidParameterValue', /User data is limited to 16384 bytes/);
    });

    test('key pairs, security groups, subnets and zones', async () => {
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, KeyName: 'nope' })), 'InvalidKeyPair.NotFound', /The key pair 'nope' does not exist/);
      await alice().send(new CreateKeyPairCommand({ KeyName: 'launch-key' }));
      const sg = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }));
      const i = await runOne(alice(), image, { KeyName: 'launch-key', SecurityGroupIds: [sg.GroupId!], Placement: { AvailabilityZone: 'us-east-1c' } });
      assert.equal(i.KeyName, 'launch-key');
      assert.deepEqual(i.SecurityGroups, [{ GroupId: sg.GroupId, GroupName: 'web' }]);
      assert.equal(i.Placement!.AvailabilityZone, 'us-east-1c');
      assert.match(i.PrivateIpAddress!, /^172\.31\.(3[2-9]|4[0-7])\./, 'the third zone has 172.31.32.0/20');
      const byName = await runOne(alice(), image, { SecurityGroups: ['web'], SubnetId: i.SubnetId });
      assert.equal(byName.SecurityGroups![0].GroupId, sg.GroupId);
      assert.equal(byName.Placement!.AvailabilityZone, 'us-east-1c');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SecurityGroupIds: ['sg-0123456789abcdef0'] })), 'InvalidGroup.NotFound');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SecurityGroupIds: ['bogus'] })), 'InvalidGroupId.Malformed');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SubnetId: 'subnet-0123456789abcdef0' })), 'InvalidSubnetID.NotFound');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SubnetId: i.SubnetId, Placement: { AvailabilityZone: 'us-east-1a' } })), 'InvalidParameterValue', /availabilityZone/);
      await expectError(
        alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SubnetId: i.SubnetId, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: i.SubnetId }] })),
        'InvalidParameterCombination',
        /Network interfaces and an instance-level subnet ID may not be specified on the same request/,
      );
      const nic = await runOne(alice(), image, { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: i.SubnetId, Groups: [sg.GroupId!], PrivateIpAddress: '172.31.40.10' }] });
      assert.equal(nic.PrivateIpAddress, '172.31.40.10');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: i.SubnetId, PrivateIpAddress: '172.31.40.10' }] })), 'InvalidIPAddress.InUse');
    });

    test('metadata options: ImdsSupport v2.0 images require tokens; explicit options are kept', async () => {
      const v2 = await launchableImage(alice(), { ImdsSupport: 'v2.0' });
      const i = await runOne(alice(), v2);
      assert.equal(i.MetadataOptions!.HttpTokens, 'required');
      assert.equal(i.MetadataOptions!.HttpPutResponseHopLimit, 2);
      const j = await runOne(alice(), image, { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 5, InstanceMetadataTags: 'enabled' } });
      assert.deepEqual([j.MetadataOptions!.HttpTokens, j.MetadataOptions!.HttpPutResponseHopLimit, j.MetadataOptions!.InstanceMetadataTags], ['required', 5, 'enabled']);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, MetadataOptions: { HttpPutResponseHopLimit: 65 } })), 'InvalidParameterValue', /HttpPutResponseHopLimit/);
    });

    test('ClientToken: a retry returns the same instances; other parameters mismatch; terminated instances end the token', async () => {
      const token = `token-${Date.now()}`;
      const first = await alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 2, MaxCount: 2, ClientToken: token }));
      const again = await alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 2, MaxCount: 2, ClientToken: token }));
      assert.equal(again.ReservationId, first.ReservationId);
      assert.deepEqual(again.Instances!.map((i) => i.InstanceId), first.Instances!.map((i) => i.InstanceId));
      assert.equal(first.Instances![0].ClientToken, token);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, ClientToken: token })), 'IdempotentParameterMismatch');
      // a DryRun with a new token consumes nothing
      const dry = `dry-${Date.now()}`;
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, ClientToken: dry, DryRun: true })), 'DryRunOperation', /Request would have succeeded/, 412);
      const real = await alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, ClientToken: dry }));
      assert.equal(real.Instances!.length, 1);
      await alice().send(new TerminateInstancesCommand({ InstanceIds: first.Instances!.map((i) => i.InstanceId!) }));
      for (const i of first.Instances!) await instanceIn(alice(), i.InstanceId!, 'terminated');
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 2, MaxCount: 2, ClientToken: token })), 'IdempotentInstanceTerminated');
    });

    test('DryRun checks everything and launches nothing', async () => {
      // terminated instances are purged on a timer (--terminated-visible-ms): count the others
      const live = { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }] };
      const before = (await alice().send(new DescribeInstancesCommand(live))).Reservations!.flatMap((r) => r.Instances!).length;
      await expectError(alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, DryRun: true })), 'DryRunOperation', undefined, 412);
      await expectError(alice().send(new RunInstancesCommand({ ImageId: UNKNOWN_AMI, MinCount: 1, MaxCount: 1, DryRun: true })), 'InvalidAMIID.NotFound');
      const after = (await alice().send(new DescribeInstancesCommand(live))).Reservations!.flatMap((r) => r.Instances!).length;
      assert.equal(after, before);
    });
  });

  describe('DescribeInstances', () => {
    let reservation: Instance[];
    before(async () => {
      const c = client(ALICE, 'ap-south-1');
      const img = await launchableImage(c);
      reservation = (await c.send(new RunInstancesCommand({ ImageId: img, MinCount: 7, MaxCount: 7, InstanceType: 't3.small', TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'tier', Value: 'web' }] }] }))).Instances!;
      await c.send(new RunInstancesCommand({ ImageId: img, MinCount: 3, MaxCount: 3, InstanceType: 't3.micro' }));
    });
    const apac = () => client(ALICE, 'ap-south-1');

    test('ids: malformed, unknown, other accounts, and not with MaxResults', async () => {
      const id = reservation[0].InstanceId!;
      await expectError(apac().send(new DescribeInstancesCommand({ InstanceIds: ['i-bogus'] })), 'InvalidInstanceID.Malformed');
      await expectError(apac().send(new DescribeInstancesCommand({ InstanceIds: [UNKNOWN_INSTANCE] })), 'InvalidInstanceID.NotFound', new RegExp(`The instance ID '${UNKNOWN_INSTANCE}' does not exist`));
      await expectError(client(BOB, 'ap-south-1').send(new DescribeInstancesCommand({ InstanceIds: [id] })), 'InvalidInstanceID.NotFound');
      await expectError(apac().send(new DescribeInstancesCommand({ InstanceIds: [id], MaxResults: 5 })), 'InvalidParameterCombination', /The parameter instancesSet cannot be used with the parameter maxResults/);
      const one = await apac().send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      assert.equal(one.Reservations!.length, 1);
      assert.deepEqual(one.Reservations![0].Instances!.map((i) => i.InstanceId), [id]);
      assert.equal((await client(BOB, 'ap-south-1').send(new DescribeInstancesCommand({}))).Reservations!.length, 0, 'Bob sees none of them');
      assert.equal((await alice().send(new DescribeInstancesCommand({ InstanceIds: [] }))).Reservations!.length > 0, true);
    });

    test('filters', async () => {
      const ids = async (Filters: { Name: string; Values: string[] }[]) =>
        (await apac().send(new DescribeInstancesCommand({ Filters }))).Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)).sort();
      assert.equal((await ids([{ Name: 'tag:tier', Values: ['web'] }])).length, 7);
      assert.equal((await ids([{ Name: 'instance-type', Values: ['t3.micro'] }])).length, 3);
      assert.equal((await ids([{ Name: 'instance-type', Values: ['t3.*'] }])).length, 10);
      assert.deepEqual(await ids([{ Name: 'launch-index', Values: ['6'] }]), [reservation[6].InstanceId]);
      assert.equal((await ids([{ Name: 'reservation-id', Values: [reservation[0].InstanceId!.replace('i-', 'r-')] }])).length, 0);
      assert.equal((await ids([{ Name: 'instance-state-name', Values: ['pending', 'running'] }, { Name: 'tag-key', Values: ['tier'] }])).length, 7);
      assert.equal((await ids([{ Name: 'instance-state-code', Values: ['80'] }])).length, 0);
      assert.equal((await ids([{ Name: 'ip-address', Values: ['*'] }])).length, 0, 'no public addresses');
      await expectError(apac().send(new DescribeInstancesCommand({ Filters: [{ Name: 'flavour', Values: ['x'] }] })), 'InvalidParameterValue', /flavour/);
    });

    test('pages of MaxResults in launch order, reservations kept together, each instance once', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const out = await apac().send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token }));
        const instances = out.Reservations!.flatMap((r) => r.Instances!);
        assert.ok(instances.length <= 5);
        seen.push(...instances.map((i) => i.InstanceId!));
        token = out.NextToken;
        pages++;
      } while (token);
      assert.equal(pages, 2);
      assert.equal(seen.length, 10);
      assert.equal(new Set(seen).size, 10);
      assert.deepEqual(seen.slice(0, 7), reservation.map((i) => i.InstanceId));
      await expectError(apac().send(new DescribeInstancesCommand({ MaxResults: 4 })), 'InvalidParameterValue', /maxResults/);
      await expectError(apac().send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: 'garbage' })), 'InvalidNextToken');
      // paging with a filter that is not the state
      const filtered = await apac().send(new DescribeInstancesCommand({ MaxResults: 5, Filters: [{ Name: 'tag:tier', Values: ['web'] }] }));
      assert.equal(filtered.Reservations!.flatMap((r) => r.Instances!).length, 5);
      const rest = await apac().send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: filtered.NextToken, Filters: [{ Name: 'tag:tier', Values: ['web'] }] }));
      assert.equal(rest.Reservations!.flatMap((r) => r.Instances!).length, 2);
      assert.equal(rest.NextToken, undefined);
    });
  });

  describe('state machine', () => {
    test('stop, start, reboot, terminate with AWS state codes and reasons', async () => {
      const i = await runOne(alice(), image);
      await instanceIn(alice(), i.InstanceId!, 'running');
      const stop = await alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      assert.deepEqual(stop.StoppingInstances, [{ InstanceId: i.InstanceId, CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } }]);
      const stopped = await instanceIn(alice(), i.InstanceId!, 'stopped');
      assert.equal(stopped.State!.Code, 80);
      assert.match(stopped.StateTransitionReason!, /^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
      assert.equal(stopped.StateReason!.Code, 'Client.UserInitiatedShutdown');
      assert.equal(stopped.PrivateIpAddress, i.PrivateIpAddress, 'a stopped instance keeps its address');
      const again = await alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      assert.deepEqual(again.StoppingInstances![0].CurrentState, { Code: 80, Name: 'stopped' });
      await expectError(alice().send(new RebootInstancesCommand({ InstanceIds: [i.InstanceId!] })), 'IncorrectInstanceState');
      const start = await alice().send(new StartInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      assert.deepEqual(start.StartingInstances![0].CurrentState, { Code: 0, Name: 'pending' });
      assert.deepEqual(start.StartingInstances![0].PreviousState, { Code: 80, Name: 'stopped' });
      await instanceIn(alice(), i.InstanceId!, 'running');
      await alice().send(new RebootInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      assert.equal((await describeInstance(alice(), i.InstanceId!))!.State!.Name, 'running', 'a reboot keeps it running');
      const term = await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      assert.deepEqual(term.TerminatingInstances![0].CurrentState, { Code: 32, Name: 'shutting-down' });
      const done = await instanceIn(alice(), i.InstanceId!, 'terminated');
      assert.equal(done.State!.Code, 48);
      assert.deepEqual(done.BlockDeviceMappings, []);
      assert.deepEqual(done.NetworkInterfaces, []);
      assert.equal(done.PrivateIpAddress, undefined);
      const twice = await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      assert.deepEqual(twice.TerminatingInstances![0], { InstanceId: i.InstanceId, CurrentState: { Code: 48, Name: 'terminated' }, PreviousState: { Code: 48, Name: 'terminated' } });
      await expectError(alice().send(new StartInstancesCommand({ InstanceIds: [i.InstanceId!] })), 'IncorrectInstanceState', /is not in a state from which it can be started/);
      await expectError(alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] })), 'IncorrectInstanceState');
      await alice().send(new RebootInstancesCommand({ InstanceIds: [i.InstanceId!] })); // ignored for terminated instances
    });

    test('one bad id fails the whole request; protection stops terminate and stop', async () => {
      const i = await runOne(alice(), image, { DisableApiTermination: true, DisableApiStop: true });
      const j = await runOne(alice(), image);
      await instanceIn(alice(), i.InstanceId!, 'running');
      await expectError(alice().send(new TerminateInstancesCommand({ InstanceIds: [j.InstanceId!, UNKNOWN_INSTANCE] })), 'InvalidInstanceID.NotFound');
      assert.notEqual((await describeInstance(alice(), j.InstanceId!))!.State!.Name, 'shutting-down', 'nothing was terminated');
      await expectError(
        alice().send(new TerminateInstancesCommand({ InstanceIds: [j.InstanceId!, i.InstanceId!] })),
        'OperationNotPermitted',
        new RegExp(`The instance '${i.InstanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`),
      );
      await expectError(alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] })), 'OperationNotPermitted', /disableApiStop/);
      await alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, DisableApiTermination: { Value: false } }));
      const out = await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!, j.InstanceId!] }));
      assert.equal(out.TerminatingInstances!.length, 2);
      await expectError(alice().send(new TerminateInstancesCommand({ InstanceIds: ['i-bad'] })), 'InvalidInstanceID.Malformed');
      await expectError(client(BOB).send(new TerminateInstancesCommand({ InstanceIds: [j.InstanceId!] })), 'InvalidInstanceID.NotFound');
    });

    test('DryRun on state changes changes nothing', async () => {
      const i = await runOne(alice(), image);
      await instanceIn(alice(), i.InstanceId!, 'running');
      await expectError(alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!], DryRun: true })), 'DryRunOperation', undefined, 412);
      await expectError(alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!], DryRun: true })), 'DryRunOperation', undefined, 412);
      await expectError(alice().send(new RebootInstancesCommand({ InstanceIds: [i.InstanceId!], DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await describeInstance(alice(), i.InstanceId!))!.State!.Name, 'running');
    });

    test('terminated instances are listed for a while, then unknown', async () => {
      const i = await runOne(alice(), image);
      await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      await instanceIn(alice(), i.InstanceId!, 'terminated');
      await until('forgotten', async () => {
        const out = await alice().send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [i.InstanceId!] }] }));
        return out.Reservations!.length === 0 ? true : undefined;
      });
      await expectError(alice().send(new DescribeInstancesCommand({ InstanceIds: [i.InstanceId!] })), 'InvalidInstanceID.NotFound');
    });
  });

  describe('DescribeInstanceStatus', () => {
    test('running instances only unless IncludeAllInstances; initializing, then ok', async () => {
      const c = client(ALICE, 'ca-central-1');
      const img = await launchableImage(c);
      const r = await c.send(new RunInstancesCommand({ ImageId: img, MinCount: 2, MaxCount: 2 }));
      const [a, b] = r.Instances!.map((i) => i.InstanceId!);
      const statuses = await until('a status', async () => {
        const out = await c.send(new DescribeInstanceStatusCommand({}));
        return out.InstanceStatuses!.length === 2 ? out.InstanceStatuses! : undefined;
      });
      assert.equal(statuses[0].InstanceState!.Name, 'running');
      const ok = await until('status ok', async () => {
        const [s] = (await c.send(new DescribeInstanceStatusCommand({ InstanceIds: [a] }))).InstanceStatuses!;
        return s?.InstanceStatus?.Status === 'ok' ? s : undefined;
      });
      assert.deepEqual(ok.InstanceStatus, { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] });
      assert.equal(ok.SystemStatus!.Status, 'ok');
      assert.deepEqual(ok.Events, []);
      await c.send(new StopInstancesCommand({ InstanceIds: [b] }));
      await instanceIn(c, b, 'stopped');
      assert.deepEqual((await c.send(new DescribeInstanceStatusCommand({}))).InstanceStatuses!.map((s) => s.InstanceId), [a]);
      const all = await c.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true }));
      const stopped = all.InstanceStatuses!.find((s) => s.InstanceId === b)!;
      assert.deepEqual(stopped.InstanceStatus, { Status: 'not-applicable' });
      assert.equal((await c.send(new DescribeInstanceStatusCommand({ Filters: [{ Name: 'instance-status.status', Values: ['ok'] }] }))).InstanceStatuses!.length, 1);
      await expectError(c.send(new DescribeInstanceStatusCommand({ InstanceIds: [a], MaxResults: 5 })), 'InvalidParameterCombination');
      await expectError(c.send(new DescribeInstanceStatusCommand({ InstanceIds: [UNKNOWN_INSTANCE] })), 'InvalidInstanceID.NotFound');
    });
  });

  describe('attributes', () => {
    test('describe, modify (some only while stopped), reset', async () => {
      const i = await runOne(alice(), image, { InstanceInitiatedShutdownBehavior: 'terminate' });
      await instanceIn(alice(), i.InstanceId!, 'running');
      const attr = (Attribute: string) => alice().send(new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: Attribute as never }));
      assert.deepEqual((await attr('instanceType')).InstanceType, { Value: 't3.micro' });
      assert.deepEqual((await attr('instanceInitiatedShutdownBehavior')).InstanceInitiatedShutdownBehavior, { Value: 'terminate' });
      assert.deepEqual((await attr('disableApiTermination')).DisableApiTermination, { Value: false });
      assert.deepEqual((await attr('rootDeviceName')).RootDeviceName, { Value: '/dev/xvda' });
      assert.equal((await attr('blockDeviceMapping')).BlockDeviceMappings![0].Ebs!.VolumeId, rootVolumeOf(i));
      assert.equal((await attr('groupSet')).Groups![0].GroupName, 'default');
      assert.deepEqual((await attr('sourceDestCheck')).SourceDestCheck, { Value: true });
      assert.deepEqual((await attr('userData')).UserData, {});
      await expectError(alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, InstanceType: { Value: 't3.large' } })), 'IncorrectInstanceState', /is not in the 'stopped' state/);
      await expectError(
        alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, DisableApiTermination: { Value: true }, SourceDestCheck: { Value: false } })),
        'InvalidParameterCombination',
      );
      await alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, SourceDestCheck: { Value: false } }));
      assert.deepEqual((await attr('sourceDestCheck')).SourceDestCheck, { Value: false });
      await alice().send(new ResetInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'sourceDestCheck' }));
      assert.deepEqual((await attr('sourceDestCheck')).SourceDestCheck, { Value: true });
      await alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: false } }] }));
      assert.equal((await attr('blockDeviceMapping')).BlockDeviceMappings![0].Ebs!.DeleteOnTermination, false);
      await alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      await instanceIn(alice(), i.InstanceId!, 'stopped');
      await alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, InstanceType: { Value: 't3.large' } }));
      await alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, UserData: { Value: Buffer.from('hello') } }));
      assert.deepEqual((await attr('instanceType')).InstanceType, { Value: 't3.large' });
      assert.deepEqual((await attr('userData')).UserData, { Value: Buffer.from('hello').toString('base64') });
      await expectError(alice().send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, InstanceType: { Value: 'c7g.large' } })), 'InvalidParameterValue', /architecture/);
      await expectError(alice().send(new ResetInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'instanceType' })), 'InvalidParameterValue');
      await expectError(alice().send(new DescribeInstanceAttributeCommand({ InstanceId: UNKNOWN_INSTANCE, Attribute: 'userData' })), 'InvalidInstanceID.NotFound');
      // the root volume outlives the instance now
      const root = rootVolumeOf(i);
      await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      await volumeIn(alice(), root, 'available');
    });
  });

  describe('AttachVolume / DetachVolume', () => {
    test('attach in the same zone to a free device, detach; every refusal', async () => {
      const i = await runOne(alice(), image, { Placement: { AvailabilityZone: 'us-east-1b' } });
      await instanceIn(alice(), i.InstanceId!, 'running');
      const mk = async (zone: string) => {
        const v = await alice().send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1 }));
        return (await volumeIn(alice(), v.VolumeId!, 'available')).VolumeId!;
      };
      const near = await mk('us-east-1b');
      const far = await mk('us-east-1a');
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: far, InstanceId: i.InstanceId, Device: '/dev/sdf' })), 'InvalidVolume.ZoneMismatch');
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: near, InstanceId: i.InstanceId, Device: '/dev/xvda' })), 'InvalidParameterValue', /already in use/);
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: near, InstanceId: i.InstanceId, Device: 'nonsense' })), 'InvalidParameterValue');
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: near, InstanceId: UNKNOWN_INSTANCE, Device: '/dev/sdf' })), 'InvalidInstanceID.NotFound');
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: 'vol-0123456789abcdef0', InstanceId: i.InstanceId, Device: '/dev/sdf' })), 'InvalidVolume.NotFound');
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: near, InstanceId: i.InstanceId, Device: '/dev/sdf', DryRun: true })), 'DryRunOperation', undefined, 412);
      const att = await alice().send(new AttachVolumeCommand({ VolumeId: near, InstanceId: i.InstanceId, Device: '/dev/sdf' }));
      assert.equal(att.State, 'attaching');
      assert.equal(att.Device, '/dev/sdf');
      await until('attached', async () => ((await volume(alice(), near))!.Attachments![0]?.State === 'attached' ? true : undefined));
      assert.equal((await volume(alice(), near))!.State, 'in-use');
      await expectError(alice().send(new AttachVolumeCommand({ VolumeId: near, InstanceId: i.InstanceId, Device: '/dev/sdg' })), 'VolumeInUse');
      const withData = (await describeInstance(alice(), i.InstanceId!))!;
      assert.deepEqual(withData.BlockDeviceMappings!.map((m) => m.DeviceName), ['/dev/sdf', '/dev/xvda']);
      await expectError(alice().send(new DetachVolumeCommand({ VolumeId: rootVolumeOf(i) })), 'IncorrectState', /Unable to detach root volume/);
      await expectError(alice().send(new DetachVolumeCommand({ VolumeId: near, InstanceId: withData.InstanceId, Device: '/dev/sdh' })), 'InvalidAttachment.NotFound');
      const det = await alice().send(new DetachVolumeCommand({ VolumeId: near }));
      assert.equal(det.State, 'detaching');
      await volumeIn(alice(), near, 'available');
      await expectError(alice().send(new DetachVolumeCommand({ VolumeId: near })), 'IncorrectState');
      await expectError(client(BOB).send(new AttachVolumeCommand({ VolumeId: near, InstanceId: i.InstanceId, Device: '/dev/sdf' })), 'InvalidVolume.NotFound');
    });
  });

  describe('console output and instance types', () => {
    test('GetConsoleOutput is empty for the none driver', async () => {
      const i = await runOne(alice(), image);
      const out = await alice().send(new GetConsoleOutputCommand({ InstanceId: i.InstanceId }));
      assert.equal(out.InstanceId, i.InstanceId);
      assert.ok(out.Timestamp instanceof Date);
      assert.ok(!out.Output);
      await expectError(alice().send(new GetConsoleOutputCommand({ InstanceId: UNKNOWN_INSTANCE })), 'InvalidInstanceID.NotFound');
    });

    test('DescribeInstanceTypes: catalog facts, filters, paging, unknown types', async () => {
      const t = (await alice().send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t3.micro', 'm1.small'] }))).InstanceTypes!;
      const micro = t.find((x) => x.InstanceType === 't3.micro')!;
      assert.equal(micro.VCpuInfo!.DefaultVCpus, 2);
      assert.equal(micro.MemoryInfo!.SizeInMiB, 1024);
      assert.deepEqual(micro.ProcessorInfo!.SupportedArchitectures, ['x86_64']);
      assert.deepEqual(micro.SupportedBootModes, ['legacy-bios', 'uefi']);
      assert.deepEqual(micro.SupportedRootDeviceTypes, ['ebs']);
      assert.equal(micro.FreeTierEligible, true);
      const arm = (await alice().send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }] }))).InstanceTypes!;
      assert.ok(arm.length > 5);
      assert.ok(arm.every((x) => x.ProcessorInfo!.SupportedArchitectures!.includes('arm64')));
      const page = await alice().send(new DescribeInstanceTypesCommand({ MaxResults: 5 }));
      assert.equal(page.InstanceTypes!.length, 5);
      assert.ok(page.NextToken);
      await expectError(alice().send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t9.nothing' as never] })), 'InvalidParameterValue');
    });
  });

  describe('the public catalog, SSM parameters and the Marketplace', () => {
    test('resolve:ssm: launches the image a parameter names; marketplace images need a subscription (OptInRequired, 401)', async () => {
      const dev = await startServer({ args: ['--settle-ms', '50'] });
      try {
        const carol = ec2(dev.url, { account: { accessKeyId: '333333333333', secretAccessKey: 'x' } });
        const name = '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id';
        const latest = (await ssm(dev.url, { account: { accessKeyId: '333333333333', secretAccessKey: 'x' } }).send(new GetParameterCommand({ Name: name }))).Parameter!.Value!;
        const i = await runOne(carol, `resolve:ssm:${name}`);
        assert.equal(i.ImageId, latest);
        const running = await instanceIn(carol, i.InstanceId!, 'running');
        assert.equal((await volume(carol, rootVolumeOf(running)))!.Size, 8, "the catalog image's 8 GiB root");
        await expectError(carol.send(new RunInstancesCommand({ ImageId: 'resolve:ssm:/no/such/parameter', MinCount: 1, MaxCount: 1 })), 'SsmInvalidParameter');

        const [market] = (await carol.send(new DescribeImagesCommand({ Owners: ['aws-marketplace'] }))).Images!;
        const code = market.ProductCodes![0].ProductCodeId!;
        await expectError(carol.send(new RunInstancesCommand({ ImageId: market.ImageId, MinCount: 1, MaxCount: 1 })), 'OptInRequired', new RegExp(`you need to accept terms and subscribe.*sku=${code}`), 401);
        const put = await fetch(`${dev.url}/_imago/marketplace/subscriptions`, { method: 'PUT', body: JSON.stringify({ accountId: '333333333333', productCode: code }) });
        assert.equal(put.status, 200);
        const bought = await runOne(carol, market.ImageId!);
        assert.deepEqual(bought.ProductCodes, [{ ProductCodeId: code, ProductCodeType: 'marketplace' }]);
      } finally {
        await dev.stop();
      }
    });

    test("DescribeImageReferences finds instances; DescribeInstanceImageMetadata reports the launch image even after it is deregistered", async () => {
      const img = await launchableImage(alice());
      const i = await runOne(alice(), img, { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'meta', Value: 'yes' }] }] });
      const refs = await alice().send(new DescribeImageReferencesCommand({ ImageIds: [img], IncludeAllResourceTypes: true }));
      assert.deepEqual(refs.ImageReferences, [{ ImageId: img, ResourceType: 'ec2:Instance', Arn: `arn:aws:ec2:us-east-1:${A}:instance/${i.InstanceId}` }]);
      await alice().send(new DeregisterImageCommand({ ImageId: img }));
      const out = await alice().send(new DescribeInstanceImageMetadataCommand({ InstanceIds: [i.InstanceId!] }));
      const m = out.InstanceImageMetadata![0];
      assert.deepEqual([m.InstanceId, m.InstanceType, m.OwnerId, m.ImageMetadata!.ImageId, m.ImageMetadata!.State, m.ImageMetadata!.OwnerId], [i.InstanceId, 't3.micro', A, img, 'deregistered', A]);
      assert.deepEqual(m.Tags, [{ Key: 'meta', Value: 'yes' }]);
      const filtered = await alice().send(new DescribeInstanceImageMetadataCommand({ Filters: [{ Name: 'tag:meta', Values: ['yes'] }] }));
      assert.deepEqual(filtered.InstanceImageMetadata!.map((x) => x.InstanceId), [i.InstanceId]);
    });
  });

  describe('restarts', () => {
    test('instances, their volumes and pending transitions survive kill -9', async () => {
      const d = tempDir();
      const creds = writeCredentials(d);
      let s = await startServer({ credentials: creds, dataDir: `${d}/data`, args: ['--settle-ms', '600'] });
      try {
        const c = ec2(s.url, { account: ALICE });
        const img = await launchableImage(c);
        const r = await c.send(new RunInstancesCommand({ ImageId: img, MinCount: 2, MaxCount: 2, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'k', Value: 'v' }] }] }));
        const [a, b] = r.Instances!.map((i) => i.InstanceId!);
        await s.kill(); // while both are pending
        s = await startServer({ credentials: creds, dataDir: `${d}/data`, args: ['--settle-ms', '200'] });
        const c2 = ec2(s.url, { account: ALICE });
        const ra = await instanceIn(c2, a, 'running');
        assert.deepEqual(ra.Tags, [{ Key: 'k', Value: 'v' }]);
        await instanceIn(c2, b, 'running');
        assert.equal((await volume(c2, rootVolumeOf(ra)))!.State, 'in-use');
        await c2.send(new StopInstancesCommand({ InstanceIds: [a] }));
        await c2.send(new TerminateInstancesCommand({ InstanceIds: [b] }));
        await s.kill(); // stopping and shutting-down
        s = await startServer({ credentials: creds, dataDir: `${d}/data`, args: ['--settle-ms', '50'] });
        const c3 = ec2(s.url, { account: ALICE });
        await instanceIn(c3, a, 'stopped');
        await instanceIn(c3, b, 'terminated');
      } finally {
        await s.stop();
        removeDir(d);
      }
    });
  });
});
