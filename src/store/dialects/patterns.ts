// EC2 filter patterns (`*` any run, `?` one character, backslash escapes a literal `*`, `?`
// or `\`) as SQL conditions, case-sensitive like EC2 filters: SQLite's GLOB (same wildcards;
// uses an index on a literal prefix), PostgreSQL's LIKE with `\` escapes (case-sensitive there;
// SQLite's LIKE is not). A pattern without wildcards becomes plain equality.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { DialectName } from './dialect.js';

export interface ParsedPattern {
  /** the literal value, when the pattern has no wildcard */
  literal?: string;
  /** the GLOB form */
  glob: string;
  /** the LIKE form (escape character `\`) */
  like: string;
}

/** A character LIKE would read as a wildcard or its escape, made literal. */
const likeLiteral = (c: string) => (c === '%' || c === '_' || c === '\\' ? `\\${c}` : c);

export function parsePattern(pattern: string): ParsedPattern {
  let glob = '';
  let like = '';
  let literal = '';
  let wild = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1])) {
      const next = pattern[++i];
      literal += next;
      glob += next === '\\' ? '\\' : `[${next}]`;
      like += likeLiteral(next);
    } else if (c === '*' || c === '?') {
      wild = true;
      glob += c;
      like += c === '*' ? '%' : '_';
    } else {
      literal += c;
      glob += c === '[' ? '[[]' : c === ']' ? '[]]' : c;
      like += likeLiteral(c);
    }
  }
  return wild ? { glob, like } : { glob, like, literal };
}

/** A condition no row meets, in SQL both engines accept (PostgreSQL has no integer truth). */
export const NEVER = sql<SqlBool>`1 = 0`;

/** `column` matches any of the patterns (OR). `column` is a trusted SQL reference. */
export function matchAny(dialect: DialectName, column: Expression<unknown>, patterns: readonly string[]): Expression<SqlBool> {
  if (patterns.length === 0) return NEVER;
  const parts = patterns.map((p) => {
    const parsed = parsePattern(p);
    if (parsed.literal !== undefined) return sql<SqlBool>`${column} = ${parsed.literal}`;
    return dialect === 'postgres' ? sql<SqlBool>`${column} LIKE ${parsed.like} ESCAPE '\\'` : sql<SqlBool>`${column} GLOB ${parsed.glob}`;
  });
  return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}
