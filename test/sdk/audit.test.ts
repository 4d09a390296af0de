// The audit trail through @aws-sdk/client-cloudtrail against a real server with two accounts:
// LookupEvents finds who deregistered an image (by name, user, key and resource), denied and
// unauthenticated calls are recorded with their error code (an unknown key only in the server
// log), secrets never reach the trail, data events are recorded but not looked up, paging and
// AWS's errors for attributes, time ranges, MaxResults and tokens, events survive a restart and
// a kill -9, retention prunes, and `imago audit` prints and follows the trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LookupEventsCommand, type CloudTrailClient, type Event, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { DeregisterImageCommand, DescribeAvailabilityZonesCommand, DescribeImagesCommand, DescribeRegionsCommand, ImportKeyPairCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ALICE, BOB, ROOT, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { awsError, cloudtrail, ebs, ec2, kms, ssm } from '../helpers/clients.js';
import { blockOf, emptySnapshot, registerImage, snapshotWithData } from '../helpers/images.js';
import { execMetadata, metadataAtRest, queryMetadata } from '../helpers/metadata-db.js';
import { databaseEnv } from '../helpers/test-database.js';
import { until } from '../helpers/until.js';

let dir: string;
let credentials: string;
let server: TestServer;
let trail: CloudTrailClient;

async function start(dataDir?: string, args: string[] = []) {
  server = await startServer({ credentials, dataDir, args: ['--settle-ms', '20', ...args] });
  trail = cloudtrail(server.url, { account: ALICE });
}

/** Every page of a lookup, newest first. */
async function lookupAll(client: CloudTrailClient, input: LookupEventsCommandInput): Promise<Event[]> {
  const out: Event[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new LookupEventsCommand({ ...input, NextToken }));
    out.push(...(page.Events ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

const byName = (client: CloudTrailClient, name: string) => lookupAll(client, { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }] });
const record = (e: Event) => JSON.parse(e.CloudTrailEvent!) as Record<string, any>;

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

describe('who did what', () => {
  let imageId: string;

  before(async () => {
    const alice = ec2(server.url, { account: ALICE });
    imageId = await registerImage(alice, await emptySnapshot(alice));
    await alice.send(new DeregisterImageCommand({ ImageId: imageId }));
  });

  test('LookupEvents finds who deregistered an image: event name, user, access key, resource, the CloudTrail record', async () => {
    const events = await byName(trail, 'DeregisterImage');
    assert.equal(events.length, 1);
    const [e] = events;
    assert.equal(e.EventName, 'DeregisterImage');
    assert.equal(e.EventSource, 'ec2.amazonaws.com');
    assert.equal(e.Username, 'root');
    assert.equal(e.AccessKeyId, ALICE.accessKeyId);
    assert.equal(e.ReadOnly, 'false');
    assert.ok(e.EventTime instanceof Date && Math.abs(e.EventTime.getTime() - Date.now()) < 60_000);
    assert.deepEqual(e.Resources, [{ ResourceType: 'AWS::EC2::Image', ResourceName: imageId }]);
    const r = record(e);
    assert.equal(r.eventID, e.EventId);
    assert.deepEqual(r.userIdentity, { type: 'Root', principalId: ALICE.accountId, arn: `arn:aws:iam::${ALICE.accountId}:root`, accountId: ALICE.accountId, accessKeyId: ALICE.accessKeyId });
    assert.equal(r.awsRegion, 'us-east-1');
    assert.equal(r.recipientAccountId, ALICE.accountId);
    assert.deepEqual(r.requestParameters, { imageId });
    assert.equal(r.responseElements._return, true);
    assert.match(r.responseElements.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(r.requestID, r.responseElements.requestId);
    assert.equal(r.eventType, 'AwsApiCall');
    assert.equal(r.managementEvent, true);
    assert.equal(r.eventCategory, 'Management');
    assert.equal(r.readOnly, false);
    assert.match(r.sourceIPAddress, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    assert.match(r.userAgent, /aws-sdk-js/);
    assert.equal(r.errorCode, undefined);
    assert.deepEqual(r.resources, [{ accountId: ALICE.accountId, type: 'AWS::EC2::Image', ARN: `arn:aws:ec2:us-east-1::image/${imageId}` }]);
  });

  test('the same event by user name, access key, resource name and type, event source and id', async () => {
    const id = (await byName(trail, 'DeregisterImage'))[0].EventId!;
    for (const [AttributeKey, AttributeValue] of [
      ['Username', 'root'],
      ['AccessKeyId', ALICE.accessKeyId],
      ['ResourceName', imageId],
      ['ResourceType', 'AWS::EC2::Image'],
      ['EventSource', 'ec2.amazonaws.com'],
      ['EventId', id],
      ['ReadOnly', 'false'],
    ] as const) {
      const events = await lookupAll(trail, { LookupAttributes: [{ AttributeKey, AttributeValue }] });
      assert.ok(events.some((e) => e.EventId === id), `${AttributeKey}=${AttributeValue}`);
      if (AttributeKey === 'ReadOnly') assert.ok(events.every((e) => e.ReadOnly === 'false'));
    }
    const reads = await lookupAll(trail, { LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'true' }] });
    assert.ok(reads.length > 0 && reads.every((e) => e.ReadOnly === 'true' && record(e).responseElements === null), 'read-only calls have no responseElements');
  });

  test("event history is the caller's account and region: Bob and another region see none of it", async () => {
    assert.equal((await byName(cloudtrail(server.url, { account: BOB }), 'DeregisterImage')).length, 0);
    assert.equal((await byName(cloudtrail(server.url, { account: ALICE, region: 'eu-west-1' }), 'DeregisterImage')).length, 0);
    await ec2(server.url, { account: ALICE, region: 'eu-west-1' }).send(new DescribeRegionsCommand({}));
    const there = await byName(cloudtrail(server.url, { account: ALICE, region: 'eu-west-1' }), 'DescribeRegions');
    assert.equal(there.length, 1);
    assert.equal(record(there[0]).awsRegion, 'eu-west-1');
  });

  test('LookupEvents itself is recorded (cloudtrail.amazonaws.com, read-only)', async () => {
    const events = await lookupAll(trail, { LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'cloudtrail.amazonaws.com' }] });
    assert.ok(events.length > 0 && events.every((e) => e.EventName === 'LookupEvents' && e.ReadOnly === 'true'));
  });
});

describe('denied and failed calls', () => {
  test("a call the service refuses is recorded with its error code and message (Bob deregistering Alice's image)", async () => {
    const alice = ec2(server.url, { account: ALICE });
    const imageId = await registerImage(alice, await emptySnapshot(alice));
    const e = await awsError(ec2(server.url, { account: BOB }).send(new DeregisterImageCommand({ ImageId: imageId })));
    const events = await byName(cloudtrail(server.url, { account: BOB }), 'DeregisterImage');
    assert.equal(events.length, 1);
    const r = record(events[0]);
    assert.equal(r.errorCode, e.name);
    assert.equal(r.errorMessage, e.message);
    assert.equal(r.responseElements, null);
    assert.deepEqual(r.requestParameters, { imageId });
    assert.equal(events[0].AccessKeyId, BOB.accessKeyId);
  });

  test("a signature made with the wrong secret is recorded in the key's account with the authentication error", async () => {
    const forged = ec2(server.url, { account: { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-alice-secret' } });
    const e = await awsError(forged.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })));
    const events = (await byName(trail, 'DescribeImages')).filter((ev) => record(ev).errorCode);
    assert.equal(events.length, 1);
    assert.equal(record(events[0]).errorCode, e.name);
    assert.equal(events[0].AccessKeyId, ALICE.accessKeyId);
  });

  test('an unknown access key reaches no account: only the server log has it', async () => {
    const stranger = ec2(server.url, { account: { accessKeyId: 'AKIASTRANGER00000000', secretAccessKey: 'x' } });
    await awsError(stranger.send(new DescribeRegionsCommand({})));
    await until('logged', async () => (server.logs.some((l) => l.includes('audit: call without an account') && l.includes('AKIASTRANGER00000000')) ? true : undefined));
    const rows = await queryMetadata<{ n: number }>(server.dataDir, 'SELECT count(*) AS n FROM audit_events WHERE access_key_id = ?', ['AKIASTRANGER00000000']);
    assert.equal(Number(rows[0].n), 0);
  });
});

describe('secrets', () => {
  test('KMS Plaintext and RunInstances UserData are not stored; ImportKeyPair public key material is', async () => {
    const plaintext = 'audit-secret-plaintext-3f9a';
    const userData = 'audit-secret-user-data-77c1';
    const k = kms(server.url, { account: ALICE });
    const { KeyMetadata } = await k.send(new CreateKeyCommand({}));
    await k.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from(plaintext) }));
    const alice = ec2(server.url, { account: ALICE });
    const imageId = await registerImage(alice, await emptySnapshot(alice));
    await alice.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', UserData: Buffer.from(userData).toString('base64') }));
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE0 audit@test';
    await alice.send(new ImportKeyPairCommand({ KeyName: 'audit-key', PublicKeyMaterial: Buffer.from(publicKey) }));
    await ssm(server.url, { account: ALICE }).send(new PutParameterCommand({ Name: '/audit/secret', Type: 'SecureString', Value: 'audit-secret-parameter-51d0' }));

    const encrypt = record((await byName(trail, 'Encrypt'))[0]);
    assert.equal(encrypt.requestParameters.plaintext, 'HIDDEN_DUE_TO_SECURITY_REASONS');
    assert.equal(encrypt.requestParameters.keyId, KeyMetadata!.KeyId);
    const run = record((await byName(trail, 'RunInstances'))[0]);
    assert.equal(run.requestParameters.userData, 'HIDDEN_DUE_TO_SECURITY_REASONS');
    assert.equal(run.requestParameters.imageId, imageId);
    assert.ok(run.responseElements.instancesSet.items[0].instanceId.startsWith('i-'), 'responseElements: the EC2 XML names and sets');
    const put = record((await byName(trail, 'PutParameter'))[0]);
    assert.equal(put.requestParameters.value, 'HIDDEN_DUE_TO_SECURITY_REASONS');
    const imported = record((await byName(trail, 'ImportKeyPair'))[0]);
    assert.equal(Buffer.from(imported.requestParameters.publicKeyMaterial, 'base64').toString(), publicKey);

    const stored = await queryMetadata<{ event: string }>(server.dataDir, 'SELECT event FROM audit_events');
    const all = stored.map((r) => r.event).join('\n');
    for (const secret of [plaintext, userData, 'audit-secret-parameter-51d0']) {
      assert.ok(!all.includes(secret) && !all.includes(Buffer.from(secret).toString('base64')), `${secret} is not in the trail`);
    }
    // the plaintext is nowhere in the metadata at rest (UserData is, in its instance's row, as EC2 keeps it)
    for (const { where, bytes } of metadataAtRest(server.dataDir)) assert.equal(bytes.indexOf(plaintext), -1, where);
  });
});

describe('data events', () => {
  test('EBS block calls are recorded as data events, without their blocks, and LookupEvents does not return them', async () => {
    const alice = ec2(server.url, { account: ALICE });
    await snapshotWithData(ebs(server.url, { account: ALICE }), alice, new Map([[0, blockOf('audit-block-data')]]));
    assert.equal((await byName(trail, 'PutSnapshotBlock')).length, 0);
    assert.equal((await byName(trail, 'StartSnapshot')).length, 1, 'StartSnapshot is a management event');
    const rows = await queryMetadata<{ event: string; management: number }>(server.dataDir, "SELECT event, management FROM audit_events WHERE event_name = 'PutSnapshotBlock'");
    assert.equal(rows.length, 1);
    assert.equal(Number(rows[0].management), 0);
    const r = JSON.parse(rows[0].event) as Record<string, any>;
    assert.equal(r.managementEvent, false);
    assert.equal(r.eventCategory, 'Data');
    assert.equal(r.eventSource, 'ebs.amazonaws.com');
    assert.equal(r.requestParameters.blockIndex, 0);
    assert.equal(r.requestParameters.blockData, undefined);
    assert.ok(!rows[0].event.includes('audit-block-data'));
  });
});

describe('paging and errors', () => {
  test('pages of MaxResults, newest first, no event twice; a token is bound to its query', async () => {
    const alice = ec2(server.url, { account: ALICE, region: 'ap-south-1' });
    const t = cloudtrail(server.url, { account: ALICE, region: 'ap-south-1' });
    for (let i = 0; i < 7; i++) await alice.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [`n${i}`] }] }));
    const query = { LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: 'DescribeImages' }], MaxResults: 3 };
    const first = await t.send(new LookupEventsCommand(query));
    assert.equal(first.Events!.length, 3);
    assert.ok(first.NextToken);
    const all = await lookupAll(t, query);
    assert.equal(all.length, 7);
    assert.equal(new Set(all.map((e) => e.EventId)).size, 7);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].EventTime!.getTime() >= all[i].EventTime!.getTime(), 'newest first');
    // EC2 requestParameters: query names in lower camel case, lists as sets of items
    const names = all.map((e) => record(e).requestParameters.filterSet.items[0].valueSet.items[0].value);
    assert.deepEqual(names, ['n6', 'n5', 'n4', 'n3', 'n2', 'n1', 'n0']);
    assert.deepEqual(record(all[0]).requestParameters.ownerSet, { items: [{ owner: 'self' }] });
    assert.equal((await t.send(new LookupEventsCommand({ ...query, MaxResults: 4, NextToken: first.NextToken }))).Events!.length, 4, 'the page size may change');
    await expectTrailError(t.send(new LookupEventsCommand({ ...query, StartTime: new Date(0), NextToken: first.NextToken })), 'InvalidNextTokenException');
    await expectTrailError(t.send(new LookupEventsCommand({ NextToken: first.NextToken })), 'InvalidNextTokenException');
    await expectTrailError(t.send(new LookupEventsCommand({ ...query, NextToken: 'garbage' })), 'InvalidNextTokenException');
    await expectTrailError(cloudtrail(server.url, { account: BOB, region: 'ap-south-1' }).send(new LookupEventsCommand({ ...query, NextToken: first.NextToken })), 'InvalidNextTokenException');
  });

  test('a time range bounds the events; one after the other is InvalidTimeRangeException', async () => {
    const now = Date.now();
    assert.equal((await lookupAll(trail, { StartTime: new Date(now + 3600_000) })).length, 0);
    assert.ok((await lookupAll(trail, { StartTime: new Date(now - 3600_000), EndTime: new Date(now + 60_000) })).length > 0);
    await expectTrailError(trail.send(new LookupEventsCommand({ StartTime: new Date(now), EndTime: new Date(now - 1000) })), 'InvalidTimeRangeException');
  });

  test('lookup attributes: at most one, ReadOnly true or false (InvalidLookupAttributesException); MaxResults 1..50', async () => {
    await expectTrailError(
      trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RunInstances' }, { AttributeKey: 'Username', AttributeValue: 'root' }] })),
      'InvalidLookupAttributesException',
    );
    await expectTrailError(trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'maybe' }] })), 'InvalidLookupAttributesException');
    await expectTrailError(trail.send(new LookupEventsCommand({ MaxResults: 51 })), 'InvalidMaxResultsException');
    await expectTrailError(trail.send(new LookupEventsCommand({ MaxResults: 0 })), 'InvalidMaxResultsException');
    assert.equal((await trail.send(new LookupEventsCommand({}))).Events!.length, 50, 'MaxResults defaults to 50');
  });
});

async function expectTrailError(p: Promise<unknown>, name: string): Promise<void> {
  const e = await awsError(p);
  assert.equal(e.name, name, e.message);
  assert.equal(e.status, 400);
}

describe('durability and retention', () => {
  test('events survive a restart and a kill -9: a mutating call answered before the kill is in the trail after it', async () => {
    const alice = ec2(server.url, { account: ALICE, region: 'sa-east-1' });
    await alice.send(new DescribeRegionsCommand({ RegionNames: ['sa-east-1'] }));
    await server.stop();
    await start(server.dataDir);
    // the answers seen, then at once kill -9: a call that changed state (or tried to) is in the trail
    const again = ec2(server.url, { account: ALICE, region: 'sa-east-1' });
    await again.send(new ImportKeyPairCommand({ KeyName: 'audit-kill-9', PublicKeyMaterial: Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE0 k@9') }));
    await awsError(ec2(server.url, { account: BOB, region: 'sa-east-1' }).send(new DeregisterImageCommand({ ImageId: 'ami-0123456789abcdef0' })));
    await server.kill();
    await start(server.dataDir);
    const t = cloudtrail(server.url, { account: ALICE, region: 'sa-east-1' });
    assert.equal((await byName(t, 'DescribeRegions')).length, 1, 'a read, through a graceful restart');
    assert.equal((await byName(t, 'ImportKeyPair')).length, 1, 'through a kill -9 right after its answer');
    const refused = await byName(cloudtrail(server.url, { account: BOB, region: 'sa-east-1' }), 'DeregisterImage');
    assert.equal(refused.length, 1, 'a refused mutating call too');
    assert.match(record(refused[0]).errorCode, /^InvalidAMIID/);
  });

  test("a read's event is written in the background: in the table shortly after its answer, without a lookup to flush it", async () => {
    const started = Date.now();
    await ec2(server.url, { account: BOB, region: 'us-west-2' }).send(new DescribeAvailabilityZonesCommand({}));
    const count = async () => Number((await queryMetadata<{ n: number }>(server.dataDir, "SELECT count(*) AS n FROM audit_events WHERE region = 'us-west-2' AND event_name = 'DescribeAvailabilityZones'"))[0].n);
    await until('written', async () => ((await count()) === 1 ? true : undefined), 200, 10);
    assert.ok(Date.now() - started < 2000, `within ${Date.now() - started} ms`);
  });

  test('--audit-retention-days: events older than the period are pruned (at start, then hourly); 0 keeps them', async () => {
    await ec2(server.url, { account: ALICE, region: 'ca-central-1' }).send(new DescribeRegionsCommand({}));
    await server.stop();
    // age the ca-central-1 events by 40 days
    const aged = Date.now() - 40 * 86_400_000;
    await execMetadata(server.dataDir, "UPDATE audit_events SET event_time = ? WHERE region = 'ca-central-1'", [aged]);
    await start(server.dataDir, ['--audit-retention-days', '0']);
    const t = () => cloudtrail(server.url, { account: ALICE, region: 'ca-central-1' });
    assert.equal((await byName(t(), 'DescribeRegions')).length, 1, '0: kept forever');
    await server.stop();
    await start(server.dataDir, ['--audit-retention-days', '30']);
    await until('pruned', async () => (server.logs.some((l) => l.includes('audit: events past retention deleted')) ? true : undefined));
    assert.equal((await byName(t(), 'DescribeRegions')).length, 0, 'older than 30 days: gone');
    assert.ok((await byName(trail, 'DeregisterImage')).length > 0, 'recent events stay');
  });
});

describe('imago audit', () => {
  /** `imago audit --data-dir <the server's> …`: exit code and output */
  const run = (args: string[]) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/imago.mjs', 'audit', '--data-dir', server.dataDir, ...args], { cwd: ROOT, env: { ...process.env, ...databaseEnv(server.dataDir) } });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.once('exit', (code) => resolve({ code, output }));
    });

  test('prints one line per event (time, account, principal, source, name, error), filtered, beside a running server', async () => {
    const { code, output } = await run(['--account', ALICE.accountId, '--event-name', 'DeregisterImage']);
    assert.equal(code, 0, output);
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 1, output);
    assert.match(lines[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  ${ALICE.accountId}  arn:aws:iam::${ALICE.accountId}:root  ec2\\.amazonaws\\.com  DeregisterImage  -$`));
    const bob = await run(['--principal', `arn:aws:iam::${BOB.accountId}:root`, '--since', '1h']);
    assert.ok(bob.output.trim().split('\n').every((l) => l.includes(BOB.accountId)), bob.output);
    assert.match(bob.output, /DeregisterImage {2}InvalidAMIID\.|DeregisterImage {2}[A-Z]/);
    const bad = await run(['--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
  });

  test('--follow prints new events as they are written', async () => {
    const child = spawn(process.execPath, ['bin/imago.mjs', 'audit', '--data-dir', server.dataDir, '--follow', '--event-name', 'DescribeAvailabilityZones'], { cwd: ROOT, env: { ...process.env, ...databaseEnv(server.dataDir) } });
    try {
      const lines: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
      await new Promise((r) => setTimeout(r, 1500));
      await ec2(server.url, { account: BOB, region: 'eu-north-1' }).send(new DescribeAvailabilityZonesCommand({}));
      await until('followed', async () => (lines.some((l) => l.includes('DescribeAvailabilityZones') && l.includes(BOB.accountId)) ? true : undefined), 400, 25);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
