// SSM Parameter Store through @aws-sdk/client-ssm against a real server with two accounts:
// AWS's public /aws/service namespace (from the image catalog), the account's own parameters
// (versions, selectors, labels, tiers, policies, SecureString under KMS, aws:ec2:image values),
// listings with filters and paging, tags, every error path with its code and status, accounts
// and regions kept apart, and state across a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { awsError, ec2, kms, ssm } from '../helpers/clients.js';
import { until } from '../helpers/until.js';

const AL = '/aws/service/ami-amazon-linux-latest';

let dir: string;
let credentials: string;
let server: TestServer;
let alice: SSMClient;
let bob: SSMClient;

async function start(dataDir?: string) {
  server = await startServer({ credentials, dataDir, args: ['--settle-ms', '50'] });
  alice = ssm(server.url, { account: ALICE });
  bob = ssm(server.url, { account: BOB });
}

/** The newest image of `owner` whose name matches, as a Terraform `most_recent` lookup finds it. */
async function newest(region: string, owner: string, name: string): Promise<string> {
  const out = await ec2(server.url, { account: ALICE, region }).send(new DescribeImagesCommand({ Owners: [owner], Filters: [{ Name: 'name', Values: [name] }] }));
  const images = (out.Images ?? []).sort((a, b) => (a.CreationDate! < b.CreationDate! ? 1 : -1));
  assert.ok(images.length, `no image ${name} of ${owner} in ${region}`);
  return images[0].ImageId!;
}

before(async () => {
  dir = tempDir();
  credentials = writeCredentials(dir);
  await start();
});

after(async () => {
  await server.stop();
  removeDir(dir);
  removeDir(server.dataDir);
});

describe('public parameters (/aws/service)', () => {
  test('Amazon Linux 2023: the latest image of each architecture, as AWS names and types it', async () => {
    for (const arch of ['x86_64', 'arm64']) {
      const { Parameter: p } = await alice.send(new GetParameterCommand({ Name: `${AL}/al2023-ami-kernel-default-${arch}` }));
      assert.equal(p!.Type, 'String');
      assert.equal(p!.DataType, 'text');
      assert.equal(p!.ARN, `arn:aws:ssm:us-east-1::parameter${AL}/al2023-ami-kernel-default-${arch}`);
      assert.equal(p!.Value, await newest('us-east-1', 'amazon', `al2023-ami-2023.*-kernel-6.1-${arch}`));
      assert.ok(p!.LastModifiedDate instanceof Date);
      assert.equal(p!.Version, 2, 'two releases: the previous one is version 1');
      const previous = await alice.send(new GetParameterCommand({ Name: `${AL}/al2023-ami-kernel-default-${arch}:1` }));
      assert.equal(previous.Parameter!.Version, 1);
      assert.equal(previous.Parameter!.Selector, ':1');
      assert.notEqual(previous.Parameter!.Value, p!.Value);
    }
  });

  test('Ubuntu and Debian parameters name the newest images of Canonical and Debian (aws:ec2:image)', async () => {
    const ubuntu = await alice.send(new GetParameterCommand({ Name: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id' }));
    assert.equal(ubuntu.Parameter!.DataType, 'aws:ec2:image');
    assert.equal(ubuntu.Parameter!.Value, await newest('us-east-1', '099720109477', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'));
    const noble = await alice.send(new GetParameterCommand({ Name: '/aws/service/canonical/ubuntu/server/noble/stable/current/amd64/hvm/ebs-gp3/ami-id' }));
    assert.equal(noble.Parameter!.Value, ubuntu.Parameter!.Value);
    const debian = await alice.send(new GetParameterCommand({ Name: '/aws/service/debian/release/12/latest/amd64' }));
    assert.equal(debian.Parameter!.Value, await newest('us-east-1', '136693071363', 'debian-12-amd64-*'));
    const bookworm = await alice.send(new GetParameterCommand({ Name: '/aws/service/debian/release/bookworm/latest/arm64' }));
    assert.equal(bookworm.Parameter!.Value, await newest('us-east-1', '136693071363', 'debian-12-arm64-*'));
  });

  test('each region has its own image ids behind the same names', async () => {
    const west = ssm(server.url, { account: ALICE, region: 'eu-west-1' });
    const name = `${AL}/al2023-ami-kernel-default-x86_64`;
    const [east, eu] = await Promise.all([alice.send(new GetParameterCommand({ Name: name })), west.send(new GetParameterCommand({ Name: name }))]);
    assert.notEqual(east.Parameter!.Value, eu.Parameter!.Value);
    assert.equal(eu.Parameter!.Value, await newest('eu-west-1', 'amazon', 'al2023-ami-2023.*-kernel-6.1-x86_64'));
    assert.equal(eu.Parameter!.ARN, `arn:aws:ssm:eu-west-1::parameter${name}`);
  });

  test('GetParametersByPath: one level, recursive, paging with NextToken, filters', async () => {
    const first = await alice.send(new GetParametersByPathCommand({ Path: AL }));
    assert.equal(first.Parameters!.length, 10, 'MaxResults defaults to 10');
    const all = [];
    let token: string | undefined;
    do {
      const page = await alice.send(new GetParametersByPathCommand({ Path: AL, MaxResults: 3, NextToken: token }));
      assert.ok(page.Parameters!.length <= 3);
      all.push(...page.Parameters!);
      token = page.NextToken;
    } while (token);
    const names = all.map((p) => p.Name!);
    assert.deepEqual(names, [...names].sort());
    assert.equal(new Set(names).size, names.length, 'no parameter twice');
    for (const n of ['al2023-ami-kernel-default-x86_64', 'al2023-ami-kernel-6.12-arm64', 'al2023-ami-minimal-kernel-default-x86_64', 'amzn2-ami-kernel-5.10-hvm-x86_64-gp2', 'amzn2-ami-hvm-x86_64-gp2']) {
      assert.ok(names.includes(`${AL}/${n}`), n);
    }
    const oneLevel = await alice.send(new GetParametersByPathCommand({ Path: '/aws/service/canonical/ubuntu/server/24.04/stable/current' }));
    assert.deepEqual(oneLevel.Parameters, [], 'the parameters are deeper than one level');
    const deep = await alice.send(new GetParametersByPathCommand({ Path: '/aws/service/canonical/ubuntu/server/24.04/stable/current/', Recursive: true }));
    assert.deepEqual(
      deep.Parameters!.map((p) => p.Name),
      ['amd64', 'arm64'].map((a) => `/aws/service/canonical/ubuntu/server/24.04/stable/current/${a}/hvm/ebs-gp3/ami-id`),
    );
    const typed = await alice.send(new GetParametersByPathCommand({ Path: '/aws/service/debian/release/12/latest', ParameterFilters: [{ Key: 'Type', Values: ['String'] }] }));
    assert.equal(typed.Parameters!.length, 2);
  });

  test('GetParametersByPath errors: MaxResults, NextToken, path, filter key and option', async () => {
    let e = await awsError(alice.send(new GetParametersByPathCommand({ Path: AL, MaxResults: 11 })));
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.status, 400);
    assert.match(e.message, /maxResults/);
    e = await awsError(alice.send(new GetParametersByPathCommand({ Path: AL, NextToken: 'bm90IGEgdG9rZW4' })));
    assert.deepEqual([e.name, e.status], ['InvalidNextToken', 400]);
    const page = await alice.send(new GetParametersByPathCommand({ Path: AL, MaxResults: 2 }));
    e = await awsError(alice.send(new GetParametersByPathCommand({ Path: '/aws/service/debian', Recursive: true, NextToken: page.NextToken })));
    assert.equal(e.name, 'InvalidNextToken', 'a token belongs to its request');
    e = await awsError(alice.send(new GetParametersByPathCommand({ Path: 'no-slash' })));
    assert.deepEqual([e.name, e.status], ['ValidationException', 400]);
    e = await awsError(alice.send(new GetParametersByPathCommand({ Path: AL, ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })));
    assert.deepEqual([e.name, e.status], ['InvalidFilterKey', 400]);
    e = await awsError(alice.send(new GetParametersByPathCommand({ Path: AL, ParameterFilters: [{ Key: 'Label', Option: 'BeginsWith', Values: ['x'] }] })));
    assert.deepEqual([e.name, e.status], ['InvalidFilterOption', 400]);
    e = await awsError(alice.send(new GetParametersByPathCommand({ Path: AL, ParameterFilters: [{ Key: 'Type', Values: ['Number'] }] })));
    assert.deepEqual([e.name, e.status], ['InvalidFilterValue', 400]);
  });

  test('public parameters are read-only, have no labels, and unknown ones are not found', async () => {
    let e = await awsError(alice.send(new PutParameterCommand({ Name: `${AL}/mine`, Value: 'x', Type: 'String' })));
    assert.deepEqual([e.name, e.status], ['AccessDeniedException', 400]);
    assert.match(e.message, /No access to reserved parameter name/);
    e = await awsError(alice.send(new DeleteParameterCommand({ Name: `${AL}/al2023-ami-kernel-default-x86_64` })));
    assert.equal(e.name, 'AccessDeniedException');
    e = await awsError(alice.send(new LabelParameterVersionCommand({ Name: `${AL}/al2023-ami-kernel-default-x86_64`, Labels: ['prod'] })));
    assert.equal(e.name, 'AccessDeniedException');
    e = await awsError(alice.send(new GetParameterCommand({ Name: `${AL}/al2023-ami-kernel-default-x86_64:prod` })));
    assert.deepEqual([e.name, e.status], ['ParameterVersionNotFound', 400]);
    e = await awsError(alice.send(new GetParameterCommand({ Name: `${AL}/no-such-image` })));
    assert.deepEqual([e.name, e.status], ['ParameterNotFound', 400], 'Parameter Store sends no message with it');
    const history = await alice.send(new GetParameterHistoryCommand({ Name: `${AL}/al2023-ami-kernel-default-arm64` }));
    assert.deepEqual(history.Parameters!.map((p) => p.Version), [1, 2]);
  });
});

describe('own parameters', () => {
  test('PutParameter creates version 1; Overwrite adds versions; GetParameter reads the latest or a selected one', async () => {
    const put = await alice.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db1.internal', Type: 'String', Description: 'primary' }));
    assert.deepEqual([put.Version, put.Tier], [1, 'Standard']);
    let e = await awsError(alice.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2.internal', Type: 'String' })));
    assert.deepEqual([e.name, e.status], ['ParameterAlreadyExists', 400]);
    const second = await alice.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2.internal', Overwrite: true }));
    assert.equal(second.Version, 2);
    const { Parameter: p } = await alice.send(new GetParameterCommand({ Name: '/app/db/host' }));
    assert.equal(p!.Value, 'db2.internal');
    assert.equal(p!.Version, 2);
    assert.equal(p!.Type, 'String', 'the type carries over when overwriting without one');
    assert.equal(p!.DataType, 'text');
    assert.equal(p!.ARN, `arn:aws:ssm:us-east-1:${ALICE.accountId}:parameter/app/db/host`);
    assert.equal((await alice.send(new GetParameterCommand({ Name: '/app/db/host:1' }))).Parameter!.Value, 'db1.internal');
    const byArn = await alice.send(new GetParameterCommand({ Name: `${p!.ARN}:1` }));
    assert.deepEqual([byArn.Parameter!.Value, byArn.Parameter!.Selector], ['db1.internal', ':1']);
    e = await awsError(alice.send(new GetParameterCommand({ Name: '/app/db/host:9' })));
    assert.deepEqual([e.name, e.status], ['ParameterVersionNotFound', 400]);
    const flat = await alice.send(new PutParameterCommand({ Name: 'flat-name', Value: 'a,b,c', Type: 'StringList' }));
    assert.equal(flat.Version, 1);
    const list = await alice.send(new GetParameterCommand({ Name: 'flat-name' }));
    assert.deepEqual([list.Parameter!.Type, list.Parameter!.Value, list.Parameter!.ARN], ['StringList', 'a,b,c', `arn:aws:ssm:us-east-1:${ALICE.accountId}:parameter/flat-name`]);
  });

  test('GetParameters: found ones in name order, the rest in InvalidParameters; more than 10 names is refused', async () => {
    await alice.send(new PutParameterCommand({ Name: '/app/a', Value: '1', Type: 'String' }));
    const out = await alice.send(new GetParametersCommand({ Names: ['/app/db/host', '/app/missing', '/app/a', `${AL}/al2023-ami-kernel-default-x86_64`, '/app/a:7'] }));
    assert.deepEqual(
      out.Parameters!.map((p) => p.Name),
      ['/app/a', '/app/db/host', `${AL}/al2023-ami-kernel-default-x86_64`],
    );
    assert.deepEqual(out.InvalidParameters, ['/app/missing', '/app/a:7']);
    const e = await awsError(alice.send(new GetParametersCommand({ Names: Array.from({ length: 11 }, (_, i) => `/p${i}`) })));
    assert.deepEqual([e.name, e.status], ['ValidationException', 400]);
  });

  test('name rules: reserved prefixes, fully qualified paths, depth, characters, type and data type', async () => {
    const cases: [string, string][] = [
      ['awsfoo', 'ValidationException'],
      ['/ssm/foo', 'ValidationException'],
      ['/aws/foo', 'AccessDeniedException'],
      ['a/b', 'ValidationException'],
      ['/a b', 'ValidationException'],
      ['/a//b', 'ValidationException'],
      ['/a$b', 'ValidationException'],
      [`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, 'HierarchyLevelLimitExceededException'],
    ];
    for (const [name, code] of cases) {
      const e = await awsError(alice.send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String' })));
      assert.deepEqual([e.name, e.status], [code, 400], name);
    }
    let e = await awsError(alice.send(new PutParameterCommand({ Name: '/typeless', Value: 'x' })));
    assert.deepEqual([e.name, e.message], ['ValidationException', 'A parameter type is required when you create a parameter.']);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/dt', Value: 'x', Type: 'String', DataType: 'AWS:EC2:IMAGE' })));
    assert.equal(e.name, 'ValidationException');
    assert.match(e.message, /data type is not supported/);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/bad-type', Value: 'x', Type: 'Number' as never })));
    assert.deepEqual([e.name, e.status], ['ValidationException', 400]);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'x,y', Type: 'StringList', Overwrite: true })));
    assert.deepEqual([e.name, e.status], ['HierarchyTypeMismatchException', 400]);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/tagged', Value: 'x', Type: 'String', Overwrite: true, Tags: [{ Key: 'k', Value: 'v' }] })));
    assert.equal(e.name, 'ValidationException');
    assert.match(e.message, /tags and overwrite can't be used together/);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/empty', Value: '', Type: 'String' })));
    assert.equal(e.name, 'ValidationException');
  });

  test('AllowedPattern, tiers and the value size limits', async () => {
    await alice.send(new PutParameterCommand({ Name: '/port', Value: '8080', Type: 'String', AllowedPattern: '^\\d+$' }));
    let e = await awsError(alice.send(new PutParameterCommand({ Name: '/port', Value: 'http', Overwrite: true })));
    assert.deepEqual([e.name, e.status], ['ParameterPatternMismatchException', 400]);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/regex', Value: 'x', Type: 'String', AllowedPattern: '([' })));
    assert.equal(e.name, 'InvalidAllowedPatternException');
    const big = 'x'.repeat(5000);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/big', Value: big, Type: 'String' })));
    assert.equal(e.name, 'ValidationException');
    const auto = await alice.send(new PutParameterCommand({ Name: '/big', Value: big, Type: 'String', Tier: 'Intelligent-Tiering' }));
    assert.equal(auto.Tier, 'Advanced');
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/big', Value: 'small', Overwrite: true, Tier: 'Standard' })));
    assert.equal(e.name, 'ValidationException', 'no way back to Standard');
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/huge', Value: 'x'.repeat(9000), Type: 'String', Tier: 'Advanced' })));
    assert.equal(e.name, 'ValidationException');
    const small = await alice.send(new PutParameterCommand({ Name: '/small-auto', Value: 'x', Type: 'String', Tier: 'Intelligent-Tiering' }));
    assert.equal(small.Tier, 'Standard');
  });

  test('aws:ec2:image: a visible AMI is stored; anything else is accepted and never stored, as AWS validates asynchronously', async () => {
    const ami = await newest('us-east-1', 'amazon', 'al2023-ami-2023.*-kernel-6.1-x86_64');
    const put = await alice.send(new PutParameterCommand({ Name: '/golden/ami', Value: ami, Type: 'String', DataType: 'aws:ec2:image' }));
    assert.equal(put.Version, 1);
    const got = await alice.send(new GetParameterCommand({ Name: '/golden/ami' }));
    assert.deepEqual([got.Parameter!.Value, got.Parameter!.DataType], [ami, 'aws:ec2:image']);
    for (const value of ['ami-0123456789abcdef0', 'not-an-ami']) {
      const ignored = await alice.send(new PutParameterCommand({ Name: '/golden/ami', Value: value, Overwrite: true }));
      assert.equal(ignored.Version, 2);
      assert.equal((await alice.send(new GetParameterCommand({ Name: '/golden/ami' }))).Parameter!.Value, ami, 'the invalid value was not stored');
    }
    await alice.send(new PutParameterCommand({ Name: '/golden/missing', Value: 'ami-0123456789abcdef0', Type: 'String', DataType: 'aws:ec2:image' }));
    const e = await awsError(alice.send(new GetParameterCommand({ Name: '/golden/missing' })));
    assert.equal(e.name, 'ParameterNotFound');
    const changed = await awsError(alice.send(new PutParameterCommand({ Name: '/golden/ami', Value: ami, Overwrite: true, DataType: 'text' })));
    assert.equal(changed.name, 'ValidationException', 'the data type of a parameter cannot change');
    const list = await awsError(alice.send(new PutParameterCommand({ Name: '/golden/list', Value: ami, Type: 'StringList', DataType: 'aws:ec2:image' })));
    assert.equal(list.name, 'ValidationException');
  });

  test('labels: attach, move, select by label, invalid labels reported, limits', async () => {
    await alice.send(new PutParameterCommand({ Name: '/rel', Value: 'v1', Type: 'String' }));
    await alice.send(new PutParameterCommand({ Name: '/rel', Value: 'v2', Overwrite: true }));
    const labelled = await alice.send(new LabelParameterVersionCommand({ Name: '/rel', ParameterVersion: 1, Labels: ['prod', 'aws-x', '1st', 'bad label', 'Stable.1'] }));
    assert.deepEqual([labelled.ParameterVersion, labelled.InvalidLabels], [1, ['aws-x', '1st', 'bad label']]);
    assert.equal((await alice.send(new GetParameterCommand({ Name: '/rel:prod' }))).Parameter!.Value, 'v1');
    const moved = await alice.send(new LabelParameterVersionCommand({ Name: '/rel', Labels: ['prod'] }));
    assert.equal(moved.ParameterVersion, 2, 'without a version: the latest');
    const viaLabel = await alice.send(new GetParameterCommand({ Name: '/rel:prod' }));
    assert.deepEqual([viaLabel.Parameter!.Value, viaLabel.Parameter!.Selector, viaLabel.Parameter!.Version], ['v2', ':prod', 2]);
    const history = await alice.send(new GetParameterHistoryCommand({ Name: '/rel' }));
    assert.deepEqual(
      history.Parameters!.map((h) => [h.Version, h.Value, h.Labels]),
      [
        [1, 'v1', ['Stable.1']],
        [2, 'v2', ['prod']],
      ],
    );
    let e = await awsError(alice.send(new LabelParameterVersionCommand({ Name: '/rel', ParameterVersion: 5, Labels: ['x'] })));
    assert.deepEqual([e.name, e.status], ['ParameterVersionNotFound', 400]);
    e = await awsError(alice.send(new LabelParameterVersionCommand({ Name: '/nope', Labels: ['x'] })));
    assert.deepEqual([e.name, e.status], ['ParameterNotFound', 400]);
    e = await awsError(alice.send(new GetParameterCommand({ Name: '/rel:nolabel' })));
    assert.equal(e.name, 'ParameterVersionNotFound');
    await alice.send(new LabelParameterVersionCommand({ Name: '/rel', ParameterVersion: 1, Labels: Array.from({ length: 9 }, (_, i) => `l${i}`) }));
    e = await awsError(alice.send(new LabelParameterVersionCommand({ Name: '/rel', ParameterVersion: 1, Labels: ['one-too-many'] })));
    assert.deepEqual([e.name, e.status], ['ParameterVersionLabelLimitExceeded', 400]);
    e = await awsError(alice.send(new LabelParameterVersionCommand({ Name: '/rel', Labels: Array.from({ length: 11 }, (_, i) => `m${i}`) })));
    assert.equal(e.name, 'ValidationException');
  });

  test('100 versions at most: the oldest goes, unless it carries a label', async () => {
    await alice.send(new PutParameterCommand({ Name: '/many', Value: 'v1', Type: 'String' }));
    await alice.send(new LabelParameterVersionCommand({ Name: '/many', ParameterVersion: 1, Labels: ['keep'] }));
    for (let v = 2; v <= 100; v++) await alice.send(new PutParameterCommand({ Name: '/many', Value: `v${v}`, Overwrite: true }));
    const e = await awsError(alice.send(new PutParameterCommand({ Name: '/many', Value: 'v101', Overwrite: true })));
    assert.deepEqual([e.name, e.status], ['ParameterMaxVersionLimitExceeded', 400]);
    await alice.send(new LabelParameterVersionCommand({ Name: '/many', ParameterVersion: 50, Labels: ['keep'] }));
    assert.equal((await alice.send(new PutParameterCommand({ Name: '/many', Value: 'v101', Overwrite: true }))).Version, 101);
    const versions: number[] = [];
    let token: string | undefined;
    do {
      const page = await alice.send(new GetParameterHistoryCommand({ Name: '/many', NextToken: token }));
      versions.push(...page.Parameters!.map((p) => p.Version!));
      token = page.NextToken;
    } while (token);
    assert.equal(versions.length, 100);
    assert.deepEqual([versions[0], versions[99]], [2, 101]);
    const err = await awsError(alice.send(new GetParameterCommand({ Name: '/many:1' })));
    assert.equal(err.name, 'ParameterVersionNotFound');
  });

  test('SecureString: encrypted under alias/aws/ssm or a chosen key; ciphertext unless WithDecryption', async () => {
    await alice.send(new PutParameterCommand({ Name: '/secret/db', Value: 's3cr3t', Type: 'SecureString' }));
    const raw = await alice.send(new GetParameterCommand({ Name: '/secret/db' }));
    assert.notEqual(raw.Parameter!.Value, 's3cr3t');
    assert.ok(Buffer.from(raw.Parameter!.Value!, 'base64').length > 20, 'a KMS ciphertext blob, base64');
    const clear = await alice.send(new GetParameterCommand({ Name: '/secret/db', WithDecryption: true }));
    assert.equal(clear.Parameter!.Value, 's3cr3t');
    const meta = await alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/secret/db'] }] }));
    assert.equal(meta.Parameters![0].KeyId, 'alias/aws/ssm');
    const keys = kms(server.url, { account: ALICE });
    const key = (await keys.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await alice.send(new PutParameterCommand({ Name: '/secret/api', Value: 'token-1', Type: 'SecureString', KeyId: key }));
    assert.equal((await alice.send(new GetParametersCommand({ Names: ['/secret/api'], WithDecryption: true }))).Parameters![0].Value, 'token-1');
    await keys.send(new DisableKeyCommand({ KeyId: key }));
    let e = await awsError(alice.send(new GetParameterCommand({ Name: '/secret/api', WithDecryption: true })));
    assert.deepEqual([e.name, e.status], ['InvalidKeyId', 400]);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/secret/x', Value: 'v', Type: 'SecureString', KeyId: 'alias/none' })));
    assert.deepEqual([e.name, e.status], ['InvalidKeyId', 400]);
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/plain', Value: 'v', Type: 'String', KeyId: key })));
    assert.equal(e.name, 'ValidationException');
    const history = await alice.send(new GetParameterHistoryCommand({ Name: '/secret/db', WithDecryption: true }));
    assert.equal(history.Parameters![0].Value, 's3cr3t');
  });

  test('policies: Advanced only; Expiration deletes the parameter once its time passes', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const policies = JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: soon } }]);
    let e = await awsError(alice.send(new PutParameterCommand({ Name: '/temp', Value: 'x', Type: 'String', Policies: policies })));
    assert.equal(e.name, 'ValidationException', 'policies need the advanced tier');
    e = await awsError(alice.send(new PutParameterCommand({ Name: '/temp', Value: 'x', Type: 'String', Tier: 'Advanced', Policies: '[{"Type":"Nope","Version":"1.0","Attributes":{}}]' })));
    assert.equal(e.name, 'InvalidPolicyTypeException');
    e = await awsError(
      alice.send(new PutParameterCommand({ Name: '/temp', Value: 'x', Type: 'String', Tier: 'Advanced', Policies: JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2001-01-01T00:00:00Z' } }]) })),
    );
    assert.equal(e.name, 'InvalidPolicyAttributeException');
    const put = await alice.send(new PutParameterCommand({ Name: '/temp', Value: 'x', Type: 'String', Tier: 'Intelligent-Tiering', Policies: policies }));
    assert.equal(put.Tier, 'Advanced');
    const described = await alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/temp'] }] }));
    assert.deepEqual(described.Parameters![0].Policies!.map((p) => [p.PolicyType, p.PolicyStatus]), [['Expiration', 'Pending']]);
    const gone = () =>
      alice.send(new GetParameterCommand({ Name: '/temp' })).then(
        () => undefined,
        (err: Error) => err.name,
      );
    assert.equal(await until('the parameter to expire', gone, 200, 50), 'ParameterNotFound');
    assert.deepEqual((await alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/temp'] }] }))).Parameters, []);
  });

  test('DescribeParameters: filters (Name, Type, Path, Tier, DataType, tags), paging, errors', async () => {
    for (const n of ['/desc/one', '/desc/two', '/desc/deep/three']) {
      await alice.send(new PutParameterCommand({ Name: n, Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: n === '/desc/two' ? 'red' : 'blue' }] }));
    }
    const names = async (filters: NonNullable<ConstructorParameters<typeof DescribeParametersCommand>[0]>['ParameterFilters']) =>
      (await alice.send(new DescribeParametersCommand({ ParameterFilters: filters, MaxResults: 50 }))).Parameters!.map((p) => p.Name);
    assert.deepEqual(await names([{ Key: 'Path', Values: ['/desc'] }]), ['/desc/one', '/desc/two']);
    assert.deepEqual(await names([{ Key: 'Path', Option: 'Recursive', Values: ['/desc'] }]), ['/desc/deep/three', '/desc/one', '/desc/two']);
    assert.deepEqual(await names([{ Key: 'Name', Option: 'BeginsWith', Values: ['/desc/t'] }]), ['/desc/two']);
    assert.deepEqual(await names([{ Key: 'Name', Option: 'Contains', Values: ['ee'] }]), ['/desc/deep/three']);
    assert.deepEqual(await names([{ Key: 'tag:team', Values: ['red'] }]), ['/desc/two']);
    assert.deepEqual(await names([{ Key: 'Type', Values: ['StringList'] }]), ['flat-name']);
    assert.deepEqual(await names([{ Key: 'DataType', Values: ['aws:ec2:image'] }]), ['/golden/ami']);
    assert.ok((await names([{ Key: 'Tier', Values: ['Advanced'] }])).includes('/big'));
    const old = await alice.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['/desc/o'] }] }));
    assert.deepEqual(old.Parameters!.map((p) => p.Name), ['/desc/one']);
    const meta = (await alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/app/db/host'] }] }))).Parameters![0];
    assert.deepEqual([meta.Version, meta.Description, meta.Tier, meta.LastModifiedUser], [2, 'primary', 'Standard', `arn:aws:iam::${ALICE.accountId}:root`]);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await alice.send(new DescribeParametersCommand({ MaxResults: 4, NextToken: token }));
      assert.ok(page.Parameters!.length <= 4);
      seen.push(...page.Parameters!.map((p) => p.Name!));
      token = page.NextToken;
    } while (token);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.includes('/desc/deep/three') && !seen.some((n) => n.startsWith('/aws/')), 'own parameters only');
    let e = await awsError(alice.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['x'] }], ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })));
    assert.equal(e.name, 'ValidationException');
    e = await awsError(alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['/aws/service'] }] })));
    assert.equal(e.name, 'ValidationException');
    e = await awsError(alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Label', Values: ['x'] }] })));
    assert.deepEqual([e.name, e.status], ['InvalidFilterKey', 400]);
    e = await awsError(alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Type', Option: 'Contains', Values: ['String'] }] })));
    assert.equal(e.name, 'InvalidFilterOption');
    e = await awsError(alice.send(new DescribeParametersCommand({ MaxResults: 51 })));
    assert.equal(e.name, 'ValidationException');
    assert.deepEqual((await alice.send(new DescribeParametersCommand({ Shared: true }))).Parameters, []);
  });

  test('GetParametersByPath over own parameters: one level, recursive, Label filter picks the labelled version', async () => {
    const top = await alice.send(new GetParametersByPathCommand({ Path: '/app' }));
    assert.deepEqual(top.Parameters!.map((p) => p.Name), ['/app/a']);
    const all = await alice.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true }));
    assert.deepEqual(all.Parameters!.map((p) => p.Name), ['/app/a', '/app/db/host']);
    await alice.send(new LabelParameterVersionCommand({ Name: '/app/db/host', ParameterVersion: 1, Labels: ['blue'] }));
    const labelled = await alice.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true, ParameterFilters: [{ Key: 'Label', Values: ['blue'] }] }));
    assert.deepEqual(labelled.Parameters!.map((p) => [p.Name, p.Value]), [['/app/db/host', 'db1.internal']]);
    const secrets = await alice.send(new GetParametersByPathCommand({ Path: '/secret', WithDecryption: true, ParameterFilters: [{ Key: 'KeyId', Values: ['alias/aws/ssm'] }] }));
    assert.deepEqual(secrets.Parameters!.map((p) => [p.Name, p.Value]), [['/secret/db', 's3cr3t']]);
    const e = await awsError(alice.send(new GetParametersByPathCommand({ Path: '/secret', WithDecryption: true })));
    assert.equal(e.name, 'InvalidKeyId', 'decrypting under the disabled key fails the call');
  });

  test('tags: add, list, remove; unknown parameters and resource types are InvalidResourceId', async () => {
    await alice.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a', Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'owner', Value: 'me' }] }));
    await alice.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a', Tags: [{ Key: 'env', Value: 'prod' }] }));
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a' }))).TagList, [
      { Key: 'env', Value: 'prod' },
      { Key: 'owner', Value: 'me' },
    ]);
    await alice.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a', TagKeys: ['owner'] }));
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a' }))).TagList, [{ Key: 'env', Value: 'prod' }]);
    let e = await awsError(alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/nope' })));
    assert.deepEqual([e.name, e.status], ['InvalidResourceId', 400]);
    e = await awsError(alice.send(new ListTagsForResourceCommand({ ResourceType: 'Document', ResourceId: 'doc' })));
    assert.equal(e.name, 'InvalidResourceId');
    e = await awsError(alice.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a', Tags: [{ Key: 'aws:x', Value: 'v' }] })));
    assert.equal(e.name, 'ValidationException');
    e = await awsError(
      alice.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a', Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })),
    );
    assert.deepEqual([e.name, e.status], ['TooManyTagsError', 400]);
  });

  test('DeleteParameter and DeleteParameters', async () => {
    await alice.send(new PutParameterCommand({ Name: '/del/one', Value: 'x', Type: 'String' }));
    await alice.send(new PutParameterCommand({ Name: '/del/two', Value: 'x', Type: 'String' }));
    await alice.send(new DeleteParameterCommand({ Name: '/del/one' }));
    let e = await awsError(alice.send(new GetParameterCommand({ Name: '/del/one' })));
    assert.equal(e.name, 'ParameterNotFound');
    e = await awsError(alice.send(new DeleteParameterCommand({ Name: '/del/one' })));
    assert.deepEqual([e.name, e.status], ['ParameterNotFound', 400]);
    const many = await alice.send(new DeleteParametersCommand({ Names: ['/del/two', '/del/one', '/del/never'] }));
    assert.deepEqual([many.DeletedParameters, many.InvalidParameters], [['/del/two'], ['/del/one', '/del/never']]);
    // a name can be created again, from version 1
    assert.equal((await alice.send(new PutParameterCommand({ Name: '/del/one', Value: 'y', Type: 'String' }))).Version, 1);
  });
});

describe('accounts and regions', () => {
  test("another account's parameters are indistinguishable from missing ones, by name or ARN", async () => {
    const { Parameter: p } = await alice.send(new GetParameterCommand({ Name: '/app/db/host' }));
    for (const name of ['/app/db/host', p!.ARN!]) {
      const e = await awsError(bob.send(new GetParameterCommand({ Name: name })));
      assert.deepEqual([e.name, e.status], ['ParameterNotFound', 400]);
    }
    assert.deepEqual((await bob.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true }))).Parameters, []);
    assert.equal((await bob.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'bobs', Type: 'String' }))).Version, 1);
    assert.equal((await alice.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter!.Value, 'db2.internal');
    const e = await awsError(bob.send(new DeleteParameterCommand({ Name: '/app/a' })));
    assert.equal(e.name, 'ParameterNotFound');
  });

  test('regions are separate', async () => {
    const west = ssm(server.url, { account: ALICE, region: 'us-west-2' });
    const e = await awsError(west.send(new GetParameterCommand({ Name: '/app/db/host' })));
    assert.equal(e.name, 'ParameterNotFound');
  });
});

describe('restart', () => {
  test('parameters, versions, labels, tags and the public namespace survive a restart', async () => {
    const before = {
      host: (await alice.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter,
      rel: (await alice.send(new GetParameterHistoryCommand({ Name: '/rel' }))).Parameters,
      tags: (await alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a' }))).TagList,
      al: (await alice.send(new GetParameterCommand({ Name: `${AL}/al2023-ami-kernel-default-x86_64` }))).Parameter,
    };
    const dataDir = server.dataDir;
    assert.equal(await server.stop(), 0);
    await start(dataDir);
    assert.deepEqual((await alice.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter, before.host);
    assert.deepEqual((await alice.send(new GetParameterHistoryCommand({ Name: '/rel' }))).Parameters, before.rel);
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/a' }))).TagList, before.tags);
    assert.deepEqual((await alice.send(new GetParameterCommand({ Name: `${AL}/al2023-ami-kernel-default-x86_64` }))).Parameter, before.al);
    assert.equal((await alice.send(new GetParameterCommand({ Name: '/secret/db', WithDecryption: true }))).Parameter!.Value, 's3cr3t');
  });
});
