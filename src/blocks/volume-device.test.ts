// VolumeDevice over a MemoryChunkStore and a real metadata Store in a temp directory:
// byte-addressed I/O across block boundaries, zero blocks, durability of flush, the overlay over
// a base map, snapshot-then-continue, and the bound of the write-back cache.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.js';
import type { MapEntry } from '../store/repos/block-maps.js';
import { MemoryChunkStore } from './backends/memory.js';
import { BlockStorage } from './block-storage.js';
import { BLOCK_SIZE } from './block-size.js';
import { ChunkKey } from './chunk-key.js';
import { VolumeDevice, VolumeDeviceError, type OverlayStore, type VolumeBacking } from './volume-device.js';
import { VolumeDevices } from './volume-devices.js';

const SIZE = 16 * BLOCK_SIZE;

let dir: string;
let chunks: MemoryChunkStore;
let store: Store;
let blocks: BlockStorage;
let volumeSeq = 0;

const overlays = (): OverlayStore => ({ load: (id) => store.volumes.overlay(id), put: (id, e) => store.volumes.putOverlay(id, e) });
const open = (backing: Partial<VolumeBacking> = {}) =>
  VolumeDevice.open(blocks, overlays(), { volumeId: `vol-${String(++volumeSeq).padStart(17, '0')}`, sizeBytes: SIZE, baseMapId: null, ...backing });

async function storedChunks(): Promise<number> {
  let n = 0;
  for await (const _ of chunks.list()) n++;
  return n;
}

/** A sealed map holding `data` at the given block indexes. */
async function baseMap(data: Map<number, Buffer>, sizeBytes = SIZE): Promise<string> {
  const mapId = await blocks.createMap({ sizeBytes, lineageId: null, sealed: false });
  const entries: MapEntry[] = [];
  for (const [index, block] of data) entries.push([index, await blocks.storeBlock(block)]);
  await blocks.flush();
  await blocks.putEntries(mapId, entries);
  await blocks.seal(mapId);
  return mapId;
}

describe('VolumeDevice', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-volume-device-'));
    chunks = new MemoryChunkStore();
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    blocks = new BlockStorage(chunks, store.blockMaps);
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new volume reads zeros everywhere', async () => {
    const device = await open();
    assert.deepEqual(await device.read(0, 4096), Buffer.alloc(4096));
    assert.deepEqual(await device.read(SIZE - 10, 10), Buffer.alloc(10));
    assert.equal(device.size, SIZE);
  });

  test('unaligned writes across block boundaries read back exactly, neighbours untouched', async () => {
    const device = await open();
    const data = randomBytes(2 * BLOCK_SIZE + 1234);
    const offset = BLOCK_SIZE - 777; // starts in block 0, spans 1 and 2, ends in 3
    await device.write(offset, data);
    assert.deepEqual(await device.read(offset, data.length), data);
    assert.deepEqual(await device.read(offset - 100, 100), Buffer.alloc(100));
    assert.deepEqual(await device.read(offset + data.length, 100), Buffer.alloc(100));
    // a read straddling the write's edges
    const straddle = await device.read(offset - 5, 10);
    assert.deepEqual(straddle, Buffer.concat([Buffer.alloc(5), data.subarray(0, 5)]));
    // a small overwrite inside an already written block
    await device.write(offset + 10, Buffer.from('hello'));
    assert.equal((await device.read(offset + 10, 5)).toString(), 'hello');
    assert.deepEqual(await device.read(offset, 10), data.subarray(0, 10));
    // the same after the writes were encoded and committed
    await device.flush();
    assert.equal((await device.read(offset + 10, 5)).toString(), 'hello');
    assert.deepEqual(await device.read(offset + 15, data.length - 15), data.subarray(15));
  });

  test('ranges outside the volume are refused; a read-only device refuses writes', async () => {
    const device = await open();
    await assert.rejects(device.read(SIZE - 1, 2), VolumeDeviceError);
    await assert.rejects(device.write(-1, Buffer.alloc(1)), VolumeDeviceError);
    await assert.rejects(device.write(SIZE, Buffer.alloc(1)), VolumeDeviceError);
    const ro = await open({ readOnly: true });
    assert.equal(ro.readOnly, true);
    await assert.rejects(ro.write(0, Buffer.from('x')), /read-only/);
  });

  test('zero blocks are never stored: zeros written over data hide it with a null entry', async () => {
    const device = await open();
    const before = await storedChunks();
    await device.write(0, Buffer.alloc(3 * BLOCK_SIZE)); // explicit zeros
    await device.writeZeroes(5 * BLOCK_SIZE, BLOCK_SIZE);
    await device.flush();
    assert.equal(await storedChunks(), before, 'no chunk for all-zero blocks');
    assert.ok(!device.chunkOf(0), 'zeros over nothing: nothing recorded');
    assert.deepEqual(await store.volumes.overlay(device.volumeId), []);

    const block = randomBytes(BLOCK_SIZE);
    await device.write(BLOCK_SIZE, block);
    await device.flush();
    assert.equal(await storedChunks(), before + 1);
    await device.writeZeroes(BLOCK_SIZE, BLOCK_SIZE);
    await device.flush();
    assert.equal(device.chunkOf(1), null, 'the overlay records a zero block');
    assert.deepEqual(await device.read(BLOCK_SIZE, BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE));
    const overlay = new Map(await store.volumes.overlay(device.volumeId));
    assert.equal(overlay.get(1), null);
  });

  test('flush makes writes durable: a device reopened on a reopened store sees them', async () => {
    const device = await open();
    const a = randomBytes(BLOCK_SIZE + 100);
    await device.write(3 * BLOCK_SIZE + 50, a);
    await device.flush();
    const unflushed = Buffer.from('not flushed');
    await device.write(10 * BLOCK_SIZE, unflushed);

    await store.close();
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    blocks = new BlockStorage(chunks, store.blockMaps);
    const reopened = await VolumeDevice.open(blocks, overlays(), { volumeId: device.volumeId, sizeBytes: SIZE, baseMapId: null });
    assert.deepEqual(await reopened.read(3 * BLOCK_SIZE + 50, a.length), a);
    // like a disk, writes not yet flushed are lost with the process
    assert.deepEqual(await reopened.read(10 * BLOCK_SIZE, unflushed.length), Buffer.alloc(unflushed.length));
  });

  test('the overlay sits over a base map, which stays unchanged', async () => {
    const b0 = randomBytes(BLOCK_SIZE);
    const b2 = randomBytes(BLOCK_SIZE);
    const mapId = await baseMap(new Map([[0, b0], [2, b2]]));
    const device = await open({ baseMapId: mapId });
    assert.deepEqual(await device.read(0, BLOCK_SIZE), b0);
    assert.deepEqual(await device.read(2 * BLOCK_SIZE, BLOCK_SIZE), b2);
    assert.deepEqual(await device.read(BLOCK_SIZE, BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE));

    // partial overwrite of a base block: the rest of the block comes from the base
    await device.write(2 * BLOCK_SIZE + 100, Buffer.from('patched'));
    await device.writeZeroes(0, BLOCK_SIZE);
    await device.flush();
    const expected = Buffer.from(b2);
    expected.write('patched', 100);
    assert.deepEqual(await device.read(2 * BLOCK_SIZE, BLOCK_SIZE), expected);
    assert.deepEqual(await device.read(0, BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE));

    const base = await blocks.resolve(mapId);
    assert.deepEqual(await blocks.loadBlock(base.entries.get(0)), b0);
    assert.deepEqual(await blocks.loadBlock(base.entries.get(2)), b2);
    assert.deepEqual(
      (await store.volumes.overlay(device.volumeId)).map(([i]) => i),
      [0, 2],
      'only the written blocks are in the overlay',
    );
  });

  test('encrypted lineages: blocks are stored under the lineage key and read back through it', async () => {
    const key = { lineageId: 'lk-test', chunkKey: ChunkKey.fromDataKey(randomBytes(32)) };
    const device = await open({ key });
    const data = randomBytes(BLOCK_SIZE);
    await device.write(0, data);
    await device.flush();
    assert.deepEqual(await device.read(0, BLOCK_SIZE), data);
    const chunk = device.chunkOf(0)!;
    assert.ok(!(await chunks.get(chunk)).includes(data.subarray(0, 64)), 'no plaintext at rest');
    await assert.rejects(blocks.loadBlock(chunk), 'unreadable without the key');
  });

  test('snapshot then continue: the snapshot keeps the old data, the volume goes on from it', async () => {
    const first = randomBytes(BLOCK_SIZE);
    const base = await baseMap(new Map([[4, first]]));
    const device = await open({ baseMapId: base });
    const v1 = randomBytes(BLOCK_SIZE);
    await device.write(5 * BLOCK_SIZE, v1);

    // what SnapshotService.createFromVolume does: flush, overlay -> new map on the base, rebase
    const snapshotMap = await device.exclusive(async () => {
      await device.flushLocked();
      const overlay = await store.volumes.overlay(device.volumeId);
      assert.equal(overlay.length, 1, 'only the changed block is carried over');
      const mapId = await blocks.createMap({ parentMapId: base, sizeBytes: SIZE, lineageId: null, sealed: false });
      await blocks.putEntries(mapId, overlay);
      await store.volumes.rebase(device.volumeId, mapId);
      await blocks.seal(mapId);
      await device.rebaseLocked(mapId);
      return mapId;
    });
    assert.deepEqual(await store.volumes.overlay(device.volumeId), [], 'the overlay moved into the snapshot');
    assert.equal(await store.blockMaps.countEntries(snapshotMap), 1, 'O(changed blocks): one entry');

    const v2 = randomBytes(BLOCK_SIZE);
    await device.write(5 * BLOCK_SIZE, v2);
    await device.write(6 * BLOCK_SIZE, Buffer.from('later'));
    await device.flush();

    const snap = await blocks.resolve(snapshotMap);
    assert.deepEqual(await blocks.loadBlock(snap.entries.get(4)), first, 'the snapshot sees its base');
    assert.deepEqual(await blocks.loadBlock(snap.entries.get(5)), v1, 'and the data at snapshot time');
    assert.equal(snap.entries.get(6), undefined, 'not later writes');
    assert.deepEqual(await device.read(5 * BLOCK_SIZE, BLOCK_SIZE), v2);
    assert.deepEqual(await device.read(4 * BLOCK_SIZE, BLOCK_SIZE), first);
  });

  test('the write-back cache is bounded: beyond 64 dirty blocks the oldest are encoded', async () => {
    const device = await open({ sizeBytes: 80 * BLOCK_SIZE });
    const before = await storedChunks();
    const written: Buffer[] = [];
    for (let i = 0; i < 70; i++) {
      const block = Buffer.alloc(BLOCK_SIZE, i + 1);
      written.push(block);
      await device.write(i * BLOCK_SIZE, block);
    }
    // the 6 oldest left the cache to be encoded in the background; 64 are still in memory
    assert.ok(device.cached().dirty === 64 && device.cached().encoding <= 6, JSON.stringify(device.cached()));
    await device.idle();
    assert.equal(await storedChunks(), before + 6);
    for (let i = 0; i < 6; i++) assert.ok(device.chunkOf(i), `block ${i} encoded`);
    for (let i = 6; i < 70; i++) assert.equal(device.chunkOf(i), undefined, `block ${i} still cached`);
    assert.deepEqual(await store.volumes.overlay(device.volumeId), [], 'nothing committed before flush');
    // re-writing a cached block keeps it cached (it moves to the young end)
    await device.write(6 * BLOCK_SIZE, Buffer.alloc(BLOCK_SIZE, 99));
    assert.equal(device.chunkOf(6), undefined);
    await device.flush();
    assert.equal((await store.volumes.overlay(device.volumeId)).length, 70);
    assert.deepEqual(await device.read(6 * BLOCK_SIZE, 4), Buffer.alloc(4, 99));
    assert.deepEqual(await device.read(69 * BLOCK_SIZE, BLOCK_SIZE), written[69]);
  });

  test('zeroing whole blocks reads nothing and encodes nothing; partial zeroing keeps the rest', async () => {
    const b0 = randomBytes(BLOCK_SIZE);
    const b1 = randomBytes(BLOCK_SIZE);
    const mapId = await baseMap(new Map([[0, b0], [1, b1]]));
    const device = await open({ baseMapId: mapId });
    let gets = 0;
    const get = chunks.get.bind(chunks);
    chunks.get = (id) => {
      gets++;
      return get(id);
    };
    try {
      await device.writeZeroes(0, BLOCK_SIZE); // TRIM/WRITE_ZEROES of a whole stored block
      await device.write(2 * BLOCK_SIZE, Buffer.alloc(2 * BLOCK_SIZE)); // zeros over nothing
      assert.equal(gets, 0, 'no block was read');
      assert.equal(device.chunkOf(0), null, 'a null entry hides the base block');
      assert.equal(device.cached().dirty, 0, 'nothing to encode');
      await device.writeZeroes(BLOCK_SIZE + 10, 20); // partial: read-modify-write
      assert.equal(gets, 1);
    } finally {
      chunks.get = get;
    }
    await device.flush();
    assert.deepEqual(await device.read(0, BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE));
    const expected = Buffer.from(b1);
    expected.fill(0, 10, 30);
    assert.deepEqual(await device.read(BLOCK_SIZE, BLOCK_SIZE), expected);
    assert.deepEqual(
      (await store.volumes.overlay(device.volumeId)).map(([i, c]) => [i, c === null]),
      [
        [0, true],
        [1, false],
      ],
      'only blocks that held data get entries',
    );
  });

  test('sequential reads fetch ahead; blocks written or flushed since read back as written', async () => {
    const data = new Map(Array.from({ length: 12 }, (_, i) => [i, randomBytes(BLOCK_SIZE)] as [number, Buffer]));
    const mapId = await baseMap(data);
    const device = await open({ baseMapId: mapId });
    assert.deepEqual(await device.read(0, BLOCK_SIZE), data.get(0));
    assert.deepEqual(await device.read(BLOCK_SIZE, BLOCK_SIZE / 2), data.get(1)!.subarray(0, BLOCK_SIZE / 2));
    // blocks 2.. are being fetched ahead: change some of them before they are read
    const fresh = randomBytes(BLOCK_SIZE);
    await device.write(3 * BLOCK_SIZE, fresh);
    await device.write(4 * BLOCK_SIZE + 5, Buffer.from('patch'));
    await device.writeZeroes(5 * BLOCK_SIZE, BLOCK_SIZE);
    await device.flush();
    const patched = Buffer.from(data.get(4)!);
    patched.write('patch', 5);
    const whole = await device.read(2 * BLOCK_SIZE, 10 * BLOCK_SIZE);
    assert.deepEqual(whole.subarray(0, BLOCK_SIZE), data.get(2));
    assert.deepEqual(whole.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE), fresh);
    assert.deepEqual(whole.subarray(2 * BLOCK_SIZE, 3 * BLOCK_SIZE), patched);
    assert.deepEqual(whole.subarray(3 * BLOCK_SIZE, 4 * BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE));
    for (let i = 6; i < 12; i++) assert.deepEqual(whole.subarray((i - 2) * BLOCK_SIZE, (i - 1) * BLOCK_SIZE), data.get(i), `block ${i}`);
  });

  test('a block that cannot be stored stays cached: writes and flush report it, a later flush stores it', async () => {
    const device = await open({ sizeBytes: 80 * BLOCK_SIZE });
    const put = chunks.put.bind(chunks);
    let failures = 2; // the background encode, then the first flush's retry
    chunks.put = (id, payload) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : put(id, payload));
    const written: Buffer[] = [];
    try {
      for (let i = 0; i < 65; i++) {
        written.push(randomBytes(BLOCK_SIZE));
        await device.write(i * BLOCK_SIZE, written[i]); // the 65th sends the oldest to be encoded
      }
      await device.idle();
      await assert.rejects(device.write(70 * BLOCK_SIZE, Buffer.from('x')), /disk full/, 'a failing store is reported to writers');
      await assert.rejects(device.flush(), /disk full/);
      await device.flush();
    } finally {
      chunks.put = put;
    }
    assert.equal((await store.volumes.overlay(device.volumeId)).length, 65);
    for (let i = 0; i < 65; i++) assert.deepEqual(await device.read(i * BLOCK_SIZE, BLOCK_SIZE), written[i], `block ${i}`);
  });

  test('resize grows the device; shrinking is refused', async () => {
    const device = await open();
    device.resize(2 * SIZE);
    await device.write(2 * SIZE - 4, Buffer.from('tail'));
    assert.equal((await device.read(2 * SIZE - 4, 4)).toString(), 'tail');
    assert.throws(() => device.resize(SIZE), VolumeDeviceError);
  });

  test('VolumeDevices shares one device per volume and closes it on the last release', async () => {
    const devices = new VolumeDevices(blocks, overlays());
    const backing = { volumeId: 'vol-0000000000000shared', sizeBytes: SIZE, baseMapId: null };
    const a = await devices.acquire(backing);
    const b = await devices.acquire(backing);
    assert.equal(a.device, b.device);
    assert.equal(devices.isOpen(backing.volumeId), true);
    await a.device.write(0, Buffer.from('shared'));
    await a.release();
    await a.release(); // idempotent
    assert.equal(devices.isOpen(backing.volumeId), true);
    await b.release();
    assert.equal(devices.isOpen(backing.volumeId), false);
    assert.equal(await devices.get(backing.volumeId), undefined);
    const c = await devices.acquire(backing);
    assert.notEqual(c.device, a.device);
    assert.equal((await c.device.read(0, 6)).toString(), 'shared', 'release flushed the writes');
    await c.release();
  });
});
