// The S3-compatible backend: chunks are packed into immutable objects (16 MiB by default, the
// fs store's record format plus a footer indexing the pack) and read back with range GETs,
// found through a local SQLite index that is a cache of the bucket (s3/s3-index.ts). The
// bucket is the truth: packs (`packs/<name>`) and tombstones (`tombstones/<name>`, records
// deleted from packs that still exist); a node rebuilds its index from them (s3/s3-sync.ts).
//
// put   appends the record to the staged pack: in memory for the upload, and in a local spool
//       file so that a crash before the upload loses nothing that resolved (recovered on open).
//       A pack is sealed when full (its upload starts at once, a few at a time) or by a flush.
// flush seals the staged pack, waits for every sealed pack's upload (If-None-Match: * where the
//       server honours it) and index commit, then writes one tombstone for the deletes since.
// get   the staged copy, or one range GET of the record; header and crc32 checked.
// delete removes index entries at once (atomically with puts and touches: see
//       `writtenBefore`); the bucket learns of it with the next flush's tombstone; space comes
//       back with compact (s3/s3-compaction.ts): rewrite, switch, then delete objects.
// Several nodes may share the bucket. A node's index learns of the others' packs, tombstones
// and compactions at open and by catching up (s3/catch-up.ts) when it misses: get and hasMany
// of a chunk it does not know, a read of a pack gone from the bucket. Write times refreshed by
// dedup hits are node-local; with an `arbiter` (the shared metadata database) a dedup hit on a
// chunk in the bucket is also committed there and checked against GC on other nodes
// (chunk-arbiter.ts): a chunk a GC condemned is stored again, as a new record.
import { mkdir, open as openFile, readdir, rm, type FileHandle } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { assertChunkId } from '../chunk-id.js';
import { latestWrite, listPendingThenIndexed } from './indexed-listing.js';
import {
  ChunkNotFoundError,
  ChunkPermanentError,
  type ChunkId,
  type ChunkStat,
  type ChunkStore,
  type ChunkStoreCapabilities,
  type DeleteOptions,
} from '../chunk-store.js';
import { ReuseRounds, type DedupArbiter } from '../chunk-arbiter.js';
import { Semaphore } from '../wrappers/semaphore.js';
import { CatchUp } from './s3/catch-up.js';
import { MAX_RECORD_DATA, RECORD_HEADER_SIZE, encodeRecordHeader, parseRecordHeader, recordChecksumOk } from './fs/pack-record.js';
import { probeConditionalPut } from './s3/conditional-put.js';
import { encodeFooter } from './s3/pack-object.js';
import { PackReads } from './s3/pack-reads.js';
import { compactPacks } from './s3/s3-compaction.js';
import { INDEX_FORMAT, S3Index } from './s3/s3-index.js';
import { PACKS, TOMBSTONES, uniqueName } from './s3/s3-location.js';
import { bodyCrc, ObjectNotFoundError, type ObjectStore } from './s3/s3-objects.js';
import { recoverSpool, syncFromBucket } from './s3/s3-sync.js';
import { encodeTombstone } from './s3/tombstone-object.js';

export interface S3ChunkStoreOptions {
  objects: ObjectStore;
  /** local directory for the index cache and the spool of packs not uploaded yet */
  cacheDir: string;
  /** names the bucket location (endpoint, bucket, prefix): a cache built for another is rebuilt */
  identity: string;
  /** a pack is sealed once the next record would take it past this size (default 16 MiB) */
  packBytes?: number;
  /** pack uploads at once (default 4) */
  uploads?: number;

  /** compaction rewrites a pack once at least this share of it is dead (default 0.25) */
  compactDeadRatio?: number;
  /**
   * keep staged packs in local spool files too (default true), so puts that resolved survive a
   * crash before their flush; without it only flushed chunks are durable (enough for callers
   * that flush before they acknowledge: a server at --durability full)
   */
  spool?: boolean;
  /** 'auto' (default): ask the server once whether it honours If-None-Match: * */
  conditionalWrites?: 'auto' | boolean;
  /** requests at once while syncing with the bucket (default 16) */
  syncConcurrency?: number;
  /**
   * nodes sharing the bucket: dedup hits are committed to it and checked against other nodes'
   * garbage collection, and tombstones advance its epoch (chunk-arbiter.ts)
   */
  arbiter?: DedupArbiter;
  /** catching up with the bucket after a miss starts at most this often, ms (default 100) */
  catchUpIntervalMs?: number;
}

interface Pending {
  id: ChunkId;
  idBytes: Buffer;
  pack: StagedPack;
  offset: number;
  size: number;
  writtenAt: number;
  /** the record's spool write */
  written: Promise<void>;
}

interface StagedPack {
  id: number;
  key: string;
  buf: Buffer;
  length: number;
  /** its live records; after sealing, those the footer lists that are still pending */
  entries: Map<ChunkId, Pending>;
  /** its spool file (none without a spool) */
  spool?: Promise<FileHandle>;
  writes: Set<Promise<void>>;
  /** set once sealed: records + footer */
  body?: Buffer;
  upload?: Promise<void>;
}

const EMPTY = Buffer.alloc(0);
/** a footer of up to ~1,300 records fits without a copy */
const FOOTER_HEADROOM = 64 * 1024;

export class S3ChunkStore implements ChunkStore {
  readonly name = 's3';
  readonly capabilities: ChunkStoreCapabilities = { durable: true, listable: true, deferredReclaim: true };
  readonly #objects: ObjectStore;
  readonly #index: S3Index;
  readonly #spoolDir: string | undefined;
  /** the next pack's spool file, opened ahead so a new pack does not wait for it */
  #nextSpool: { key: string; fh: Promise<FileHandle> } | undefined;
  readonly #packBytes: number;
  readonly #deadRatio: number;
  readonly #conditional: boolean;
  readonly #uploads: Semaphore;
  /** sealed and staged bytes beyond which puts wait for uploads */
  readonly #maxBuffered: number;
  readonly #reads = new PackReads();
  #open: StagedPack | undefined;
  /** sealed packs whose upload has not been committed yet, oldest first */
  readonly #sealed: StagedPack[] = [];
  readonly #pending = new Map<ChunkId, Pending>();
  /** dedup hits on indexed chunks: their refreshed write times, committed by flush */
  readonly #touches = new Map<ChunkId, number>();
  #tombstoning: Promise<void> = Promise.resolve();
  #compacting: Promise<unknown> | undefined;
  #uploadSettled: (() => void)[] = [];
  /** pack buffers whose pack is uploaded (or dropped), for the next packs */
  readonly #freeBuffers: Buffer[] = [];
  /** spool files being removed (awaited by close) */
  readonly #spoolDrops = new Set<Promise<void>>();
  readonly #catchUp: CatchUp;
  readonly #arbiter: DedupArbiter | undefined;
  readonly #rounds: ReuseRounds | undefined;
  /** the arbiter's tombstone epoch this index has caught up with (read before that catch-up's listing) */
  #syncedEpoch: number;
  #closed = false;

  private constructor(o: S3ChunkStoreOptions, index: S3Index, conditional: boolean, epoch: number) {
    this.#objects = o.objects;
    this.#index = index;
    this.#arbiter = o.arbiter;
    this.#rounds = o.arbiter && new ReuseRounds(o.arbiter);
    this.#syncedEpoch = epoch;
    const ctx = { index, objects: o.objects, conditional, concurrency: o.syncConcurrency ?? 16 };
    this.#catchUp = new CatchUp(async () => void (await syncFromBucket(ctx, 'catch-up')), o.catchUpIntervalMs);
    this.#spoolDir = o.spool === false ? undefined : join(o.cacheDir, 'spool');
    this.#packBytes = o.packBytes ?? 16 * 1024 * 1024;
    this.#deadRatio = o.compactDeadRatio ?? 0.25;
    this.#conditional = conditional;
    this.#uploads = new Semaphore(o.uploads ?? 4);
    this.#maxBuffered = this.#packBytes * (this.#uploads.limit + 2);
  }

  /** Opens the store: recovers the spool, syncs the index with the bucket. */
  static async open(o: S3ChunkStoreOptions): Promise<S3ChunkStore> {
    if ((o.packBytes ?? 0) > 1024 * 1024 * 1024) throw new RangeError('packBytes must be at most 1 GiB');
    await mkdir(join(o.cacheDir, 'spool'), { recursive: true });
    const index = new S3Index(join(o.cacheDir, 'index.sqlite'));
    try {
      const spoolDir = join(o.cacheDir, 'spool');
      const spooled = (await readdir(spoolDir)).filter((name) => (statSync(join(spoolDir, name), { throwIfNoEntry: false })?.size ?? 0) > 0).length;
      const previous = index.meta('identity');
      if (previous !== undefined && previous !== o.identity) {
        if (spooled) throw new Error(`${o.cacheDir} holds packs not yet uploaded to ${previous}; open that location first`);
        index.clear();
      }
      await o.objects.checkBucket();
      const conditional = o.conditionalWrites === undefined || o.conditionalWrites === 'auto' ? await probeConditionalPut(o.objects) : o.conditionalWrites;
      const ctx = { index, objects: o.objects, conditional, concurrency: o.syncConcurrency ?? 16 };
      await recoverSpool(ctx, join(o.cacheDir, 'spool'));
      if (index.meta('format') !== INDEX_FORMAT) {
        index.clear(); // a cache of an older layout (one record per chunk): rebuilt from the bucket
        index.setMeta('format', INDEX_FORMAT);
      }
      const epoch = (await o.arbiter?.epoch()) ?? 0; // read before the listing: tombstones up to it are seen
      await syncFromBucket(ctx);
      index.setMeta('identity', o.identity);
      return new S3ChunkStore(o, index, conditional, epoch);
    } catch (e) {
      index.close();
      throw e;
    }
  }

  /** catch-ups with the bucket started since open (misses, gone packs, tombstone epochs) */
  get catchUps(): number {
    return this.#catchUp.syncs;
  }

  /** whether pack uploads are conditional (If-None-Match: *) */
  get conditionalWrites(): boolean {
    return this.#conditional;
  }

  async put(id: ChunkId, data: Buffer): Promise<void> {
    this.#assertOpen();
    assertChunkId(id);
    if (data.length > MAX_RECORD_DATA) throw new RangeError(`chunk of ${data.length} bytes exceeds ${MAX_RECORD_DATA}`);
    /** the indexed record cannot be reused (a GC condemned it, or it is gone): store it again */
    let again = false;
    for (;;) {
      const pending = this.#pending.get(id);
      if (pending) {
        pending.writtenAt = Date.now();
        return pending.written;
      }
      if (!again && this.#index.lookup(Buffer.from(id, 'hex'))) {
        if (!this.#rounds) {
          this.#touches.set(id, Date.now());
          return;
        }
        if (await this.#reuse(id)) return;
        this.#assertOpen();
        again = true;
        continue;
      }
      if (this.#buffered() < this.#maxBuffered) break;
      await this.#someUploadSettled();
      this.#assertOpen();
    }
    // From the checks above to here, no await: the record is appended atomically.
    const idBytes = Buffer.from(id, 'hex');
    const length = RECORD_HEADER_SIZE + data.length;
    let pack = this.#open;
    if (pack && pack.length > 0 && pack.length + length > this.#packBytes) {
      this.#seal(pack);
      pack = undefined;
    }
    pack ??= this.#newPack();
    const offset = pack.length;
    reserve(pack, length);
    const writtenAt = Date.now();
    encodeRecordHeader(idBytes, data, writtenAt).copy(pack.buf, offset);
    data.copy(pack.buf, offset + RECORD_HEADER_SIZE);
    pack.length += length;
    const entry: Pending = { id, idBytes, pack, offset, size: data.length, writtenAt, written: this.#spoolWrite(pack, offset, length) };
    this.#pending.set(id, entry);
    pack.entries.set(id, entry);
    this.#index.undead(pack.id, idBytes); // put again after a delete, into the same pack
    if (pack.length >= this.#packBytes) this.#seal(pack);
    try {
      await entry.written;
    } catch (e) {
      // not in the spool: a crash could lose it, so the put fails (and the record is dead)
      if (this.#pending.get(id) === entry) this.#forgetPending(entry);
      throw e;
    }
  }

  async touch(id: ChunkId): Promise<boolean> {
    this.#assertOpen();
    assertChunkId(id);
    const pending = this.#pending.get(id);
    if (pending) {
      pending.writtenAt = Date.now();
      await pending.written;
      return true;
    }
    if (!this.#index.lookup(Buffer.from(id, 'hex'))) return false;
    if (this.#rounds) return this.#reuse(id);
    this.#touches.set(id, Date.now());
    return true;
  }

  /**
   * A dedup hit on a chunk in the bucket, with an arbiter: the touch is committed to the shared
   * database, then checked (chunk-arbiter.ts). False: it must be stored again.
   */
  async #reuse(id: ChunkId): Promise<boolean> {
    const answer = await this.#rounds!.ask(id);
    if (answer.condemned) return false;
    if (answer.epoch !== this.#syncedEpoch) {
      // tombstones were written since this index caught up: it may name deleted records
      // (any change counts: an admin reset starts the count again)
      await this.#catchUp.request();
      this.#syncedEpoch = answer.epoch;
    }
    if (this.#pending.has(id)) return true;
    if (!this.#index.lookup(Buffer.from(id, 'hex'))) return false; // deleted meanwhile (here, or in a tombstone)
    // same tick as the lookup: a local delete sees the refreshed write time
    this.#touches.set(id, Date.now());
    return true;
  }

  async get(id: ChunkId): Promise<Buffer> {
    this.#assertOpen();
    assertChunkId(id);
    const idBytes = Buffer.from(id, 'hex');
    /** the pack a read found gone from the bucket */
    let missing: string | undefined;
    /** a catch-up that started after the last miss has finished */
    let caughtUp = false;
    for (let round = 0; ; round++) {
      const pending = this.#pending.get(id);
      if (pending) {
        const at = pending.offset + RECORD_HEADER_SIZE;
        return Buffer.from(pending.pack.buf.subarray(at, at + pending.size));
      }
      const loc = this.#index.lookup(idBytes);
      if (!loc || loc.packKey === missing) {
        // another node may have stored it, or compacted its pack away, since this index caught up
        if (!caughtUp && round < 4) {
          await this.#catchUp.request();
          this.#assertOpen();
          caughtUp = true;
          continue;
        }
        if (missing) throw new ChunkPermanentError(id, `pack ${missing} is missing from the bucket`);
        throw new ChunkNotFoundError(id);
      }
      // Same tick as the lookup: the read is counted before compaction could delete the pack.
      this.#reads.begin(loc.pack);
      let record: Buffer;
      try {
        record = await this.#objects.get(PACKS + loc.packKey, { start: loc.offset, end: loc.offset + RECORD_HEADER_SIZE + loc.size - 1 });
      } catch (e) {
        if (e instanceof ObjectNotFoundError) {
          // compacted away by another node? catch up, then read the record where it went
          missing = loc.packKey;
          caughtUp = false;
          continue;
        }
        throw e;
      } finally {
        this.#reads.end(loc.pack);
      }
      const header = record.subarray(0, RECORD_HEADER_SIZE);
      const parsed = parseRecordHeader(header);
      if (record.length !== RECORD_HEADER_SIZE + loc.size || !parsed || parsed.size !== loc.size || !parsed.id.equals(idBytes)) {
        throw new ChunkPermanentError(id, `record in pack ${loc.packKey} at ${loc.offset} does not match the index`);
      }
      const data = record.subarray(RECORD_HEADER_SIZE);
      if (!recordChecksumOk(header, data)) throw new ChunkPermanentError(id, `checksum mismatch in pack ${loc.packKey}`);
      return data;
    }
  }

  async hasMany(ids: readonly ChunkId[]): Promise<boolean[]> {
    this.#assertOpen();
    ids.forEach((id) => assertChunkId(id));
    const has = () => ids.map((id) => this.#pending.has(id) || this.#index.lookup(Buffer.from(id, 'hex')) !== undefined);
    const found = has();
    if (found.every(Boolean)) return found;
    // fsck asks: chunks other nodes stored since this index caught up count (dedup uses touch)
    await this.#catchUp.request();
    this.#assertOpen();
    return has();
  }

  /** Catches up with what other nodes did in the bucket (GC calls it before planning). */
  async refresh(): Promise<void> {
    this.#assertOpen();
    await this.#catchUp.request();
  }

  async delete(ids: readonly ChunkId[], options: DeleteOptions = {}): Promise<ChunkId[]> {
    this.#assertOpen();
    ids.forEach((id) => assertChunkId(id));
    // No await in here: the write times checked are the ones a put or touch could change.
    const before = options.writtenBefore;
    const kept: ChunkId[] = [];
    const indexed: Buffer[] = [];
    for (const id of new Set(ids)) {
      const writtenAt = this.#writtenAt(id);
      if (writtenAt === undefined) continue;
      if (before !== undefined && writtenAt >= before) {
        kept.push(id);
        continue;
      }
      const pending = this.#pending.get(id);
      if (pending) this.#forgetPending(pending);
      else indexed.push(Buffer.from(id, 'hex'));
      this.#touches.delete(id);
    }
    this.#index.remove(indexed);
    return kept;
  }

  list(): AsyncIterable<ChunkStat> {
    return listPendingThenIndexed({
      pending: () => [...this.#pending.values()].map((p) => ({ stat: { id: p.id, size: p.size, writtenAt: p.writtenAt }, stillPending: () => this.#pending.get(p.id) === p })),
      page: (after, limit) => this.#index.page(after, limit),
      touchedAt: (id) => this.#touches.get(id),
      assertOpen: () => this.#assertOpen(),
    });
  }


  /** Every put that resolved before the call is in the bucket, and every delete in a tombstone. */
  async flush(): Promise<void> {
    this.#assertOpen();
    return this.#flush();
  }

  compact(): Promise<{ reclaimedBytes: number }> {
    this.#assertOpen();
    // One compaction at a time; a caller arriving during one gets a fresh pass after it.
    const run = (this.#compacting ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        await this.#flush();
        const ctx = { index: this.#index, objects: this.#objects, reads: this.#reads, conditional: this.#conditional, packBytes: this.#packBytes, deadRatio: this.#deadRatio };
        const result = await compactPacks(ctx);
        await this.#writeTombstones(); // copies deleted while they were made
        return result;
      });
    this.#compacting = run;
    run.then(
      () => this.#compactionDone(run),
      () => this.#compactionDone(run),
    );
    return run;
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    await this.#quiesce();
    for (const pack of [this.#open, ...this.#sealed]) if (pack) await this.#dropSpool(pack);
    this.#open = undefined;
    this.#sealed.length = 0;
    this.#pending.clear();
    this.#touches.clear();
    const keys: string[] = [];
    for (const dir of [PACKS, TOMBSTONES]) for await (const o of this.#objects.list(dir)) keys.push(o.key);
    await this.#objects.deleteMany(keys);
    this.#index.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#quiesce();
      await this.#flush();
      await this.#quiesce();
    } finally {
      // what did not reach the bucket stays in the spool for the next open
      this.#closed = true;
      for (const pack of [this.#open, ...this.#sealed]) if (pack?.spool) await closeQuietly(pack.spool);
      if (this.#nextSpool) {
        await closeQuietly(this.#nextSpool.fh);
        await rm(join(this.#spoolDir!, `${this.#nextSpool.key}.pack`), { force: true });
      }
      this.#index.close();
    }
  }

  // --- writing ---

  #newPack(): StagedPack {
    const { key, fh: spool } = this.#takeSpool();
    const id = this.#index.stagePack(key); // the row before any record: recovery knows its dead records
    // a whole pack's buffer, recycled once uploaded: no copies to grow it, no allocation per pack
    const buf = this.#freeBuffers.pop() ?? Buffer.allocUnsafeSlow(this.#packBytes + FOOTER_HEADROOM);
    const pack: StagedPack = { id, key, buf, length: 0, entries: new Map(), spool, writes: new Set() };
    this.#open = pack;
    return pack;
  }

  /** A name for a new pack, and its spool file (opened one pack ahead). */
  #takeSpool(): { key: string; fh?: Promise<FileHandle> } {
    if (!this.#spoolDir) return { key: uniqueName() };
    const open = () => {
      const key = uniqueName();
      const fh = openFile(join(this.#spoolDir!, `${key}.pack`), 'w');
      fh.catch(() => undefined); // awaited by every write
      return { key, fh };
    };
    const taken = this.#nextSpool ?? open();
    this.#nextSpool = open();
    return taken;
  }

  #spoolWrite(pack: StagedPack, offset: number, length: number): Promise<void> {
    const bytes = pack.buf.subarray(offset, offset + length); // a later growth of buf copies, this view stays valid
    if (!pack.spool) return Promise.resolve();
    const spool = pack.spool;
    const write = (async () => {
      const fh = await spool;
      let done = 0;
      while (done < length) {
        const { bytesWritten } = await fh.write(bytes, done, length - done, offset + done);
        if (bytesWritten === 0) throw new Error('spool write made no progress');
        done += bytesWritten;
      }
    })();
    pack.writes.add(write);
    const settle = () => void pack.writes.delete(write);
    write.then(settle, settle);
    return write;
  }

  /** Seals a pack: its footer lists the records still live; its upload may start. */
  #seal(pack: StagedPack): void {
    if (this.#open === pack) this.#open = undefined;
    if (pack.entries.size === 0) {
      // nothing live in it: no object at all
      this.#index.dropPacks([pack.id]);
      this.#dropSpoolLater(pack);
      return;
    }
    const entries = [...pack.entries.values()].sort((a, b) => a.offset - b.offset);
    const footer = encodeFooter(
      entries.map((e) => ({ id: e.idBytes, offset: e.offset, size: e.size, writtenAt: e.writtenAt })),
      pack.length,
    );
    reserve(pack, footer.length);
    footer.copy(pack.buf, pack.length);
    pack.body = pack.buf.subarray(0, pack.length + footer.length);
    this.#index.clearDead(pack.id); // records deleted before the seal are not in the footer
    this.#sealed.push(pack);
    void this.#upload(pack).catch(() => undefined); // a failure is retried by the next flush
  }

  /** Starts (or joins) a sealed pack's upload; then commits it to the index. */
  #upload(pack: StagedPack): Promise<void> {
    pack.upload ??= this.#uploads
      .run(async () => {
        const body = pack.body!;
        const crc = bodyCrc(body);
        const result = await this.#objects.put(PACKS + pack.key, body, { ifAbsent: this.#conditional, metadata: { crc32: crc } });
        if (result === 'exists') {
          // our own earlier attempt whose answer was lost, or a name collision
          const head = await this.#objects.head(PACKS + pack.key);
          if (!head || head.size !== body.length || head.metadata.crc32 !== crc) throw new Error(`pack ${pack.key} exists in ${this.#objects.description} with other content`);
        }
      })
      .then(
        () => this.#committed(pack),
        (e: unknown) => {
          pack.upload = undefined;
          throw e;
        },
      )
      .finally(() => {
        const waiting = this.#uploadSettled;
        this.#uploadSettled = [];
        waiting.forEach((resolve) => resolve());
      });
    return pack.upload;
  }

  /** The pack is in the bucket: its live records enter the index, the staged copy goes. */
  #committed(pack: StagedPack): void {
    const live = [...pack.entries.values()].filter((e) => this.#pending.get(e.id) === e);
    this.#index.commitPack(
      pack.id,
      pack.body!.length,
      live.map((e) => ({ id: e.idBytes, offset: e.offset, size: e.size, writtenAt: e.writtenAt })),
      [],
      true, // the newest record of its chunks (one stored again is read from here)
    );
    for (const e of live) this.#pending.delete(e.id);
    const at = this.#sealed.indexOf(pack);
    if (at >= 0) this.#sealed.splice(at, 1);
    this.#dropSpoolLater(pack);
  }

  #dropSpoolLater(pack: StagedPack): void {
    const drop = this.#dropSpool(pack).catch(() => undefined); // a leftover file is uploaded again (412: ours) on open
    this.#spoolDrops.add(drop);
    void drop.then(() => this.#spoolDrops.delete(drop));
  }

  async #dropSpool(pack: StagedPack): Promise<void> {
    await Promise.allSettled([...pack.writes]);
    // no spool write, upload or get uses the buffer any more
    if (pack.buf.length === this.#packBytes + FOOTER_HEADROOM && this.#freeBuffers.length < this.#uploads.limit + 2) this.#freeBuffers.push(pack.buf);
    pack.buf = EMPTY;
    pack.body = undefined;
    if (!pack.spool || !this.#spoolDir) return;
    await closeQuietly(pack.spool);
    await rm(join(this.#spoolDir, `${pack.key}.pack`), { force: true });
  }

  /** A pending record deleted: gone from lookups; dead in its pack (a tombstone once sealed). */
  #forgetPending(entry: Pending): void {
    this.#pending.delete(entry.id);
    entry.pack.entries.delete(entry.id);
    this.#index.addDead(entry.pack.id, entry.idBytes);
  }

  #buffered(): number {
    return this.#sealed.reduce((n, p) => n + p.length, this.#open?.length ?? 0);
  }

  /** Waits for an upload to settle, (re)starting failed ones; throws an upload's failure. */
  async #someUploadSettled(): Promise<void> {
    const settled = new Promise<void>((resolve) => this.#uploadSettled.push(resolve));
    for (const pack of this.#sealed) this.#upload(pack).catch(() => undefined);
    await settled;
    const failed = this.#sealed.find((p) => !p.upload);
    if (failed) await this.#upload(failed);
  }

  #flush(): Promise<void> {
    if (this.#open) this.#seal(this.#open);
    const packs = [...this.#sealed];
    const touches = [...this.#touches];
    return (async () => {
      const results = await Promise.allSettled(packs.map((p) => this.#upload(p)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      await this.#writeTombstones();
      this.#index.touch(touches.map(([id, at]): [Buffer, number] => [Buffer.from(id, 'hex'), at]));
      for (const [id, at] of touches) if (this.#touches.get(id) === at) this.#touches.delete(id);
    })();
  }

  /** One tombstone object for every dead record not in one yet (one writer at a time). */
  #writeTombstones(): Promise<void> {
    const run = this.#tombstoning
      .catch(() => undefined)
      .then(async () => {
        const open = this.#open?.id;
        const rows = this.#index.untombstoned().filter((r) => r.pack !== open);
        if (!rows.length) return;
        const key = uniqueName();
        await this.#objects.put(TOMBSTONES + key, encodeTombstone(rows.map((r) => ({ packKey: r.packKey, chunk: r.chunk }))), { ifAbsent: this.#conditional });
        // other nodes catch up before trusting their index again (a failure here: written again by the next flush)
        await this.#arbiter?.advanceEpoch();
        this.#index.tombstoned(key, rows);
      });
    this.#tombstoning = run;
    return run;
  }

  // --- the rest ---

  /** The latest write time of a stored chunk (pending, touched or indexed); undefined if absent. */
  #writtenAt(id: ChunkId): number | undefined {
    return latestWrite(this.#pending.get(id), this.#index.lookup(Buffer.from(id, 'hex'))?.writtenAt, this.#touches.get(id));
  }


  #compactionDone(run: Promise<unknown>): void {
    if (this.#compacting === run) this.#compacting = undefined;
  }

  /** Waits for uploads, compaction and tombstones in flight (failed uploads stay sealed). */
  async #quiesce(): Promise<void> {
    for (;;) {
      const work = [this.#compacting, ...this.#sealed.map((p) => p.upload)].filter((p): p is Promise<never> => p !== undefined);
      if (!work.length) break;
      await Promise.allSettled(work);
    }
    await this.#tombstoning.catch(() => undefined);
    await Promise.all([...this.#spoolDrops]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('chunk store is closed');
  }
}

/** Makes room for `length` more bytes in a pack's buffer (a record larger than a pack, a footer larger than the headroom). */
function reserve(pack: StagedPack, length: number): void {
  const need = pack.length + length;
  if (need <= pack.buf.length) return;
  const buf = Buffer.allocUnsafeSlow(need + FOOTER_HEADROOM);
  pack.buf.copy(buf, 0, 0, pack.length);
  pack.buf = buf;
}

async function closeQuietly(fh: Promise<FileHandle>): Promise<void> {
  try {
    await (await fh).close();
  } catch {
    // never opened, or closed already
  }
}
