// The AMI catalog through @aws-sdk/client-ec2 against a real server (one account's view):
// RegisterImage and every block-device-mapping rule, names, DescribeImages (ids, owners, every
// filter, wildcards and escapes, paging), DeregisterImage (snapshot clean-up, visibility window,
// names freed), attributes, deprecation, disable/enable, deregistration protection, image block
// public access, DryRun on every mutating call, and persistence across kill -9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeImageReferencesCommand,
  DescribeSnapshotsCommand,
  DisableImageBlockPublicAccessCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  DisableImageDeregistrationProtectionCommand,
  EnableImageBlockPublicAccessCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  GetImageAncestryCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  ResetImageAttributeCommand,
  type DescribeImagesCommandInput,
  type EC2Client,
  type Image,
  type ImageAttributeName,
} from '@aws-sdk/client-ec2';
import { ALICE, removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { ebs, ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import {
  UNKNOWN_AMI,
  blockOf,
  describeImage,
  emptySnapshot,
  expectError,
  imageName,
  registerImage,
  snapshotWithData,
  writeImageCredentials,
} from '../helpers/images.js';

const A = ALICE.accountId;
const VISIBLE_MS = 3000;

describe('EC2 images: one account', () => {
  let server: TestServer;
  let dir: string;
  let credentials: string;
  let snap: string; // 1 GiB, real data
  const alice = (region = 'us-east-1'): EC2Client => ec2(server.url, { account: ALICE, region });
  const images = async (input: DescribeImagesCommandInput, c = alice()): Promise<Image[]> => (await c.send(new DescribeImagesCommand(input))).Images!;
  const ids = async (input: DescribeImagesCommandInput, c = alice()) => (await images(input, c)).map((i) => i.ImageId!).sort();
  const start = () => startServer({ dataDir: dir, credentials, args: ['--settle-ms', '50', '--deregistered-visible-ms', String(VISIBLE_MS)] });

  before(async () => {
    dir = tempDir();
    credentials = writeImageCredentials(dir);
    server = await start();
    snap = await snapshotWithData(ebs(server.url, { account: ALICE }), alice(), new Map([[0, blockOf('root')]]));
  });
  after(async () => {
    await server.kill();
    removeDir(dir);
  });

  describe('RegisterImage', () => {
    test('an EBS image from a snapshot is available at once, with AWS defaults (i386, paravirtual)', async () => {
      const name = imageName('defaults');
      const out = await alice().send(new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: snap } }] }));
      assert.match(out.ImageId!, /^ami-[0-9a-f]{17}$/);
      const image = (await describeImage(alice(), out.ImageId!))!;
      assert.equal(image.State, 'available');
      assert.equal(image.Architecture, 'i386');
      assert.equal(image.VirtualizationType, 'paravirtual');
      assert.equal(image.Name, name);
      assert.equal(image.OwnerId, A);
      assert.equal(image.ImageLocation, `${A}/${name}`);
      assert.equal(image.Public, false);
      assert.equal(image.ImageType, 'machine');
      assert.equal(image.RootDeviceType, 'ebs');
      assert.equal(image.RootDeviceName, '/dev/sda1');
      assert.equal(image.Hypervisor, 'xen');
      assert.equal(image.PlatformDetails, 'Linux/UNIX');
      assert.equal(image.UsageOperation, 'RunInstances');
      assert.equal(image.DeregistrationProtection, 'disabled');
      assert.match(image.CreationDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(image.BlockDeviceMappings, [
        { DeviceName: '/dev/sda1', Ebs: { SnapshotId: snap, VolumeSize: 1, VolumeType: 'gp2', DeleteOnTermination: true, Encrypted: false } },
      ]);
      assert.equal(image.Tags, undefined);
      assert.equal(image.ImageOwnerAlias, undefined);
    });

    test('boot mode, TPM, UEFI data, IMDS, ENA and SR-IOV are stored and returned', async () => {
      const uefi = Buffer.from('uefi variable store').toString('base64');
      const id = await registerImage(alice(), snap, { BootMode: 'uefi', TpmSupport: 'v2.0', UefiData: uefi, ImdsSupport: 'v2.0', EnaSupport: true, SriovNetSupport: 'simple', Architecture: 'arm64', Description: 'all the flags' });
      const image = (await describeImage(alice(), id))!;
      assert.equal(image.BootMode, 'uefi');
      assert.equal(image.TpmSupport, 'v2.0');
      assert.equal(image.ImdsSupport, 'v2.0');
      assert.equal(image.EnaSupport, true);
      assert.equal(image.SriovNetSupport, 'simple');
      assert.equal(image.Architecture, 'arm64');
      assert.equal(image.VirtualizationType, 'hvm');
      assert.equal(image.Description, 'all the flags');
      const attr = async (Attribute: ImageAttributeName) => alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute }));
      assert.equal((await attr('uefiData')).UefiData?.Value, uefi);
      assert.equal((await attr('bootMode')).BootMode?.Value, 'uefi');
      assert.equal((await attr('tpmSupport')).TpmSupport?.Value, 'v2.0');
      assert.equal((await attr('imdsSupport')).ImdsSupport?.Value, 'v2.0');
      assert.equal((await attr('sriovNetSupport')).SriovNetSupport?.Value, 'simple');
      assert.equal((await attr('description')).Description?.Value, 'all the flags');
    });

    test('instance store, NoDevice and empty EBS volumes are mapped as given', async () => {
      const id = await registerImage(alice(), snap, {
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, VolumeSize: 8, VolumeType: 'gp3', Iops: 4000, Throughput: 200, DeleteOnTermination: false } },
          { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
          { DeviceName: '/dev/sdc', NoDevice: '' },
          { DeviceName: '/dev/sdd', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true } },
        ],
      });
      const image = (await describeImage(alice(), id))!;
      assert.deepEqual(image.BlockDeviceMappings, [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, VolumeSize: 8, VolumeType: 'gp3', Iops: 4000, Throughput: 200, DeleteOnTermination: false, Encrypted: false } },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
        { DeviceName: '/dev/sdc', NoDevice: '' },
        { DeviceName: '/dev/sdd', Ebs: { VolumeSize: 20, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true } },
      ]);
    });

    test('every block device mapping rule is enforced', async () => {
      const register = (BlockDeviceMappings: RegisterImageCommandInputMappings, extra: Record<string, unknown> = {}) =>
        alice().send(new RegisterImageCommand({ Name: imageName('bdm'), RootDeviceName: '/dev/xvda', BlockDeviceMappings, ...extra }));
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }]), 'InvalidBlockDeviceMapping', /root device \/dev\/xvda must be mapped to an EBS snapshot/);
      await expectError(register([{ DeviceName: '/dev/sdb', Ebs: { SnapshotId: snap } }]), 'InvalidBlockDeviceMapping', /root device/);
      for (const Encrypted of [true, false]) {
        await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, Encrypted } }]), 'InvalidBlockDeviceMapping', /Encrypted is not supported/);
      }
      // the snapshot is 1 GiB: a 0 GiB volume is smaller
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, VolumeSize: 0 } }]), 'InvalidBlockDeviceMapping', new RegExp(`Volume of size 0GB is smaller than snapshot '${snap}', expect size >= 1GB`));
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/sdb', VirtualName: 'ephemeral24' }]), 'InvalidBlockDeviceMapping', /ephemeral24/);
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/sdb', VirtualName: 'swap' }]), 'InvalidBlockDeviceMapping');
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/sdb', VirtualName: 'ephemeral1', Ebs: { VolumeSize: 1 } }]), 'InvalidBlockDeviceMapping', /only one of/);
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/xvda', NoDevice: '' }]), 'InvalidBlockDeviceMapping', /more than once/);
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/sdb', Ebs: { VolumeType: 'gp3' } }]), 'InvalidBlockDeviceMapping', /needs a VolumeSize or a SnapshotId/);
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/sdb', Ebs: { VolumeSize: 2, KmsKeyId: 'alias/aws/ebs' } }]), 'InvalidParameterDependency');
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }, { DeviceName: '/dev/sdb', Ebs: { VolumeSize: 2000, VolumeType: 'standard' } }]), 'InvalidParameterValue', /too large/);
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0123456789abcdef0' } }]), 'InvalidSnapshot.NotFound');
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-nothex' } }]), 'InvalidSnapshotID.Malformed');
      await expectError(alice().send(new RegisterImageCommand({ Name: imageName(), BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }] })), 'MissingParameter', /RootDeviceName/);
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }], { ImageLocation: 'bucket/manifest.xml' }), 'UnsupportedOperation');
      await expectError(register([{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }], { BillingProducts: ['bp-123'] }), 'InvalidParameterValue');
    });

    test('TagSpecifications tag the image; other resource types are refused', async () => {
      const id = await registerImage(alice(), snap, { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Version', Value: '1.2' }, { Key: 'Empty', Value: '' }] }] });
      assert.deepEqual(
        (await describeImage(alice(), id))!.Tags!.sort((a, b) => a.Key!.localeCompare(b.Key!)),
        [
          { Key: 'Empty', Value: '' },
          { Key: 'Version', Value: '1.2' },
        ],
      );
      await expectError(registerImage(alice(), snap, { TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'a', Value: 'b' }] }] }), 'InvalidParameterValue', /not a valid taggable resource type/);
      await expectError(registerImage(alice(), snap, { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'aws:x', Value: 'b' }] }] }), 'InvalidParameterValue', /reserved/);
    });

    test('names: syntax, uniqueness per account and region, descriptions', async () => {
      const ok = "app v1.2 (build) [x] a/b-c_d'e@f";
      await registerImage(alice(), snap, { Name: ok });
      for (const bad of ['ab', 'x'.repeat(129), 'has#hash', 'semi;colon', 'tab\tname']) {
        await expectError(registerImage(alice(), snap, { Name: bad }), 'InvalidAMIName.Malformed');
      }
      await registerImage(alice(), snap, { Name: 'x'.repeat(128) });
      const name = imageName('dup');
      const first = await registerImage(alice(), snap, { Name: name });
      await expectError(registerImage(alice(), snap, { Name: name }), 'InvalidAMIName.Duplicate', new RegExp(`^AMI name ${name} is already in use by AMI ${first}$`));
      // another region is another namespace
      const west = alice('us-west-2');
      const westSnap = await emptySnapshot(west);
      await registerImage(west, westSnap, { Name: name });
      await expectError(registerImage(alice(), snap, { Description: 'd'.repeat(256) }), 'InvalidParameterValue', /description/);
      await registerImage(alice(), snap, { Description: 'd'.repeat(255) });
    });

    test('DryRun checks everything, then creates nothing', async () => {
      const name = imageName('dry');
      await expectError(registerImage(alice(), snap, { Name: name, DryRun: true }), 'DryRunOperation', /Request would have succeeded, but DryRun flag is set/, 412);
      assert.deepEqual(await ids({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }), []);
      // a DryRun that would fail reports the failure
      await expectError(registerImage(alice(), snap, { Name: 'no', DryRun: true }), 'InvalidAMIName.Malformed');
    });
  });

  describe('DescribeImages', () => {
    test('ids: malformed, unknown, and MaxResults with ids', async () => {
      await expectError(images({ ImageIds: ['ami-xyz'] }), 'InvalidAMIID.Malformed', /Invalid id: "ami-xyz"/);
      await expectError(images({ ImageIds: ['snap-0123456789abcdef0'] }), 'InvalidAMIID.Malformed');
      await expectError(images({ ImageIds: [UNKNOWN_AMI] }), 'InvalidAMIID.NotFound', new RegExp(`^The image id '\\[${UNKNOWN_AMI}\\]' does not exist$`));
      const id = await registerImage(alice(), snap);
      await expectError(images({ ImageIds: [id, UNKNOWN_AMI] }), 'InvalidAMIID.NotFound');
      await expectError(images({ ImageIds: [id], MaxResults: 5 }), 'InvalidParameterCombination', /^The parameter imagesSet cannot be used with the parameter maxResults$/);
      assert.deepEqual(await ids({ ImageIds: [id, id] }), [id]);
      await expectError(images({ ImageIds: [id], DryRun: true }), 'DryRunOperation', undefined, 412);
      // an image of this account in another region is unknown here
      await expectError(images({ ImageIds: [id] }, alice('eu-west-1')), 'InvalidAMIID.NotFound');
    });

    test('owners: self, the account id, aliases; anything else is InvalidUserID.Malformed', async () => {
      const id = await registerImage(alice(), snap);
      assert.ok((await ids({ Owners: ['self'] })).includes(id));
      assert.ok((await ids({ Owners: [A] })).includes(id));
      assert.ok(!(await ids({ Owners: ['amazon', 'aws-marketplace', 'aws-backup-vault'] })).includes(id));
      assert.ok(!(await ids({ Owners: ['222222222222'] })).includes(id));
      for (const bad of ['someone', '12345', 'all']) await expectError(images({ Owners: [bad] }), 'InvalidUserID.Malformed');
      await expectError(images({ ExecutableUsers: ['nobody'] }), 'InvalidUserID.Malformed');
      // ExecutableUsers self and the caller's own id: owned (and shared) images
      assert.ok((await ids({ ExecutableUsers: ['self'] })).includes(id));
      assert.ok((await ids({ ExecutableUsers: [A] })).includes(id));
      // all: public images only
      assert.ok(!(await ids({ ExecutableUsers: ['all'], Owners: ['self'] })).includes(id));
    });

    test('every documented filter, with wildcards and escapes', async () => {
      const prefix = imageName('filt');
      const emptyVol = await emptySnapshot(alice(), 2);
      const one = await registerImage(alice(), snap, {
        Name: `${prefix}-one`,
        Description: 'lit*eral?\\ one',
        Architecture: 'arm64',
        BootMode: 'uefi',
        EnaSupport: true,
        SriovNetSupport: 'simple',
        KernelId: 'aki-12345678',
        RamdiskId: 'ari-12345678',
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, VolumeType: 'gp3', DeleteOnTermination: false } },
          { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 3, Encrypted: true } },
        ],
      });
      const two = await registerImage(alice(), emptyVol, { Name: `${prefix}-two`, Description: 'plain two', VirtualizationType: 'paravirtual', Architecture: 'x86_64', RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: emptyVol } }] });
      await alice().send(new CreateTagsCommand({ Resources: [one], Tags: [{ Key: 'Version', Value: '1.2.3' }, { Key: 'Team', Value: 'core' }] }));
      await alice().send(new CreateTagsCommand({ Resources: [two], Tags: [{ Key: 'Version', Value: '2.0.0' }] }));
      const f = async (Name: string, Values: string[]) => ids({ Owners: ['self'], Filters: [{ Name: 'name', Values: [`${prefix}-*`] }, { Name, Values }] });
      const day = (await describeImage(alice(), one))!.CreationDate!.slice(0, 10);
      const cases: [string, string[], string[]][] = [
        ['architecture', ['arm64'], [one]],
        ['architecture', ['x86_64', 'arm64'], [one, two]],
        ['block-device-mapping.delete-on-termination', ['false'], [one]],
        ['block-device-mapping.device-name', ['/dev/sdf'], [one]],
        ['block-device-mapping.device-name', ['/dev/sd?1'], [two]],
        ['block-device-mapping.snapshot-id', [emptyVol], [two]],
        ['block-device-mapping.volume-size', ['3'], [one]],
        ['block-device-mapping.volume-size', ['2'], [two]],
        ['block-device-mapping.volume-type', ['gp3'], [one]],
        ['block-device-mapping.encrypted', ['true'], [one]],
        ['boot-mode', ['uefi'], [one]],
        ['creation-date', [`${day}T*`], [one, two]],
        ['creation-date', ['1999-*'], []],
        ['description', ['lit\\*eral\\?\\\\ one'], [one]],
        ['description', ['lit\\*eral\\?\\\\ on?'], [one]],
        ['description', ['lit\\*x*'], []],
        ['description', ['*two'], [two]],
        ['ena-support', ['true'], [one]],
        ['free-tier-eligible', ['false'], [one, two]],
        ['hypervisor', ['xen'], [one, two]],
        ['image-allowed', ['true'], [one, two]],
        ['image-id', [two], [two]],
        ['image-type', ['machine'], [one, two]],
        ['image-type', ['kernel'], []],
        ['is-public', ['false'], [one, two]],
        ['is-public', ['true'], []],
        ['kernel-id', ['aki-12345678'], [one]],
        ['manifest-location', [`${A}/${prefix}-t*`], [two]],
        ['name', [`${prefix}-on?`], [one]],
        ['name', [`${prefix.toUpperCase()}-one`], []],
        ['owner-alias', ['amazon'], []],
        ['owner-id', [A], [one, two]],
        ['platform', ['windows'], []],
        ['product-code', ['*'], []],
        ['product-code.type', ['marketplace'], []],
        ['ramdisk-id', ['ari-12345678'], [one]],
        ['root-device-name', ['/dev/sda1'], [two]],
        ['root-device-type', ['ebs'], [one, two]],
        ['source-image-id', ['*'], []],
        ['source-image-region', ['*'], []],
        ['source-instance-id', ['*'], []],
        ['state', ['available'], [one, two]],
        ['state', ['pending', 'failed'], []],
        ['state-reason-code', ['*'], []],
        ['state-reason-message', ['*'], []],
        ['sriov-net-support', ['simple'], [one]],
        ['tag:Version', ['1.*'], [one]],
        ['tag:Version', ['1.2.3', '2.0.0'], [one, two]],
        ['tag:Team', ['core'], [one]],
        ['tag-key', ['Team'], [one]],
        ['tag-key', ['Vers*'], [one, two]],
        ['virtualization-type', ['paravirtual'], [two]],
        ['scan-result.finding-scan-date', ['*'], []],
        ['public-ssm-parameter-name', ['*'], []],
      ];
      for (const [name, values, want] of cases) assert.deepEqual(await f(name, values), [...want].sort(), `${name}=${values.join(',')}`);
      // filters AND, values OR
      assert.deepEqual(await ids({ Owners: ['self'], Filters: [{ Name: 'name', Values: [`${prefix}-*`] }, { Name: 'architecture', Values: ['arm64'] }, { Name: 'tag:Version', Values: ['2.0.0'] }] }), []);
      await expectError(images({ Filters: [{ Name: 'colour', Values: ['blue'] }] }), 'InvalidParameterValue', /^The filter 'colour' is invalid$/);
      await expectError(images({ Filters: [{ Name: 'Name', Values: ['x'] }] }), 'InvalidParameterValue', /filter 'Name'/);
    });

    test('MaxResults and NextToken page through everything once; tokens are bound to the query', async () => {
      const prefix = imageName('page');
      const made = [];
      for (let i = 0; i < 7; i++) made.push(await registerImage(alice(), snap, { Name: `${prefix}-${i}` }));
      const query = { Owners: ['self'], Filters: [{ Name: 'name', Values: [`${prefix}-*`] }] };
      const first = await alice().send(new DescribeImagesCommand({ ...query, MaxResults: 5 }));
      assert.equal(first.Images!.length, 5);
      assert.ok(first.NextToken);
      const second = await alice().send(new DescribeImagesCommand({ ...query, MaxResults: 5, NextToken: first.NextToken }));
      assert.equal(second.Images!.length, 2);
      assert.equal(second.NextToken, undefined, 'no token on the last page');
      assert.deepEqual([...first.Images!, ...second.Images!].map((i) => i.ImageId).sort(), made.sort());
      // a token without MaxResults continues (up to 1000)
      assert.equal((await alice().send(new DescribeImagesCommand({ ...query, NextToken: first.NextToken }))).Images!.length, 2);
      await expectError(alice().send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5, NextToken: first.NextToken })), 'InvalidNextToken');
      await expectError(alice().send(new DescribeImagesCommand({ ...query, MaxResults: 5, NextToken: 'garbage' })), 'InvalidNextToken');
      await expectError(alice().send(new DescribeImagesCommand({ ...query, MaxResults: 4 })), 'InvalidParameterValue', /maxResults/);
      // without MaxResults: everything, no token
      const all = await alice().send(new DescribeImagesCommand(query));
      assert.equal(all.Images!.length, 7);
      assert.equal(all.NextToken, undefined);
      // page size 5 over 7 never repeats a token
      const tokens = new Set<string>();
      let token: string | undefined;
      do {
        const page = await alice().send(new DescribeImagesCommand({ ...query, MaxResults: 5, NextToken: token }));
        token = page.NextToken;
        if (token) {
          assert.ok(!tokens.has(token));
          tokens.add(token);
        }
      } while (token);
    });
  });

  describe('DeregisterImage', () => {
    test('deregistered: listed to the owner as deregistered for a while, then unknown for good; the name is free at once', async () => {
      const name = imageName('dereg');
      const id = await registerImage(alice(), snap, { Name: name });
      const out = await alice().send(new DeregisterImageCommand({ ImageId: id }));
      assert.equal(out.Return, true);
      assert.equal(out.DeleteSnapshotResults, undefined);
      assert.equal((await describeImage(alice(), id))!.State, 'deregistered');
      assert.ok((await ids({ Owners: ['self'], Filters: [{ Name: 'state', Values: ['deregistered'] }] })).includes(id));
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: id })), 'InvalidAMIID.Unavailable');
      const again = await registerImage(alice(), snap, { Name: name });
      assert.notEqual(again, id);
      await until('deregistered image forgotten', async () => ((await images({ Owners: ['self'] })).some((i) => i.ImageId === id) ? undefined : true), 400, 25);
      await expectError(images({ ImageIds: [id] }), 'InvalidAMIID.NotFound');
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: id })), 'InvalidAMIID.NotFound');
      await expectError(alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'description' })), 'InvalidAMIID.NotFound');
    });

    test('a snapshot is in use while a live image maps it, and free after', async () => {
      const s = await emptySnapshot(alice());
      const id = await registerImage(alice(), s);
      await expectError(alice().send(new DeleteSnapshotCommand({ SnapshotId: s })), 'InvalidSnapshot.InUse', new RegExp(`^The snapshot ${s} is currently in use by ${id}$`));
      await alice().send(new DisableImageCommand({ ImageId: id }));
      await expectError(alice().send(new DeleteSnapshotCommand({ SnapshotId: s })), 'InvalidSnapshot.InUse', /in use/);
      await alice().send(new DeregisterImageCommand({ ImageId: id }));
      await alice().send(new DeleteSnapshotCommand({ SnapshotId: s }));
    });

    test('DeleteAssociatedSnapshots deletes the image\'s snapshots unless another image uses them', async () => {
      const own = await emptySnapshot(alice());
      const shared = await emptySnapshot(alice());
      const id = await registerImage(alice(), own, {
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: own } },
          { DeviceName: '/dev/sdf', Ebs: { SnapshotId: shared } },
          { DeviceName: '/dev/sdg', Ebs: { VolumeSize: 1 } },
        ],
      });
      const other = await registerImage(alice(), shared);
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: id, DeleteAssociatedSnapshots: true, DryRun: true })), 'DryRunOperation', undefined, 412);
      const out = await alice().send(new DeregisterImageCommand({ ImageId: id, DeleteAssociatedSnapshots: true }));
      assert.deepEqual(
        out.DeleteSnapshotResults!.sort((a, b) => a.SnapshotId!.localeCompare(b.SnapshotId!)),
        [
          { SnapshotId: own, ReturnCode: 'success' },
          { SnapshotId: shared, ReturnCode: 'skipped' },
        ].sort((a, b) => a.SnapshotId.localeCompare(b.SnapshotId)),
      );
      await expectError(alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [own] })), 'InvalidSnapshot.NotFound');
      assert.equal((await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [shared] }))).Snapshots!.length, 1);
      assert.equal((await describeImage(alice(), other))!.State, 'available');
      const none = await alice().send(new DeregisterImageCommand({ ImageId: other, DeleteAssociatedSnapshots: false }));
      assert.equal(none.DeleteSnapshotResults, undefined);
    });

    test('deregistration protection, with and without the 24-hour cooldown', async () => {
      const id = await registerImage(alice(), snap);
      await expectError(alice().send(new EnableImageDeregistrationProtectionCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new EnableImageDeregistrationProtectionCommand({ ImageId: id }))).Return, 'enabled-without-cooldown');
      assert.equal((await describeImage(alice(), id))!.DeregistrationProtection, 'enabled-without-cooldown');
      assert.equal((await alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'deregistrationProtection' }))).DeregistrationProtection?.Value, 'enabled-without-cooldown');
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: id })), 'OperationNotPermitted', /deregistration protection/);
      await expectError(alice().send(new DisableImageDeregistrationProtectionCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new DisableImageDeregistrationProtectionCommand({ ImageId: id }))).Return, 'disabled');
      assert.equal((await describeImage(alice(), id))!.DeregistrationProtection, 'disabled');
      await alice().send(new DeregisterImageCommand({ ImageId: id }));

      const cooled = await registerImage(alice(), snap);
      assert.equal((await alice().send(new EnableImageDeregistrationProtectionCommand({ ImageId: cooled, WithCooldown: true }))).Return, 'enabled-with-cooldown');
      assert.equal((await describeImage(alice(), cooled))!.DeregistrationProtection, 'enabled-with-cooldown');
      assert.equal((await alice().send(new DisableImageDeregistrationProtectionCommand({ ImageId: cooled }))).Return, 'disabled');
      assert.match((await describeImage(alice(), cooled))!.DeregistrationProtection!, /^disabled-until \d{4}-\d\d-\d\dT/);
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: cooled })), 'OperationNotPermitted', /until/);
      // disabling again does not cut the cooldown short
      await alice().send(new DisableImageDeregistrationProtectionCommand({ ImageId: cooled }));
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: cooled })), 'OperationNotPermitted');
    });

    test('malformed and unknown ids, DryRun', async () => {
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: 'ami-1' })), 'InvalidAMIID.Malformed');
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: UNKNOWN_AMI })), 'InvalidAMIID.NotFound');
      const id = await registerImage(alice(), snap);
      await expectError(alice().send(new DeregisterImageCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await describeImage(alice(), id))!.State, 'available');
    });
  });

  describe('attributes', () => {
    test('DescribeImageAttribute answers every attribute; blockDeviceMapping is AuthFailure', async () => {
      const id = await registerImage(alice(), snap, { Description: 'described', KernelId: 'aki-11111111', RamdiskId: 'ari-22222222' });
      const attr = (Attribute: ImageAttributeName) => alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute }));
      assert.equal((await attr('description')).Description?.Value, 'described');
      assert.equal((await attr('kernel')).KernelId?.Value, 'aki-11111111');
      assert.equal((await attr('ramdisk')).RamdiskId?.Value, 'ari-22222222');
      const lp = await attr('launchPermission');
      assert.equal(lp.ImageId, id);
      assert.deepEqual(lp.LaunchPermissions, []);
      assert.deepEqual((await attr('productCodes')).ProductCodes, []);
      assert.equal((await attr('sriovNetSupport')).SriovNetSupport?.Value, undefined);
      assert.equal((await attr('bootMode')).BootMode?.Value, undefined);
      assert.equal((await attr('tpmSupport')).TpmSupport?.Value, undefined);
      assert.equal((await attr('uefiData')).UefiData?.Value, undefined);
      assert.equal((await attr('lastLaunchedTime')).LastLaunchedTime?.Value, undefined);
      assert.equal((await attr('imdsSupport')).ImdsSupport?.Value, undefined);
      assert.equal((await attr('deregistrationProtection')).DeregistrationProtection?.Value, 'disabled');
      await expectError(attr('blockDeviceMapping'), 'AuthFailure', new RegExp(`Not authorized for image:${id}`));
      await expectError(attr('colour' as ImageAttributeName), 'InvalidParameterValue');
      await expectError(alice().send(new DescribeImageAttributeCommand({ ImageId: UNKNOWN_AMI, Attribute: 'description' })), 'InvalidAMIID.NotFound');
      await expectError(alice().send(new DescribeImageAttributeCommand({ ImageId: 'ami-zz', Attribute: 'description' })), 'InvalidAMIID.Malformed');
    });

    test('ModifyImageAttribute: description in both forms, imdsSupport once and for good, one attribute per call', async () => {
      const id = await registerImage(alice(), snap);
      const desc = async () => (await alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'description' }))).Description?.Value;
      await alice().send(new ModifyImageAttributeCommand({ ImageId: id, Description: { Value: 'first' } }));
      assert.equal(await desc(), 'first');
      await alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'description', Value: 'second' }));
      assert.equal(await desc(), 'second');
      assert.equal((await describeImage(alice(), id))!.Description, 'second');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, Description: { Value: 'third' }, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal(await desc(), 'second');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, Description: { Value: 'x'.repeat(256) } })), 'InvalidParameterValue');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, ImdsSupport: { Value: 'v1.0' } })), 'InvalidParameterValue', /v2\.0/);
      await alice().send(new ModifyImageAttributeCommand({ ImageId: id, ImdsSupport: { Value: 'v2.0' } }));
      assert.equal((await describeImage(alice(), id))!.ImdsSupport, 'v2.0');
      await expectError(
        alice().send(new ModifyImageAttributeCommand({ ImageId: id, Description: { Value: 'x' }, LaunchPermission: { Add: [{ UserId: '222222222222' }] } })),
        'InvalidParameterCombination',
      );
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id })), 'MissingParameter');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'kernel', Value: 'aki-11111111' })), 'InvalidParameterValue');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, ProductCodes: ['abc'] })), 'UnsupportedOperation');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', UserIds: ['222222222222'] })), 'MissingParameter', /operationType/);
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: UNKNOWN_AMI, Description: { Value: 'x' } })), 'InvalidAMIID.NotFound');
    });

    test('launch permissions in both forms, ResetImageAttribute, and their DryRun', async () => {
      const id = await registerImage(alice(), snap);
      const perms = async () => (await alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }))).LaunchPermissions;
      await alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: '222222222222' }, { UserId: A }] } }));
      assert.deepEqual(await perms(), [{ UserId: '222222222222' }], 'sharing with yourself changes nothing');
      await alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', OperationType: 'add', UserIds: ['333333333333', '222222222222'] }));
      assert.deepEqual(await perms(), [{ UserId: '222222222222' }, { UserId: '333333333333' }]);
      await alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', OperationType: 'remove', UserIds: ['222222222222', '444444444444'] }));
      assert.deepEqual(await perms(), [{ UserId: '333333333333' }]);
      for (const item of [{ UserId: '1234' }, { UserId: '1234-5678-9012' }, { OrganizationArn: 'arn:aws:organizations::1:organization/o-x' }, { OrganizationalUnitArn: 'ou-123' }]) {
        await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [item] } })), 'InvalidAMIAttributeItemValue');
      }
      // the structure's Group is an enum (model validation); the legacy UserGroup.N list is free text
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ Group: 'everyone' as 'all' }] } })), 'InvalidParameterValue');
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', OperationType: 'add', UserGroups: ['everyone'] })), 'InvalidAMIAttributeItemValue');
      await expectError(
        alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: '555555555555' }], Remove: [{ UserId: '555555555555' }] } })),
        'InvalidParameterCombination',
      );
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: '555555555555' }] }, DryRun: true })), 'DryRunOperation', undefined, 412);
      await expectError(alice().send(new ResetImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.deepEqual(await perms(), [{ UserId: '333333333333' }]);
      await alice().send(new ResetImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }));
      assert.deepEqual(await perms(), []);
      await expectError(alice().send(new ResetImageAttributeCommand({ ImageId: UNKNOWN_AMI, Attribute: 'launchPermission' })), 'InvalidAMIID.NotFound');
    });
  });

  describe('lifecycle', () => {
    test('EnableImageDeprecation rounds to the minute; past and too-distant times are refused; DisableImageDeprecation clears it', async () => {
      const id = await registerImage(alice(), snap);
      const at = new Date(Date.now() + 3 * 24 * 3600_000);
      at.setUTCSeconds(40, 0);
      await expectError(alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: at, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: at }))).Return, true);
      const rounded = new Date(Math.round(at.getTime() / 60_000) * 60_000).toISOString();
      assert.equal((await describeImage(alice(), id))!.DeprecationTime, rounded);
      assert.deepEqual(await ids({ Owners: ['self'], Filters: [{ Name: 'image-id', Values: [id] }] }), [id], 'the owner sees a deprecated image');
      await expectError(alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(Date.now() - 3600_000) })), 'InvalidParameterValue', /past/);
      await expectError(alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(Date.now() + 11 * 365 * 24 * 3600_000) })), 'InvalidParameterValue', /10 years/);
      await expectError(alice().send(new DisableImageDeprecationCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      await alice().send(new DisableImageDeprecationCommand({ ImageId: id }));
      assert.equal((await describeImage(alice(), id))!.DeprecationTime, undefined);
      // already deprecated: still listed to the owner
      const past = await registerImage(alice(), snap);
      // 20 s ago rounds to a minute at most 10 s from now (times in the current minute are accepted)
      await alice().send(new EnableImageDeprecationCommand({ ImageId: past, DeprecateAt: new Date(Date.now() - 20_000) }));
      await until('deprecated', async () => (Date.parse((await describeImage(alice(), past))!.DeprecationTime!) <= Date.now() ? true : undefined), 800, 25);
      assert.ok((await ids({ Owners: ['self'] })).includes(past));
    });

    test('DisableImage hides the image unless IncludeDisabled; EnableImage brings it back', async () => {
      const id = await registerImage(alice(), snap);
      await expectError(alice().send(new DisableImageCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new DisableImageCommand({ ImageId: id }))).Return, true);
      assert.deepEqual(await ids({ ImageIds: [id] }), []);
      assert.ok(!(await ids({ Owners: ['self'] })).includes(id));
      assert.equal((await describeImage(alice(), id, { IncludeDisabled: true }))!.State, 'disabled');
      assert.ok((await ids({ Owners: ['self'], IncludeDisabled: true, Filters: [{ Name: 'state', Values: ['disabled'] }] })).includes(id));
      await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: '222222222222' }] } })), 'InvalidAMIID.Unavailable');
      await expectError(alice().send(new DisableImageCommand({ ImageId: id })), 'InvalidAMIID.Unavailable');
      await expectError(alice().send(new EnableImageCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new EnableImageCommand({ ImageId: id }))).Return, true);
      assert.equal((await describeImage(alice(), id))!.State, 'available');
      await expectError(alice().send(new EnableImageCommand({ ImageId: id })), 'IncorrectState');
    });

    test('image block public access: unblocked by default, block-new-sharing stops new public shares', async () => {
      const c = alice('ap-south-1');
      const s = await emptySnapshot(c);
      const id = await registerImage(c, s);
      assert.deepEqual((await c.send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState, 'unblocked');
      await expectError(c.send(new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing', DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await c.send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState, 'unblocked');
      assert.equal((await c.send(new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing' }))).ImageBlockPublicAccessState, 'block-new-sharing');
      const state = await c.send(new GetImageBlockPublicAccessStateCommand({}));
      assert.equal(state.ImageBlockPublicAccessState, 'block-new-sharing');
      assert.equal(state.ManagedBy, 'account');
      await expectError(c.send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ Group: 'all' }] } })), 'OperationNotPermitted', /block public access/);
      // other regions are not affected
      assert.equal((await alice().send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState, 'unblocked');
      await expectError(c.send(new DisableImageBlockPublicAccessCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await c.send(new DisableImageBlockPublicAccessCommand({}))).ImageBlockPublicAccessState, 'unblocked');
      await c.send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ Group: 'all' }] } }));
      assert.equal((await describeImage(c, id))!.Public, true);
    });
  });

  describe('ancestry and references', () => {
    test('GetImageAncestry of a registered image is the image alone', async () => {
      const id = await registerImage(alice(), snap);
      const out = await alice().send(new GetImageAncestryCommand({ ImageId: id }));
      assert.equal(out.ImageAncestryEntries!.length, 1);
      assert.equal(out.ImageAncestryEntries![0].ImageId, id);
      assert.equal(out.ImageAncestryEntries![0].SourceImageId, undefined);
      assert.ok(out.ImageAncestryEntries![0].CreationDate instanceof Date);
      await expectError(alice().send(new GetImageAncestryCommand({ ImageId: UNKNOWN_AMI })), 'InvalidAMIID.NotFound');
      await expectError(alice().send(new GetImageAncestryCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
    });

    test('DescribeImageReferences checks its parameters and lists what references the images', async () => {
      const id = await registerImage(alice(), snap);
      const out = await alice().send(new DescribeImageReferencesCommand({ ImageIds: [id], IncludeAllResourceTypes: true }));
      assert.ok(Array.isArray(out.ImageReferences));
      await expectError(alice().send(new DescribeImageReferencesCommand({ ImageIds: [id] })), 'MissingParameter', /ResourceTypes/);
      await expectError(alice().send(new DescribeImageReferencesCommand({ ImageIds: ['ami-bad'], IncludeAllResourceTypes: true })), 'InvalidAMIID.Malformed');
      await expectError(
        alice().send(new DescribeImageReferencesCommand({ ImageIds: [id], ResourceTypes: [{ ResourceType: 'ec2:Instance', ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: ['flying'] }] }] })),
        'InvalidParameterValue',
      );
      await expectError(
        alice().send(new DescribeImageReferencesCommand({ ImageIds: [id], ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['0'] }] }] })),
        'InvalidParameterValue',
      );
      await expectError(
        alice().send(new DescribeImageReferencesCommand({ ImageIds: [id], ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: ['running'] }] }] })),
        'InvalidParameterValue',
      );
      const ok = await alice().send(
        new DescribeImageReferencesCommand({ ImageIds: [id], ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['3'] }] }] }),
      );
      assert.ok(Array.isArray(ok.ImageReferences));
    });
  });

  test('the catalog survives kill -9: images, names, tags, attributes, protection, deregistrations', async () => {
    const id = await registerImage(alice(), snap, { Description: 'durable', BootMode: 'uefi', TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Version', Value: '9' }] }] });
    await alice().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: '222222222222' }] } }));
    await alice().send(new EnableImageDeregistrationProtectionCommand({ ImageId: id }));
    const deprecateAt = new Date(Date.now() + 7 * 24 * 3600_000);
    deprecateAt.setUTCSeconds(0, 0);
    await alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: deprecateAt }));
    const gone = await registerImage(alice(), snap);
    await alice().send(new DeregisterImageCommand({ ImageId: gone }));
    const before = await describeImage(alice(), id);
    await server.kill();
    server = await start();
    const afterRestart = await describeImage(alice(), id);
    assert.deepEqual(afterRestart, before);
    assert.equal(afterRestart!.DeprecationTime, deprecateAt.toISOString());
    assert.deepEqual((await alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }))).LaunchPermissions, [{ UserId: '222222222222' }]);
    await expectError(alice().send(new DeregisterImageCommand({ ImageId: id })), 'OperationNotPermitted');
    await expectError(registerImage(alice(), snap, { Name: afterRestart!.Name }), 'InvalidAMIName.Duplicate');
    assert.ok(!(await ids({ Owners: ['self'], Filters: [{ Name: 'state', Values: ['available'] }] })).includes(gone), 'a deregistered image stays deregistered');
  });
});

type RegisterImageCommandInputMappings = NonNullable<ConstructorParameters<typeof RegisterImageCommand>[0]['BlockDeviceMappings']>;
