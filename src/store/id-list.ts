// A long list of ids as ONE statement where the dialect allows it: on SQLite the ids go as a
// single JSON text parameter (`col IN (SELECT value FROM json_each(?))`), so a listing of
// thousands of resources reads its parts (block devices, tags, attachments) in one query
// whose SQL text, and so its prepared statement, never changes — instead of a query per 500
// ids, each with a 500-value list for Kysely to build and compile. On PostgreSQL (undefined
// here) callers keep their chunked IN lists (id-chunks.ts).
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { dialectOf } from './dialects/dialect.js';

/**
 * `column IN ids` as one expression, or undefined where the dialect takes the chunked form (and
 * for no ids: the chunked form runs no query at all).
 */
export function inIdList(db: Kysely<any>, column: string, ids: readonly string[]): Expression<SqlBool> | undefined {
  if (ids.length === 0 || dialectOf(db) !== 'sqlite') return undefined;
  return sql<SqlBool>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}
