// Hot statements of a fixed shape, built once: Kysely builds an operation tree and compiles it
// to SQL on every call (expression builders, frozen nodes, a visit of the tree: ~30–80 µs for a
// point lookup or a job claim, more than SQLite takes to run it). A `prepared` statement is
// built and compiled once per dialect with stand-ins for its values, and each call only binds
// the values in the stand-ins' places — the same SQL text, so SQLite's prepared statement
// (dialects/sqlite.ts) and PostgreSQL's plan are reused as before.
//
// The builder must pass each argument straight into the query as a value (no arithmetic, no
// method calls on it, no lists whose length varies: those change the SQL's shape); values the
// builder writes itself are constants of the statement.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const STAND_IN = '\u0000imago-prepared-arg:';

interface Compiled {
  sql: string;
  /** per bound parameter: the argument's index, or a constant of the statement */
  slots: ({ arg: number } | { value: unknown })[];
  query: CompiledQuery['query'];
  queryId: CompiledQuery['queryId'];
}

export interface Prepared<A extends unknown[], R> {
  /** All rows. */
  all(db: Kysely<Database>, ...args: A): Promise<R[]>;
  /** The first row, if any. */
  first(db: Kysely<Database>, ...args: A): Promise<R | undefined>;
  /** Rows changed (UPDATE, DELETE, INSERT without RETURNING). */
  run(db: Kysely<Database>, ...args: A): Promise<number>;
}

export function prepared<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>): Prepared<A, R> {
  // per adapter (one per dialect instance: SQLite's `?`, PostgreSQL's `$n`)
  const cache = new WeakMap<object, Compiled>();
  const compiled = (db: Kysely<Database>, args: A): CompiledQuery<R> => {
    const adapter = db.getExecutor().adapter;
    let c = cache.get(adapter);
    if (!c) {
      const standIns = args.map((_, i) => `${STAND_IN}${i}`) as A;
      const q = build(db, ...standIns).compile();
      const slots = q.parameters.map((p) => (typeof p === 'string' && p.startsWith(STAND_IN) ? { arg: Number(p.slice(STAND_IN.length)) } : { value: p }));
      c = { sql: q.sql, slots, query: q.query, queryId: q.queryId };
      cache.set(adapter, c);
    }
    const parameters = c.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    return { sql: c.sql, parameters, query: c.query, queryId: c.queryId } as CompiledQuery<R>;
  };
  return {
    async all(db, ...args) {
      return (await db.executeQuery(compiled(db, args))).rows;
    },
    async first(db, ...args) {
      return (await db.executeQuery(compiled(db, args))).rows[0];
    },
    async run(db, ...args) {
      return Number((await db.executeQuery(compiled(db, args))).numAffectedRows ?? 0n);
    },
  };
}
