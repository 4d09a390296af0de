// test-servers: s3
// fsck over the S3 chunk store: clean after ingest; a pack object lost from the bucket, or one
// whose bytes changed behind the store's back, is reported chunk by chunk (never repaired).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../store/store.js';
import { testObjects } from '../../../test/helpers/s3.js';
import { S3ChunkStore } from '../backends/s3.js';
import type { SdkObjectStore } from '../backends/s3/s3-objects.js';
import { BLOCK_SIZE } from '../block-size.js';
import { BlockStorage } from '../block-storage.js';
import { CodecPool } from '../codec-pool.js';
import { fsck } from './fsck.js';

describe('fsck on the s3 chunk store', () => {
  const codec = new CodecPool({ size: 0 });
  let dir: string;
  let store: Store;
  let objects: SdkObjectStore;
  let chunks: S3ChunkStore;
  let blocks: BlockStorage;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-fsck-s3-'));
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    const t = await testObjects('fsck');
    objects = t.objects;
    // one block per pack, so each pack names exactly one chunk
    chunks = await S3ChunkStore.open({ objects, cacheDir: join(dir, 'cache'), identity: t.url, packBytes: BLOCK_SIZE });
    blocks = new BlockStorage(chunks, store.blockMaps, { codec });
  });
  after(async () => {
    await chunks.close();
    await store.close();
    await codec.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (mapId: string) => fsck(chunks, store.blockMaps, { maps: [{ mapId, by: 'snap-test' }], overlays: [] }, { keyFor: async () => undefined, codec });

  test('clean, then reports a lost pack object and a changed one', async () => {
    const mapId = await blocks.createMap({ sizeBytes: 8 * BLOCK_SIZE, lineageId: null, sealed: false });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await blocks.storeBlock(randomBytes(BLOCK_SIZE)))!);
    await blocks.flush();
    await blocks.putEntries(mapId, ids.map((id, i) => [i, id]));
    await blocks.seal(mapId);
    let report = await check(mapId);
    assert.deepEqual(report.issues, []);
    assert.equal(report.chunks, 4);

    const packs: string[] = [];
    for await (const o of objects.list('packs/')) packs.push(o.key);
    assert.equal(packs.length, 4);
    await objects.deleteMany([packs[0]]);
    const changed = await objects.get(packs[1]);
    changed[1000] ^= 0xff;
    await objects.put(packs[1], changed);

    report = await check(mapId);
    assert.equal(report.ok, false);
    assert.deepEqual(report.issues.map((i) => i.kind), ['corrupt-chunk', 'corrupt-chunk']);
    assert.ok(report.issues.some((i) => /missing from the bucket/.test(i.detail)), JSON.stringify(report.issues));
    assert.ok(report.issues.some((i) => /checksum mismatch/.test(i.detail)), JSON.stringify(report.issues));
  });
});
