import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openDomain, type DomainHarness } from '../../../../test/helpers/storage-domain.js';
import { removeDir, tempDir } from '../../../../test/helpers/server.js';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { Logger } from '../../../logger.js';
import { createImageDomain, type ImageDomain } from '../image-domain.js';
import { builtImageAdminRoutes } from './built-image-admin.js';
import { ensureBuiltImages, importBuiltImage } from './built-images.js';
import { readBuiltImage } from './built-image-record.js';
import { Catalog } from './catalog.js';
import { catalogId } from './catalog-rows.js';
import { defaultDeprecation } from './catalog-spec.js';
import { RECIPES } from './image-build.js';
import { cachedImage, recipeHash } from './image-cache.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const DEBIAN = '136693071363';
const ALICE = { accountId: '111111111111', region: 'eu-west-1' };
// the catalog's clock (retirements are dated by it), in the past: deprecation is judged against the real one
const NOW = new Date('2026-06-01T12:00:00Z');

let h: DomainHarness;
let images: ImageDomain;
let cacheDir: string;
let raw: string;
const log = new Logger('silent');

function catalog(): Catalog {
  return new Catalog({ store: h.store, blocks: h.blocks, newRow: (o, f) => images.images.newRow(o, f), regions: REGIONS, now: () => NOW });
}

/** A small sparse disk as if `imago images build debian-12` had cached it: data in blocks 0, 1, 5 and a partial last block. */
function writeCachedBuild(): string {
  const path = join(cacheDir, `debian-12-${recipeHash(RECIPES['debian-12'].dir)}.raw`);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 6 * BLOCK_SIZE + 4096);
  for (const [offset, text] of [[0, 'MBR'], [BLOCK_SIZE + 17, 'grub core'], [5 * BLOCK_SIZE + BLOCK_SIZE - 3, 'spans'], [6 * BLOCK_SIZE + 100, 'tail']] as const) {
    writeSync(fd, Buffer.from(text), 0, text.length, offset);
  }
  closeSync(fd);
  return path;
}

before(async () => {
  h = await openDomain();
  images = createImageDomain({ store: h.store, kms: h.kms, storage: h, jobs: h.jobs, settleMs: 0 });
  cacheDir = tempDir('imago-image-cache-');
  raw = writeCachedBuild();
});

after(async () => {
  await h.close();
  removeDir(cacheDir);
});

test('without a cached build nothing is published and the placeholder stays', async () => {
  const c = catalog();
  await c.seed();
  const empty = tempDir('imago-image-cache-');
  try {
    assert.deepEqual(await ensureBuiltImages({ catalog: c, blocks: h.blocks, store: h.store, log, cacheDir: empty, build: false }), []);
  } finally {
    removeDir(empty);
  }
  const placeholder = c.entries().find((e) => e.name.startsWith('debian-12-amd64-'))!;
  assert.deepEqual([placeholder.disk, (await h.store.images.get(catalogId('ami', 'us-east-1', placeholder.key)))?.deprecation_time], [{ builtin: 'x86_64' }, '2028-05-24T23:32:40.000Z']);
});

test('a cached build is imported once, listed in every region in place of the placeholder, with its public parameters', async () => {
  const c = catalog();
  await c.seed();
  const placeholder = c.entries().find((e) => e.name.startsWith('debian-12-amd64-'))!;
  const [published] = await ensureBuiltImages({ catalog: c, blocks: h.blocks, store: h.store, log, cacheDir, build: false });
  const builtAt = cachedImage(cacheDir, 'debian-12', recipeHash(RECIPES['debian-12'].dir))!.builtAt;
  const stamp = builtAt.toISOString().slice(0, 10).replace(/-/g, '');
  assert.match(published.name, new RegExp(`^debian-12-amd64-${stamp}-\\d+$`));
  assert.equal(published.imported, true);
  assert.deepEqual(Object.keys(published.imageIds), REGIONS);

  const spec = c.entries().find((e) => e.name === published.name)!;
  assert.deepEqual(c.entries().filter((e) => e.name.startsWith('debian-12-amd64-')).map((e) => e.name), [published.name], 'the placeholder is no longer an entry');
  for (const region of REGIONS) {
    const id = published.imageIds[region];
    assert.equal(id, catalogId('ami', region, spec.key));
    const row = (await h.store.images.get(id))!;
    assert.deepEqual(
      [row.name, row.account_id, row.public, row.state, row.architecture, row.boot_mode, row.ena_support, row.virtualization_type, row.root_device_name, row.deprecation_time],
      [published.name, DEBIAN, 1, 'available', 'x86_64', 'uefi-preferred', 1, 'hvm', '/dev/xvda', defaultDeprecation(builtAt.toISOString())],
    );
    for (const p of ['/aws/service/debian/release/12/latest/amd64', '/aws/service/debian/release/bookworm/latest/amd64']) {
      assert.equal(c.publicParameters().get(region, p)?.versions.at(-1)?.value, id, p);
    }
    const device = (await h.store.images.blockDevices([id])).get(id)![0];
    const snap = (await h.store.snapshots.get(device.snapshot_id!))!;
    assert.deepEqual([device.device_name, device.volume_size, snap.volume_size, snap.map_id, snap.public], ['/dev/xvda', 8, 8, published.mapId, 1]);
  }

  // the snapshot's data is the file, zeros after it up to 8 GiB
  const file = readFileSync(raw);
  const resolved = await h.blocks.resolve(published.mapId);
  assert.equal(resolved.entries.size, 4, 'zero blocks are not stored');
  for (let index = 0; index * BLOCK_SIZE < file.length; index++) {
    const expected = Buffer.alloc(BLOCK_SIZE);
    file.copy(expected, 0, index * BLOCK_SIZE, (index + 1) * BLOCK_SIZE);
    assert.ok((await h.blocks.readBlock(published.mapId, index)).equals(expected), `block ${index}`);
  }
  assert.equal((await h.blocks.getMap(published.mapId))!.size_bytes, 8 * 1024 ** 3);

  // the placeholder's rows (seeded before) are deprecated now, still there and available
  for (const region of REGIONS) {
    const row = (await h.store.images.get(catalogId('ami', region, placeholder.key)))!;
    assert.deepEqual([row.state, row.deprecation_time], ['available', NOW.toISOString()]);
  }
  const listed = await images.images.describe(ALICE, { Owners: [DEBIAN] });
  assert.ok(listed.images.some((i) => i.Name === published.name));
  assert.ok(!listed.images.some((i) => i.Name === placeholder.name), 'hidden from others unless IncludeDeprecated');
  assert.ok((await images.images.describe(ALICE, { Owners: [DEBIAN], IncludeDeprecated: true })).images.some((i) => i.Name === placeholder.name));
});

test('a restart reuses the import: nothing is imported or written again', async () => {
  const c = catalog();
  const [again] = await ensureBuiltImages({ catalog: c, blocks: h.blocks, store: h.store, log, cacheDir, build: false });
  assert.equal(again.imported, false);
  assert.equal((await c.seed()).wrote, false);
  const empty = tempDir('imago-image-cache-');
  try {
    const [kept] = await ensureBuiltImages({ catalog: c, blocks: h.blocks, store: h.store, log, cacheDir: empty, build: false });
    assert.deepEqual([kept.name, kept.imported], [again.name, false], 'an emptied cache leaves the import published');
  } finally {
    removeDir(empty);
  }
});

test('a newer build gets a new name; the one it replaces is retired', async () => {
  const c = catalog();
  await c.seed();
  const before = (await readBuiltImage(h.store, 'debian-12'))!;
  const oldName = c.entries().find((e) => 'mapId' in e.disk)!.name;
  const { record, imported } = await importBuiltImage({ store: h.store, blocks: h.blocks }, { name: 'debian-12', hash: '0123456789abcdef', path: raw, builtAt: new Date(before.builtAt), sizeBytes: 0 });
  assert.deepEqual([imported, record.serial, record.retired], [true, before.serial + 1, [oldName]]);
  const seeded = await c.seed();
  assert.equal(seeded.wrote, true);
  const current = c.entries().find((e) => 'mapId' in e.disk)!;
  assert.notEqual(current.name, oldName);
  assert.equal((await h.store.images.get(catalogId('ami', 'us-east-1', oldName)))!.deprecation_time, NOW.toISOString());
  assert.equal(c.publicParameters().get('us-east-1', '/aws/service/debian/release/12/latest/amd64')?.versions.at(-1)?.value, catalogId('ami', 'us-east-1', current.key));
});

test('the admin endpoint: unknown names refused, a cached build published and reported', async () => {
  const [route] = builtImageAdminRoutes({ catalog: catalog(), blocks: h.blocks, store: h.store, log, cacheDir });
  const call = (method: string, body: unknown, query = '') => route.handle({ method, query: new URLSearchParams(query), body: Buffer.from(JSON.stringify(body)) });
  assert.equal((await call('POST', { name: 'windows-95' })).status, 400);
  assert.deepEqual((await call('GET', null, 'name=debian-12')).body, { name: 'debian-12', state: 'idle' });
  assert.equal(((await call('POST', { name: 'debian-12' })).body as { state: string }).state, 'building');
  let status: { state: string; result?: { name: string } } = { state: 'building' };
  for (let i = 0; i < 100 && status.state === 'building'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    status = (await call('GET', null, 'name=debian-12')).body as typeof status;
  }
  assert.equal(status.state, 'done');
  assert.match(status.result!.name, /^debian-12-amd64-\d{8}-\d+$/);
});
