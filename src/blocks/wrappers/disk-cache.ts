// The read cache on local disk: one file per chunk under 256 fan-out directories, each file the
// pack record format (fs/pack-record.ts: id, size and crc32 in a header), so a torn or rotten
// file is a miss, never wrong bytes. Bounded by `maxBytes`, least recently used first; the
// order lives in memory and is rebuilt from the files' access times when the cache is opened,
// so a restarted server keeps what it had. Files are written to a temporary name and renamed.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkId } from '../chunk-store.js';
import { RECORD_HEADER_SIZE, encodeRecordHeader, parseRecordHeader, recordChecksumOk } from '../backends/fs/pack-record.js';
import type { CacheStats, ChunkCache } from './read-cache.js';

export class DiskChunkCache implements ChunkCache {
  /** id -> file size, least recently used first */
  readonly #entries = new Map<ChunkId, number>();
  /** writes in flight; a delete meanwhile removes the file once written */
  readonly #writing = new Map<ChunkId, Promise<void>>();
  readonly #deleted = new Set<ChunkId>();
  readonly stats: CacheStats = { hits: 0, misses: 0, bytes: 0, entries: 0 };
  readonly #subdirs = new Set<string>();
  #seq = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
    const found: { id: ChunkId; size: number; at: number }[] = [];
    for (const sub of readdirSync(dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of readdirSync(join(dir, sub))) {
        const path = join(dir, sub, name);
        if (!/^[0-9a-f]{64}$/.test(name)) {
          void rm(path, { force: true }); // a write that never got renamed
          continue;
        }
        const st = statSync(path, { throwIfNoEntry: false });
        if (st) found.push({ id: name, size: st.size, at: Math.max(st.atimeMs, st.mtimeMs) });
      }
    }
    found.sort((a, b) => a.at - b.at);
    for (const f of found) this.#add(f.id, f.size);
    void this.#evict();
  }

  async get(id: ChunkId): Promise<Buffer | undefined> {
    if (!this.#entries.has(id)) {
      this.stats.misses++;
      return undefined;
    }
    let file: Buffer;
    try {
      file = await readFile(this.#path(id));
    } catch {
      this.#forget(id);
      this.stats.misses++;
      return undefined;
    }
    const header = file.subarray(0, RECORD_HEADER_SIZE);
    const parsed = parseRecordHeader(header);
    const data = file.subarray(RECORD_HEADER_SIZE);
    if (!parsed || parsed.size !== data.length || parsed.id.toString('hex') !== id || !recordChecksumOk(header, data)) {
      this.#forget(id);
      void unlink(this.#path(id)).catch(() => undefined);
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    this.#entries.delete(id);
    this.#entries.set(id, file.length);
    return data;
  }

  /** Starts writing and returns: readers do not wait for the cache's disk. */
  async set(id: ChunkId, data: Buffer): Promise<void> {
    if (this.#entries.has(id) || this.#writing.has(id) || RECORD_HEADER_SIZE + data.length > this.maxBytes) return;
    const file = Buffer.concat([encodeRecordHeader(Buffer.from(id, 'hex'), data, Date.now()), data]);
    this.#deleted.delete(id);
    const write = (async () => {
      const path = this.#path(id);
      const tmp = `${path}.${process.pid}.${this.#seq++}`;
      try {
        await writeFile(tmp, file);
        await rename(tmp, path);
      } catch {
        await rm(tmp, { force: true });
        return;
      }
      if (this.#deleted.delete(id)) await unlink(path).catch(() => undefined);
      else {
        this.#add(id, file.length);
        await this.#evict();
      }
    })().finally(() => this.#writing.delete(id));
    this.#writing.set(id, write);
  }

  async delete(ids: readonly ChunkId[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        if (this.#writing.has(id)) this.#deleted.add(id);
        if (!this.#entries.has(id)) return;
        this.#forget(id);
        await unlink(this.#path(id)).catch(() => undefined);
      }),
    );
  }

  async clear(): Promise<void> {
    for (const id of this.#writing.keys()) this.#deleted.add(id);
    const ids = [...this.#entries.keys()];
    ids.forEach((id) => this.#forget(id));
    await Promise.all(ids.map((id) => unlink(this.#path(id)).catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#writing.values()]);
  }

  #path(id: ChunkId): string {
    const sub = join(this.dir, id.slice(0, 2));
    if (!this.#subdirs.has(sub)) {
      mkdirSync(sub, { recursive: true });
      this.#subdirs.add(sub);
    }
    return join(sub, id);
  }

  #add(id: ChunkId, size: number): void {
    this.#entries.set(id, size);
    this.stats.bytes += size;
    this.stats.entries = this.#entries.size;
  }

  #forget(id: ChunkId): void {
    const size = this.#entries.get(id);
    if (size === undefined) return;
    this.#entries.delete(id);
    this.stats.bytes -= size;
    this.stats.entries = this.#entries.size;
  }

  async #evict(): Promise<void> {
    const victims: ChunkId[] = [];
    for (const id of this.#entries.keys()) {
      if (this.stats.bytes <= this.maxBytes) break;
      this.#forget(id);
      victims.push(id);
    }
    await Promise.all(victims.map((id) => unlink(this.#path(id)).catch(() => undefined)));
  }
}
