// The public image catalog through real clients: the lookups Terraform, CDK and scripts do
// ("latest Amazon Linux / Ubuntu / Debian", owner aliases, marketplace product codes), the
// attributes AWS gives these images, deprecation, the snapshots' real bytes (a GPT disk) read
// through the EBS direct APIs, volumes restored from them, stable ids across a restart, seeding
// again after an admin reset, operator entries from catalog.json, and `imago images`.
import { databaseArgs, databaseEnv } from '../helpers/test-database.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateVolumeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type DescribeImagesCommandInput, type Image } from '@aws-sdk/client-ec2';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { ALICE, BOB, ROOT, removeDir, runToExit, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { awsError, ebs, ec2, ssm } from '../helpers/clients.js';
import { until } from '../helpers/until.js';

const AMAZON = '137112412989';
const CANONICAL = '099720109477';
const DEBIAN = '136693071363';
const BLOCK = 524288;
const YEAR_MS = 365 * 86_400_000;

let dir: string;
let server: TestServer;

before(async () => {
  dir = tempDir();
  server = await startServer({ credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
});

after(async () => {
  await server.stop();
  removeDir(dir);
  removeDir(server.dataDir);
});

const client = (region = 'us-east-1', account = ALICE) => ec2(server.url, { account, region });

async function images(input: DescribeImagesCommandInput, region = 'us-east-1'): Promise<Image[]> {
  return (await client(region).send(new DescribeImagesCommand(input))).Images ?? [];
}

/** `most_recent = true`: the newest by CreationDate. */
const mostRecent = (list: Image[]) => [...list].sort((a, b) => (a.CreationDate! < b.CreationDate! ? 1 : -1))[0];

describe('lookups the tools do', () => {
  test('describe-images --owners amazon: Amazon Linux 2023 for both architectures, with AWS\'s attributes', async () => {
    const amazon = await images({ Owners: ['amazon'] });
    assert.ok(amazon.length >= 10);
    for (const i of amazon) assert.deepEqual([i.OwnerId, i.ImageOwnerAlias, i.Public, i.State], [AMAZON, 'amazon', true, 'available']);
    for (const arch of ['x86_64', 'arm64']) {
      const al = mostRecent(amazon.filter((i) => /^al2023-ami-2023\.\d+\.\d{8}\.0-kernel-6\.1-/.test(i.Name!) && i.Architecture === arch));
      assert.ok(al, arch);
      assert.equal(al.Description, `Amazon Linux 2023 AMI ${al.Name!.split('-')[2]} ${arch} HVM kernel-6.1`);
      assert.deepEqual(
        [al.VirtualizationType, al.Hypervisor, al.EnaSupport, al.SriovNetSupport, al.ImdsSupport, al.BootMode, al.RootDeviceName, al.RootDeviceType, al.PlatformDetails, al.UsageOperation],
        ['hvm', 'xen', true, 'simple', 'v2.0', arch === 'arm64' ? 'uefi' : 'uefi-preferred', '/dev/xvda', 'ebs', 'Linux/UNIX', 'RunInstances'],
      );
      assert.equal(al.ImageLocation, `amazon/${al.Name}`);
      const ebsMapping = al.BlockDeviceMappings![0];
      assert.equal(ebsMapping.DeviceName, '/dev/xvda');
      assert.deepEqual(
        { ...ebsMapping.Ebs, SnapshotId: undefined },
        { DeleteOnTermination: true, Iops: 3000, SnapshotId: undefined, VolumeSize: 8, VolumeType: 'gp3', Throughput: 125, Encrypted: false },
      );
      const twoYears = new Date(al.CreationDate!);
      twoYears.setUTCFullYear(twoYears.getUTCFullYear() + 2);
      assert.equal(al.DeprecationTime, twoYears.toISOString(), 'public AMIs deprecate two years after creation');
      assert.ok(Date.parse(al.CreationDate!) > Date.now() - YEAR_MS / 12, 'a recent release');
    }
  });

  test('Terraform aws_ami data sources: most_recent per owner and name pattern', async () => {
    const lookups: [string, string, string][] = [
      ['amazon', 'al2023-ami-2023.*-x86_64', 'x86_64'],
      ['amazon', 'amzn2-ami-hvm-*-x86_64-gp2', 'x86_64'],
      ['amazon', 'amzn2-ami-kernel-5.10-hvm-*-arm64-gp2', 'arm64'],
      [CANONICAL, 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*', 'x86_64'],
      [CANONICAL, 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*', 'arm64'],
      [CANONICAL, 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*', 'x86_64'],
      [DEBIAN, 'debian-12-amd64-*', 'x86_64'],
      [DEBIAN, 'debian-13-arm64-*', 'arm64'],
    ];
    for (const [owner, name, arch] of lookups) {
      const found = await images({ Owners: [owner], Filters: [{ Name: 'name', Values: [name] }, { Name: 'virtualization-type', Values: ['hvm'] }, { Name: 'state', Values: ['available'] }] });
      assert.ok(found.length, `${owner} ${name}`);
      assert.equal(mostRecent(found).Architecture, arch);
    }
    const ubuntu = mostRecent(await images({ Owners: [CANONICAL], Filters: [{ Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] }] }));
    assert.equal(ubuntu.ImageOwnerAlias, undefined, 'Canonical has no owner alias');
    assert.equal(ubuntu.RootDeviceName, '/dev/sda1');
    assert.deepEqual(ubuntu.BlockDeviceMappings!.slice(1), [
      { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
      { DeviceName: '/dev/sdc', VirtualName: 'ephemeral1' },
    ]);
    const latest = await ssm(server.url, { account: ALICE }).send(new GetParameterCommand({ Name: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id' }));
    assert.equal(latest.Parameter!.Value, ubuntu.ImageId, 'the SSM parameter and the lookup agree');
    const debian = mostRecent(await images({ Owners: [DEBIAN], Filters: [{ Name: 'name', Values: ['debian-12-amd64-*'] }] }));
    assert.match(debian.Name!, /^debian-12-amd64-\d{8}-\d+$/);
    assert.equal(debian.Description, `Debian 12 (${debian.Name!.slice('debian-12-amd64-'.length)})`);
  });

  test('every served region has the catalog, with its own ids', async () => {
    const ids = new Set<string>();
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1', 'il-central-1']) {
      const al = mostRecent(await images({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-2023.*-kernel-6.1-x86_64'] }] }, region));
      assert.match(al.ImageId!, /^ami-0[0-9a-f]{16}$/);
      ids.add(al.ImageId!);
      const e = await awsError(client('eu-central-1').send(new DescribeImagesCommand({ ImageIds: [al.ImageId!] })));
      if (region !== 'eu-central-1') assert.equal(e.name, 'InvalidAMIID.NotFound', 'an image lives in its region only');
    }
    assert.equal(ids.size, 5);
  });

  test('the old deprecated release is hidden from listings unless asked for, and found by id', async () => {
    const filters = [{ Name: 'name', Values: ['amzn2-ami-kernel-5.10-hvm-*-x86_64-gp2'] }];
    const visible = await images({ Owners: ['amazon'], Filters: filters });
    const all = await images({ Owners: ['amazon'], Filters: filters, IncludeDeprecated: true });
    assert.equal(all.length, visible.length + 1);
    const old = all.find((i) => !visible.some((v) => v.ImageId === i.ImageId))!;
    assert.ok(Date.parse(old.DeprecationTime!) < Date.now());
    assert.equal((await images({ ImageIds: [old.ImageId!] }))[0].ImageId, old.ImageId);
    assert.notEqual(mostRecent(visible).ImageId, old.ImageId);
  });

  test('aws-marketplace: owner alias, product codes, filters; launches need a subscription', async () => {
    const market = await images({ Owners: ['aws-marketplace'] });
    assert.equal(market.length, 2);
    for (const i of market) {
      assert.equal(i.ImageOwnerAlias, 'aws-marketplace');
      assert.equal(i.ProductCodes?.[0]?.ProductCodeType, 'marketplace');
      assert.match(i.ProductCodes![0].ProductCodeId!, /^[a-z0-9]{25}$/);
    }
    const byCode = await images({ Filters: [{ Name: 'product-code', Values: [market[0].ProductCodes![0].ProductCodeId!] }] });
    assert.deepEqual(byCode.map((i) => i.ImageId), [market[0].ImageId]);
    const typed = await images({ Owners: ['amazon', 'aws-marketplace'], Filters: [{ Name: 'product-code.type', Values: ['marketplace'] }] });
    assert.equal(typed.length, 2);
    assert.equal((await images({ ExecutableUsers: ['all'], Owners: ['aws-marketplace'] })).length, 2);
    assert.equal((await images({ Owners: ['self'] })).length, 0, 'none of it belongs to the caller');
  });
});

describe('the catalog\'s snapshots', () => {
  test('public, completed, owned by the image owner; their bytes are a real GPT disk shared by every region', async () => {
    const al = mostRecent(await images({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-2023.*-kernel-6.1-x86_64'] }] }));
    const snapshotId = al.BlockDeviceMappings![0].Ebs!.SnapshotId!;
    const snap = (await client().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots![0];
    assert.deepEqual([snap.OwnerId, snap.OwnerAlias, snap.State, snap.VolumeSize, snap.Encrypted], [AMAZON, 'amazon', 'completed', 8, false]);
    assert.ok((await client().send(new DescribeSnapshotsCommand({ OwnerIds: ['amazon'], RestorableByUserIds: ['all'] }))).Snapshots!.some((s) => s.SnapshotId === snapshotId));
    // the EBS direct APIs read public snapshots only for their owner: a dev-mode server lets a
    // client be Amazon's account (a 12-digit access key id is the account)
    const dev = await startServer({ args: ['--settle-ms', '50'] });
    try {
      const asAmazon = { accessKeyId: AMAZON, secretAccessKey: 'x' };
      const read = async (region: string) => {
        const found = (await ec2(dev.url, { account: asAmazon, region }).send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [al.Name!] }] }))).Images!;
        const id = found[0].BlockDeviceMappings![0].Ebs!.SnapshotId!;
        const direct = ebs(dev.url, { account: asAmazon, region });
        const listed = await direct.send(new ListSnapshotBlocksCommand({ SnapshotId: id }));
        assert.deepEqual(listed.Blocks!.map((b) => b.BlockIndex), [0, 2, 16383]);
        const blocks = [];
        for (const b of listed.Blocks!) blocks.push(Buffer.from(await (await direct.send(new GetSnapshotBlockCommand({ SnapshotId: id, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }))).BlockData!.transformToByteArray()));
        return { id, blocks };
      };
      const east = await read('us-east-1');
      assert.equal(east.blocks[0].readUInt16LE(510), 0xaa55);
      assert.equal(east.blocks[0].toString('latin1', 512, 520), 'EFI PART');
      assert.equal(east.blocks[1].toString('latin1', 54, 62), 'FAT16   ');
      assert.ok(east.blocks[1].includes(Buffer.from('Imago catalog base disk (x86_64)')));
      assert.equal(east.blocks[2].toString('latin1', BLOCK - 512, BLOCK - 504), 'EFI PART', 'the backup header in the last sector');
      const eu = await read('eu-west-1');
      assert.notEqual(eu.id, east.id);
      assert.deepEqual(eu.blocks.map((b) => createHash('sha256').update(b).digest('hex')), east.blocks.map((b) => createHash('sha256').update(b).digest('hex')));
    } finally {
      await dev.stop();
      removeDir(dev.dataDir);
    }
  });

  test('any account restores a volume from a catalog snapshot', async () => {
    const ubuntu = mostRecent(await images({ Owners: [CANONICAL], Filters: [{ Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*'] }] }));
    const bob = client('us-east-1', BOB);
    const vol = await bob.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: ubuntu.BlockDeviceMappings![0].Ebs!.SnapshotId }));
    assert.equal(vol.Size, 8);
    await until('the volume', async () => ((await bob.send(new DescribeVolumesCommand({ VolumeIds: [vol.VolumeId!] }))).Volumes![0].State === 'available' ? true : undefined));
  });
});

describe('seeding', () => {
  test('a restart keeps every id and seeds nothing twice; `imago images` reports the shared disks', async () => {
    const before = (await images({ ExecutableUsers: ['all'], IncludeDeprecated: true })).map((i) => i.ImageId).sort();
    const dataDir = server.dataDir;
    assert.equal(await server.stop(), 0);
    const offline = spawnSync(process.execPath, ['bin/imago.mjs', 'images', '--data-dir', dataDir, '--catalog', '--region', 'us-east-1', '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...databaseEnv(dataDir) } });
    assert.equal(offline.status, 0, offline.stderr);
    const usage = JSON.parse(offline.stdout) as { imageId: string; logicalBytes: number; dataBytes: number; uniqueBytes: number; sharedBytes: number; catalog: boolean }[];
    assert.deepEqual(usage.map((u) => u.imageId).sort(), before);
    for (const u of usage) assert.deepEqual([u.catalog, u.logicalBytes, u.dataBytes, u.uniqueBytes, u.sharedBytes], [true, 8 * 1024 ** 3, 3 * BLOCK, 0, 3 * BLOCK]);
    server = await startServer({ dataDir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '50'] });
    assert.deepEqual((await images({ ExecutableUsers: ['all'], IncludeDeprecated: true })).map((i) => i.ImageId).sort(), before);
  });

  test('an admin reset seeds the catalog again; catalog.json adds an operator image over an uploaded snapshot', async () => {
    const dev = await startServer({ args: ['--settle-ms', '50'] });
    try {
      const account = { accessKeyId: '333333333333', secretAccessKey: 'x' };
      const dc = ec2(dev.url, { account });
      const count = async () => ((await dc.send(new DescribeImagesCommand({ Owners: ['amazon', 'aws-marketplace', CANONICAL, DEBIAN], IncludeDeprecated: true }))).Images ?? []).length;
      const seeded = await count();
      assert.equal((await fetch(`${dev.url}/_imago/reset`, { method: 'POST' })).status, 200);
      assert.equal(await count(), seeded);

      // upload a snapshot, then publish it through catalog.json
      const direct = ebs(dev.url, { account });
      const started = await direct.send(new StartSnapshotCommand({ VolumeSize: 1 }));
      const data = Buffer.alloc(BLOCK, 7);
      await direct.send(
        new PutSnapshotBlockCommand({ SnapshotId: started.SnapshotId, BlockIndex: 0, BlockData: data, DataLength: BLOCK, Checksum: createHash('sha256').update(data).digest('base64'), ChecksumAlgorithm: 'SHA256' }),
      );
      await direct.send(new CompleteSnapshotCommand({ SnapshotId: started.SnapshotId, ChangedBlocksCount: 1 }));
      await until('the upload', async () => ((await dc.send(new DescribeSnapshotsCommand({ SnapshotIds: [started.SnapshotId!] }))).Snapshots![0].State === 'completed' ? true : undefined));
      const dataDir = dev.dataDir;
      assert.equal(await dev.stop(), 0);
      writeFileSync(
        join(dataDir, 'catalog.json'),
        JSON.stringify({ images: [{ name: 'corp-base-1.0-x86_64', owner: 'amazon', snapshotId: started.SnapshotId, regions: ['us-east-1'], ssmParameters: ['/aws/service/corp/base/latest'] }] }),
      );
      const again = await startServer({ dataDir, args: ['--settle-ms', '50'] });
      try {
        const corp = (await ec2(again.url, { account }).send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['corp-base-*'] }] }))).Images!;
        assert.equal(corp.length, 1);
        assert.deepEqual([corp[0].Public, corp[0].ImageOwnerAlias, corp[0].BlockDeviceMappings![0].Ebs!.VolumeSize], [true, 'amazon', 8]);
        const param = await ssm(again.url, { account }).send(new GetParameterCommand({ Name: '/aws/service/corp/base/latest' }));
        assert.equal(param.Parameter!.Value, corp[0].ImageId);
        const usage = await fetch(`${again.url}/_imago/images?catalog=true&region=us-east-1`).then((r) => r.json() as Promise<{ imageId: string; dataBytes: number }[]>);
        assert.equal(usage.find((u) => u.imageId === corp[0].ImageId)!.dataBytes, BLOCK);
        const subscribed = await fetch(`${again.url}/_imago/marketplace/subscriptions`, { method: 'PUT', body: JSON.stringify({ accountId: '333333333333', productCode: 'b7k2xq4mzn9c0v1w3r5t8y6pa' }) });
        assert.equal(subscribed.status, 200);
        assert.deepEqual(await fetch(`${again.url}/_imago/marketplace/subscriptions?accountId=333333333333`).then((r) => r.json()), [{ accountId: '333333333333', productCode: 'b7k2xq4mzn9c0v1w3r5t8y6pa' }]);
        assert.equal((await fetch(`${again.url}/_imago/marketplace/subscriptions`, { method: 'PUT', body: '{}' })).status, 400);
      } finally {
        await again.stop();
      }
      writeFileSync(join(dataDir, 'catalog.json'), '{"images": [{"name": "bad", "owner": "nobody"}]}');
      const refused = await runToExit(['serve', '--port', '0', '--data-dir', dataDir, ...(await databaseArgs(dataDir))]);
      assert.equal(refused.code, 1);
      assert.match(refused.output, /catalog\.json images\[0\]: owner must be "amazon", "aws-marketplace" or a 12-digit account id/);
    } finally {
      await dev.stop();
      removeDir(dev.dataDir);
    }
  });

  test('admin endpoints need admin credentials when signatures are verified', async () => {
    const res = await fetch(`${server.url}/_imago/images`);
    assert.equal(res.status, 403);
    const cli = spawnSync(process.execPath, ['bin/imago.mjs', 'images', '--endpoint', server.url], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_ACCESS_KEY_ID: ALICE.accessKeyId, AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey } });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /answered 403/);
  });
});
