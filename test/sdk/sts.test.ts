// STS through @aws-sdk/client-sts against a real server with a credentials file: who am I as a
// root, an IAM user and a role session; AssumeRole across accounts with ExternalId (the trust
// policy and the caller's own policy both needed), session limits, GetSessionToken,
// DecodeAuthorizationMessage's refusal; and, across a restart, users, keys, roles and session
// credentials still valid.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetRoleCommand, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2, expectAwsError, iam, sts } from '../helpers/clients.js';

const EXTERNAL_ID = 'partner-7';

describe('STS', () => {
  let server: TestServer;
  let dir: string;
  let credentials: string;
  let carol: { accessKeyId: string; secretAccessKey: string };
  let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  const roleArn = `arn:aws:iam::${BOB.accountId}:role/ci/deployer`;

  before(async () => {
    dir = tempDir();
    credentials = writeCredentials(dir);
    server = await startServer({ dataDir: dir, credentials });
    // Bob's account has a role Alice's account may assume with an external id
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALICE.accountId}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } }],
    };
    await iam(server.url, { account: BOB }).send(new CreateRoleCommand({ RoleName: 'deployer', Path: '/ci/', AssumeRolePolicyDocument: JSON.stringify(trust), MaxSessionDuration: 7200, Tags: [{ Key: 'team', Value: 'ci' }] }));
    await iam(server.url, { account: BOB }).send(
      new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'regions', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeRegions', Resource: '*' }] }) }),
    );
    // Alice's user carol, whose own policy allows assuming it
    const alice = iam(server.url, { account: ALICE });
    await alice.send(new CreateUserCommand({ UserName: 'carol' }));
    const { AccessKey } = await alice.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
    carol = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('GetCallerIdentity for a root and a user', async () => {
    assert.deepEqual(pick(await sts(server.url, { account: ALICE }).send(new GetCallerIdentityCommand({}))), { UserId: ALICE.accountId, Account: ALICE.accountId, Arn: `arn:aws:iam::${ALICE.accountId}:root` });
    const who = pick(await sts(server.url, { account: carol }).send(new GetCallerIdentityCommand({})));
    assert.equal(who.Arn, `arn:aws:iam::${ALICE.accountId}:user/carol`);
    assert.match(who.UserId!, /^AIDA/);
  });

  test('AssumeRole across accounts: trust policy, ExternalId and the caller\'s own policy', async () => {
    const assume = (creds: typeof carol, input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}) =>
      sts(server.url, { account: creds }).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ship', ExternalId: EXTERNAL_ID, ...input }));
    const denied = new RegExp(`User: arn:aws:iam::${ALICE.accountId}:user/carol is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    // carol's own policies allow nothing yet
    await expectAwsError(assume(carol), 'AccessDenied', denied, 403);
    await iam(server.url, { account: ALICE }).send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: roleArn }] }) }));
    await expectAwsError(assume(carol, { ExternalId: 'wrong-id' }), 'AccessDenied', denied, 403);
    await expectAwsError(assume(carol, { ExternalId: undefined }), 'AccessDenied', denied, 403);
    await expectAwsError(assume(carol, { RoleArn: `arn:aws:iam::${BOB.accountId}:role/ci/nobody` }), 'AccessDenied', undefined, 403);
    await expectAwsError(sts(server.url, { account: ALICE }).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'root', ExternalId: EXTERNAL_ID })), 'AccessDenied', /Roles may not be assumed by root accounts\./, 403);
    await expectAwsError(assume(carol, { DurationSeconds: 7201 }), 'ValidationError', /MaxSessionDuration/);
    await expectAwsError(assume(carol, { DurationSeconds: 899 }), 'ValidationError', /durationSeconds/);
    await expectAwsError(assume(carol, { RoleSessionName: 'no spaces' }), 'ValidationError', /roleSessionName/);

    const out = await assume(carol, { DurationSeconds: 900, Tags: [{ Key: 'project', Value: 'blue' }] });
    const c = out.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(c.Expiration!.getTime() - Date.now() <= 900_000 && c.Expiration!.getTime() - Date.now() > 850_000);
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${BOB.accountId}:assumed-role/deployer/ship`);
    const roleId = (await iam(server.url, { account: BOB }).send(new GetRoleCommand({ RoleName: 'deployer' }))).Role!.RoleId;
    assert.equal(out.AssumedRoleUser!.AssumedRoleId, `${roleId}:ship`);
    session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const who = pick(await sts(server.url, { account: session }).send(new GetCallerIdentityCommand({})));
    assert.deepEqual(who, { UserId: `${roleId}:ship`, Account: BOB.accountId, Arn: `arn:aws:sts::${BOB.accountId}:assumed-role/deployer/ship` });
    // the session works against other services, as Bob's account
    assert.ok((await ec2(server.url, { account: session }).send(new DescribeRegionsCommand({}))).Regions!.length > 0);
    await expectAwsError(sts(server.url, { account: session }).send(new GetSessionTokenCommand({})), 'AccessDenied', /session credentials/, 403);
    // a forged token is refused
    await expectAwsError(sts(server.url, { account: { ...session, sessionToken: session.sessionToken.slice(0, -8) + 'AAAAAAAA' } }).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', /invalid/, 403);
  });

  test('GetSessionToken for users and roots', async () => {
    const out = await sts(server.url, { account: carol }).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const creds = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    assert.equal((await sts(server.url, { account: creds }).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ALICE.accountId}:user/carol`);
    const root = await sts(server.url, { account: ALICE }).send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
    assert.ok(root.Credentials!.Expiration!.getTime() - Date.now() <= 3600_000, 'a root session lasts an hour at most');
    await expectAwsError(sts(server.url, { account: carol }).send(new GetSessionTokenCommand({ DurationSeconds: 129601 })), 'ValidationError', /durationSeconds/);
  });

  test('DecodeAuthorizationMessage refuses what Imago did not encode', async () => {
    await expectAwsError(sts(server.url, { account: ALICE }).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'not-a-message' })), 'InvalidAuthorizationMessageException');
  });

  test('after a restart: users, keys, roles and session credentials still valid', async () => {
    await server.stop();
    server = await startServer({ dataDir: dir, credentials });
    assert.deepEqual((await iam(server.url, { account: ALICE }).send(new ListUsersCommand({}))).Users!.map((u) => u.UserName), ['carol']);
    assert.equal((await sts(server.url, { account: carol }).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ALICE.accountId}:user/carol`);
    assert.equal((await sts(server.url, { account: session }).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${BOB.accountId}:assumed-role/deployer/ship`);
    assert.equal((await iam(server.url, { account: BOB }).send(new GetRoleCommand({ RoleName: 'deployer' }))).Role!.MaxSessionDuration, 7200);
    // AWS managed policies attach after the restart too
    await iam(server.url, { account: ALICE }).send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  });
});

function pick(o: { UserId?: string; Account?: string; Arn?: string }) {
  return { UserId: o.UserId, Account: o.Account, Arn: o.Arn };
}
