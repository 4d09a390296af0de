// The foundation through real clients against a real server process (dev mode): regions,
// zones, account attributes, a persisted setting, model validation errors, DryRun, the
// not-implemented answer, bad input of every kind, and restart durability.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTransitGatewayCommand,
  DescribeAccountAttributesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRegionsCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
} from '@aws-sdk/client-ec2';
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { startServer, removeDir, tempDir, type TestServer } from '../helpers/server.js';
import { autoscaling, awsError, ebs, ec2, kms, ssm } from '../helpers/clients.js';
import { signedFetch } from '../helpers/signed-fetch.js';

describe('foundation (dev mode)', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('DescribeRegions lists every commercial region with endpoints', async () => {
    const out = await ec2(server.url).send(new DescribeRegionsCommand({}));
    const names = out.Regions!.map((r) => r.RegionName);
    for (const r of ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2', 'sa-east-1', 'me-central-1']) assert.ok(names.includes(r), r);
    assert.ok(names.length >= 34);
    const use1 = out.Regions!.find((r) => r.RegionName === 'us-east-1')!;
    assert.equal(use1.Endpoint, 'ec2.us-east-1.amazonaws.com');
    assert.equal(use1.OptInStatus, 'opt-in-not-required');
  });

  test('DescribeRegions filters with wildcards and rejects unknown names and filters', async () => {
    const client = ec2(server.url);
    const eu = await client.send(new DescribeRegionsCommand({ Filters: [{ Name: 'region-name', Values: ['eu-*'] }] }));
    assert.ok(eu.Regions!.length >= 8);
    assert.ok(eu.Regions!.every((r) => r.RegionName!.startsWith('eu-')));
    const one = await client.send(new DescribeRegionsCommand({ RegionNames: ['ap-south-1'] }));
    assert.deepEqual(one.Regions!.map((r) => r.RegionName), ['ap-south-1']);
    const none = await client.send(new DescribeRegionsCommand({ Filters: [{ Name: 'region-name', Values: ['nowhere-?'] }] }));
    assert.deepEqual(none.Regions, []);
    const bad = await awsError(client.send(new DescribeRegionsCommand({ RegionNames: ['us-east-9'] })));
    assert.equal(bad.name, 'InvalidParameterValue');
    assert.equal(bad.status, 400);
    const badFilter = await awsError(client.send(new DescribeRegionsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })));
    assert.equal(badFilter.name, 'InvalidParameterValue');
    assert.match(badFilter.message, /The filter 'colour' is invalid/);
  });

  test('DescribeAvailabilityZones answers for the region in the signature', async () => {
    const out = await ec2(server.url, { region: 'eu-west-1' }).send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(out.AvailabilityZones!.map((z) => z.ZoneName), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    assert.ok(out.AvailabilityZones!.every((z) => z.State === 'available' && z.RegionName === 'eu-west-1' && /^euw1-az\d$/.test(z.ZoneId!)));
    const byId = await ec2(server.url, { region: 'us-east-1' }).send(new DescribeAvailabilityZonesCommand({ ZoneIds: ['use1-az2'] }));
    assert.deepEqual(byId.AvailabilityZones!.map((z) => z.ZoneName), ['us-east-1b']);
    const wrong = await awsError(ec2(server.url, { region: 'us-east-1' }).send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['eu-west-1a'] })));
    assert.equal(wrong.name, 'InvalidParameterValue');
  });

  test('DescribeAccountAttributes reports the platform and a default VPC', async () => {
    const out = await ec2(server.url).send(new DescribeAccountAttributesCommand({ AttributeNames: ['supported-platforms', 'default-vpc'] }));
    const byName = Object.fromEntries(out.AccountAttributes!.map((a) => [a.AttributeName, a.AttributeValues!.map((v) => v.AttributeValue)]));
    assert.deepEqual(byName['supported-platforms'], ['VPC']);
    assert.match(byName['default-vpc']![0]!, /^vpc-[0-9a-f]{17}$/);
    const bad = await awsError(ec2(server.url).send(new DescribeAccountAttributesCommand({ AttributeNames: ['nope' as never] })));
    assert.equal(bad.name, 'InvalidParameterValue');
  });

  test('a setting is scoped to its account and region', async () => {
    const alice = ec2(server.url, { account: { accessKeyId: '111122223333', secretAccessKey: 'x' }, region: 'us-west-2' });
    const bob = ec2(server.url, { account: { accessKeyId: '444455556666', secretAccessKey: 'x' }, region: 'us-west-2' });
    const aliceEu = ec2(server.url, { account: { accessKeyId: '111122223333', secretAccessKey: 'x' }, region: 'eu-west-1' });
    await alice.send(new EnableEbsEncryptionByDefaultCommand({}));
    assert.equal((await alice.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
    assert.equal((await bob.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
    assert.equal((await aliceEu.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
    await alice.send(new DisableEbsEncryptionByDefaultCommand({}));
    assert.equal((await alice.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
  });

  test('DryRun answers DryRunOperation (412) and changes nothing', async () => {
    const client = ec2(server.url, { region: 'ca-central-1' });
    const dry = await awsError(client.send(new EnableEbsEncryptionByDefaultCommand({ DryRun: true })));
    assert.equal(dry.name, 'DryRunOperation');
    assert.equal(dry.status, 412);
    assert.equal((await client.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
    const dryRead = await awsError(client.send(new DescribeRegionsCommand({ DryRun: true })));
    assert.equal(dryRead.name, 'DryRunOperation');
  });

  test('a modelled but unserved operation answers a well-formed 400 that names it', async () => {
    // transit gateways are outside Imago's scope: the model knows the operation, Imago does not serve it
    const e = await awsError(ec2(server.url).send(new CreateTransitGatewayCommand({})));
    assert.equal(e.name, 'UnsupportedOperation');
    assert.equal(e.status, 400);
    assert.match(e.message, /CreateTransitGateway.*Imago does not serve it/);
  });

  test('every other protocol renders its errors so the SDK parses them', async () => {
    for (const [send, op] of [
      [() => autoscaling(server.url).send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'no-such-group', DesiredCapacity: 1 })), 'SetDesiredCapacity'],
      [() => kms(server.url).send(new DescribeKeyCommand({ KeyId: 'alias/does-not-exist' })), 'DescribeKey'],
      [() => ebs(server.url).send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-0123456789abcdef0' })), 'ListSnapshotBlocks'],
      [() => ssm(server.url).send(new GetParameterCommand({ Name: '/x' })), 'GetParameter'],
    ] as const) {
      const e = await awsError(send());
      if (/^(InvalidAction|UnknownOperationException)$/.test(e.name)) {
        assert.equal(e.status, 400, op);
        assert.match(e.message, new RegExp(op));
      } else {
        // implemented since: any modelled AWS error is fine, as long as it parsed
        assert.ok(e.status && e.status < 500, `${op}: ${e.name} ${e.status}`);
      }
    }
  });

  test('unknown actions, versions, malformed encodings and bad types are clean 400s', async () => {
    const cases: [string, string, number][] = [
      ['Action=FlyToTheMoon&Version=2016-11-15', 'InvalidAction', 400],
      ['Action=DescribeRegions&Version=2099-01-01', 'NoSuchVersion', 400],
      ['Action=DescribeRegions', 'MissingParameter', 400],
      ['Version=2016-11-15', 'MissingAction', 400],
      ['Action=DescribeRegions&Version=2016-11-15&AllRegions=maybe', 'InvalidParameterValue', 400],
      ['Action=DescribeRegions&Version=2016-11-15&Filter.1.Name=region-name&Filter.1.Value.1=%E0%A4%A', 'MalformedQueryString', 400],
      ['Action=DescribeAccountAttributes&Version=2016-11-15&AttributeName.1=bogus', 'InvalidParameterValue', 400],
    ];
    for (const [body, code, status] of cases) {
      const res = await signedFetch(server.url, { service: 'ec2', body });
      const text = await res.text();
      assert.equal(res.status, status, `${body}: ${text}`);
      assert.match(text, new RegExp(`<Response><Errors><Error><Code>${code}</Code><Message>[^<]+</Message></Error></Errors><RequestID>[0-9a-f-]{36}</RequestID></Response>`), body);
      assert.doesNotMatch(text, /at .*\.ts:\d+/);
    }
  });

  test('EC2 also accepts GET with the parameters in the query string', async () => {
    const res = await signedFetch(server.url, { service: 'ec2', method: 'GET', query: 'Action=DescribeRegions&Version=2016-11-15&RegionName.1=eu-west-2' });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeRegionsResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>[0-9a-f-]{36}<\/requestId><regionInfo><item>.*<regionName>eu-west-2<\/regionName>.*<\/item><\/regionInfo><\/DescribeRegionsResponse>$/);
  });

  test('oversized bodies get 413 in the service envelope and the server keeps serving', async () => {
    const big = `Action=DescribeRegions&Version=2016-11-15&Filter.1.Name=region-name&Filter.1.Value.1=${'x'.repeat(3 * 1024 * 1024)}`;
    const res = await signedFetch(server.url, { service: 'ec2', body: big });
    assert.equal(res.status, 413);
    assert.match(await res.text(), /<Code>RequestEntityTooLarge<\/Code>/);
    const kmsBig = await signedFetch(server.url, { service: 'kms', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}` });
    assert.equal(kmsBig.status, 413);
    assert.equal((await kmsBig.json() as { __type: string }).__type, 'RequestEntityTooLarge');
    const ok = await ec2(server.url).send(new DescribeRegionsCommand({ RegionNames: ['us-east-1'] }));
    assert.equal(ok.Regions!.length, 1);
  });

  test('malformed JSON and unknown targets are clean errors for awsJson', async () => {
    const bad = await signedFetch(server.url, { service: 'kms', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{"Limit": ' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { __type: string }).__type, 'SerializationException');
    const unknown = await signedFetch(server.url, { service: 'kms', headers: { 'x-amz-target': 'TrentService.Teleport', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.equal(unknown.status, 400);
    assert.equal(((await unknown.json()) as { __type: string }).__type, 'UnknownOperationException');
  });

  test('responses carry the request id in the body and the x-amzn-RequestId header', async () => {
    const res = await signedFetch(server.url, { service: 'ec2', body: 'Action=DescribeRegions&Version=2016-11-15' });
    const id = res.headers.get('x-amzn-requestid');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    assert.ok((await res.text()).includes(`<requestId>${id}</requestId>`));
  });

  test('a signature for an unknown region gets the service auth error', async () => {
    const e = await awsError(ec2(server.url, { region: 'mars-north-1' }).send(new DescribeRegionsCommand({})));
    assert.equal(e.name, 'AuthFailure');
    assert.equal(e.status, 401);
    assert.match(e.message, /Credential should be scoped to a valid region, not 'mars-north-1'/);
  });

  test('unsigned requests are refused', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeRegions&Version=2016-11-15' });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  });

  test('the admin reset wipes state (and moto\'s path is an alias)', async () => {
    const client = ec2(server.url, { region: 'eu-north-1' });
    await client.send(new EnableEbsEncryptionByDefaultCommand({}));
    const r1 = await fetch(`${server.url}/moto-api/reset`, { method: 'POST' });
    assert.equal(r1.status, 200);
    assert.equal((await client.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
    const r2 = await fetch(`${server.url}/_imago/reset`, { method: 'POST' });
    assert.equal(r2.status, 200);
    const health = await fetch(`${server.url}/_imago/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
  });
});

describe('durability', () => {
  test('state written before a restart is read after it, also after kill -9', async () => {
    const dir = tempDir();
    try {
      let server = await startServer({ dataDir: dir });
      await ec2(server.url, { region: 'eu-central-1' }).send(new EnableEbsEncryptionByDefaultCommand({}));
      assert.equal(await server.stop(), 0, 'graceful stop exits 0');
      server = await startServer({ dataDir: dir });
      assert.equal((await ec2(server.url, { region: 'eu-central-1' }).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
      await ec2(server.url, { region: 'ap-south-1' }).send(new EnableEbsEncryptionByDefaultCommand({}));
      await server.kill();
      server = await startServer({ dataDir: dir });
      assert.equal((await ec2(server.url, { region: 'ap-south-1' }).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
      await server.stop();
    } finally {
      removeDir(dir);
    }
  });

  test('--default-account sets the account of non-numeric keys', async () => {
    const dir = tempDir();
    const server = await startServer({ dataDir: dir, args: ['--default-account', '123456789012'] });
    try {
      // the default VPC id is derived from the account, so two accounts see different ones
      const attr = async (key: string) =>
        (await ec2(server.url, { account: { accessKeyId: key, secretAccessKey: 'x' } }).send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] })))
          .AccountAttributes![0].AttributeValues![0].AttributeValue;
      assert.equal(await attr('test'), await attr('123456789012'));
      assert.notEqual(await attr('test'), await attr('000000000000'));
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
