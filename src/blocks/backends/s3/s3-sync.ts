// Opening an S3 chunk store: what the local cache must learn before the first call.
//
// 1. Spool recovery: packs staged locally but never uploaded (the process stopped first) are
//    read back from their spool files (complete records with a good crc; a torn tail is cut
//    off), given their footer and uploaded — so a put that resolved before a crash is not
//    lost even without a flush, as with the fs store.
// 2. Sync with the bucket, the source of truth: packs the cache knows but the bucket no longer
//    has are forgotten; packs of a compaction that switched but did not finish deleting are
//    deleted; packs the cache does not know (written by another node, or the cache is new)
//    are indexed from their footers, less the records that tombstones declare dead; new
//    tombstones are applied. A cache in step costs one listing of packs/ and tombstones/.
// 3. The same while open (`mode: 'catch-up'`, catch-up.ts: a chunk not found, a pack gone, a
//    tombstone epoch advanced): only what other nodes did. Packs this node knew as live before
//    the listing and that the listing lacks are forgotten (a record's other copies take over);
//    packs with no row at all are indexed; this node's own packs in flight (staged, uploading,
//    compaction outputs, retired victims) are left to the code that owns them.
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORD_HEADER_SIZE, parseRecordHeader, recordChecksumOk } from '../fs/pack-record.js';
import { encodeFooter, footerLength, parseFooter, type PackEntry } from './pack-object.js';
import type { S3Index } from './s3-index.js';
import { PACKS, TOMBSTONES, isUniqueName } from './s3-location.js';
import { bodyCrc, ObjectNotFoundError, type ObjectStore } from './s3-objects.js';
import { parseTombstone, type DeadRecord } from './tombstone-object.js';

export interface SyncContext {
  index: S3Index;
  objects: ObjectStore;
  /** uploads use If-None-Match: * */
  conditional: boolean;
  /** requests at once while syncing */
  concurrency: number;
}

/** Footers are read with one suffix range request of this size (a 16 MiB pack of 512 KiB chunks needs ~1.6 KiB). */
const TAIL_GUESS = 64 * 1024;

/** Uploads every spool file's records as a pack, then removes the file. */
export async function recoverSpool(ctx: SyncContext, spoolDir: string): Promise<number> {
  const files = (await readdir(spoolDir)).filter((f) => f.endsWith('.pack') && isUniqueName(f.slice(0, -5)));
  const deadByPack = new Map<string, Set<string>>();
  for (const r of ctx.index.deadRecords()) {
    if (!deadByPack.has(r.packKey)) deadByPack.set(r.packKey, new Set());
    deadByPack.get(r.packKey)!.add(r.chunk.toString('hex'));
  }
  for (const file of files) {
    const key = file.slice(0, -5);
    const { records, entries } = scanRecords(await readFile(join(spoolDir, file)));
    const dead = deadByPack.get(key) ?? new Set();
    const live = entries.filter((e) => !dead.has(e.id.toString('hex')));
    if (live.length) {
      const body = Buffer.concat([records, encodeFooter(live, records.length)]);
      const result = await ctx.objects.put(PACKS + key, body, { ifAbsent: ctx.conditional, metadata: { crc32: bodyCrc(body) } });
      // 'exists': uploaded before the stop; that object stands, and the dead rows stay to be tombstoned
      if (result === 'created') ctx.index.clearDead(key);
    }
    await rm(join(spoolDir, file), { force: true });
  }
  return files.length;
}

/** The complete records at the start of a spool file (the last record of an id wins). */
function scanRecords(buf: Buffer): { records: Buffer; entries: PackEntry[] } {
  const byId = new Map<string, PackEntry>();
  let pos = 0;
  while (pos + RECORD_HEADER_SIZE <= buf.length) {
    const header = buf.subarray(pos, pos + RECORD_HEADER_SIZE);
    const parsed = parseRecordHeader(header);
    if (!parsed || pos + RECORD_HEADER_SIZE + parsed.size > buf.length) break;
    const data = buf.subarray(pos + RECORD_HEADER_SIZE, pos + RECORD_HEADER_SIZE + parsed.size);
    if (!recordChecksumOk(header, data)) break;
    const id = Buffer.from(parsed.id);
    byId.set(id.toString('hex'), { id, offset: pos, size: parsed.size, writtenAt: parsed.writtenAt });
    pos += RECORD_HEADER_SIZE + parsed.size;
  }
  return { records: buf.subarray(0, pos), entries: [...byId.values()].sort((a, b) => a.offset - b.offset) };
}

export interface SyncResult {
  /** packs indexed from their footers */
  indexed: number;
  /** packs forgotten because the bucket no longer has them */
  forgotten: number;
  tombstones: number;
}

export async function syncFromBucket(ctx: SyncContext, mode: 'open' | 'catch-up' = 'open'): Promise<SyncResult> {
  const { index, objects } = ctx;
  // what was known before the listings: anything newer is this node's own work in flight
  const before = index.packs();
  const knownBefore = index.knownTombstones();
  const inBucket = new Map<string, number>();
  for await (const o of objects.list(PACKS)) {
    const key = o.key.slice(PACKS.length);
    if (isUniqueName(key)) inBucket.set(key, o.size);
  }
  const tombstoneKeys = new Set<string>();
  for await (const o of objects.list(TOMBSTONES)) {
    const key = o.key.slice(TOMBSTONES.length);
    if (isUniqueName(key)) tombstoneKeys.add(key);
  }
  const rows = mode === 'open' ? before : before.filter((r) => r.state === 'live');
  const gone = rows.filter((r) => !inBucket.has(r.key));
  let fresh: [string, number][];
  if (mode === 'open') {
    const retired = rows.filter((r) => r.state === 'retired' && inBucket.has(r.key));
    if (retired.length) {
      await objects.deleteMany(retired.map((r) => PACKS + r.key));
      index.dropPacks(retired.map((r) => r.id));
      retired.forEach((r) => inBucket.delete(r.key));
    }
    const live = new Set(rows.filter((r) => r.state === 'live').map((r) => r.key));
    fresh = [...inBucket].filter(([key]) => !live.has(key));
  } else {
    const known = new Set(index.packs().map((r) => r.key));
    fresh = [...inBucket].filter(([key]) => !known.has(key));
  }

  index.forgetTombstones([...knownBefore].filter((k) => !tombstoneKeys.has(k)));
  const known = index.knownTombstones();
  // an old tombstone may name a pack indexed only now: with new packs, read them all
  const toRead = fresh.length ? [...tombstoneKeys] : [...tombstoneKeys].filter((k) => !known.has(k));
  // (another node's compaction may delete a pack or tombstone between the listing and the read:
  // its records are in packs a later listing finds, and such a tombstone named only gone packs)
  const read = await mapLimit(toRead, ctx.concurrency, async (key) => ({ key, body: await ifExists(objects.get(TOMBSTONES + key)) }));
  const tombstones = read.flatMap(({ key, body }) => (body ? [{ key, records: parseTombstone(body) }] : []));
  const dead = new Set(tombstones.flatMap((t) => t.records.map(deadKey)));

  await mapLimit(fresh, ctx.concurrency, async ([key, size]) => {
    const entries = await ifExists(readFooter(objects, key, size));
    if (!entries) return;
    const pack = index.addLivePack(key, size);
    index.commitPack(pack, size, entries.filter((e) => !dead.has(deadKey({ packKey: key, chunk: e.id }))));
  });
  // after the new packs: a record moved by another node's compaction is never missing meanwhile
  index.dropPacks(gone.map((r) => r.id));
  for (const t of tombstones) index.applyTombstone(t.key, t.records);
  return { indexed: fresh.length, forgotten: gone.length, tombstones: toRead.length };
}

async function ifExists<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
}

const deadKey = (r: DeadRecord) => `${r.packKey}/${r.chunk.toString('hex')}`;

export async function readFooter(objects: ObjectStore, key: string, size: number): Promise<PackEntry[]> {
  const tail = await objects.getTail(PACKS + key, Math.min(TAIL_GUESS, size));
  const length = footerLength(tail.data);
  const footer = length <= tail.data.length ? tail.data.subarray(tail.data.length - length) : await objects.get(PACKS + key, { start: size - length, end: size - 1 });
  return parseFooter(footer, size);
}

/** `fn` over every item, at most `limit` at once; results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
    }),
  );
  return out;
}
