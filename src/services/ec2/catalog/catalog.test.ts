import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDomain, type DomainHarness } from '../../../../test/helpers/storage-domain.js';
import { removeDir, tempDir } from '../../../../test/helpers/server.js';
import { createImageDomain, type ImageDomain } from '../image-domain.js';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { Catalog } from './catalog.js';
import { CatalogFileError } from './catalog-file.js';
import { buildBaseDisk } from './base-disk.js';
import { catalogId } from './catalog-rows.js';
import { imageUsage } from './image-usage.js';
import { optInRequired, requiresSubscription } from './marketplace.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const ALICE = { accountId: '111111111111', region: 'us-east-1' };

let h: DomainHarness;
let images: ImageDomain;
let dataDir: string;
/** built-in images per region */
let builtins: number;

function catalog(now = () => new Date('2026-11-22T10:00:00Z')): Catalog {
  return new Catalog({ store: h.store, blocks: h.blocks, newRow: (o, f) => images.images.newRow(o, f), regions: REGIONS, dataDir, now });
}

before(async () => {
  h = await openDomain();
  images = createImageDomain({ store: h.store, kms: h.kms, storage: h, jobs: h.jobs, settleMs: 0 });
  dataDir = tempDir('imago-catalog-');
});

after(async () => {
  await h.close();
  removeDir(dataDir);
});

test('seeding writes every image in every region once; seeding again writes nothing', async () => {
  const c = catalog();
  const first = await c.seed();
  assert.equal(first.wrote, true);
  assert.equal(first.anchor, '2026-11-22T00:00:00.000Z');
  builtins = c.entries().length;
  const total = builtins * REGIONS.length;
  assert.equal(await h.store.images.count(), total);
  const again = await catalog(() => new Date('2027-05-01T00:00:00Z')).seed();
  assert.deepEqual([again.wrote, again.anchor], [false, first.anchor], 'the anchor is stored: dates never move under users');
  assert.equal(await h.store.images.count(), total);
  const al = c.entries().find((e) => e.name.startsWith('al2023-ami-2023.') && e.name.endsWith('-kernel-6.1-x86_64') && e.creationDate > '2026-11-10')!;
  assert.match(al.name, /^al2023-ami-2023\.\d+\.20261116\.0-kernel-6\.1-x86_64$/);
  for (const region of REGIONS) {
    const row = await h.store.images.get(catalogId('ami', region, al.key));
    assert.deepEqual([row?.region, row?.account_id, row?.owner_alias, row?.public, row?.state], [region, '137112412989', 'amazon', 1, 'available']);
  }
});

test("every region's snapshot shares one sealed map per architecture holding the base disk's bytes", async () => {
  const snaps = (await h.store.snapshots.all()).filter((s) => s.source === 'catalog');
  assert.equal(snaps.length, builtins * REGIONS.length);
  const maps = new Set(snaps.map((s) => s.map_id));
  assert.equal(maps.size, 2, 'x86_64 and arm64');
  for (const s of snaps) assert.deepEqual([s.state, s.public, s.encrypted, s.volume_size], ['completed', 1, 0, 8]);
  const x86 = snaps.find((s) => s.description.includes(catalogId('ami', s.region, 'al2023-ami-2023.12.20261116.0-kernel-6.1-x86_64')))!;
  const disk = buildBaseDisk('x86_64');
  for (const [index, bytes] of disk.blocks) assert.ok((await h.blocks.readBlock(x86.map_id, index)).equals(bytes), `block ${index}`);
  assert.equal((await h.blocks.resolve(x86.map_id)).entries.size, disk.blocks.size);
});

test('imageUsage: catalog images hold nothing alone; an image over its own snapshot holds its data', async () => {
  const usage = await imageUsage(h, { region: 'us-east-1', catalog: true });
  const cat = usage.filter((u) => u.catalog);
  assert.equal(cat.length, builtins);
  for (const u of cat) assert.deepEqual([u.logicalBytes, u.dataBytes, u.uniqueBytes, u.sharedBytes], [8 * 1024 ** 3, 3 * BLOCK_SIZE, 0, 3 * BLOCK_SIZE]);
  const snap = await h.snapshotWith(ALICE, 1, new Map([[0, Buffer.from('mine')], [1, Buffer.from('also mine')]]));
  const row = await images.images.register(ALICE, { Name: 'own', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap.snapshot_id } }] }, [], () => {});
  const own = await imageUsage(h, { accountId: ALICE.accountId });
  assert.deepEqual(
    own.map((u) => [u.imageId, u.catalog, u.logicalBytes, u.dataBytes, u.uniqueBytes, u.sharedBytes]),
    [[row.image_id, false, 1024 ** 3, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, 0]],
  );
  assert.equal((await imageUsage(h, {})).some((u) => u.catalog), false, 'catalog images only when asked');
});

test('catalog.json: entries over an existing snapshot (by reference), listed regions, public parameters; bad entries', async () => {
  const snap = await h.snapshotWith(ALICE, 2, new Map([[3, Buffer.from('corp base')]]));
  const entry = { name: 'corp-base-2026.11.0-x86_64', owner: 'amazon', snapshotId: snap.snapshot_id, regions: ['eu-west-1'], ssmParameters: ['/aws/service/corp/base/latest'] };
  writeFileSync(join(dataDir, 'catalog.json'), JSON.stringify({ images: [entry, { name: 'ghost-base', owner: '123456789012', snapshotId: 'snap-0123456789abcdef0' }] }));
  const c = catalog();
  const seeded = await c.seed();
  assert.equal(seeded.wrote, true);
  assert.match(seeded.warnings.join('\n'), /ghost-base skipped: snapshot snap-0123456789abcdef0 does not exist/);
  const id = catalogId('ami', 'eu-west-1', 'file/corp-base-2026.11.0-x86_64');
  const row = await h.store.images.get(id);
  assert.deepEqual([row?.account_id, row?.owner_alias, row?.public, row?.image_location], ['137112412989', 'amazon', 1, 'amazon/corp-base-2026.11.0-x86_64']);
  assert.equal(await h.store.images.get(catalogId('ami', 'us-east-1', 'file/corp-base-2026.11.0-x86_64')), undefined, 'only the listed regions');
  const devices = (await h.store.images.blockDevices([id])).get(id)!;
  assert.equal((await h.store.snapshots.get(devices[0].snapshot_id!))!.map_id, snap.map_id, 'the data is shared, not copied');
  assert.equal(c.publicParameters().get('eu-west-1', '/aws/service/corp/base/latest')?.versions[0].value, id);
  assert.equal(c.publicParameters().get('us-east-1', '/aws/service/corp/base/latest'), undefined);
  assert.equal((await c.seed()).wrote, true, 'a skipped entry is tried again at the next start');

  for (const [doc, message] of [
    ['{', /not valid JSON/],
    ['{"images": {}}', /"images" list/],
    ['{"images": [{"name": "xx1", "owner": "nobody"}]}', /owner must be/],
    ['{"images": [{"name": "xx1", "owner": "amazon", "color": "red"}]}', /unknown field color/],
    ['{"images": [{"name": "xx1", "owner": "amazon", "regions": ["mars-1"]}]}', /unknown region mars-1/],
    ['{"images": [{"name": "xx1", "owner": "amazon", "ssmParameters": ["/mine/x"]}]}', /under \/aws\/service\//],
    ['{"images": [{"name": "xx1", "owner": "amazon"}, {"name": "xx1", "owner": "amazon", "key": "other"}]}', /used twice/],
  ] as const) {
    writeFileSync(join(dataDir, 'catalog.json'), doc);
    await assert.rejects(catalog().seed(), (e: unknown) => e instanceof CatalogFileError && message.test(e.message), doc);
  }
  writeFileSync(join(dataDir, 'catalog.json'), '{"images": []}');
});

test('a wiped store is seeded afresh, anchored to the new day', async () => {
  await h.store.wipe();
  const c = catalog(() => new Date('2027-01-05T08:00:00Z'));
  const seeded = await c.seed();
  assert.deepEqual([seeded.wrote, seeded.anchor], [true, '2027-01-05T00:00:00.000Z']);
  assert.equal(await h.store.images.count(), c.entries().length * REGIONS.length);
  assert.ok(c.entries().some((e) => e.name.includes('20261230')), 'release names follow the anchor');
});

test('marketplace images need a subscription (OptInRequired, 401) except for their owner', async () => {
  const c = catalog(() => new Date('2027-01-05T08:00:00Z'));
  await c.seed();
  const spec = c.entries().find((e) => e.owner.alias === 'aws-marketplace')!;
  const image = (await h.store.images.get(catalogId('ami', 'us-east-1', spec.key)))!;
  const codes = (await h.store.images.productCodes([image.image_id])).get(image.image_id)!;
  assert.equal(requiresSubscription({ productCodes: codes }), spec.productCodes[0]);
  assert.equal(requiresSubscription({ productCodes: [] }), undefined);
  await assert.rejects(c.marketplace.assertCanLaunch(ALICE, image), (e: unknown) => {
    assert.ok(isServiceError(e));
    assert.deepEqual([e.code, e.httpStatus, e.message], ['OptInRequired', 401, optInRequired(spec.productCodes[0]).message]);
    assert.match(e.message, /^In order to use this AWS Marketplace product you need to accept terms and subscribe\. To do so please visit https:\/\/aws\.amazon\.com\/marketplace\/pp\?sku=/);
    return true;
  });
  await c.marketplace.subscribe(ALICE.accountId, spec.productCodes[0]);
  await c.marketplace.assertCanLaunch(ALICE, image);
  assert.deepEqual(await c.marketplace.list(ALICE.accountId), [{ accountId: ALICE.accountId, productCode: spec.productCodes[0] }]);
  await c.marketplace.unsubscribe(ALICE.accountId, spec.productCodes[0]);
  await assert.rejects(c.marketplace.assertCanLaunch(ALICE, image));
  await c.marketplace.assertCanLaunch({ accountId: image.account_id, region: 'us-east-1' }, image);
  const free = (await h.store.images.get(catalogId('ami', 'us-east-1', c.entries()[0].key)))!;
  await c.marketplace.assertCanLaunch(ALICE, free);
});
