// EC2 filter patterns (`*` any run, `?` one character, backslash escapes a literal `*`, `?`
// or `\`) as SQL conditions. SQLite's GLOB has the same wildcards, is case-sensitive like
// EC2 filters, and can use an index on a literal prefix; a pattern without wildcards becomes
// plain equality. (A PostgreSQL dialect would emit LIKE with escapes here.)
import { sql, type Expression, type SqlBool } from 'kysely';

export interface ParsedPattern {
  /** the literal value, when the pattern has no wildcard */
  literal?: string;
  /** the GLOB form */
  glob: string;
}

export function parsePattern(pattern: string): ParsedPattern {
  let glob = '';
  let literal = '';
  let wild = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1])) {
      const next = pattern[++i];
      literal += next;
      glob += next === '\\' ? '\\' : `[${next}]`;
    } else if (c === '*' || c === '?') {
      wild = true;
      glob += c;
    } else {
      literal += c;
      glob += c === '[' ? '[[]' : c === ']' ? '[]]' : c;
    }
  }
  return wild ? { glob } : { glob, literal };
}

/** `column` matches any of the patterns (OR). `column` is a trusted SQL reference. */
export function matchAny(column: Expression<unknown>, patterns: readonly string[]): Expression<SqlBool> {
  if (patterns.length === 0) return sql<SqlBool>`0`;
  const parts = patterns.map((p) => {
    const parsed = parsePattern(p);
    return parsed.literal !== undefined ? sql<SqlBool>`${column} = ${parsed.literal}` : sql<SqlBool>`${column} GLOB ${parsed.glob}`;
  });
  return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}
