// The NBD server over real VolumeDevices (MemoryChunkStore + a temp-dir metadata Store), driven
// by the in-repo client: handshake options, pipelined I/O against a model, errors, malformed
// and hostile input, release and durability.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/store.js';
import { MemoryChunkStore } from '../backends/memory.js';
import { BlockStorage } from '../block-storage.js';
import { BLOCK_SIZE } from '../block-size.js';
import { VolumeDevice } from '../volume-device.js';
import { VolumeDevices } from '../volume-devices.js';
import { encodeClientFlags, encodeInfoRequest, encodeOption, encodeRequest } from './codec.js';
import { BASE_ALLOCATION, CMD, CMD_FLAG, FLAG_FIXED_NEWSTYLE, INFO, NBD_ERR, OPT, REP, REPLY_TYPE, TFLAG } from './constants.js';
import { NbdClient, NbdOptionError } from './nbd-client.js';
import type { NbdExport } from './nbd-export.js';
import { NbdServer } from './nbd-server.js';
import { volumeNbdDevice } from './volume-export.js';

const MiB = 1 << 20;
const SIZE = 8 * MiB;
const MAX_PAYLOAD = 2 * MiB;

let dir: string;
let store: Store;
let blocks: BlockStorage;
let devices: VolumeDevices;
let server: NbdServer;
let port: number;
const opened = new Map<string, number>();
const released = new Map<string, number>();
const warnings: string[] = [];

const overlays = () => ({ load: (id: string) => store.volumes.overlay(id), put: (id: string, e: Parameters<Store['volumes']['putOverlay']>[1]) => store.volumes.putOverlay(id, e) });

async function resolve(name: string): Promise<NbdExport | undefined> {
  if (name === 'boom') throw new Error('the KMS key is disabled');
  let exp: NbdExport;
  if (name === 'ro') {
    const device = await VolumeDevice.open(blocks, overlays(), { volumeId: 'ro', sizeBytes: SIZE, baseMapId: null, readOnly: true });
    exp = { device, release: async () => undefined };
  } else if (name.startsWith('vol-')) {
    const acquired = await devices.acquire({ volumeId: name, sizeBytes: SIZE, baseMapId: null });
    exp = { device: volumeNbdDevice(acquired.device), release: acquired.release };
  } else return undefined;
  opened.set(name, (opened.get(name) ?? 0) + 1);
  return {
    device: exp.device,
    release: async () => {
      released.set(name, (released.get(name) ?? 0) + 1);
      await exp.release();
    },
  };
}

/** Resolves once every export opened so far for `name` has been released. */
async function allReleased(name: string): Promise<void> {
  while ((released.get(name) ?? 0) < (opened.get(name) ?? 0)) await new Promise((r) => setTimeout(r, 5));
}

function closedSocket(s: Socket): Promise<void> {
  return new Promise((r) => (s.closed ? r() : s.once('close', () => r())));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imago-nbd-'));
  store = await Store.open({ dataDir: dir, durability: 'normal' });
  blocks = new BlockStorage(new MemoryChunkStore(), store.blockMaps);
  devices = new VolumeDevices(blocks, overlays());
  server = new NbdServer({
    resolve,
    log: (level, msg, fields) => level !== 'debug' && warnings.push(`${msg} ${JSON.stringify(fields)}`),
    preferredBlockSize: BLOCK_SIZE,
    maxPayload: MAX_PAYLOAD,
    handshakeTimeoutMs: 2000,
  });
  port = await server.listen(0, '127.0.0.1');
});

after(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('handshake', () => {
  test('NBD_OPT_GO: size, transmission flags, block sizes, canonical name', async () => {
    const c = await NbdClient.connect(port);
    assert.equal(c.handshakeFlags, 3); // fixed newstyle, no zeroes
    const info = await c.go('vol-go', [INFO.BLOCK_SIZE, INFO.NAME]);
    assert.equal(info.size, SIZE);
    assert.equal(info.flags, TFLAG.HAS_FLAGS | TFLAG.SEND_FLUSH | TFLAG.SEND_FUA | TFLAG.SEND_TRIM | TFLAG.SEND_WRITE_ZEROES | TFLAG.CAN_MULTI_CONN);
    assert.deepEqual(info.blockSizes, { minimum: 1, preferred: BLOCK_SIZE, maximum: MAX_PAYLOAD });
    assert.equal(info.name, 'vol-go');
    assert.deepEqual(await c.read(0, 4096), { error: 0, data: Buffer.alloc(4096) });
    await c.disconnect();
    await allReleased('vol-go');
  });

  test('option errors leave the connection usable: unknown, refused, unsupported, malformed, list', async () => {
    const c = await NbdClient.connect(port);
    await assert.rejects(c.info('nope'), (e: NbdOptionError) => e.type === REP.ERR_UNKNOWN && /no export named 'nope'/.test(e.message));
    await assert.rejects(c.info(''), (e: NbdOptionError) => e.type === REP.ERR_UNKNOWN);
    await assert.rejects(c.go('boom'), (e: NbdOptionError) => e.type === REP.ERR_POLICY && /KMS key is disabled/.test(e.message));
    await assert.rejects(c.list(), (e: NbdOptionError) => e.type === REP.ERR_POLICY);
    for (const option of [OPT.STARTTLS, OPT.EXTENDED_HEADERS, 4, 0x1234]) {
      const [answer] = await c.option(option);
      assert.equal(answer.type, REP.ERR_UNSUP, `option ${option}`);
    }
    // metadata contexts need structured replies first
    await assert.rejects(c.metaContext('vol-info', [BASE_ALLOCATION]), (e: NbdOptionError) => e.type === REP.ERR_INVALID);
    const [invalid] = await c.option(OPT.GO, encodeInfoRequest({ name: 'vol-x', infos: [] }).subarray(0, 7));
    assert.equal(invalid.type, REP.ERR_INVALID);
    const [listWithData] = await c.option(OPT.LIST, Buffer.from('x'));
    assert.equal(listWithData.type, REP.ERR_INVALID);
    // NBD_OPT_INFO opens and releases; GO afterwards still works
    const info = await c.info('vol-info');
    assert.equal(info.size, SIZE);
    await allReleased('vol-info');
    await c.go('vol-info');
    assert.equal((await c.write(0, Buffer.alloc(10, 1))).error, 0);
    await c.disconnect();
    await allReleased('vol-info');
  });

  test('NBD_OPT_EXPORT_NAME, with and without the 124 zeroes; an unknown name hangs up', async () => {
    const c1 = await NbdClient.connect(port);
    assert.deepEqual(await c1.exportName('vol-en'), { size: SIZE, flags: 0x16d });
    await c1.disconnect();
    const c2 = await NbdClient.connect(port, '127.0.0.1', FLAG_FIXED_NEWSTYLE);
    assert.equal((await c2.exportName('vol-en', false)).size, SIZE);
    assert.equal((await c2.read(0, 1)).error, 0);
    await c2.disconnect();
    const c3 = await NbdClient.connect(port);
    c3.socket.write(encodeOption(OPT.EXPORT_NAME, Buffer.from('missing')));
    await c3.closed();
    await allReleased('vol-en');
  });

  test('NBD_OPT_ABORT is acknowledged, then the server closes', async () => {
    const c = await NbdClient.connect(port);
    const [ack] = await c.option(OPT.ABORT);
    assert.equal(ack.type, REP.ACK);
    await c.closed();
  });

  test('a read-only export says so and refuses writes, trims and zeroing with EPERM', async () => {
    const c = await NbdClient.open(port, 'ro');
    assert.ok(c.exportInfo!.flags & TFLAG.READ_ONLY);
    assert.equal(c.exportInfo!.flags & (TFLAG.SEND_TRIM | TFLAG.SEND_WRITE_ZEROES), 0);
    const [w, t, z, r, f] = await Promise.all([c.write(0, Buffer.alloc(512, 7)), c.trim(0, 512), c.writeZeroes(0, 512), c.read(0, 512), c.flush()]);
    assert.deepEqual([w.error, t.error, z.error, r.error, f.error], [NBD_ERR.EPERM, NBD_ERR.EPERM, NBD_ERR.EPERM, 0, 0]);
    assert.deepEqual(r.data, Buffer.alloc(512));
    await c.disconnect();
  });
});

describe('transmission', () => {
  test('pipelined writes and reads match a model byte for byte; handles pair replies', async () => {
    const c = await NbdClient.open(port, 'vol-pipe');
    const model = Buffer.alloc(SIZE);
    const ops: Promise<void>[] = [];
    // 200 requests in flight at once: unaligned writes crossing block boundaries, reads between
    for (let i = 0; i < 200; i++) {
      const length = 1 + Math.floor(Math.random() * 300_000);
      const offset = Math.floor(Math.random() * (SIZE - length));
      if (i % 3 === 2) {
        const expected = Buffer.from(model.subarray(offset, offset + length)); // what the device holds at this point
        ops.push(c.read(offset, length).then((r) => assert.ok(r.error === 0 && r.data!.equals(expected), `read ${i} at ${offset}+${length}`)));
      } else {
        const data = randomBytes(length);
        data.copy(model, offset);
        ops.push(c.write(offset, data, i % 10 === 0 ? CMD_FLAG.FUA : 0).then((r) => assert.equal(r.error, 0)));
      }
    }
    await Promise.all(ops);
    assert.equal((await c.flush()).error, 0);
    for (let off = 0; off < SIZE; off += MAX_PAYLOAD) {
      const r = await c.read(off, MAX_PAYLOAD);
      assert.ok(r.data!.equals(model.subarray(off, off + MAX_PAYLOAD)), `region at ${off}`);
    }
    await c.disconnect();
  });

  test('never-written areas read as zeros; TRIM and WRITE_ZEROES zero exactly their range', async () => {
    const c = await NbdClient.open(port, 'vol-zero');
    assert.deepEqual((await c.read(SIZE - 100, 100)).data, Buffer.alloc(100));
    const ones = Buffer.alloc(3 * BLOCK_SIZE, 0xff);
    await c.write(0, ones);
    const [t, z] = await Promise.all([c.trim(100, BLOCK_SIZE), c.writeZeroes(2 * BLOCK_SIZE - 7, 14, CMD_FLAG.FUA | CMD_FLAG.NO_HOLE)]);
    assert.deepEqual([t.error, z.error], [0, 0]);
    const expected = Buffer.from(ones);
    expected.fill(0, 100, 100 + BLOCK_SIZE);
    expected.fill(0, 2 * BLOCK_SIZE - 7, 2 * BLOCK_SIZE + 7);
    assert.ok((await c.read(0, 3 * BLOCK_SIZE)).data!.equals(expected));
    assert.equal((await c.writeZeroes(0, 0)).error, 0);
    assert.equal((await c.trim(0, SIZE)).error, 0);
    assert.ok((await c.read(0, MAX_PAYLOAD)).data!.equals(Buffer.alloc(MAX_PAYLOAD)));
    await c.disconnect();
  });

  test('bounds, sizes, flags and unknown commands get the protocol errors; the stream stays in step', async () => {
    const c = await NbdClient.open(port, 'vol-err');
    const replies = await Promise.all([
      c.read(SIZE - 1, 2), // past the end
      c.read(SIZE, 0), // empty, at the end: fine
      c.read(0, MAX_PAYLOAD + 1), // too large
      c.write(SIZE - 1, Buffer.alloc(2)), // past the end
      c.write(0, Buffer.alloc(MAX_PAYLOAD + 1, 9)), // too large: payload skipped
      c.trim(SIZE, 1),
      c.writeZeroes(SIZE - 1, 2),
      c.request(CMD.WRITE_ZEROES, 0, 1, { flags: CMD_FLAG.FAST_ZERO }), // not advertised
      c.request(CMD.READ, 0, 1, { flags: CMD_FLAG.DF }), // needs structured replies
      c.request(CMD.READ, 0, 1, { flags: 0x8000 }), // unknown flag
      c.request(CMD.CACHE, 0, 1),
      c.request(CMD.BLOCK_STATUS, 0, 1),
      c.request(42, 0, 1),
      c.read(2 ** 52, 1), // huge offset
      c.read(0, 3),
    ]);
    const E = NBD_ERR;
    assert.deepEqual(
      replies.map((r) => r.error),
      [E.EINVAL, 0, E.EINVAL, E.ENOSPC, E.EINVAL, E.ENOSPC, E.ENOSPC, E.EINVAL, E.EINVAL, E.EINVAL, E.EINVAL, E.EINVAL, E.EINVAL, E.EINVAL, 0],
    );
    assert.deepEqual(replies[14].data, Buffer.alloc(3)); // the oversized write did not land
    assert.equal(replies[1].data!.length, 0);
    await c.disconnect();
  });

  test('FLUSH commits the overlay; disconnect releases (and flushes) what was not flushed', async () => {
    const c = await NbdClient.open(port, 'vol-durable');
    const a = randomBytes(BLOCK_SIZE + 1234);
    await c.write(4096, a);
    await c.flush();
    assert.ok((await store.volumes.overlay('vol-durable')).length >= 2);
    const b = randomBytes(1000);
    await c.write(5 * BLOCK_SIZE, b); // no flush: the release on disconnect must commit it
    await c.disconnect();
    await allReleased('vol-durable');
    const reopened = await VolumeDevice.open(blocks, overlays(), { volumeId: 'vol-durable', sizeBytes: SIZE, baseMapId: null });
    assert.ok((await reopened.read(4096, a.length)).equals(a));
    assert.ok((await reopened.read(5 * BLOCK_SIZE, b.length)).equals(b));
  });

  test('two connections to one export share the device (multi-conn)', async () => {
    const [c1, c2] = await Promise.all([NbdClient.open(port, 'vol-multi'), NbdClient.open(port, 'vol-multi')]);
    const data = randomBytes(70_000);
    await c1.write(123, data);
    await c1.flush();
    assert.ok((await c2.read(123, data.length)).data!.equals(data));
    await Promise.all([c1.disconnect(), c2.disconnect()]);
    await allReleased('vol-multi');
  });
});

describe('structured replies and base:allocation', () => {
  const HOLE = 3; // NBD_STATE_HOLE | NBD_STATE_ZERO
  const B = BLOCK_SIZE;

  async function structuredClient(name: string, queries = [BASE_ALLOCATION]): Promise<NbdClient> {
    const c = await NbdClient.connect(port);
    assert.equal(await c.structured(), REP.ACK);
    await c.metaContext(name, queries);
    await c.go(name);
    return c;
  }

  test('contexts are listed and selected; only base:allocation exists', async () => {
    const c = await NbdClient.connect(port);
    assert.equal(await c.structured(), REP.ACK);
    const [withData] = await c.option(OPT.STRUCTURED_REPLY, Buffer.from('x'));
    assert.equal(withData.type, REP.ERR_INVALID);
    assert.deepEqual(await c.metaContext('vol-meta', [], true), [{ id: 0, name: BASE_ALLOCATION }]);
    assert.deepEqual(await c.metaContext('vol-meta', ['base:'], true), [{ id: 0, name: BASE_ALLOCATION }]);
    assert.deepEqual(await c.metaContext('vol-meta', ['qemu:dirty-bitmap:x'], true), []);
    assert.deepEqual(await c.metaContext('vol-meta', ['qemu:dirty-bitmap:x', BASE_ALLOCATION]), [{ id: 1, name: BASE_ALLOCATION }]);
    const [bad] = await c.option(OPT.SET_META_CONTEXT, Buffer.from([0, 0, 0, 9, 1]));
    assert.equal(bad.type, REP.ERR_INVALID);
    const info = await c.go('vol-meta');
    assert.ok(info.flags & TFLAG.SEND_DF);
    assert.equal((await c.blockStatus(0, B)).contextId, 1);
    await c.disconnect();
  });

  test('block status reports holes and data, sees cached writes, zeroing and trims; REQ_ONE', async () => {
    const c = await structuredClient('vol-status');
    assert.deepEqual((await c.blockStatus(0, SIZE)).extents, [{ length: SIZE, flags: HOLE }]);
    const [w, status] = await Promise.all([c.write(2 * B, Buffer.alloc(B + 10, 7)), c.blockStatus(0, 6 * B)]); // pipelined, not flushed
    assert.equal(w.error, 0);
    assert.deepEqual(status.extents, [
      { length: 2 * B, flags: HOLE },
      { length: 2 * B, flags: 0 },
      { length: 2 * B, flags: HOLE },
    ]);
    assert.deepEqual((await c.blockStatus(100, 2 * B)).extents, [
      { length: 2 * B - 100, flags: HOLE },
      { length: 100, flags: 0 },
    ]);
    assert.deepEqual((await c.blockStatus(0, 6 * B, CMD_FLAG.REQ_ONE)).extents, [{ length: 2 * B, flags: HOLE }]);
    await c.writeZeroes(2 * B, B);
    await c.trim(3 * B, B);
    assert.deepEqual((await c.blockStatus(0, 6 * B)).extents, [{ length: 6 * B, flags: HOLE }]);
    const errors = await Promise.all([c.blockStatus(SIZE - 1, 2), c.blockStatus(0, 0), c.blockStatus(0, 1, CMD_FLAG.DF)]);
    assert.deepEqual(
      errors.map((r) => [r.error, r.chunks]),
      Array(3).fill([NBD_ERR.EINVAL, [REPLY_TYPE.ERROR]]),
    );
    await c.disconnect();
  });

  test('reads answer with one data chunk or an error chunk; other commands keep simple replies', async () => {
    const c = await structuredClient('vol-sread');
    const data = randomBytes(3 * B + 5);
    const w = await c.write(B - 3, data);
    assert.deepEqual([w.error, w.chunks], [0, undefined]);
    const r = await c.read(B - 3, data.length, CMD_FLAG.DF);
    assert.deepEqual(r.chunks, [REPLY_TYPE.OFFSET_DATA]);
    assert.ok(r.data!.equals(data));
    const [past, empty, big] = await Promise.all([c.read(SIZE - 1, 2), c.read(5, 0), c.read(0, MAX_PAYLOAD + 1)]);
    assert.deepEqual([past.error, past.chunks], [NBD_ERR.EINVAL, [REPLY_TYPE.ERROR]]);
    assert.deepEqual([empty.error, empty.chunks, empty.data!.length], [0, [REPLY_TYPE.NONE], 0]);
    assert.equal(big.error, NBD_ERR.EINVAL);
    await c.disconnect();
  });

  test('block status needs the context selected for this export; devices without extents report data', async () => {
    const other = await structuredClient('vol-ctx-a');
    await other.disconnect();
    const c = await NbdClient.connect(port);
    await c.structured();
    await c.metaContext('vol-ctx-a', [BASE_ALLOCATION]); // selected for another export
    await c.go('vol-ctx-b');
    assert.equal((await c.blockStatus(0, B)).error, NBD_ERR.EINVAL);
    await c.disconnect();
    const plain = await NbdClient.open(port, 'vol-ctx-b'); // no structured replies at all
    assert.deepEqual(await plain.blockStatus(0, B), { error: NBD_ERR.EINVAL });
    await plain.disconnect();
    const ro = await structuredClient('ro');
    assert.deepEqual((await ro.blockStatus(0, SIZE)).extents, [{ length: SIZE, flags: 0 }]);
    await ro.disconnect();
  });
});

describe('malformed and hostile clients', () => {
  /** Connects raw, optionally completing the greeting with given client flags. */
  async function raw(clientFlags?: number): Promise<Socket> {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('data', () => r())); // greeting
    if (clientFlags !== undefined) s.write(encodeClientFlags(clientFlags));
    return s;
  }

  async function stillServes(): Promise<void> {
    const c = await NbdClient.open(port, 'vol-alive');
    assert.equal((await c.write(0, Buffer.from('alive'))).error, 0);
    assert.equal((await c.read(0, 5)).data!.toString(), 'alive');
    await c.disconnect();
  }

  test('unknown client flags, bad option magic, huge option lengths: hang up', async () => {
    const s1 = await raw(0x10);
    await closedSocket(s1);
    const s2 = await raw(FLAG_FIXED_NEWSTYLE);
    s2.write(Buffer.alloc(16, 0x41));
    await closedSocket(s2);
    const s3 = await raw(FLAG_FIXED_NEWSTYLE);
    const huge = encodeOption(OPT.GO).subarray(0, 16);
    huge.writeUInt32BE(0x7fffffff, 12);
    s3.write(huge);
    await closedSocket(s3);
    await stillServes();
  });

  test('garbage in transmission: the connection is dropped and its export released', async () => {
    const c = await NbdClient.open(port, 'vol-garbage');
    const pending = c.write(0, Buffer.alloc(1000, 5));
    c.socket.write(randomBytes(28)); // not a request
    await c.closed();
    await pending.catch(() => undefined); // answered or cut off, never lost silently
    await allReleased('vol-garbage');
    await stillServes();
  });

  test('a client vanishing mid-payload or mid-request: export released, server unaffected', async () => {
    const c1 = await NbdClient.open(port, 'vol-vanish');
    c1.socket.write(Buffer.concat([encodeRequest({ flags: 0, type: CMD.WRITE, handle: Buffer.alloc(8), offset: 0, length: MiB }), Buffer.alloc(1000)]));
    c1.destroy();
    const c2 = await NbdClient.open(port, 'vol-vanish');
    c2.socket.write(encodeRequest({ flags: 0, type: CMD.READ, handle: Buffer.alloc(8), offset: 0, length: 10 }).subarray(0, 13));
    c2.destroy();
    const c3 = await NbdClient.open(port, 'vol-vanish');
    void c3.read(0, MAX_PAYLOAD).catch(() => undefined); // leaves with a reply in flight
    c3.destroy();
    await allReleased('vol-vanish');
    await stillServes();
  });

  test('random bytes at every stage never take the server down', async () => {
    for (let i = 0; i < 30; i++) {
      const s = await raw(i % 3 === 0 ? undefined : FLAG_FIXED_NEWSTYLE);
      if (i % 3 === 2) s.write(encodeOption(OPT.GO, encodeInfoRequest({ name: 'vol-fuzz', infos: [INFO.BLOCK_SIZE] })));
      s.write(randomBytes(1 + Math.floor(Math.random() * 4096)));
      s.end();
      await closedSocket(s);
    }
    await allReleased('vol-fuzz');
    await stillServes();
  });

  test('a client that never finishes the handshake is dropped', async () => {
    const s = await raw();
    await closedSocket(s);
    assert.ok(warnings.some((w) => w.startsWith('nbd handshake timed out')));
  });

  test('server close: connected clients are answered, released and disconnected', async () => {
    const extra = new NbdServer({ resolve });
    const p = await extra.listen(0, '127.0.0.1');
    const c = await NbdClient.open(p, 'vol-shutdown');
    const write = c.write(0, Buffer.alloc(BLOCK_SIZE, 3));
    assert.equal((await write).error, 0);
    await extra.close();
    await c.closed();
    await allReleased('vol-shutdown');
    assert.equal(extra.connectionCount, 0);
  });
});
