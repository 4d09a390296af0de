// The durable local backend: chunks are appended to pack files (32 MiB by default) and located
// through a SQLite index (fs/pack-index.ts). Millions of chunks stay a few thousand files, and a
// batch of puts costs one fsync per pack plus one index commit (docs/blocks.md has the figures).
//
// Order of writes: a record is appended (positional write at an offset reserved in memory, so
// concurrent puts never wait on each other), `flush()` fsyncs the packs, and only then commits
// their index entries. A crash can leave unindexed bytes at a pack's tail, never an entry without
// its data; opening re-indexes complete records found past the committed length and cuts a torn
// tail off. Compaction copies live records to new packs, fsyncs them, switches the index in one
// transaction, and only then removes the old packs.
import { mkdirSync } from 'node:fs';
import { mkdir, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
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
import { copyLiveRecords } from './fs/pack-compaction.js';
import { fsyncDir, fsyncDirSync, openForWrite, packDir, packPath, readFully, writeFully } from './fs/pack-files.js';
import { PackIndex, type IndexedChunk, type Location, type PackRow } from './fs/pack-index.js';
import { PackReaders } from './fs/pack-readers.js';
import { MAX_RECORD_DATA, RECORD_HEADER_SIZE, encodeRecordHeader, parseRecordHeader, recordChecksumOk } from './fs/pack-record.js';
import { recoverPacks } from './fs/pack-recovery.js';

export interface FsChunkStoreOptions {
  /** a pack is sealed once the next record would take it past this size (default 32 MiB) */
  packBytes?: number;
  /** compaction rewrites a pack once at least this share of it is dead (default 0.25) */
  compactDeadRatio?: number;
  /** read handles kept open (default 64) */
  maxOpenPacks?: number;
}

interface PendingChunk extends IndexedChunk {
  key: ChunkId;
}

interface Writer {
  fh: Promise<FileHandle>;
  inflight: number;
}


export class FsChunkStore implements ChunkStore {
  readonly name = 'fs';
  readonly capabilities: ChunkStoreCapabilities = { durable: true, listable: true, deferredReclaim: true };
  readonly dir: string;
  readonly #packBytes: number;
  readonly #deadRatio: number;
  readonly #index: PackIndex;
  readonly #readers: PackReaders;
  #nextPack = 1;
  /** the pack puts append to, and the end of the space reserved in it */
  #active = { pack: 0, end: 0 };
  readonly #writers = new Map<number, Writer>();
  /** written to a pack, not yet in the index: found by get/list/hasMany, committed by flush */
  readonly #pending = new Map<ChunkId, PendingChunk>();
  /** puts being written, so a concurrent put of the same id waits instead of writing twice */
  readonly #inflight = new Map<ChunkId, Promise<void>>();
  /** dedup hits on indexed chunks: their refreshed write times, committed by flush */
  readonly #touches = new Map<ChunkId, number>();
  /** per pack: records reserved that may still enter the index (such a pack is not compacted) */
  readonly #unindexed = new Map<number, number>();
  /** per pack: end of records deleted before they were indexed, so a crash scan skips them */
  readonly #deadEnds = new Map<number, number>();
  readonly #dirtyPacks = new Set<number>();
  readonly #dirtyDirs = new Set<string>();
  #flushing: Promise<void> | undefined;
  #flushQueued: Promise<void> | undefined;
  #compacting: Promise<unknown> | undefined;
  #closed = false;

  constructor(dir: string, options: FsChunkStoreOptions = {}) {
    this.dir = dir;
    this.#packBytes = options.packBytes ?? 32 * 1024 * 1024;
    this.#deadRatio = options.compactDeadRatio ?? 0.25;
    mkdirSync(join(dir, 'packs'), { recursive: true });
    this.#index = new PackIndex(join(dir, 'index.sqlite'));
    this.#readers = new PackReaders((pack) => packPath(dir, pack), options.maxOpenPacks);
    try {
      const { active, maxPack } = recoverPacks(dir, this.#index);
      this.#nextPack = maxPack + 1;
      if (active) this.#active = active;
      else this.#activateNewPack();
    } catch (err) {
      this.#index.close();
      throw err;
    }
  }

  async put(id: ChunkId, data: Buffer): Promise<void> {
    this.#assertOpen();
    assertChunkId(id);
    if (data.length > MAX_RECORD_DATA) throw new RangeError(`chunk of ${data.length} bytes exceeds ${MAX_RECORD_DATA}`);
    const inflight = this.#inflight.get(id);
    if (inflight) {
      await inflight.catch(() => undefined);
      return this.put(id, data); // now stored (a dedup hit) or failed (write it ourselves)
    }
    const pending = this.#pending.get(id);
    if (pending) {
      pending.writtenAt = Date.now();
      return;
    }
    const idBytes = Buffer.from(id, 'hex');
    if (this.#index.lookup(idBytes)) {
      this.#touches.set(id, Date.now());
      return;
    }
    const write = this.#append(id, idBytes, data);
    this.#inflight.set(id, write);
    try {
      await write;
    } finally {
      this.#inflight.delete(id);
    }
  }

  async touch(id: ChunkId): Promise<boolean> {
    this.#assertOpen();
    assertChunkId(id);
    await this.#inflight.get(id)?.catch(() => undefined);
    const pending = this.#pending.get(id);
    if (pending) {
      pending.writtenAt = Date.now();
      return true;
    }
    if (!this.#index.lookup(Buffer.from(id, 'hex'))) return false;
    this.#touches.set(id, Date.now());
    return true;
  }

  async get(id: ChunkId): Promise<Buffer> {
    this.#assertOpen();
    assertChunkId(id);
    await this.#inflight.get(id)?.catch(() => undefined);
    const idBytes = Buffer.from(id, 'hex');
    const loc = this.#pending.get(id) ?? this.#index.lookup(idBytes);
    if (!loc) throw new ChunkNotFoundError(id);
    // Same tick as the lookup: the reader is counted before compaction could retire the pack.
    return this.#readers.with(loc.pack, (fh) => readRecord(fh, id, idBytes, loc)).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ChunkPermanentError(id, `pack ${loc.pack} is missing`);
      throw err;
    });
  }

  async hasMany(ids: readonly ChunkId[]): Promise<boolean[]> {
    this.#assertOpen();
    ids.forEach((id) => assertChunkId(id));
    await Promise.all(ids.map((id) => this.#inflight.get(id)?.catch(() => undefined)));
    return ids.map((id) => this.#pending.has(id) || this.#index.lookup(Buffer.from(id, 'hex')) !== undefined);
  }

  async delete(ids: readonly ChunkId[], options: DeleteOptions = {}): Promise<ChunkId[]> {
    this.#assertOpen();
    ids.forEach((id) => assertChunkId(id));
    await Promise.all(ids.map((id) => this.#inflight.get(id)?.catch(() => undefined)));
    // From here on no await: the write times checked are the ones a put or touch could change.
    const before = options.writtenBefore;
    const kept = before === undefined ? [] : ids.filter((id) => (this.#writtenAt(id) ?? -Infinity) >= before);
    if (kept.length) ids = ids.filter((id) => !kept.includes(id));
    for (const id of ids) {
      const pending = this.#pending.get(id);
      if (pending) {
        this.#pending.delete(id);
        this.#settled(pending.pack);
        const end = pending.offset + RECORD_HEADER_SIZE + pending.size;
        this.#deadEnds.set(pending.pack, Math.max(end, this.#deadEnds.get(pending.pack) ?? 0));
      }
      this.#touches.delete(id);
    }
    this.#index.deleteMany(ids.map((id) => Buffer.from(id, 'hex')));
    return kept;
  }

  /** The latest write time of a stored chunk (pending, touched or indexed); undefined if absent. */
  #writtenAt(id: ChunkId): number | undefined {
    return latestWrite(this.#pending.get(id), this.#index.lookup(Buffer.from(id, 'hex'))?.writtenAt, this.#touches.get(id));
  }


  list(): AsyncIterable<ChunkStat> {
    return listPendingThenIndexed({
      pending: () => [...this.#pending.values()].map((p) => ({ stat: { id: p.key, size: p.size, writtenAt: p.writtenAt }, stillPending: () => this.#pending.get(p.key) === p })),
      page: (after, limit) => this.#index.page(after, limit),
      touchedAt: (id) => this.#touches.get(id),
      assertOpen: () => this.#assertOpen(),
    });
  }


  /** Group commit: callers arriving during a flush share the next one. */
  flush(): Promise<void> {
    this.#assertOpen();
    return this.#flush();
  }

  compact(): Promise<{ reclaimedBytes: number }> {
    this.#assertOpen();
    // One compaction at a time; a caller arriving during one gets a fresh pass after it.
    const run = (this.#compacting ?? Promise.resolve()).catch(() => undefined).then(() => this.#compactOnce());
    this.#compacting = run;
    run.then(
      () => this.#compactionDone(run),
      () => this.#compactionDone(run),
    );
    return run;
  }

  #compactionDone(run: Promise<unknown>): void {
    if (this.#compacting === run) this.#compacting = undefined;
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    await this.#quiesce();
    await this.#closeHandles();
    this.#index.clear();
    for (const m of [this.#pending, this.#touches, this.#unindexed, this.#deadEnds]) m.clear();
    this.#dirtyPacks.clear();
    this.#dirtyDirs.clear();
    await rm(join(this.dir, 'packs'), { recursive: true, force: true });
    await mkdir(join(this.dir, 'packs'));
    fsyncDirSync(this.dir);
    this.#activateNewPack();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#quiesce();
    await this.#flush();
    this.#closed = true;
    await this.#closeHandles();
    this.#index.close();
  }

  // --- writing ---

  async #append(id: ChunkId, idBytes: Buffer, data: Buffer): Promise<void> {
    const writtenAt = Date.now();
    const header = encodeRecordHeader(idBytes, data, writtenAt);
    const length = RECORD_HEADER_SIZE + data.length;
    if (this.#active.end > 0 && this.#active.end + length > this.#packBytes) this.#activateNewPack();
    const { pack } = this.#active;
    const offset = this.#active.end;
    this.#active.end += length;
    this.#unindexed.set(pack, (this.#unindexed.get(pack) ?? 0) + 1);
    const writer = this.#writer(pack);
    writer.inflight++;
    try {
      await writeFully(await writer.fh, [header, data], offset);
    } catch (err) {
      this.#settled(pack);
      throw err;
    } finally {
      writer.inflight--;
    }
    this.#dirtyPacks.add(pack);
    this.#pending.set(id, { key: id, id: idBytes, pack, offset, size: data.length, writtenAt });
  }

  #writer(pack: number): Writer {
    let writer = this.#writers.get(pack);
    if (!writer) {
      const fh = (async () => {
        const dir = packDir(this.dir, pack);
        if (await mkdir(dir, { recursive: true })) this.#dirtyDirs.add(join(this.dir, 'packs'));
        this.#dirtyDirs.add(dir); // the new file's directory entry
        return openForWrite(packPath(this.dir, pack));
      })();
      fh.catch(() => undefined); // awaited by every write
      writer = { fh, inflight: 0 };
      this.#writers.set(pack, writer);
    }
    return writer;
  }

  /** Seals the active pack (its writer closes once its writes are flushed) and starts another. */
  #activateNewPack(): void {
    const pack = this.#nextPack++;
    this.#index.activate(pack); // the row comes before the file: a file without a row is debris
    this.#active = { pack, end: 0 };
  }

  #settled(pack: number): void {
    const n = (this.#unindexed.get(pack) ?? 0) - 1;
    if (n > 0) this.#unindexed.set(pack, n);
    else this.#unindexed.delete(pack);
  }

  #flush(): Promise<void> {
    if (!this.#flushing) {
      const run = this.#flushOnce().finally(() => {
        this.#flushing = undefined;
      });
      this.#flushing = run;
      return run;
    }
    // A put that resolved after the running flush took its snapshot needs the next one.
    this.#flushQueued ??= this.#flushing.then(
      () => this.#startQueued(),
      () => this.#startQueued(),
    );
    return this.#flushQueued;
  }

  #startQueued(): Promise<void> {
    this.#flushQueued = undefined;
    return this.#flush();
  }

  async #flushOnce(): Promise<void> {
    const entries = [...this.#pending.values()];
    const touches = [...this.#touches];
    const deadEnds = [...this.#deadEnds];
    const packs = [...this.#dirtyPacks];
    const dirs = [...this.#dirtyDirs];
    // nothing new: still make sure the last commit's sync happened (it may have failed)
    if (!entries.length && !touches.length && !deadEnds.length && !packs.length && !dirs.length) return this.#index.durable();
    this.#dirtyPacks.clear();
    this.#dirtyDirs.clear();
    try {
      for (const pack of packs) {
        const writer = this.#writers.get(pack);
        if (writer) await (await writer.fh).sync();
      }
      for (const dir of dirs) await fsyncDir(dir);
    } catch (err) {
      packs.forEach((p) => this.#dirtyPacks.add(p));
      dirs.forEach((d) => this.#dirtyDirs.add(d));
      throw err;
    }
    // Data is on disk; now the index. A delete since the snapshot wins over its entry.
    const live = entries.filter((e) => this.#pending.get(e.key) === e);
    const ends = new Map<number, number>(deadEnds);
    for (const e of live) ends.set(e.pack, Math.max(ends.get(e.pack) ?? 0, e.offset + RECORD_HEADER_SIZE + e.size));
    this.#index.commit(
      live,
      ends,
      touches.map(([id, at]): [Buffer, number] => [Buffer.from(id, 'hex'), at]),
    );
    for (const e of live) {
      this.#pending.delete(e.key);
      this.#settled(e.pack);
    }
    for (const [id, at] of touches) if (this.#touches.get(id) === at) this.#touches.delete(id);
    for (const [pack, end] of deadEnds) if (this.#deadEnds.get(pack) === end) this.#deadEnds.delete(pack);
    await this.#index.durable();
    // Writers of sealed packs with nothing left to write or sync are closed.
    for (const [pack, writer] of this.#writers) {
      if (pack === this.#active.pack || writer.inflight > 0 || this.#dirtyPacks.has(pack)) continue;
      this.#writers.delete(pack);
      await closeQuietly(writer.fh);
    }
  }

  // --- compaction ---

  async #compactOnce(): Promise<{ reclaimedBytes: number }> {
    // The active pack takes part once it is dead enough: seal it so nothing appends to it.
    const active = this.#active;
    if (active.end > 0) {
      let live = this.#index.liveBytes(active.pack, RECORD_HEADER_SIZE);
      for (const p of this.#pending.values()) if (p.pack === active.pack) live += RECORD_HEADER_SIZE + p.size;
      if ((active.end - live) / active.end >= this.#deadRatio) this.#activateNewPack();
    }
    await this.#flush();

    const victims: { pack: number; bytes: number }[] = [];
    for (const row of this.#index.packs()) {
      if (!this.#compactable(row)) continue;
      const bytes = await stat(packPath(this.dir, row.id)).then(
        (s) => s.size,
        () => 0,
      );
      const live = this.#index.liveBytes(row.id, RECORD_HEADER_SIZE);
      if (bytes === 0 || (bytes - live) / bytes >= this.#deadRatio) victims.push({ pack: row.id, bytes });
    }
    if (!victims.length) return { reclaimedBytes: 0 };

    const { moves, outputs } = await copyLiveRecords(
      { dir: this.dir, index: this.#index, readers: this.#readers, packBytes: this.#packBytes, newPack: () => this.#nextPack++ },
      victims.map((v) => v.pack),
    );
    this.#index.switchPacks(moves, outputs, victims.map((v) => v.pack));

    for (const { pack } of victims) {
      await this.#readers.retire(pack);
      const writer = this.#writers.get(pack);
      if (writer) {
        this.#writers.delete(pack);
        await closeQuietly(writer.fh);
      }
      await unlink(packPath(this.dir, pack)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    for (const dir of new Set(victims.map((v) => packDir(this.dir, v.pack)))) await fsyncDir(dir);
    for (const { pack } of victims) this.#index.dropPack(pack);

    const written = outputs.reduce((n, o) => n + o.length, 0);
    return { reclaimedBytes: Math.max(0, victims.reduce((n, v) => n + v.bytes, 0) - written) };
  }

  #compactable(row: PackRow): boolean {
    return (
      row.state === 'sealed' &&
      row.id !== this.#active.pack &&
      !this.#unindexed.has(row.id) &&
      !this.#dirtyPacks.has(row.id) &&
      (this.#writers.get(row.id)?.inflight ?? 0) === 0
    );
  }

  // --- lifecycle ---

  async #quiesce(): Promise<void> {
    // Loop: a wait can let new work start.
    for (;;) {
      const work = [...this.#inflight.values(), this.#flushing, this.#flushQueued, this.#compacting].filter(
        (p): p is Promise<never> => p !== undefined,
      );
      if (!work.length) return;
      await Promise.allSettled(work);
    }
  }

  async #closeHandles(): Promise<void> {
    await this.#readers.closeAll();
    const writers = [...this.#writers.values()];
    this.#writers.clear();
    await Promise.all(writers.map((w) => closeQuietly(w.fh)));
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('chunk store is closed');
  }
}

async function readRecord(fh: FileHandle, id: ChunkId, idBytes: Buffer, loc: Location): Promise<Buffer> {
  const record = await readFully(fh, RECORD_HEADER_SIZE + loc.size, loc.offset);
  if (record.length < RECORD_HEADER_SIZE + loc.size) throw new ChunkPermanentError(id, `record truncated in pack ${loc.pack}`);
  const header = record.subarray(0, RECORD_HEADER_SIZE);
  const parsed = parseRecordHeader(header);
  if (!parsed || parsed.size !== loc.size || !parsed.id.equals(idBytes)) {
    throw new ChunkPermanentError(id, `record header in pack ${loc.pack} at ${loc.offset} does not match the index`);
  }
  const data = record.subarray(RECORD_HEADER_SIZE);
  if (!recordChecksumOk(header, data)) throw new ChunkPermanentError(id, `checksum mismatch in pack ${loc.pack}`);
  return data;
}

async function closeQuietly(fh: Promise<FileHandle>): Promise<void> {
  try {
    await (await fh).close();
  } catch {
    // never opened: nothing to close
  }
}
