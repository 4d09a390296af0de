// The wire rules real clients break on (issue 12 §4), one raw signed request each, on every
// protocol: unknown parameters refused in each service's words (`__proto__` and `constructor`
// included), Version checked, control characters and invalid UTF-8 refused and never echoed
// raw, AWS's request limits answered with AWS's errors, another account's private image,
// snapshot or volume answered as that resource's NotFound, and the parameter combinations
// Terraform and Ansible send accepted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateVolumeCommand, DescribeImageAttributeCommand, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { ec2, ebs } from '../helpers/clients.js';
import { emptySnapshot, registerImage } from '../helpers/images.js';
import { signedFetch } from '../helpers/signed-fetch.js';
import { loadServiceModel } from '../../src/protocol/model.js';
import { connect } from 'node:net';
import { removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';

const ALICE = { accessKeyId: '111111111111', secretAccessKey: 'x' };
const BOB = { accessKeyId: '222222222222', secretAccessKey: 'x' };
const V = 'Version=2016-11-15';

/** Well-formed XML error envelope of EC2: returns the code (the body must not carry raw control characters). */
function ec2ErrorCode(text: string): string {
  const m = /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>([^<]+)<\/Code><Message>([^<]*)<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/.exec(text);
  assert.ok(m, `not an EC2 error envelope: ${text}`);
  assert.doesNotMatch(text, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, 'no raw control characters');
  return m[1];
}

describe('wire rules', () => {
  let server: TestServer;
  let dir: string;

  const ec2Raw = async (body: string | Buffer, account = ALICE) => {
    const res = await signedFetch(server.url, { service: 'ec2', body, ...account });
    return { status: res.status, text: await res.text() };
  };
  const expectEc2 = async (body: string | Buffer, code: string, message?: RegExp, account = ALICE) => {
    const { status, text } = await ec2Raw(body, account);
    assert.equal(status, 400, `${String(body).slice(0, 120)}: ${text}`);
    assert.equal(ec2ErrorCode(text), code, text);
    if (message) assert.match(text, message);
  };
  const json = async (service: 'kms' | 'ssm', target: string, body: string | Buffer) => {
    const res = await signedFetch(server.url, { service, headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as { __type: string; message: string } };
  };
  const query = async (service: 'autoscaling' | 'iam' | 'sts', body: string) => {
    const res = await signedFetch(server.url, { service, body });
    const text = await res.text();
    const code = /<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>([^<]+)<\/Code><Message>[^<]*<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/.exec(text)?.[1];
    return { status: res.status, code, text };
  };

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('EC2: an unknown parameter is UnknownParameter, at any depth, prototype names included', async () => {
    for (const [param, named] of [
      ['ImageIds.1=ami-12345678', 'ImageIds'],
      ['__proto__=x', '__proto__'],
      ['constructor=x', 'constructor'],
      ['__proto__.polluted=1', '__proto__'],
      ['Filter.1.Name=name&Filter.1.Values.1=x', 'Filter.1.Values'],
      ['ImageId.first=ami-12345678', 'ImageId.first'],
      ['ImageId.0=ami-12345678', 'ImageId.0'],
      ['ImageId.1.Extra=x', 'ImageId.1.Extra'],
      ['DryRun.x=true', 'DryRun.x'],
    ]) {
      await expectEc2(`Action=DescribeImages&${V}&${param}`, 'UnknownParameter', new RegExp(`The parameter ${named.replace(/\./g, '\\.')} is not recognized`));
    }
    // the envelope and presigning parameters are not the operation's, but they are not unknown
    const { status } = await ec2Raw(`Action=DescribeRegions&${V}&X-Amz-Date=20250101T000000Z&AWSAccessKeyId=x`);
    assert.equal(status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('awsQuery and JSON services refuse unknown parameters in their own words', async () => {
    for (const service of ['autoscaling', 'iam', 'sts'] as const) {
      const action = { autoscaling: 'Action=DescribeAutoScalingGroups&Version=2011-01-01', iam: 'Action=ListUsers&Version=2010-05-08', sts: 'Action=GetCallerIdentity&Version=2011-06-15' }[service];
      for (const extra of ['Bogus=1', '__proto__=1', 'constructor.prototype=1']) {
        const r = await query(service, `${action}&${extra}`);
        assert.equal(r.status, 400, `${service} ${extra}: ${r.text}`);
        assert.equal(r.code, 'UnknownParameter', `${service} ${extra}: ${r.text}`);
      }
    }
    // awsQuery lists are `.member.N`: the EC2 form is not silently an empty list
    const r = await query('autoscaling', 'Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.1=a');
    assert.equal(r.code, 'UnknownParameter', r.text);
    for (const body of ['{"Limit": 5, "Bogus": 1}', '{"__proto__": {"x": 1}}', '{"constructor": 1}']) {
      const r = await json('kms', 'TrentService.ListKeys', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.body.__type, 'SerializationException', body);
    }
    const nested = await json('ssm', 'AmazonSSM.DescribeParameters', '{"ParameterFilters": [{"Key": "Name", "Values": ["x"], "Oops": 1}]}');
    assert.equal(nested.body.__type, 'SerializationException');
    assert.match(nested.body.message, /Oops/);
    // an EncryptionContext key named __proto__ is data, kept as such
    const key = await json('kms', 'TrentService.CreateKey', '{}');
    assert.equal(key.status, 200, JSON.stringify(key.body));
    const keyId = (key.body as unknown as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
    const enc = await json('kms', 'TrentService.Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: 'aGk=', EncryptionContext: JSON.parse('{"__proto__": "a"}') }));
    assert.equal(enc.status, 200, JSON.stringify(enc.body));
    const blob = (enc.body as unknown as { CiphertextBlob: string }).CiphertextBlob;
    const without = await json('kms', 'TrentService.Decrypt', JSON.stringify({ CiphertextBlob: blob }));
    assert.equal(without.body.__type, 'InvalidCiphertextException', 'the __proto__ context entry is bound to the ciphertext');
    const withIt = await json('kms', 'TrentService.Decrypt', `{"CiphertextBlob": ${JSON.stringify(blob)}, "EncryptionContext": {"__proto__": "a"}}`);
    assert.equal(withIt.status, 200, JSON.stringify(withIt.body));
  });

  test('Version: missing is MissingParameter, unknown or malformed is NoSuchVersion, on both query protocols', async () => {
    await expectEc2('Action=DescribeRegions', 'MissingParameter', /The request must contain the parameter Version</);
    await expectEc2('Action=DescribeRegions&Version=2099-01-01', 'NoSuchVersion', /The requested version \(2099-01-01\) of service AmazonEC2 does not exist/);
    await expectEc2('Action=DescribeRegions&Version=yesterday', 'NoSuchVersion');
    assert.equal((await query('autoscaling', 'Action=DescribeAutoScalingGroups')).code, 'MissingParameter');
    assert.equal((await query('autoscaling', 'Action=DescribeAutoScalingGroups&Version=2016-11-15')).code, 'NoSuchVersion');
  });

  test('control characters and invalid UTF-8 are refused, never echoed raw', async () => {
    await expectEc2(`Action=DescribeImages&${V}&Filter.1.Name=name&Filter.1.Value.1=a%01b`, 'InvalidParameterValue', /Filter\.1\.Value\.1/);
    await expectEc2(`Action=CreateTags&${V}&ResourceId.1=ami-12345678&Tag.1.Key=k&Tag.1.Value=%00`, 'InvalidParameterValue');
    await expectEc2(`Action=DescribeImages&${V}&Owner.1=%ED%A0%80`, 'MalformedQueryString'); // an encoded lone surrogate is not UTF-8
    await expectEc2(Buffer.concat([Buffer.from(`Action=DescribeImages&${V}&Owner.1=`), Buffer.from([0xff, 0xfe])]), 'MalformedQueryString');
    // an unknown value is quoted back escaped: a markup-looking value stays text
    const { text } = await ec2Raw(`Action=DescribeImages&${V}&IncludeDeprecated=%3C%2FMessage%3E`);
    assert.equal(ec2ErrorCode(text), 'InvalidParameterValue');
    assert.match(text, /&lt;\/Message&gt;/);
    const bad = await json('kms', 'TrentService.ListKeys', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    assert.equal(bad.body.__type, 'SerializationException');
    const r = await query('autoscaling', 'Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1=a%07b');
    assert.equal(r.code, 'ValidationError', r.text);
  });

  test('AWS request limits: 200 filter values, 50 tags, the body size — AWS errors, never a 500', async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `Filter.1.Value.${i + 1}=v${i}`).join('&');
    assert.equal((await ec2Raw(`Action=DescribeImages&${V}&Owner.1=self&Filter.1.Name=name&${values(200)}`)).status, 200);
    await expectEc2(`Action=DescribeImages&${V}&Filter.1.Name=name&${values(201)}`, 'FilterLimitExceeded', /The maximum number of filter values specified on a single call is 200/);
    assert.equal((await ec2Raw(`Action=DescribeImages&${V}&Owner.1=self&Filter.1.Name=name&Filter.1.Value.1=${'n'.repeat(255)}`)).status, 200);
    await expectEc2(`Action=DescribeInstances&${V}&Filter.1.Name=tag:Name&Filter.1.Value.1=${'n'.repeat(256)}`, 'FilterLimitExceeded', /The maximum length for a filter value is 255 characters/);
    const split = `Filter.1.Name=name&${values(150)}&Filter.2.Name=description&${values(60).replace(/Filter\.1/g, 'Filter.2')}`;
    await expectEc2(`Action=DescribeSnapshots&${V}&${split}`, 'FilterLimitExceeded');
    await expectEc2(`Action=DescribeVolumes&${V}&${split}`, 'FilterLimitExceeded');
    const tags = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}.${i + 1}.Key=k${i}&${prefix}.${i + 1}.Value=v`).join('&');
    await expectEc2(`Action=CreateVolume&${V}&AvailabilityZone=us-east-1a&Size=1&TagSpecification.1.ResourceType=volume&${tags(51, 'TagSpecification.1.Tag')}`, 'TagLimitExceeded');
    const vol = await ec2(server.url, { account: ALICE }).send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await expectEc2(`Action=CreateTags&${V}&ResourceId.1=${vol.VolumeId}&${tags(51, 'Tag')}`, 'TagLimitExceeded');
    // as many ids as the body limit lets through, in one call: answered (here: not found) within a second
    for (const [action, param, prefix] of [['DescribeImages', 'ImageId', 'ami'], ['DescribeSnapshots', 'SnapshotId', 'snap'], ['DescribeVolumes', 'VolumeId', 'vol'], ['DescribeInstances', 'InstanceId', 'i'], ['DescribeInstanceStatus', 'InstanceId', 'i'], ['DescribeTags', 'Filter.1.Value', 'ami']]) {
      const ids = Array.from({ length: 60_000 }, (_, i) => `${param}.${i + 1}=${prefix}-${(i + 1).toString(16).padStart(17, '0')}`).join('&');
      const started = Date.now();
      const many = await ec2Raw(`Action=${action}&${V}&${action === 'DescribeTags' ? 'Filter.1.Name=resource-id&' : ''}${ids}`);
      assert.ok(many.status < 500, `${action}: ${many.text.slice(0, 300)}`);
      assert.ok(Date.now() - started < 1000, `${action} with 60,000 ids took ${Date.now() - started} ms`);
    }
    const big = await ec2Raw(`Action=DescribeImages&${V}&Owner.1=${'x'.repeat(3 * 1024 * 1024)}`);
    assert.equal(big.status, 413);
    assert.equal(ec2ErrorCode(big.text), 'RequestEntityTooLarge');
  });

  test('ids per call: the limits AWS documents, in AWS words, carried by model/patches', async () => {
    const list = (param: string, n: number, id: (i: number) => string) => Array.from({ length: n }, (_, i) => `${param}.${i + 1}=${id(i)}`).join('&');
    const instance = (i: number) => `i-${(i + 1).toString(16).padStart(17, '0')}`;
    // at the bound the call goes on (here: to not found); one more is AWS's InvalidRequest
    assert.notEqual(ec2ErrorCode((await ec2Raw(`Action=DescribeInstanceStatus&${V}&${list('InstanceId', 100, instance)}`)).text), 'InvalidRequest');
    await expectEc2(`Action=DescribeInstanceStatus&${V}&${list('InstanceId', 101, instance)}`, 'InvalidRequest', /101 exceeds the maximum number of instance IDs that can be specificied \(100\)\. Please specify fewer than 100 instance IDs\./);
    await expectEc2(`Action=TerminateInstances&${V}&${list('InstanceId', 1001, instance)}`, 'InvalidRequest', /1001 exceeds the maximum number of instance IDs that can be specificied \(1000\)/);
    await expectEc2(`Action=DescribeInstanceTypes&${V}&${list('InstanceType', 101, () => 't3.micro')}`, 'InvalidParameterValue', /at most 100 instance types; it names 101/);
    await expectEc2(`Action=ListImagesInRecycleBin&${V}&${list('ImageId', 21, (i) => `ami-${(i + 1).toString(16).padStart(17, '0')}`)}`, 'InvalidParameterValue', /You can specify up to 20 image IDs\./);
    await expectEc2(`Action=DescribeStoreImageTasks&${V}&${list('ImageId', 21, (i) => `ami-${(i + 1).toString(16).padStart(17, '0')}`)}`, 'InvalidParameterValue', /You can specify up to 20 image IDs\./);
    await expectEc2(`Action=DescribeImageReferences&${V}&IncludeAllResourceTypes=true&${list('ImageId', 11, (i) => `ami-${(i + 1).toString(16).padStart(17, '0')}`)}`, 'InvalidParameterValue', /You can specify up to 10 image IDs\./);
    // Auto Scaling: 50 group names unless MaxRecords is larger (AWS's words), Coral's message for the other bounds
    const names = (n: number) => Array.from({ length: n }, (_, i) => `AutoScalingGroupNames.member.${i + 1}=g${i}`).join('&');
    const asg = 'Action=DescribeAutoScalingGroups&Version=2011-01-01';
    assert.equal((await query('autoscaling', `${asg}&${names(50)}`)).status, 200);
    const over = await query('autoscaling', `${asg}&${names(51)}`);
    assert.equal(over.code, 'ValidationError', over.text);
    assert.match(over.text, /The number of group names that may be passed in is limited to 50</);
    assert.equal((await query('autoscaling', `${asg}&MaxRecords=100&${names(100)}`)).status, 200);
    assert.match((await query('autoscaling', `${asg}&MaxRecords=100&${names(101)}`)).text, /limited to 100</);
    const ids = Array.from({ length: 51 }, (_, i) => `InstanceIds.member.${i + 1}=${instance(i)}`).join('&');
    const coral = await query('autoscaling', `Action=DescribeAutoScalingInstances&Version=2011-01-01&${ids}`);
    assert.equal(coral.code, 'ValidationError', coral.text);
    assert.match(coral.text, /instanceIds.{1,6} failed to satisfy constraint: Member must have length less than or equal to 50</);
    // KMS: at most 10 grant tokens, as Coral words it
    const grants = await json('kms', 'TrentService.DescribeKey', JSON.stringify({ KeyId: 'alias/x', GrantTokens: Array.from({ length: 11 }, (_, i) => `t${i}`) }));
    assert.equal(grants.body.__type, 'ValidationException');
    assert.match(grants.body.message, /at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10$/);
  });

  test("describe-by-id of another account's private image, snapshot or volume is that resource's NotFound", async () => {
    const alice = ec2(server.url, { account: ALICE });
    const snapshot = await emptySnapshot(alice);
    const image = await registerImage(alice, snapshot);
    const volume = (await alice.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }))).VolumeId!;
    const cases: [string, string, string, string][] = [
      ['DescribeImages', 'ImageId', image, 'InvalidAMIID.NotFound'],
      ['DescribeSnapshots', 'SnapshotId', snapshot, 'InvalidSnapshot.NotFound'],
      ['DescribeVolumes', 'VolumeId', volume, 'InvalidVolume.NotFound'],
    ];
    for (const [action, param, id, code] of cases) {
      const mine = await ec2Raw(`Action=${action}&${V}&${param}.1=${id}`, ALICE);
      assert.equal(mine.status, 200, mine.text);
      assert.match(mine.text, new RegExp(id));
      // what another account gets for it is what it gets for an id that never existed
      await expectEc2(`Action=${action}&${V}&${param}.1=${id}`, code, new RegExp(id), BOB);
      const never = id.replace(/-[0-9a-f]+$/, (m) => `-${'f'.repeat(m.length - 1)}`);
      await expectEc2(`Action=${action}&${V}&${param}.1=${never}`, code, new RegExp(never), BOB);
    }
  });

  test("ModifyImageAttribute: Attribute=launchPermission with LaunchPermission.Add (Terraform, Ansible) is accepted", async () => {
    const alice = ec2(server.url, { account: ALICE });
    const image = await registerImage(alice, await emptySnapshot(alice));
    const raw = await ec2Raw(`Action=ModifyImageAttribute&${V}&ImageId=${image}&Attribute=launchPermission&LaunchPermission.Add.1.UserId=222222222222`);
    assert.equal(raw.status, 200, raw.text);
    await alice.send(new ModifyImageAttributeCommand({ ImageId: image, Attribute: 'launchPermission', LaunchPermission: { Add: [{ UserId: '333333333333' }] } }));
    const perms = (await alice.send(new DescribeImageAttributeCommand({ ImageId: image, Attribute: 'launchPermission' }))).LaunchPermissions!;
    assert.deepEqual(perms.map((p) => p.UserId).sort(), ['222222222222', '333333333333']);
    await alice.send(new ModifyImageAttributeCommand({ ImageId: image, Attribute: 'launchPermission', LaunchPermission: { Remove: [{ UserId: '333333333333' }] } }));
    const after = (await alice.send(new DescribeImageAttributeCommand({ ImageId: image, Attribute: 'launchPermission' }))).LaunchPermissions!;
    assert.deepEqual(after.map((p) => p.UserId), ['222222222222']);
    // the older form boto2-era tools send: OperationType with UserId.N / UserGroup.N at the top level
    const legacy = await ec2Raw(`Action=ModifyImageAttribute&${V}&ImageId=${image}&Attribute=launchPermission&OperationType=add&UserId.1=444444444444`);
    assert.equal(legacy.status, 200, legacy.text);
    const legacyRemove = await ec2Raw(`Action=ModifyImageAttribute&${V}&ImageId=${image}&Attribute=launchPermission&OperationType=remove&UserId.1=222222222222`);
    assert.equal(legacyRemove.status, 200, legacyRemove.text);
    const now = (await alice.send(new DescribeImageAttributeCommand({ ImageId: image, Attribute: 'launchPermission' }))).LaunchPermissions!;
    assert.deepEqual(now.map((p) => p.UserId), ['444444444444']);
  });

  test('an operation Imago does not serve is a 400 naming it, before its parameters are read, on every protocol', async () => {
    // DescribeInstanceCreditSpecifications is in the AWS model, not in Imago's: its parameters are not checked
    await expectEc2(`Action=DescribeInstanceCreditSpecifications&${V}&InstanceId.1=i-0123456789abcdef0`, 'UnsupportedOperation', /DescribeInstanceCreditSpecifications is part of the AWS ec2 API, but Imago does not serve it/);
    await expectEc2(`Action=CreateTransitGateway&${V}&Bogus=1&__proto__=x`, 'UnsupportedOperation', /CreateTransitGateway/);
    // …and before authorization: another account's caller learns nothing else either
    await expectEc2(`Action=DescribeInstanceCreditSpecifications&${V}`, 'UnsupportedOperation', undefined, BOB);
    const q = await query('sts', 'Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=x&Bogus=1');
    assert.equal(q.status, 400, q.text);
    assert.equal(q.code, 'InvalidAction', q.text);
    assert.match(q.text, /AssumeRoleWithSAML/);
    const trail = loadServiceModel('cloudtrail');
    const res = await signedFetch(server.url, { service: 'cloudtrail', headers: { 'x-amz-target': `${trail.targetPrefix}.CreateTrail`, 'content-type': 'application/x-amz-json-1.1' }, body: '{"Name": "t", "Bogus": 1}', ...ALICE });
    const body = (await res.json()) as { __type: string; message: string };
    assert.equal(res.status, 400);
    assert.equal(body.__type, 'UnknownOperationException');
    assert.match(body.message, /CreateTrail/);
  });

  test("requests Node's parser refuses get an XML error, and long signed GET queries are served", async () => {
    // 40 KiB of URL: over Node's default 16 KiB header limit, within Imago's 64 KiB
    const ids = Array.from({ length: 1500 }, (_, i) => `Owner.${i + 1}=${String(100000000000 + i)}`).join('&');
    assert.ok(ids.length > 30_000 && ids.length < 60_000);
    const long = await signedFetch(server.url, { service: 'ec2', method: 'GET', query: `Action=DescribeImages&${V}&${ids}`, ...ALICE });
    assert.equal(long.status, 200, (await long.clone().text()).slice(0, 300));
    await long.text();
    const raw = (head: string) =>
      new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
        const url = new URL(server.url);
        const socket = connect(Number(url.port), url.hostname, () => socket.end(head));
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
        socket.on('error', reject);
        socket.on('close', () => {
          const [headers, body = ''] = data.split('\r\n\r\n');
          resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1]), type: /content-type: ([^\r]+)/i.exec(headers)?.[1] ?? '', text: body });
        });
      });
    const tooLong = await raw(`GET /?Action=DescribeImages&${V}&${'Owner.1=self&'.repeat(6000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(tooLong.status, 414);
    assert.match(tooLong.type, /^text\/xml/);
    assert.equal(ec2ErrorCode(tooLong.text), 'RequestURITooLong');
    const bigHeaders = await raw(`GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 40 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(2000)}\r\n`).join('')}\r\n`);
    assert.equal(bigHeaders.status, 431);
    assert.equal(ec2ErrorCode(bigHeaders.text), 'RequestHeaderSectionTooLarge');
    const garbage = await raw('\u0000\u0001 not http at all\r\n\r\n');
    assert.equal(garbage.status, 400);
    assert.equal(ec2ErrorCode(garbage.text), 'MalformedHttpRequestException');
    // and the server is still up
    assert.equal((await ec2Raw(`Action=DescribeRegions&${V}`)).status, 200);
  });

  test('EBS direct APIs refuse unknown body members with ValidationException', async () => {
    const res = await signedFetch(server.url, { service: 'ebs', path: '/snapshots', headers: { 'content-type': 'application/json' }, body: '{"VolumeSize": 1, "Bogus": true}', ...ALICE });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(((await res.json()) as { message: string }).message, /Bogus/);
    void ebs;
  });
});
