// Image sharing across accounts through @aws-sdk/client-ec2, in verified mode (ALICE owns,
// BOB and CAROL look): what each caller sees and never sees, owner-only operations (AuthFailure
// for visible images, NotFound for invisible ones), launch permissions to accounts, everyone,
// organizations and OUs (placed by the operator endpoint), ExecutableUsers semantics, per-account
// tags, deprecation and disabling as others see them, the encryption rules, block public access,
// CancelImageLaunchPermission, and images over other accounts' snapshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelImageLaunchPermissionCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EnableImageBlockPublicAccessCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  ResetImageAttributeCommand,
  type DescribeImagesCommandInput,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { ALICE, BOB, removeDir, startServer, tempDir, type TestAccount, type TestServer } from '../helpers/server.js';
import { ebs, ec2, kms } from '../helpers/clients.js';
import { CAROL, UNKNOWN_AMI, blockOf, describeImage, emptySnapshot, expectError, operatorCall, registerImage, snapshotWithData, writeImageCredentials } from '../helpers/images.js';

const A = ALICE.accountId;
const B = BOB.accountId;
const C = CAROL.accountId;
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdef1234';
const OU_ROOT = 'arn:aws:organizations::999999999999:ou/o-abcdef1234/ou-root-aaaaaaaa';
const OU_DEV = 'arn:aws:organizations::999999999999:ou/o-abcdef1234/ou-root-bbbbbbbb';
const OU_OPS = 'arn:aws:organizations::999999999999:ou/o-abcdef1234/ou-root-cccccccc';
const TWO_YEARS_MS = 2 * 365 * 24 * 3600_000;

describe('EC2 images across accounts', () => {
  let server: TestServer;
  let dir: string;
  let snap: string;
  const client = (account: TestAccount, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client(ALICE);
  const bob = () => client(BOB);
  const carol = () => client(CAROL);
  const ids = async (c: EC2Client, input: DescribeImagesCommandInput = {}) => ((await c.send(new DescribeImagesCommand(input))).Images ?? []).map((i) => i.ImageId!).sort();
  const sees = async (c: EC2Client, id: string, input: DescribeImagesCommandInput = {}) => (await ids(c, input)).includes(id);
  const share = (id: string, Add: object[], c = alice()) => c.send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add } }));
  const unshare = (id: string, Remove: object[], c = alice()) => c.send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Remove } }));
  const permissions = async (id: string) => (await alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }))).LaunchPermissions;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeImageCredentials(dir), args: ['--settle-ms', '50'] });
    snap = await snapshotWithData(ebs(server.url, { account: ALICE }), alice(), new Map([[0, blockOf('shared root')]]));
  });
  after(async () => {
    await server.kill();
    removeDir(dir);
  });

  test("another account's private image is indistinguishable from a missing one", async () => {
    const id = await registerImage(alice(), snap);
    assert.equal(await sees(bob(), id), false);
    assert.equal(await sees(bob(), id, { Owners: [A] }), false);
    assert.equal(await sees(bob(), id, { ExecutableUsers: ['self'] }), false);
    // an explicit id of an image the caller cannot see is NotFound, as a missing one (issue 12 §4)
    await expectError(bob().send(new DescribeImagesCommand({ ImageIds: [id] })), 'InvalidAMIID.NotFound', new RegExp(id));
    await expectError(bob().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'description' })), 'InvalidAMIID.NotFound');
    await expectError(bob().send(new ModifyImageAttributeCommand({ ImageId: id, Description: { Value: 'mine now' } })), 'InvalidAMIID.NotFound');
    await expectError(bob().send(new DeregisterImageCommand({ ImageId: id })), 'InvalidAMIID.NotFound');
    await expectError(bob().send(new DisableImageCommand({ ImageId: id })), 'InvalidAMIID.NotFound');
    await expectError(bob().send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }] })), 'InvalidAMIID.NotFound');
    await expectError(bob().send(new CancelImageLaunchPermissionCommand({ ImageId: id })), 'InvalidAMIID.NotFound');
    await expectError(bob().send(new DescribeImagesCommand({ ImageIds: [UNKNOWN_AMI] })), 'InvalidAMIID.NotFound');
  });

  test('shared with an account: it sees and may launch, but only the owner changes anything (AuthFailure)', async () => {
    const id = await registerImage(alice(), snap, { Description: 'for bob' });
    await share(id, [{ UserId: B }]);
    assert.deepEqual(await permissions(id), [{ UserId: B }]);
    assert.equal(await sees(bob(), id), true);
    assert.equal(await sees(bob(), id, { ExecutableUsers: ['self'] }), true);
    assert.equal(await sees(bob(), id, { ExecutableUsers: [B] }), true);
    assert.equal(await sees(bob(), id, { Owners: [A] }), true);
    assert.equal(await sees(bob(), id, { Owners: ['self'] }), false);
    assert.equal(await sees(bob(), id, { ExecutableUsers: ['all'] }), false);
    assert.deepEqual(await ids(bob(), { ImageIds: [id] }), [id]);
    assert.equal(await sees(carol(), id), false);
    // the owner's view of whom it shared with: ExecutableUsers=<account id>
    assert.equal(await sees(alice(), id, { ExecutableUsers: [B] }), true);
    assert.equal(await sees(alice(), id, { ExecutableUsers: [C] }), false);
    const seen = (await describeImage(bob(), id))!;
    assert.equal(seen.OwnerId, A);
    assert.equal(seen.Public, false);
    assert.equal(seen.Description, 'for bob');
    const notAuthorized = new RegExp(`^Not authorized for image:${id}$`);
    await expectError(bob().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' })), 'AuthFailure', notAuthorized);
    await expectError(bob().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: C }] } })), 'AuthFailure', notAuthorized);
    await expectError(bob().send(new ResetImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' })), 'AuthFailure');
    await expectError(bob().send(new DeregisterImageCommand({ ImageId: id })), 'AuthFailure', notAuthorized);
    await expectError(bob().send(new DisableImageCommand({ ImageId: id })), 'AuthFailure');
    await expectError(bob().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(Date.now() + 86400_000) })), 'AuthFailure');
    // legacy form: remove
    await alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', OperationType: 'remove', UserIds: [B] }));
    assert.equal(await sees(bob(), id), false);
    // both forms naming the same accounts, without an operation type (what Packer sends): the structured one
    await alice().send(new ModifyImageAttributeCommand({ ImageId: id, UserIds: [B], LaunchPermission: { Add: [{ UserId: B }] } }));
    assert.equal(await sees(bob(), id), true);
    await expectError(alice().send(new ModifyImageAttributeCommand({ ImageId: id, OperationType: 'remove', UserIds: [B], LaunchPermission: { Remove: [{ UserId: B }] } })), 'InvalidParameterCombination');
  });

  test('tags are per account on a shared image', async () => {
    const id = await registerImage(alice(), snap, { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Owner', Value: 'alice' }] }] });
    await share(id, [{ UserId: B }]);
    assert.equal((await describeImage(bob(), id))!.Tags, undefined, "the owner's tags are not shared");
    await bob().send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Seen', Value: 'bob' }] }));
    assert.deepEqual((await describeImage(bob(), id))!.Tags, [{ Key: 'Seen', Value: 'bob' }]);
    assert.deepEqual((await describeImage(alice(), id))!.Tags, [{ Key: 'Owner', Value: 'alice' }]);
    assert.equal(await sees(bob(), id, { Filters: [{ Name: 'tag:Seen', Values: ['bob'] }] }), true);
    assert.equal(await sees(bob(), id, { Filters: [{ Name: 'tag:Owner', Values: ['alice'] }] }), false);
    assert.equal(await sees(alice(), id, { Filters: [{ Name: 'tag-key', Values: ['Seen'] }] }), false);
  });

  test('public images: everyone sees them; a deprecation two years after creation at the latest', async () => {
    const id = await registerImage(alice(), snap);
    const created = Date.parse((await describeImage(alice(), id))!.CreationDate!);
    await alice().send(new ModifyImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission', OperationType: 'add', UserGroups: ['all'] }));
    assert.deepEqual(await permissions(id), [{ Group: 'all' }]);
    const seen = (await describeImage(carol(), id))!;
    assert.equal(seen.Public, true);
    const limit = new Date(created + TWO_YEARS_MS);
    limit.setUTCSeconds(0, 0);
    assert.equal(seen.DeprecationTime, limit.toISOString());
    assert.equal(await sees(carol(), id, { ExecutableUsers: ['all'] }), true);
    assert.equal(await sees(carol(), id, { Filters: [{ Name: 'is-public', Values: ['true'] }] }), true);
    assert.equal(await sees(carol(), id, { Owners: [A] }), true);
    assert.equal(await sees(carol(), id, { ExecutableUsers: ['self'] }), false, 'self means explicit permissions, not public ones');
    assert.equal(await sees(alice(), id, { ExecutableUsers: ['all'] }), true);
    await expectError(carol().send(new ModifyImageAttributeCommand({ ImageId: id, Description: { Value: 'x' } })), 'AuthFailure');
    // a public image's deprecation cannot move past two years or be cancelled
    await expectError(alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(created + TWO_YEARS_MS + 7 * 86400_000) })), 'InvalidParameterValue', /2 years/);
    await expectError(alice().send(new DisableImageDeprecationCommand({ ImageId: id })), 'OperationNotPermitted');
    await alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(created + 30 * 86400_000) }));
    await unshare(id, [{ Group: 'all' }]);
    assert.equal(await sees(carol(), id), false);
    assert.equal((await describeImage(alice(), id))!.Public, false);
    await alice().send(new DisableImageDeprecationCommand({ ImageId: id }));
  });

  test('deprecated images are hidden from others unless IncludeDeprecated or asked by id; owners always see them', async () => {
    const id = await registerImage(alice(), snap);
    await share(id, [{ UserId: B }]);
    // 20 s ago rounds to a time at most 10 s away; wait until it has passed
    await alice().send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: new Date(Date.now() - 20_000) }));
    const at = Date.parse((await describeImage(alice(), id))!.DeprecationTime!);
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now() + 50)));
    assert.equal(await sees(bob(), id), false);
    assert.equal(await sees(bob(), id, { IncludeDeprecated: true }), true);
    assert.deepEqual(await ids(bob(), { ImageIds: [id] }), [id]);
    assert.equal(await sees(alice(), id), true);
    assert.equal(await sees(alice(), id, { IncludeDeprecated: false }), true);
  });

  test('DisableImage removes every launch permission for good; the image is hidden from everyone else', async () => {
    const id = await registerImage(alice(), snap);
    await share(id, [{ UserId: B }, { Group: 'all' }, { OrganizationArn: ORG }]);
    assert.equal(await sees(carol(), id), true);
    await alice().send(new DisableImageCommand({ ImageId: id }));
    assert.deepEqual(await permissions(id), []);
    for (const c of [bob(), carol()]) {
      assert.equal(await sees(c, id, { IncludeDisabled: true, IncludeDeprecated: true }), false);
      await expectError(c.send(new DescribeImagesCommand({ ImageIds: [id], IncludeDisabled: true })), 'InvalidAMIID.NotFound');
    }
    await alice().send(new EnableImageCommand({ ImageId: id }));
    assert.equal((await describeImage(alice(), id))!.Public, false);
    assert.equal(await sees(bob(), id), false, 'permissions do not come back with EnableImage');
    await share(id, [{ UserId: B }]);
    assert.equal(await sees(bob(), id), true, 'it can be shared again');
  });

  test('organizations and OUs: members see images shared with them; ExecutableUsers=<id> ignores those shares', async () => {
    // only an operator may place accounts
    assert.equal((await operatorCall(server.url, 'PUT', '/_imago/organizations', { accountId: B, organizationArn: ORG }, undefined, ALICE)).status, 403);
    assert.equal((await operatorCall(server.url, 'PUT', '/_imago/organizations', { accountId: 'bob', organizationArn: ORG })).status, 400);
    assert.equal((await operatorCall(server.url, 'PUT', '/_imago/organizations', { accountId: B, organizationArn: 'o-abc' })).status, 400);
    assert.equal((await operatorCall(server.url, 'PUT', '/_imago/organizations', { accountId: B, organizationArn: ORG, ouArns: ['arn:aws:organizations::999999999999:ou/o-otherorg12/ou-root-aaaaaaaa'] })).status, 400);
    const put = await operatorCall(server.url, 'PUT', '/_imago/organizations', { accountId: B, organizationArn: ORG, ouArns: [OU_ROOT, OU_DEV] });
    assert.equal(put.status, 200);
    assert.equal((await operatorCall(server.url, 'PUT', '/_imago/organizations', { accountId: C, organizationArn: ORG, ouArns: [OU_ROOT, OU_OPS] })).status, 200);
    const list = await operatorCall(server.url, 'GET', '/_imago/organizations');
    assert.deepEqual(list.body.accounts, [
      { accountId: B, organizationArn: ORG, ouArns: [OU_ROOT, OU_DEV] },
      { accountId: C, organizationArn: ORG, ouArns: [OU_ROOT, OU_OPS] },
    ]);

    const dev = await registerImage(alice(), snap);
    await share(dev, [{ OrganizationalUnitArn: OU_DEV }]);
    assert.deepEqual(await permissions(dev), [{ OrganizationalUnitArn: OU_DEV }]);
    assert.equal(await sees(bob(), dev), true);
    assert.equal(await sees(bob(), dev, { ExecutableUsers: ['self'] }), true);
    assert.equal(await sees(carol(), dev), false);
    assert.equal(await sees(alice(), dev, { ExecutableUsers: [B] }), false, 'an account id does not match organization shares');

    const root = await registerImage(alice(), snap);
    await share(root, [{ OrganizationalUnitArn: OU_ROOT }]);
    assert.equal(await sees(bob(), root), true, 'a parent OU includes the accounts below it');
    assert.equal(await sees(carol(), root), true);

    const whole = await registerImage(alice(), snap);
    await alice().send(new ModifyImageAttributeCommand({ ImageId: whole, Attribute: 'launchPermission', OperationType: 'add', OrganizationArns: [ORG] }));
    assert.deepEqual(await permissions(whole), [{ OrganizationArn: ORG }]);
    assert.equal(await sees(carol(), whole), true);
    await alice().send(new ModifyImageAttributeCommand({ ImageId: whole, Attribute: 'launchPermission', OperationType: 'remove', OrganizationArns: [ORG] }));
    assert.equal(await sees(carol(), whole), false);

    // leaving the organization ends the access
    assert.equal((await operatorCall(server.url, 'DELETE', '/_imago/organizations', undefined, `accountId=${C}`)).status, 200);
    assert.equal(await sees(carol(), root), false);
    assert.equal(await sees(bob(), root), true);
  });

  test('CancelImageLaunchPermission: a recipient drops its own access', async () => {
    const id = await registerImage(alice(), snap);
    await share(id, [{ UserId: B }, { UserId: C }]);
    await expectError(bob().send(new CancelImageLaunchPermissionCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal(await sees(bob(), id), true);
    assert.equal((await bob().send(new CancelImageLaunchPermissionCommand({ ImageId: id }))).Return, true);
    assert.equal(await sees(bob(), id), false);
    assert.equal(await sees(carol(), id), true);
    assert.deepEqual(await permissions(id), [{ UserId: C }]);
    await expectError(alice().send(new CancelImageLaunchPermissionCommand({ ImageId: id })), 'InvalidParameter');
    await expectError(bob().send(new CancelImageLaunchPermissionCommand({ ImageId: id })), 'InvalidAMIID.NotFound');
  });

  test('encrypted images never go public; images on the AWS managed key are never shared', async () => {
    const key = (await kms(server.url, { account: ALICE }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const cmkSnap = await snapshotWithData(ebs(server.url, { account: ALICE }), alice(), new Map([[0, blockOf('secret')]]), { encrypted: true, kmsKeyArn: key });
    const cmk = await registerImage(alice(), cmkSnap);
    assert.equal((await describeImage(alice(), cmk))!.BlockDeviceMappings![0].Ebs!.Encrypted, true);
    await expectError(share(cmk, [{ Group: 'all' }]), 'UnsupportedOperation', /^Encrypted snapshots can't be shared publicly/);
    await share(cmk, [{ UserId: B }]);
    assert.equal(await sees(bob(), cmk), true);

    const managedSnap = await emptySnapshot(alice(), 1, true); // encrypted with the default key: aws/ebs
    const managed = await registerImage(alice(), managedSnap);
    await expectError(share(managed, [{ UserId: B }]), 'InvalidParameter', /AWS Managed CMK can't be shared/);
    await expectError(share(managed, [{ OrganizationArn: ORG }]), 'InvalidParameter');
    await expectError(share(managed, [{ Group: 'all' }]), 'UnsupportedOperation');
    assert.deepEqual(await permissions(managed), []);
  });

  test('block public access is per account and region', async () => {
    const c = client(ALICE, 'eu-central-1');
    const mine = await registerImage(c, await emptySnapshot(c));
    await c.send(new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing' }));
    await expectError(share(mine, [{ Group: 'all' }], c), 'OperationNotPermitted');
    await share(mine, [{ UserId: B }], c);
    const bobs = client(BOB, 'eu-central-1');
    const his = await registerImage(bobs, await emptySnapshot(bobs));
    await share(his, [{ Group: 'all' }], bobs);
    assert.equal(await sees(c, his), true);
  });

  test('images over snapshots shared by another account: registered with them, never deleting them', async () => {
    const bobSnap = await emptySnapshot(bob());
    await expectError(registerImage(alice(), bobSnap), 'InvalidSnapshot.NotFound');
    await bob().send(new ModifySnapshotAttributeCommand({ SnapshotId: bobSnap, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [A] }));
    const id = await registerImage(alice(), bobSnap);
    const out = await alice().send(new DeregisterImageCommand({ ImageId: id, DeleteAssociatedSnapshots: true }));
    assert.deepEqual(out.DeleteSnapshotResults, [{ SnapshotId: bobSnap, ReturnCode: 'missing-permissions' }]);
  });

  test('a shared image, once deregistered, disappears for the others at once', async () => {
    const id = await registerImage(alice(), snap);
    await share(id, [{ UserId: B }]);
    await alice().send(new DeregisterImageCommand({ ImageId: id }));
    assert.equal(await sees(bob(), id), false);
    await expectError(bob().send(new DescribeImagesCommand({ ImageIds: [id] })), 'InvalidAMIID.NotFound');
    assert.equal((await describeImage(alice(), id))!.State, 'deregistered');
    assert.deepEqual(await permissions(id), []);
  });
});
