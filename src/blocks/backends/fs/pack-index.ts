// Where each chunk lives: a small SQLite database beside the packs (better-sqlite3, WAL,
// synchronous=FULL so a commit is on disk when it returns — except `commit`, the flush's hot
// path, which syncs through `durable()` off the event loop —, locked exclusively while open). Only records already fsynced in their
// pack are ever inserted, so an entry never points at missing or partial data.
import BetterSqlite3 from 'better-sqlite3';
import { WalBarrier } from '../../../store/wal-barrier.js';

export type PackState = 'active' | 'sealed' | 'retired';

export interface PackRow {
  id: number;
  /** bytes of the pack covered by committed index entries: a crash scan starts here */
  length: number;
  state: PackState;
}

export interface Location {
  pack: number;
  offset: number;
  /** data bytes (the record header comes first) */
  size: number;
  writtenAt: number;
}

export interface IndexedChunk extends Location {
  id: Buffer;
}

export interface Move {
  id: Buffer;
  fromPack: number;
  fromOffset: number;
  toPack: number;
  toOffset: number;
}

/** Where each chunk is: the table both pack indexes share (fs here, s3/s3-index.ts). */
export const CHUNKS_TABLE = `
CREATE TABLE IF NOT EXISTS chunks (
  id BLOB PRIMARY KEY,
  pack INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  size INTEGER NOT NULL,
  written_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_pack ON chunks (pack, offset);
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS packs (
  id INTEGER PRIMARY KEY,
  length INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'sealed', 'retired'))
);
${CHUNKS_TABLE}`;

export class PackIndex {
  readonly #db: BetterSqlite3.Database;
  readonly #lookup: BetterSqlite3.Statement<[Buffer], { pack: number; offset: number; size: number; written_at: number }>;
  readonly #insert: BetterSqlite3.Statement<[Buffer, number, number, number, number]>;
  readonly #touch: BetterSqlite3.Statement<[number, Buffer]>;
  readonly #delete: BetterSqlite3.Statement<[Buffer]>;
  readonly #page: BetterSqlite3.Statement<[Buffer, number], { id: Buffer; size: number; written_at: number }>;
  readonly #packChunks: BetterSqlite3.Statement<
    [number, number, number],
    { id: Buffer; offset: number; size: number; written_at: number }
  >;
  readonly #liveBytes: BetterSqlite3.Statement<[number, number], { bytes: number | null }>;
  readonly #extendPack: BetterSqlite3.Statement<[number, number]>;
  readonly #move: BetterSqlite3.Statement<[number, number, Buffer, number, number]>;

  readonly #wal: WalBarrier;
  readonly #syncNormal: BetterSqlite3.Statement;
  readonly #syncFull: BetterSqlite3.Statement;

  constructor(path: string) {
    this.#wal = new WalBarrier(`${path}-wal`, true);
    this.#db = new BetterSqlite3(path, { timeout: 1000 });
    try {
      // One process owns a pack directory: two appending to the same pack would interleave
      // records. The exclusive lock is taken now and held until close (or process death).
      this.#db.pragma('locking_mode = EXCLUSIVE');
      this.#db.pragma('journal_mode = WAL');
      this.#db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.#db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new Error(`chunk store ${path} is in use by another store or process`);
      throw err;
    }
    this.#db.pragma('synchronous = FULL');
    this.#syncNormal = this.#db.prepare('PRAGMA synchronous = NORMAL');
    this.#syncFull = this.#db.prepare('PRAGMA synchronous = FULL');
    this.#db.exec(SCHEMA);
    this.#lookup = this.#db.prepare('SELECT pack, offset, size, written_at FROM chunks WHERE id = ?');
    this.#insert = this.#db.prepare(
      'INSERT OR IGNORE INTO chunks (id, pack, offset, size, written_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#touch = this.#db.prepare('UPDATE chunks SET written_at = max(written_at, ?) WHERE id = ?');
    this.#delete = this.#db.prepare('DELETE FROM chunks WHERE id = ?');
    this.#page = this.#db.prepare('SELECT id, size, written_at FROM chunks WHERE id > ? ORDER BY id LIMIT ?');
    this.#packChunks = this.#db.prepare(
      'SELECT id, offset, size, written_at FROM chunks WHERE pack = ? AND offset >= ? ORDER BY offset LIMIT ?',
    );
    this.#liveBytes = this.#db.prepare('SELECT sum(size) + count(*) * ? AS bytes FROM chunks WHERE pack = ?');
    this.#extendPack = this.#db.prepare('UPDATE packs SET length = max(length, ?) WHERE id = ?');
    this.#move = this.#db.prepare('UPDATE chunks SET pack = ?, offset = ? WHERE id = ? AND pack = ? AND offset = ?');
  }

  lookup(id: Buffer): Location | undefined {
    const row = this.#lookup.get(id);
    return row && { pack: row.pack, offset: row.offset, size: row.size, writtenAt: row.written_at };
  }

  /**
   * One transaction: new entries, the pack lengths they extend to, refreshed write times.
   * Committed without an fsync (the WAL append only): durable once `durable()` resolves. Until
   * then a power loss can only lose entries whose records are in their packs already, which
   * the recovery scan indexes again. The other writes (switches, deletes) stay FULL: what
   * follows them (removing pack files) must not outrun them.
   */
  commit(entries: readonly IndexedChunk[], packEnds: ReadonlyMap<number, number>, touches: Iterable<[Buffer, number]>) {
    this.#syncNormal.run();
    try {
      this.#db.transaction(() => {
        for (const e of entries) this.#insert.run(e.id, e.pack, e.offset, e.size, e.writtenAt);
        for (const [pack, end] of packEnds) this.#extendPack.run(end, pack);
        for (const [id, at] of touches) this.#touch.run(at, id);
      })();
    } finally {
      this.#syncFull.run();
    }
    this.#wal.noteWrite();
  }

  /** Resolves once every `commit` before the call is on stable storage (one WAL fdatasync, shared). */
  durable(): Promise<void> {
    return this.#wal.barrier();
  }

  deleteMany(ids: readonly Buffer[]): void {
    this.#db.transaction(() => {
      for (const id of ids) this.#delete.run(id);
    })();
  }

  /** Up to `limit` chunks with ids greater than `after`, in id order. */
  page(after: Buffer, limit: number): { id: Buffer; size: number; writtenAt: number }[] {
    return this.#page.all(after, limit).map((r) => ({ id: r.id, size: r.size, writtenAt: r.written_at }));
  }

  /** Chunks of one pack from `fromOffset` on, in offset order (compaction copies in batches). */
  packChunks(pack: number, fromOffset: number, limit: number): IndexedChunk[] {
    return this.#packChunks
      .all(pack, fromOffset, limit)
      .map((r) => ({ id: r.id, pack, offset: r.offset, size: r.size, writtenAt: r.written_at }));
  }

  /** Record bytes (headers included) of the pack still referenced by the index. */
  liveBytes(pack: number, headerSize: number): number {
    return this.#liveBytes.get(headerSize, pack)?.bytes ?? 0;
  }

  packs(): PackRow[] {
    return this.#db.prepare('SELECT id, length, state FROM packs ORDER BY id').all() as PackRow[];
  }

  /** Seals the current active pack (if any) and makes `id` the active one. */
  activate(id: number): void {
    this.#db.transaction(() => {
      this.#db.prepare("UPDATE packs SET state = 'sealed' WHERE state = 'active'").run();
      this.#db.prepare("INSERT INTO packs (id, length, state) VALUES (?, 0, 'active')").run(id);
    })();
  }

  /**
   * Compaction's switch, one transaction: the copies become the chunks' homes (only where the
   * entry still points at the copied record: a concurrent delete or re-put wins), the output
   * packs are registered, the victims retired.
   */
  switchPacks(moves: readonly Move[], outputs: readonly { id: number; length: number }[], victims: readonly number[]) {
    this.#db.transaction(() => {
      for (const m of moves) this.#move.run(m.toPack, m.toOffset, m.id, m.fromPack, m.fromOffset);
      const insert = this.#db.prepare("INSERT INTO packs (id, length, state) VALUES (?, ?, 'sealed')");
      for (const o of outputs) insert.run(o.id, o.length);
      const retire = this.#db.prepare("UPDATE packs SET state = 'retired' WHERE id = ?");
      for (const v of victims) retire.run(v);
    })();
  }

  dropPack(id: number): void {
    this.#db.prepare('DELETE FROM packs WHERE id = ?').run(id);
  }

  /** Crash recovery: records found complete past a pack's committed length. */
  recover(pack: number, entries: readonly IndexedChunk[], end: number): void {
    this.commit(entries, new Map([[pack, end]]), []);
  }

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
  }

  clear(): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM chunks').run();
      this.#db.prepare('DELETE FROM packs').run();
    })();
  }

  close(): void {
    void this.#wal.close();
    this.#db.close(); // checkpoints and syncs the WAL
  }
}
