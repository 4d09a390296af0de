// IAM through @aws-sdk/client-iam against a real server with a credentials file: users, groups,
// roles, access keys (and that they authenticate), managed policies and versions, inline
// policies, attachments, boundaries, instance profiles, tags, paging, account details, and IAM's
// errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand, AddUserToGroupCommand, AttachGroupPolicyCommand, AttachRolePolicyCommand, AttachUserPolicyCommand,
  CreateAccessKeyCommand, CreateGroupCommand, CreateInstanceProfileCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand,
  CreateUserCommand, DeleteAccessKeyCommand, DeleteGroupCommand, DeleteInstanceProfileCommand, DeletePolicyCommand, DeletePolicyVersionCommand,
  DeleteRoleCommand, DeleteUserCommand, DeleteUserPermissionsBoundaryCommand, DeleteUserPolicyCommand, DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand, GetAccountAuthorizationDetailsCommand, GetGroupCommand, GetInstanceProfileCommand, GetPolicyCommand,
  GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, GetUserCommand, GetUserPolicyCommand, ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand, ListAttachedRolePoliciesCommand, ListAttachedUserPoliciesCommand, ListGroupsCommand, ListGroupsForUserCommand,
  ListInstanceProfilesForRoleCommand, ListPoliciesCommand, ListPolicyVersionsCommand, ListRolePoliciesCommand, ListRolesCommand, ListRoleTagsCommand,
  ListUserPoliciesCommand, ListUsersCommand, ListUserTagsCommand, PutGroupPolicyCommand, PutRolePermissionsBoundaryCommand, PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand, PutUserPolicyCommand, RemoveRoleFromInstanceProfileCommand, RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand, TagRoleCommand, TagUserCommand, UntagUserCommand, UpdateAccessKeyCommand, UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { expectAwsError, iam, sts } from '../helpers/clients.js';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

const ALLOW_EC2_DESCRIBE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] });
const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });

describe('IAM', () => {
  let server: TestServer;
  let dir: string;
  let alice: IAMClient;
  let bob: IAMClient;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir) });
    alice = iam(server.url, { account: ALICE });
    bob = iam(server.url, { account: BOB });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('users: create, get, list by path with paging, tags, delete; names unique whatever their case', async () => {
    const { User } = await alice.send(new CreateUserCommand({ UserName: 'ann', Path: '/team/', Tags: [{ Key: 'team', Value: 'web' }] }));
    assert.equal(User!.Arn, `arn:aws:iam::${ALICE.accountId}:user/team/ann`);
    assert.match(User!.UserId!, /^AIDA[A-Z2-7]{17}$/);
    await expectAwsError(alice.send(new CreateUserCommand({ UserName: 'ANN' })), 'EntityAlreadyExistsException', /User with name ANN already exists\./, 409);
    for (const name of ['u1', 'u2', 'u3']) await alice.send(new CreateUserCommand({ UserName: name }));
    const got = await alice.send(new GetUserCommand({ UserName: 'ann' }));
    assert.deepEqual(got.User!.Tags, [{ Key: 'team', Value: 'web' }]);
    assert.ok(got.User!.CreateDate instanceof Date);

    const page1 = await alice.send(new ListUsersCommand({ MaxItems: 2 }));
    assert.deepEqual(page1.Users!.map((u) => u.UserName), ['ann', 'u1']);
    assert.equal(page1.IsTruncated, true);
    const page2 = await alice.send(new ListUsersCommand({ MaxItems: 2, Marker: page1.Marker }));
    assert.deepEqual(page2.Users!.map((u) => u.UserName), ['u2', 'u3']);
    assert.equal(page2.IsTruncated, false);
    assert.deepEqual((await alice.send(new ListUsersCommand({ PathPrefix: '/team/' }))).Users!.map((u) => u.UserName), ['ann']);
    // accounts do not see each other's users
    assert.deepEqual((await bob.send(new ListUsersCommand({}))).Users, []);
    await expectAwsError(bob.send(new GetUserCommand({ UserName: 'ann' })), 'NoSuchEntityException', /The user with name ann cannot be found\./, 404);

    await alice.send(new TagUserCommand({ UserName: 'ann', Tags: [{ Key: 'team', Value: 'db' }, { Key: 'cost', Value: '7' }] }));
    await alice.send(new UntagUserCommand({ UserName: 'ann', TagKeys: ['cost'] }));
    assert.deepEqual((await alice.send(new ListUserTagsCommand({ UserName: 'ann' }))).Tags, [{ Key: 'team', Value: 'db' }]);

    await expectAwsError(alice.send(new CreateUserCommand({ UserName: 'bad name' })), 'ValidationError', /userName/);
    await alice.send(new DeleteUserCommand({ UserName: 'u3' }));
    await expectAwsError(alice.send(new DeleteUserCommand({ UserName: 'u3' })), 'NoSuchEntityException', undefined, 404);
  });

  test('access keys: AKIA ids, secrets shown once, at most two, Inactive refused, last used recorded', async () => {
    await alice.send(new CreateUserCommand({ UserName: 'keyed' }));
    // a user may manage its own keys (policy variables: its own user only)
    const ownKeys = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListAccessKeys', Resource: 'arn:aws:iam::*:user/${aws:username}' }] };
    await alice.send(new PutUserPolicyCommand({ UserName: 'keyed', PolicyName: 'own-keys', PolicyDocument: JSON.stringify(ownKeys) }));
    const { AccessKey } = await alice.send(new CreateAccessKeyCommand({ UserName: 'keyed' }));
    assert.match(AccessKey!.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(AccessKey!.SecretAccessKey!.length, 40);
    const listed = await alice.send(new ListAccessKeysCommand({ UserName: 'keyed' }));
    assert.deepEqual(listed.AccessKeyMetadata!.map((k) => [k.AccessKeyId, k.Status]), [[AccessKey!.AccessKeyId, 'Active']]);
    assert.equal((listed.AccessKeyMetadata![0] as Record<string, unknown>).SecretAccessKey, undefined);

    const key = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    const who = await sts(server.url, { account: key }).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:iam::${ALICE.accountId}:user/keyed`);
    // the user's own keys, without UserName
    assert.equal((await iam(server.url, { account: key }).send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.length, 1);

    await alice.send(new CreateAccessKeyCommand({ UserName: 'keyed' }));
    await expectAwsError(alice.send(new CreateAccessKeyCommand({ UserName: 'keyed' })), 'LimitExceededException', /Cannot exceed quota for AccessKeysPerUser: 2/, 409);
    await expectAwsError(alice.send(new DeleteUserCommand({ UserName: 'keyed' })), 'DeleteConflictException', /must delete access keys first/, 409);

    await alice.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.accessKeyId, Status: 'Inactive' }));
    await expectAwsError(sts(server.url, { account: key }).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', /The security token included in the request is invalid\./, 403);
    await alice.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.accessKeyId, Status: 'Active' }));
    await sts(server.url, { account: key }).send(new GetCallerIdentityCommand({}));

    // last use is written in batches (every 5 s)
    let last;
    for (let i = 0; i < 40; i++) {
      last = await alice.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      if (last.AccessKeyLastUsed!.LastUsedDate) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(last!.UserName, 'keyed');
    assert.equal(last!.AccessKeyLastUsed!.ServiceName, 'sts');
    assert.equal(last!.AccessKeyLastUsed!.Region, 'us-east-1');
    assert.ok(last!.AccessKeyLastUsed!.LastUsedDate instanceof Date);

    await alice.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.accessKeyId }));
    await expectAwsError(sts(server.url, { account: key }).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', undefined, 403);
    await expectAwsError(alice.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.accessKeyId })), 'NoSuchEntityException', /The Access Key with id/, 404);
  });

  test('managed policies: versions (five at most), default version, documents URL-encoded, delete rules', async () => {
    const { Policy } = await alice.send(new CreatePolicyCommand({ PolicyName: 'describe', Path: '/ops/', PolicyDocument: ALLOW_EC2_DESCRIBE, Description: 'read' }));
    const arn = `arn:aws:iam::${ALICE.accountId}:policy/ops/describe`;
    assert.equal(Policy!.Arn, arn);
    assert.equal(Policy!.DefaultVersionId, 'v1');
    await expectAwsError(alice.send(new CreatePolicyCommand({ PolicyName: 'describe', PolicyDocument: ALLOW_EC2_DESCRIBE })), 'EntityAlreadyExistsException', /A policy called describe already exists/, 409);
    await expectAwsError(alice.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: '{"Statement": []' })), 'MalformedPolicyDocumentException', /Syntax errors in policy\./);
    await expectAwsError(
      alice.send(new CreatePolicyCommand({ PolicyName: 'noversion', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] }) })),
      'MalformedPolicyDocumentException',
      /must be version 2012-10-17/,
    );

    const v1 = await alice.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(v1.PolicyVersion!.Document!)), JSON.parse(ALLOW_EC2_DESCRIBE));
    for (let i = 2; i <= 5; i++) await alice.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: ALLOW_EC2_DESCRIBE, SetAsDefault: i === 3 }));
    await expectAwsError(alice.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: ALLOW_EC2_DESCRIBE })), 'LimitExceededException', /up to 5 versions/, 409);
    assert.equal((await alice.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId, 'v3');
    await expectAwsError(alice.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })), 'DeleteConflictException', /default version/, 409);
    await alice.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await alice.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: ALLOW_EC2_DESCRIBE }));
    const versions = (await alice.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!;
    assert.deepEqual(versions.map((v) => v.VersionId), ['v6', 'v5', 'v4', 'v3', 'v2']);
    await alice.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v6' }));
    await expectAwsError(alice.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), 'NoSuchEntityException', undefined, 404);

    const local = await alice.send(new ListPoliciesCommand({ Scope: 'Local' }));
    assert.deepEqual(local.Policies!.map((p) => p.PolicyName), ['describe']);
    const awsPolicies = await alice.send(new ListPoliciesCommand({ Scope: 'AWS' }));
    for (const name of ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess', 'AmazonEC2FullAccess', 'AmazonEC2ReadOnlyAccess', 'AutoScalingFullAccess', 'AWSKeyManagementServicePowerUser']) {
      assert.ok(awsPolicies.Policies!.some((p) => p.PolicyName === name && p.Arn === `arn:aws:iam::aws:policy/${name}`), name);
    }
    const ro = await alice.send(new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess', VersionId: 'v3' }));
    assert.ok(JSON.parse(decodeURIComponent(ro.PolicyVersion!.Document!)).Statement[0].Action.includes('ec2:Describe*'));
    await expectAwsError(alice.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflictException', /more than one version/, 409);
  });

  test('inline policies, attachments and groups: a user with policies cannot be deleted until they are gone', async () => {
    await alice.send(new CreateUserCommand({ UserName: 'carl' }));
    await alice.send(new CreateGroupCommand({ GroupName: 'ops' }));
    await alice.send(new AddUserToGroupCommand({ GroupName: 'ops', UserName: 'carl' }));
    assert.deepEqual((await alice.send(new GetGroupCommand({ GroupName: 'ops' }))).Users!.map((u) => u.UserName), ['carl']);
    assert.deepEqual((await alice.send(new ListGroupsForUserCommand({ UserName: 'carl' }))).Groups!.map((g) => g.GroupName), ['ops']);
    assert.deepEqual((await alice.send(new ListGroupsCommand({}))).Groups!.map((g) => g.GroupName), ['ops']);

    await alice.send(new PutUserPolicyCommand({ UserName: 'carl', PolicyName: 'mine', PolicyDocument: ALLOW_EC2_DESCRIBE }));
    await alice.send(new PutGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'theirs', PolicyDocument: ALLOW_EC2_DESCRIBE }));
    const got = await alice.send(new GetUserPolicyCommand({ UserName: 'carl', PolicyName: 'mine' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), JSON.parse(ALLOW_EC2_DESCRIBE));
    assert.deepEqual((await alice.send(new ListUserPoliciesCommand({ UserName: 'carl' }))).PolicyNames, ['mine']);
    await expectAwsError(alice.send(new GetUserPolicyCommand({ UserName: 'carl', PolicyName: 'nope' })), 'NoSuchEntityException', /The user policy with name nope cannot be found\./, 404);
    await expectAwsError(
      alice.send(new PutUserPolicyCommand({ UserName: 'carl', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Principal: '*' }] }) })),
      'MalformedPolicyDocumentException',
      /should not specify a principal/,
    );

    const ec2ro = 'arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess';
    await alice.send(new AttachUserPolicyCommand({ UserName: 'carl', PolicyArn: ec2ro }));
    await alice.send(new AttachGroupPolicyCommand({ GroupName: 'ops', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    assert.deepEqual((await alice.send(new ListAttachedUserPoliciesCommand({ UserName: 'carl' }))).AttachedPolicies, [{ PolicyName: 'AmazonEC2ReadOnlyAccess', PolicyArn: ec2ro }]);
    assert.equal((await alice.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'ops' }))).AttachedPolicies!.length, 1);
    await expectAwsError(alice.send(new AttachUserPolicyCommand({ UserName: 'carl', PolicyArn: `arn:aws:iam::${ALICE.accountId}:policy/none` })), 'NoSuchEntityException', /does not exist or is not attachable/, 404);
    assert.equal((await alice.send(new GetPolicyCommand({ PolicyArn: ec2ro }))).Policy!.AttachmentCount, 1);

    await expectAwsError(alice.send(new DeleteUserCommand({ UserName: 'carl' })), 'DeleteConflictException', /must delete policies first/, 409);
    await alice.send(new DeleteUserPolicyCommand({ UserName: 'carl', PolicyName: 'mine' }));
    await expectAwsError(alice.send(new DeleteUserCommand({ UserName: 'carl' })), 'DeleteConflictException', /must detach all policies first/, 409);
    await alice.send(new DetachUserPolicyCommand({ UserName: 'carl', PolicyArn: ec2ro }));
    await expectAwsError(alice.send(new DeleteGroupCommand({ GroupName: 'ops' })), 'DeleteConflictException', /must remove users from group first/, 409);
    await alice.send(new RemoveUserFromGroupCommand({ GroupName: 'ops', UserName: 'carl' }));
    await alice.send(new DeleteUserCommand({ UserName: 'carl' }));

    const details = await alice.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Group', 'AWSManagedPolicy'] }));
    assert.deepEqual(details.GroupDetailList!.map((g) => [g.GroupName, g.GroupPolicyList!.map((p) => p.PolicyName), g.AttachedManagedPolicies!.map((p) => p.PolicyName)]), [['ops', ['theirs'], ['ReadOnlyAccess']]]);
    assert.deepEqual(details.Policies!.map((p) => p.PolicyName), ['ReadOnlyAccess']);
    assert.equal(details.UserDetailList!.length, 0);
  });

  test('roles: trust policies, boundaries, tags, instance profiles', async () => {
    const { Role } = await alice.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust(`arn:aws:iam::${BOB.accountId}:root`), MaxSessionDuration: 7200, Tags: [{ Key: 'env', Value: 'prod' }] }));
    assert.match(Role!.RoleId!, /^AROA/);
    assert.equal(Role!.MaxSessionDuration, 7200);
    const got = await alice.send(new GetRoleCommand({ RoleName: 'deployer' }));
    assert.equal(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).Statement[0].Principal.AWS, `arn:aws:iam::${BOB.accountId}:root`);
    await expectAwsError(
      alice.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }) })),
      'MalformedPolicyDocumentException',
      /Missing required field Principal/,
    );
    await alice.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deployer', PolicyDocument: trust(`arn:aws:iam::${ALICE.accountId}:root`) }));
    await alice.send(new TagRoleCommand({ RoleName: 'deployer', Tags: [{ Key: 'team', Value: 'web' }] }));
    assert.deepEqual((await alice.send(new ListRoleTagsCommand({ RoleName: 'deployer' }))).Tags!.map((t) => t.Key), ['env', 'team']);

    await alice.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'inline', PolicyDocument: ALLOW_EC2_DESCRIBE }));
    assert.deepEqual((await alice.send(new ListRolePoliciesCommand({ RoleName: 'deployer' }))).PolicyNames, ['inline']);
    assert.ok((await alice.send(new GetRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'inline' }))).PolicyDocument);
    await alice.send(new AttachRolePolicyCommand({ RoleName: 'deployer', PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2FullAccess' }));
    assert.equal((await alice.send(new ListAttachedRolePoliciesCommand({ RoleName: 'deployer' }))).AttachedPolicies!.length, 1);

    await alice.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'deployer', PermissionsBoundary: 'arn:aws:iam::aws:policy/PowerUserAccess' }));
    assert.equal((await alice.send(new GetRoleCommand({ RoleName: 'deployer' }))).Role!.PermissionsBoundary!.PermissionsBoundaryArn, 'arn:aws:iam::aws:policy/PowerUserAccess');
    await expectAwsError(alice.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'deployer', PermissionsBoundary: `arn:aws:iam::${ALICE.accountId}:policy/nothing` })), 'NoSuchEntityException', /Scope ARN/, 404);
    await alice.send(new CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess' }));
    assert.equal((await alice.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary!.PermissionsBoundaryArn, 'arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess');
    await alice.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await alice.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
    assert.equal((await alice.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary, undefined);

    const { InstanceProfile } = await alice.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' }));
    assert.match(InstanceProfile!.InstanceProfileId!, /^AIPA/);
    await alice.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'deployer' }));
    await expectAwsError(alice.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'deployer' })), 'LimitExceededException', /InstanceSessionsPerInstanceProfile: 1/, 409);
    assert.deepEqual((await alice.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' }))).InstanceProfile!.Roles!.map((r) => r.RoleName), ['deployer']);
    assert.deepEqual((await alice.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'deployer' }))).InstanceProfiles!.map((p) => p.InstanceProfileName), ['web']);
    await expectAwsError(alice.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' })), 'DeleteConflictException', /remove roles from instance profile/, 409);
    await expectAwsError(alice.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' })), 'EntityAlreadyExistsException', /Instance Profile web already exists\./, 409);
    await alice.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'deployer' }));
    await alice.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' }));
    await expectAwsError(alice.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })), 'NoSuchEntityException', /Instance Profile web cannot be found\./, 404);

    assert.deepEqual((await alice.send(new ListRolesCommand({}))).Roles!.map((r) => r.RoleName), ['deployer']);
    await expectAwsError(alice.send(new DeleteRoleCommand({ RoleName: 'deployer' })), 'DeleteConflictException', undefined, 409);
    await expectAwsError(alice.send(new GetRoleCommand({ RoleName: 'nobody' })), 'NoSuchEntityException', /The role with name nobody cannot be found\./, 404);
  });
});
