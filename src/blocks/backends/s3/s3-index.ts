// The S3 store's local index: where each chunk is (pack, offset, size), which records are dead
// and which tombstone objects say so. A cache of the bucket, never its truth: it is rebuilt
// from pack footers and tombstones when lost or stale (s3-sync.ts), so it commits without
// fsyncs (WAL, synchronous=NORMAL: a process crash loses nothing, a power loss only work that
// is redone). Locked exclusively while open: one store per cache directory.
//
// One chunk id can have records in several packs (content addressing: two nodes stored it, or a
// node stored again a chunk a GC condemned; a compaction's output while its victim still
// exists). `chunks` holds the one reads use, with the latest write time of them all; `copies`
// the others. A tombstone or a vanished pack removes only its own record, and when that was the
// one in `chunks`, a copy takes its place: a delete of an old record never hides a newer one.
import BetterSqlite3 from 'better-sqlite3';
import { CHUNKS_TABLE, type Move } from '../fs/pack-index.js';

export type { Move };

export type PackState = 'staged' | 'live' | 'retired';

export interface PackRow {
  id: number;
  key: string;
  /** object size (0 while staged) */
  length: number;
  state: PackState;
}

export interface Location {
  pack: number;
  packKey: string;
  offset: number;
  size: number;
  writtenAt: number;
}

export interface IndexEntry {
  id: Buffer;
  offset: number;
  size: number;
  writtenAt: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS packs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  length INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('staged', 'live', 'retired'))
);
${CHUNKS_TABLE}
-- records deleted from packs that still exist; tombstone NULL: not written to the bucket yet
CREATE TABLE IF NOT EXISTS dead (
  pack INTEGER NOT NULL,
  chunk BLOB NOT NULL,
  tombstone TEXT,
  PRIMARY KEY (pack, chunk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dead_by_tombstone ON dead (tombstone);
-- tombstone objects applied to this index
CREATE TABLE IF NOT EXISTS tombstones (key TEXT PRIMARY KEY) WITHOUT ROWID;
-- other live records of chunks indexed in chunks (see the header)
CREATE TABLE IF NOT EXISTS copies (
  id BLOB NOT NULL,
  pack INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  size INTEGER NOT NULL,
  written_at INTEGER NOT NULL,
  PRIMARY KEY (id, pack)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS copies_by_pack ON copies (pack);
`;

/** The index's layout; a cache of another layout is rebuilt from the bucket. */
export const INDEX_FORMAT = '2';

type Row<T> = T | undefined;

export class S3Index {
  readonly #db: BetterSqlite3.Database;
  readonly #lookup: BetterSqlite3.Statement<[Buffer], { pack: number; key: string; offset: number; size: number; written_at: number }>;
  readonly #insert: BetterSqlite3.Statement<[Buffer, number, number, number, number]>;
  readonly #touch: BetterSqlite3.Statement<[number, Buffer]>;
  readonly #remove: BetterSqlite3.Statement<[Buffer], { pack: number }>;
  readonly #addDead: BetterSqlite3.Statement<[number, Buffer]>;
  readonly #page: BetterSqlite3.Statement<[Buffer, number], { id: Buffer; size: number; written_at: number }>;
  readonly #current: BetterSqlite3.Statement<[Buffer], { pack: number; offset: number; size: number; written_at: number }>;
  readonly #addCopy: BetterSqlite3.Statement<[Buffer, number, number, number, number]>;
  readonly #removeCopies: BetterSqlite3.Statement<[Buffer], { pack: number }>;

  constructor(path: string) {
    this.#db = new BetterSqlite3(path, { timeout: 1000 });
    try {
      this.#db.pragma('locking_mode = EXCLUSIVE');
      this.#db.pragma('journal_mode = WAL');
      this.#db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.#db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new Error(`S3 chunk store cache ${path} is in use by another store or process`);
      throw err;
    }
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
    this.#lookup = this.#db.prepare('SELECT c.pack, p.key, c.offset, c.size, c.written_at FROM chunks c JOIN packs p ON p.id = c.pack WHERE c.id = ?');
    this.#insert = this.#db.prepare('INSERT OR IGNORE INTO chunks (id, pack, offset, size, written_at) VALUES (?, ?, ?, ?, ?)');
    this.#touch = this.#db.prepare('UPDATE chunks SET written_at = max(written_at, ?) WHERE id = ?');
    this.#remove = this.#db.prepare('DELETE FROM chunks WHERE id = ? RETURNING pack');
    this.#addDead = this.#db.prepare('INSERT OR IGNORE INTO dead (pack, chunk, tombstone) VALUES (?, ?, NULL)');
    this.#page = this.#db.prepare('SELECT id, size, written_at FROM chunks WHERE id > ? ORDER BY id LIMIT ?');
    this.#current = this.#db.prepare('SELECT pack, offset, size, written_at FROM chunks WHERE id = ?');
    this.#addCopy = this.#db.prepare('INSERT OR REPLACE INTO copies (id, pack, offset, size, written_at) VALUES (?, ?, ?, ?, ?)');
    this.#removeCopies = this.#db.prepare('DELETE FROM copies WHERE id = ? RETURNING pack');
  }

  meta(key: string): string | undefined {
    return (this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row<{ value: string }>)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  lookup(id: Buffer): Location | undefined {
    const r = this.#lookup.get(id);
    return r && { pack: r.pack, packKey: r.key, offset: r.offset, size: r.size, writtenAt: r.written_at };
  }

  /** A pack row before its object exists (staged: its records are in the local spool). */
  stagePack(key: string): number {
    return Number(this.#db.prepare("INSERT INTO packs (key, length, state) VALUES (?, 0, 'staged')").run(key).lastInsertRowid);
  }

  /**
   * A pack's object is in the bucket: the pack goes live with its entries and the write times
   * refreshed meanwhile, in one transaction. An id indexed in another pack keeps both records:
   * `own` (this node wrote the pack: the record is the newest) makes the new one the read
   * location, else it is a copy.
   */
  commitPack(pack: number, length: number, entries: readonly IndexEntry[], touches: Iterable<[Buffer, number]> = [], own = false): void {
    this.#db.transaction(() => {
      this.#db.prepare("UPDATE packs SET length = ?, state = 'live' WHERE id = ?").run(length, pack);
      for (const e of entries) {
        if (this.#insert.run(e.id, pack, e.offset, e.size, e.writtenAt).changes) continue;
        const current = this.#current.get(e.id);
        if (!current || current.pack === pack) continue;
        if (own) {
          this.#addCopy.run(e.id, current.pack, current.offset, current.size, current.written_at);
          this.#db.prepare('UPDATE chunks SET pack = ?, offset = ?, size = ?, written_at = max(written_at, ?) WHERE id = ?').run(pack, e.offset, e.size, e.writtenAt, e.id);
        } else {
          this.#addCopy.run(e.id, pack, e.offset, e.size, e.writtenAt);
          this.#touch.run(e.writtenAt, e.id);
        }
      }
      for (const [id, at] of touches) this.#touch.run(at, id);
    })();
  }

  touch(touches: Iterable<[Buffer, number]>): void {
    this.#db.transaction(() => {
      for (const [id, at] of touches) this.#touch.run(at, id);
    })();
  }

  /** Removes chunks from the index; their records (every copy) become dead rows awaiting a tombstone. */
  remove(ids: readonly Buffer[]): void {
    this.#db.transaction(() => {
      for (const id of ids) {
        const r = this.#remove.get(id);
        if (r) this.#addDead.run(r.pack, id);
        for (const c of this.#removeCopies.all(id)) this.#addDead.run(c.pack, id);
      }
    })();
  }

  /**
   * Forgets one record of a chunk (its pack is gone, or a tombstone names it). When it was the
   * record reads use, the newest copy takes its place, keeping the latest write time.
   */
  #dropRecord(id: Buffer, pack: number): void {
    const dropped = this.#db.prepare('DELETE FROM chunks WHERE id = ? AND pack = ? RETURNING written_at').get(id, pack) as Row<{ written_at: number }>;
    if (dropped) this.#promote(id, dropped.written_at);
    else this.#db.prepare('DELETE FROM copies WHERE id = ? AND pack = ?').run(id, pack);
  }

  #promote(id: Buffer, writtenAt: number): void {
    const copy = this.#db.prepare('SELECT pack, offset, size, written_at FROM copies WHERE id = ? ORDER BY written_at DESC, pack DESC LIMIT 1').get(id) as Row<{ pack: number; offset: number; size: number; written_at: number }>;
    if (!copy) return;
    this.#db.prepare('DELETE FROM copies WHERE id = ? AND pack = ?').run(id, copy.pack);
    this.#insert.run(id, copy.pack, copy.offset, copy.size, Math.max(copy.written_at, writtenAt));
  }

  /** A record of a staged pack deleted after its footer was sealed. */
  addDead(pack: number, id: Buffer): void {
    this.#addDead.run(pack, id);
  }

  /** A re-put into the same staged pack after a delete: that record is live again. */
  undead(pack: number, id: Buffer): void {
    this.#db.prepare('DELETE FROM dead WHERE pack = ? AND chunk = ? AND tombstone IS NULL').run(pack, id);
  }

  /** Forgets a pack's dead records (a pack sealed or uploaded without them in its footer). */
  clearDead(pack: number | string): void {
    if (typeof pack === 'number') this.#db.prepare('DELETE FROM dead WHERE pack = ?').run(pack);
    else this.#db.prepare('DELETE FROM dead WHERE pack = (SELECT id FROM packs WHERE key = ?)').run(pack);
  }

  deadRecords(): { pack: number; packKey: string; chunk: Buffer }[] {
    return this.#db.prepare('SELECT d.pack, p.key AS packKey, d.chunk FROM dead d JOIN packs p ON p.id = d.pack').all() as { pack: number; packKey: string; chunk: Buffer }[];
  }

  /** Dead records no tombstone object names yet. */
  untombstoned(): { pack: number; packKey: string; chunk: Buffer }[] {
    return (this.#db.prepare('SELECT d.pack, p.key AS packKey, d.chunk FROM dead d JOIN packs p ON p.id = d.pack WHERE d.tombstone IS NULL').all() as { pack: number; packKey: string; chunk: Buffer }[]);
  }

  /** The tombstone object `key` now names these dead records. */
  tombstoned(key: string, rows: readonly { pack: number; chunk: Buffer }[]): void {
    this.#db.transaction(() => {
      const set = this.#db.prepare('UPDATE dead SET tombstone = ? WHERE pack = ? AND chunk = ? AND tombstone IS NULL');
      for (const r of rows) set.run(key, r.pack, r.chunk);
      this.#db.prepare('INSERT OR IGNORE INTO tombstones (key) VALUES (?)').run(key);
    })();
  }

  /** A tombstone object read from the bucket: its records are dead here too. */
  applyTombstone(key: string, entries: readonly { chunk: Buffer; packKey: string }[]): void {
    this.#db.transaction(() => {
      const pack = this.#db.prepare('SELECT id FROM packs WHERE key = ?');
      const dead = this.#db.prepare('INSERT INTO dead (pack, chunk, tombstone) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET tombstone = coalesce(tombstone, excluded.tombstone)');
      for (const e of entries) {
        const row = pack.get(e.packKey) as Row<{ id: number }>;
        if (!row) continue;
        this.#dropRecord(e.chunk, row.id);
        dead.run(row.id, e.chunk, key);
      }
      this.#db.prepare('INSERT OR IGNORE INTO tombstones (key) VALUES (?)').run(key);
    })();
  }

  knownTombstones(): Set<string> {
    return new Set((this.#db.prepare('SELECT key FROM tombstones').all() as { key: string }[]).map((r) => r.key));
  }

  /** Tombstone objects whose every record is gone with its pack: they can be deleted. */
  obsoleteTombstones(): string[] {
    return (this.#db.prepare('SELECT key FROM tombstones t WHERE NOT EXISTS (SELECT 1 FROM dead d WHERE d.tombstone = t.key)').all() as { key: string }[]).map((r) => r.key);
  }

  forgetTombstones(keys: readonly string[]): void {
    this.#db.transaction(() => {
      const del = this.#db.prepare('DELETE FROM tombstones WHERE key = ?');
      for (const k of keys) del.run(k);
    })();
  }

  /** Up to `limit` chunks with ids greater than `after`, in id order. */
  page(after: Buffer, limit: number): { id: Buffer; size: number; writtenAt: number }[] {
    return this.#page.all(after, limit).map((r) => ({ id: r.id, size: r.size, writtenAt: r.written_at }));
  }

  packs(): PackRow[] {
    return this.#db.prepare('SELECT id, key, length, state FROM packs ORDER BY id').all() as PackRow[];
  }

  /** Record bytes (headers included) of the pack still referenced by the index (copies too). */
  liveBytes(pack: number, headerSize: number): number {
    let bytes = 0;
    for (const table of ['chunks', 'copies']) {
      const r = this.#db.prepare(`SELECT sum(size) + count(*) * ? AS bytes FROM ${table} WHERE pack = ?`).get(headerSize, pack) as { bytes: number | null };
      bytes += r.bytes ?? 0;
    }
    return bytes;
  }

  /** The pack's live records, read locations and copies, by offset. */
  packChunks(pack: number): IndexEntry[] {
    const rows = this.#db
      .prepare('SELECT id, offset, size, written_at FROM chunks WHERE pack = ? UNION ALL SELECT id, offset, size, written_at FROM copies WHERE pack = ? ORDER BY offset')
      .all(pack, pack) as { id: Buffer; offset: number; size: number; written_at: number }[];
    return rows.map((r) => ({ id: r.id, offset: r.offset, size: r.size, writtenAt: r.written_at }));
  }

  /**
   * Compaction's switch, one transaction: records move to the output packs (only where the
   * index still has the copied record: a concurrent delete or re-put wins; several records of
   * one chunk may move to one output record), the outputs go live, the victims are retired and
   * their dead records and leftover copies forgotten.
   */
  switchPacks(moves: readonly Move[], outputs: readonly { id: number; length: number }[], victims: readonly number[]): void {
    this.#db.transaction(() => {
      const move = this.#db.prepare('UPDATE chunks SET pack = ?, offset = ? WHERE id = ? AND pack = ? AND offset = ?');
      const moveCopy = this.#db.prepare('UPDATE OR REPLACE copies SET pack = ?, offset = ? WHERE id = ? AND pack = ? AND offset = ?');
      const moved = new Map<string, Move>();
      for (const m of moves) {
        if (move.run(m.toPack, m.toOffset, m.id, m.fromPack, m.fromOffset).changes === 0) moveCopy.run(m.toPack, m.toOffset, m.id, m.fromPack, m.fromOffset);
        moved.set(`${m.toPack}/${m.id.toString('hex')}`, m);
      }
      const copyOfSelf = this.#db.prepare('DELETE FROM copies WHERE id = ? AND pack = (SELECT pack FROM chunks WHERE id = ?)');
      const held = this.#db.prepare('SELECT 1 FROM chunks WHERE id = ? AND pack = ? UNION ALL SELECT 1 FROM copies WHERE id = ? AND pack = ?');
      for (const m of moved.values()) {
        copyOfSelf.run(m.id, m.id);
        // a copy whose chunk was deleted meanwhile is dead in its new pack (its footer lists it)
        if (!held.get(m.id, m.toPack, m.id, m.toPack)) this.#addDead.run(m.toPack, m.id);
      }
      const live = this.#db.prepare("UPDATE packs SET length = ?, state = 'live' WHERE id = ?");
      for (const o of outputs) live.run(o.length, o.id);
      const retire = this.#db.prepare("UPDATE packs SET state = 'retired' WHERE id = ?");
      const forget = this.#db.prepare('DELETE FROM dead WHERE pack = ?');
      const forgetCopies = this.#db.prepare('DELETE FROM copies WHERE pack = ?');
      for (const v of victims) {
        retire.run(v);
        forget.run(v);
        forgetCopies.run(v);
      }
    })();
  }

  /** Forgets packs whose objects are gone: their rows, records (a copy elsewhere takes over) and dead records. */
  dropPacks(ids: readonly number[]): void {
    this.#db.transaction(() => {
      for (const id of ids) this.#db.prepare('DELETE FROM copies WHERE pack = ?').run(id);
      for (const id of ids) {
        const gone = this.#db.prepare('DELETE FROM chunks WHERE pack = ? RETURNING id, written_at').all(id) as { id: Buffer; written_at: number }[];
        for (const r of gone) this.#promote(r.id, r.written_at);
        this.#db.prepare('DELETE FROM dead WHERE pack = ?').run(id);
        this.#db.prepare('DELETE FROM packs WHERE id = ?').run(id);
      }
    })();
  }

  /** A pack found in the bucket that this index did not know (or knew only as staged). */
  addLivePack(key: string, length: number): number {
    const existing = this.#db.prepare('SELECT id FROM packs WHERE key = ?').get(key) as Row<{ id: number }>;
    if (existing) {
      this.#db.prepare("UPDATE packs SET length = ?, state = 'live' WHERE id = ?").run(length, existing.id);
      return existing.id;
    }
    return Number(this.#db.prepare("INSERT INTO packs (key, length, state) VALUES (?, ?, 'live')").run(key, length).lastInsertRowid);
  }

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
  }

  /** Packs holding a live record of the chunk, the one reads use first. */
  recordsOf(id: Buffer): string[] {
    const rows = this.#db
      .prepare('SELECT p.key FROM chunks c JOIN packs p ON p.id = c.pack WHERE c.id = ? UNION ALL SELECT p.key FROM copies c JOIN packs p ON p.id = c.pack WHERE c.id = ?')
      .all(id, id) as { key: string }[];
    return rows.map((r) => r.key);
  }

  clear(): void {
    this.#db.transaction(() => {
      for (const t of ['chunks', 'copies', 'dead', 'tombstones', 'packs']) this.#db.prepare(`DELETE FROM ${t}`).run();
    })();
  }

  close(): void {
    this.#db.close();
  }
}
