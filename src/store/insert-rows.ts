// Many rows into one table, fast: Kysely builds and compiles an insert of N rows as an operation
// tree of N x columns nodes (~0.6 ms for 100 instance rows, ~2 ms for 400 narrower ones here),
// more than SQLite takes to insert them. Rows of one shape are written here as multi-row
// INSERTs whose text is made directly (so the prepared statement is reused per batch size),
// with the dialect's own placeholders (`?` or `$n`, found once by compiling a parameter).
import { CompiledQuery, sql, type Insertable, type Kysely, type RawBuilder } from 'kysely';

/** Bound values per statement: SQLite allows 32766, PostgreSQL 65535. */
const MAX_VALUES = 30_000;

const numberedPlaceholders = new WeakMap<object, boolean>();

function numbered(db: Kysely<any>): boolean {
  let known = numberedPlaceholders.get(db.getExecutor().adapter);
  if (known === undefined) {
    known = sql`${1}`.compile(db).sql.startsWith('$');
    numberedPlaceholders.set(db.getExecutor().adapter, known);
  }
  return known;
}

/** A clause's compiled text; it may not bind values (they would collide with the rows'). */
function parameterless(db: Kysely<any>, clause: RawBuilder<unknown>): string {
  const compiled = clause.compile(db);
  if (compiled.parameters.length) throw new Error('insertRows: an onConflict clause binds no values (use sql.lit)');
  return compiled.sql;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Inserts `rows` (all with the same keys, in the same order: rows made by one function) into
 * `table`, in as few statements as the parameter limit allows. Runs on `db`, which may be a
 * transaction. Rows of differing shapes, or with undefined values, go through Kysely's builder.
 * `ignoreConflicts`: a row a unique key already holds is skipped (ON CONFLICT DO NOTHING, which
 * SQLite and PostgreSQL both have); `onConflict`: that clause, written out (an upsert's ON
 * CONFLICT … DO UPDATE, without parameters: its text is appended as compiled); `rowsPerStatement`
 * caps a statement's rows below the parameter limit.
 */
export async function insertRows<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  rows: readonly Insertable<DB[T]>[],
  options: { ignoreConflicts?: boolean; onConflict?: RawBuilder<unknown>; rowsPerStatement?: number } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  // (an undefined value means "the column's default" to Kysely: that row shape is left to it)
  const sameShape = rows.every((r) => {
    const keys = Object.keys(r as object);
    return keys.length === columns.length && keys.every((k, i) => k === columns[i] && (r as Record<string, unknown>)[k] !== undefined);
  });
  if (!sameShape || columns.length === 0) {
    const widest = new Set(rows.flatMap((r) => Object.keys(r as object))).size;
    const perStatement = Math.max(1, Math.min(options.rowsPerStatement ?? Infinity, Math.floor(MAX_VALUES / Math.max(1, widest))));
    for (let start = 0; start < rows.length; start += perStatement) {
      const q = db.insertInto(table).values(rows.slice(start, start + perStatement) as never);
      await (options.onConflict ? q.modifyEnd(options.onConflict) : options.ignoreConflicts ? q.onConflict((oc) => oc.doNothing()) : q).execute();
    }
    return;
  }
  const dollar = numbered(db as Kysely<any>);
  const perStatement = Math.max(1, Math.min(options.rowsPerStatement ?? Infinity, Math.floor(MAX_VALUES / columns.length)));
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `;
  const tail = options.onConflict ? ` ${parameterless(db as Kysely<any>, options.onConflict)}` : options.ignoreConflicts ? ' on conflict do nothing' : '';
  for (let start = 0; start < rows.length; start += perStatement) {
    const end = Math.min(rows.length, start + perStatement);
    const params: unknown[] = [];
    for (let i = start; i < end; i++) {
      const row = rows[i] as Record<string, unknown>;
      for (const c of columns) params.push(row[c]);
    }
    await db.executeQuery(CompiledQuery.raw(head + valuesText(dollar, columns.length, end - start) + tail, params));
  }
}

/** the VALUES tuples of small statements, made once (an audit round's 1, 2, 4 … 64 rows) */
const tuplesMade = new Map<string, string>();

/** `(?, ?), (?, ?)` or `($1, $2), ($3, $4)`: `rows` tuples of `width` placeholders */
function valuesText(dollar: boolean, width: number, rows: number): string {
  const key = `${dollar ? '$' : '?'}${width}x${rows}`;
  const made = tuplesMade.get(key);
  if (made !== undefined) return made;
  const tuples: string[] = [];
  for (let r = 0, n = 0; r < rows; r++) {
    const slots: string[] = [];
    for (let c = 0; c < width; c++) slots.push(dollar ? `$${++n}` : '?');
    tuples.push(`(${slots.join(', ')})`);
  }
  const text = tuples.join(', ');
  if (rows <= 64 && tuplesMade.size < 1000) tuplesMade.set(key, text);
  return text;
}
