// Authorization on every call, through real clients: IAM users and role sessions are held to
// their policies (AWS managed ones included), with each service's error, EC2's encoded message
// that DecodeAuthorizationMessage opens, DryRun answering by permission, tag conditions with
// tag-on-create, explicit denies, permissions boundaries, KMS key policies — and the policy
// simulator agreeing with the real enforcement case by case. Roots (the credentials file) are
// allowed everything, as before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateImageCommand, CreateTagsCommand, CreateVolumeCommand, DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand,
  DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, RunInstancesCommand,
  StopInstancesCommand, type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  AttachUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand, type IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand } from '@aws-sdk/client-sts';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateGrantCommand, CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { ALICE, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, awsError, ec2, expectAwsError, iam, kms, sts, type ClientOptions } from '../helpers/clients.js';
import { emptySnapshot, registerImage } from '../helpers/images.js';
import { instanceIn, runOne } from '../helpers/instances.js';

type Creds = NonNullable<ClientOptions['account']>;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('authorization on every call', () => {
  let server: TestServer;
  let dir: string;
  let root: EC2Client;
  let rootIam: IAMClient;
  let webImage: string;
  let dbImage: string;
  let instanceId: string;

  /** a user of ALICE's account with these inline policies / managed policy ARNs, and its keys */
  async function user(name: string, o: { inline?: string[]; managed?: string[]; boundary?: string } = {}): Promise<Creds> {
    await rootIam.send(new CreateUserCommand({ UserName: name }));
    for (const [i, document] of (o.inline ?? []).entries()) await rootIam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: `p${i}`, PolicyDocument: document }));
    for (const arn of o.managed ?? []) await rootIam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
    if (o.boundary) await rootIam.send(new PutUserPermissionsBoundaryCommand({ UserName: name, PermissionsBoundary: o.boundary }));
    const { AccessKey } = await rootIam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir) });
    root = ec2(server.url, { account: ALICE });
    rootIam = iam(server.url, { account: ALICE });
    const snapshot = await emptySnapshot(root);
    webImage = await registerImage(root, snapshot, { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'team', Value: 'web' }] }] });
    dbImage = await registerImage(root, snapshot, { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'team', Value: 'db' }] }] });
    instanceId = (await runOne(root, webImage)).InstanceId!;
    await instanceIn(root, instanceId, 'running');
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('AmazonEC2ReadOnlyAccess describes but cannot deregister: UnauthorizedOperation, decodable by whoever may decode', async () => {
    const reader = ec2(server.url, { account: await user('reader', { managed: ['arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess'] }) });
    const images = await reader.send(new DescribeImagesCommand({ ImageIds: [webImage] }));
    assert.equal(images.Images![0].ImageId, webImage);
    const message = await expectAwsError(reader.send(new DeregisterImageCommand({ ImageId: webImage })), 'UnauthorizedOperation', /^You are not authorized to perform this operation\. /, 403);
    assert.match(message, new RegExp(`User: arn:aws:iam::${ALICE.accountId}:user/reader is not authorized to perform: ec2:DeregisterImage on resource: arn:aws:ec2:us-east-1::image/${webImage} because no identity-based policy allows the ec2:DeregisterImage action`));
    const encoded = message.split('Encoded authorization failure message: ')[1];
    // the reader may not decode it (sts:DecodeAuthorizationMessage is not read-only EC2)
    const second = (await rootIam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const readerSts = sts(server.url, { account: { accessKeyId: second.AccessKeyId!, secretAccessKey: second.SecretAccessKey! } });
    await expectAwsError(readerSts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded })), 'AccessDenied', /sts:DecodeAuthorizationMessage/, 403);
    const decoded = JSON.parse((await sts(server.url, { account: ALICE }).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }))).DecodedMessage!) as Record<string, any>;
    assert.equal(decoded.allowed, false);
    assert.equal(decoded.explicitDeny, false);
    assert.equal(decoded.context.action, 'ec2:DeregisterImage');
    assert.equal(decoded.context.resource, `arn:aws:ec2:us-east-1::image/${webImage}`);
    assert.equal(decoded.context.principal.arn, `arn:aws:iam::${ALICE.accountId}:user/reader`);
    // DryRun answers by permission
    await expectAwsError(reader.send(new DescribeImagesCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
    await expectAwsError(reader.send(new DeregisterImageCommand({ ImageId: webImage, DryRun: true })), 'UnauthorizedOperation', undefined, 403);
  });

  test('only images tagged team=web: created with the tag (tag on create), deregistered by tag, nothing else', async () => {
    const webadmin = ec2(server.url, {
      account: await user('webadmin', {
        inline: [
          doc(
            { Sid: 'CreateWebImages', Effect: 'Allow', Action: 'ec2:CreateImage', Resource: 'arn:aws:ec2:*::image/*', Condition: { StringEquals: { 'aws:RequestTag/team': 'web' } } },
            { Sid: 'FromInstances', Effect: 'Allow', Action: 'ec2:CreateImage', Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*::snapshot/*'] },
            { Sid: 'TagOnCreate', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateAction': 'CreateImage' } } },
            { Sid: 'ManageWebImages', Effect: 'Allow', Action: ['ec2:DeregisterImage', 'ec2:ModifyImageAttribute'], Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/team': 'web' } } },
            { Sid: 'Look', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
          ),
        ],
      }),
    });
    const tagged = (team: string) => [{ ResourceType: 'image' as const, Tags: [{ Key: 'team', Value: team }] }];
    const { ImageId } = await webadmin.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'web-build', NoReboot: true, TagSpecifications: tagged('web') }));
    await expectAwsError(webadmin.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'untagged', NoReboot: true })), 'UnauthorizedOperation', /ec2:CreateImage on resource: arn:aws:ec2:us-east-1::image\/\*/, 403);
    await expectAwsError(webadmin.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'db-build', NoReboot: true, TagSpecifications: tagged('db') })), 'UnauthorizedOperation', undefined, 403);
    await expectAwsError(webadmin.send(new DeregisterImageCommand({ ImageId: dbImage })), 'UnauthorizedOperation', undefined, 403);
    await expectAwsError(webadmin.send(new StopInstancesCommand({ InstanceIds: [instanceId] })), 'UnauthorizedOperation', undefined, 403);
    await webadmin.send(new DeregisterImageCommand({ ImageId: ImageId! }));
    // nothing was changed by the refused calls
    const left = await root.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: ['untagged', 'db-build'] }] }));
    assert.deepEqual(left.Images, []);
  });

  test('an explicit deny beats any allow; a permissions boundary caps an administrator', async () => {
    const denied = ec2(server.url, {
      account: await user('denied-admin', { managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], inline: [doc({ Effect: 'Deny', Action: 'ec2:DeregisterImage', Resource: '*' })] }),
    });
    await expectAwsError(denied.send(new DeregisterImageCommand({ ImageId: dbImage })), 'UnauthorizedOperation', /with an explicit deny in an identity-based policy/, 403);
    await denied.send(new DescribeInstancesCommand({}));

    const capped = ec2(server.url, { account: await user('capped-admin', { managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], boundary: 'arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess' }) });
    await capped.send(new DescribeImagesCommand({ ImageIds: [dbImage] }));
    await expectAwsError(capped.send(new DeregisterImageCommand({ ImageId: dbImage })), 'UnauthorizedOperation', /because no permissions boundary allows the ec2:DeregisterImage action/, 403);
  });

  test('Auto Scaling answers AccessDenied; KMS AccessDeniedException, and a key policy that does not delegate to IAM keeps users out', async () => {
    const nobody = await user('nobody');
    await expectAwsError(
      autoscaling(server.url, { account: nobody }).send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', MinSize: 0, MaxSize: 1, LaunchTemplate: { LaunchTemplateName: 'x' } })),
      'AccessDenied',
      /is not authorized to perform: autoscaling:CreateAutoScalingGroup/,
      403,
    );
    const rootKms = kms(server.url, { account: ALICE });
    const open = (await rootKms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const closed = (
      await rootKms.send(
        new CreateKeyCommand({
          BypassPolicyLockoutSafetyCheck: true,
          Policy: doc({ Sid: 'RootOnly', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALICE.accountId}:root` }, Action: ['kms:DescribeKey', 'kms:CreateGrant'], Resource: '*' }),
        }),
      )
    ).KeyMetadata!.KeyId!;
    const encrypter = kms(server.url, { account: await user('encrypter', { inline: [doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' })] }) });
    await encrypter.send(new EncryptCommand({ KeyId: open, Plaintext: Buffer.from('x') }));
    await expectAwsError(encrypter.send(new EncryptCommand({ KeyId: closed, Plaintext: Buffer.from('x') })), 'AccessDeniedException', /because no resource-based policy allows the kms:Encrypt action/, 400);
    // a grant lets the user in, for its operations and within its encryption context only
    await rootKms.send(new CreateGrantCommand({ KeyId: closed, GranteePrincipal: `arn:aws:iam::${ALICE.accountId}:user/encrypter`, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { app: 'web' } } }));
    await encrypter.send(new EncryptCommand({ KeyId: closed, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'web' } }));
    await expectAwsError(encrypter.send(new EncryptCommand({ KeyId: closed, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'db' } })), 'AccessDeniedException', /kms:Encrypt/, 400);
    await expectAwsError(kms(server.url, { account: nobody }).send(new EncryptCommand({ KeyId: open, Plaintext: Buffer.from('x') })), 'AccessDeniedException', /kms:Encrypt/, 400);
  });

  test('a role session is held to the role policy and its session policy; another account cannot use this account’s users', async () => {
    await rootIam.send(
      new CreateRoleCommand({ RoleName: 'describer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALICE.accountId}:root` }, Action: 'sts:AssumeRole' }) }),
    );
    await rootIam.send(new PutRolePolicyCommand({ RoleName: 'describer', PolicyName: 'ec2', PolicyDocument: doc({ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }) }));
    const assumer = await user('assumer', { inline: [doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' })] });
    const roleArn = `arn:aws:iam::${ALICE.accountId}:role/describer`;
    const full = (await sts(server.url, { account: assumer }).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's1' }))).Credentials!;
    const session = ec2(server.url, { account: { accessKeyId: full.AccessKeyId!, secretAccessKey: full.SecretAccessKey!, sessionToken: full.SessionToken } });
    await session.send(new DescribeImagesCommand({ ImageIds: [webImage] }));
    await session.send(new DescribeInstancesCommand({}));
    await expectAwsError(session.send(new DeregisterImageCommand({ ImageId: webImage })), 'UnauthorizedOperation', new RegExp(`assumed-role/describer/s1 is not authorized`), 403);
    const narrowed = (
      await sts(server.url, { account: assumer }).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's2', Policy: doc({ Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' }) }))
    ).Credentials!;
    const narrow = ec2(server.url, { account: { accessKeyId: narrowed.AccessKeyId!, secretAccessKey: narrowed.SecretAccessKey!, sessionToken: narrowed.SessionToken } });
    await narrow.send(new DescribeImagesCommand({ ImageIds: [webImage] }));
    await expectAwsError(narrow.send(new DescribeInstancesCommand({})), 'UnauthorizedOperation', /because no session policy allows the ec2:DescribeInstances action/, 403);
  });

  test('SimulatePrincipalPolicy agrees with the real enforcement, case by case', async () => {
    const policy = doc(
      { Sid: 'Look', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
      { Sid: 'WebImages', Effect: 'Allow', Action: ['ec2:DeregisterImage', 'ec2:ModifyImageAttribute'], Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/team': 'web' } } },
      { Sid: 'StopWeb', Effect: 'Allow', Action: ['ec2:StopInstances', 'ec2:StartInstances'], Resource: '*', Condition: { StringLike: { 'ec2:ResourceTag/team': 'w*' } } },
      { Sid: 'SmallVolumes', Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: '*', Condition: { NumericLessThanEquals: { 'ec2:VolumeSize': '10' }, Bool: { 'ec2:Encrypted': 'true' } } },
      { Sid: 'Run', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' },
      { Sid: 'OnlyT3', Effect: 'Deny', Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*:*:instance/*', Condition: { StringNotLike: { 'ec2:InstanceType': 't3.*' } } },
      { Sid: 'TagsDevTest', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] }, StringEqualsIfExists: { 'aws:RequestTag/env': ['dev', 'test'] } } },
      { Sid: 'NoSnapshots', Effect: 'Deny', Action: 'ec2:DeleteSnapshot', Resource: '*' },
      { Sid: 'Regions', Effect: 'Deny', NotAction: 'ec2:Describe*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } } },
    );
    const creds = await user('simulated', { inline: [policy] });
    const userArn = `arn:aws:iam::${ALICE.accountId}:user/simulated`;
    const image = (id: string) => `arn:aws:ec2:us-east-1::image/${id}`;
    const instance = `arn:aws:ec2:us-east-1:${ALICE.accountId}:instance/${instanceId}`;
    const ctx = (entries: Record<string, string | string[]>) =>
      Object.entries(entries).map(([k, v]) => ({ ContextKeyName: k, ContextKeyValues: Array.isArray(v) ? v : [v], ContextKeyType: Array.isArray(v) ? ('stringList' as const) : ('string' as const) }));
    const region = { 'aws:RequestedRegion': 'us-east-1' };
    interface Case {
      name: string;
      call: (c: EC2Client) => Promise<unknown>;
      action: string;
      resource: string;
      context: Record<string, string | string[]>;
      region?: string;
    }
    const cases: Case[] = [];
    for (const [id, team] of [[webImage, 'web'], [dbImage, 'db']] as const) {
      cases.push({ name: `deregister ${team}`, call: (c) => c.send(new DeregisterImageCommand({ ImageId: id, DryRun: true })), action: 'ec2:DeregisterImage', resource: image(id), context: { ...region, 'ec2:ResourceTag/team': team } });
      cases.push({ name: `describe ${team}`, call: (c) => c.send(new DescribeImagesCommand({ ImageIds: [id], DryRun: true })), action: 'ec2:DescribeImages', resource: '*', context: region });
      for (const r of ['eu-west-1', 'ap-south-1']) {
        cases.push({ name: `deregister ${team} in ${r}`, call: (c) => c.send(new DeregisterImageCommand({ ImageId: id, DryRun: true })), action: 'ec2:DeregisterImage', resource: `arn:aws:ec2:${r}::image/${id}`, context: { 'aws:RequestedRegion': r }, region: r });
      }
    }
    cases.push({ name: 'stop the web instance', call: (c) => c.send(new StopInstancesCommand({ InstanceIds: [instanceId], DryRun: true })), action: 'ec2:StopInstances', resource: instance, context: { ...region } });
    const describes = {
      DescribeInstances: () => new DescribeInstancesCommand({ DryRun: true }),
      DescribeVolumes: () => new DescribeVolumesCommand({ DryRun: true }),
      DescribeSnapshots: () => new DescribeSnapshotsCommand({ DryRun: true, OwnerIds: ['self'] }),
      DescribeKeyPairs: () => new DescribeKeyPairsCommand({ DryRun: true }),
      DescribeSecurityGroups: () => new DescribeSecurityGroupsCommand({ DryRun: true }),
    };
    for (const [name, command] of Object.entries(describes)) {
      for (const r of ['us-east-1', 'ap-south-1']) {
        cases.push({ name: `${name} in ${r}`, call: (c) => c.send(command() as DescribeInstancesCommand), action: `ec2:${name}`, resource: '*', context: { 'aws:RequestedRegion': r }, region: r });
      }
    }
    for (const size of [1, 4, 8, 10, 11, 20, 100]) {
      for (const encrypted of [true, false]) {
        cases.push({
          name: `volume ${size} GiB encrypted=${encrypted}`,
          call: (c) => c.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: size, Encrypted: encrypted, DryRun: true })),
          action: 'ec2:CreateVolume',
          resource: `arn:aws:ec2:us-east-1:${ALICE.accountId}:volume/*`,
          context: { ...region, 'ec2:VolumeSize': String(size), 'ec2:Encrypted': String(encrypted), 'ec2:AvailabilityZone': 'us-east-1a' },
        });
      }
    }
    for (const type of ['t3.micro', 't3.large', 'm5.large', 'c5.xlarge', 't2.micro']) {
      cases.push({
        name: `run ${type}`,
        call: (c) => c.send(new RunInstancesCommand({ ImageId: webImage, InstanceType: type as 't3.micro', MinCount: 1, MaxCount: 1, DryRun: true })),
        action: 'ec2:RunInstances',
        resource: `arn:aws:ec2:us-east-1:${ALICE.accountId}:instance/*`,
        context: { ...region, 'ec2:InstanceType': type },
      });
    }
    const tagSets: { Key: string; Value: string }[][] = [
      [{ Key: 'env', Value: 'dev' }],
      [{ Key: 'env', Value: 'test' }, { Key: 'owner', Value: 'me' }],
      [{ Key: 'env', Value: 'prod' }],
      [{ Key: 'owner', Value: 'me' }],
      [{ Key: 'team', Value: 'web' }],
      [{ Key: 'env', Value: 'dev' }, { Key: 'cost', Value: '1' }],
    ];
    for (const tags of tagSets) {
      for (const id of [webImage, instanceId]) {
        const arn = id === webImage ? image(id) : instance;
        cases.push({
          name: `tag ${id} with ${tags.map((t) => `${t.Key}=${t.Value}`).join(',')}`,
          call: (c) => c.send(new CreateTagsCommand({ Resources: [id], Tags: tags, DryRun: true })),
          action: 'ec2:CreateTags',
          resource: arn,
          context: { ...region, 'aws:TagKeys': tags.map((t) => t.Key), ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])) },
        });
      }
    }
    cases.push({ name: 'delete a snapshot', call: (c) => c.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-0123456789abcdef0', DryRun: true })), action: 'ec2:DeleteSnapshot', resource: 'arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0', context: region });
    assert.ok(cases.length >= 50, `${cases.length} cases`);

    // the instance's tag: StopWeb's StringLike applies to it
    await root.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'team', Value: 'web' }] }));
    cases.find((c) => c.name === 'stop the web instance')!.context['ec2:ResourceTag/team'] = 'web';
    for (const t of cases.filter((c) => c.resource === instance)) t.context['ec2:ResourceTag/team'] = 'web';
    for (const t of cases.filter((c) => c.resource === image(webImage))) t.context['ec2:ResourceTag/team'] = 'web';

    const outcomes = { allowed: 0, denied: 0 };
    for (const c of cases) {
      const client = ec2(server.url, { account: creds, region: c.region });
      const e = await awsError(c.call(client));
      const real = e.name === 'UnauthorizedOperation' ? 'denied' : e.name === 'DryRunOperation' ? 'allowed' : `unexpected ${e.name}: ${e.message}`;
      const [result] = (
        await rootIam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: [c.action], ResourceArns: [c.resource], ContextEntries: ctx(c.context) }))
      ).EvaluationResults!;
      const simulated = result.EvalDecision === 'allowed' ? 'allowed' : 'denied';
      assert.equal(simulated, real, `${c.name}: simulated ${result.EvalDecision}, real ${real}`);
      outcomes[simulated]++;
    }
    assert.ok(outcomes.allowed >= 10 && outcomes.denied >= 10, JSON.stringify(outcomes));

    // SimulateCustomPolicy: the same engine over policies given inline
    const custom = await rootIam.send(
      new SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: ['ec2:DeleteSnapshot', 'ec2:DescribeImages'], ContextEntries: ctx(region) }),
    );
    assert.deepEqual(custom.EvaluationResults!.map((r) => r.EvalDecision), ['explicitDeny', 'allowed']);
    assert.equal(custom.EvaluationResults![0].MatchedStatements![0].SourcePolicyId, 'PolicyInputList.1');
    await expectAwsError(rootIam.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{"Statement":'], ActionNames: ['ec2:X'] })), 'MalformedPolicyDocumentException', undefined, 400);
  });

  test('users and their policies hold across a restart', async () => {
    const reader = await user('reader-after', { managed: ['arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess'] });
    await server.stop();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir) });
    const again = ec2(server.url, { account: reader });
    await again.send(new DescribeImagesCommand({ ImageIds: [webImage] }));
    await expectAwsError(again.send(new DeregisterImageCommand({ ImageId: webImage })), 'UnauthorizedOperation', undefined, 403);
    root = ec2(server.url, { account: ALICE });
    rootIam = iam(server.url, { account: ALICE });
  });
});
