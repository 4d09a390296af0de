// IN lists in chunks: a statement binds at most 32766 values in SQLite, and a fixed chunk size
// keeps the statement text, so its cached preparation, the same for every full chunk.
export const IDS_PER_STATEMENT = 500;

export function* idChunks(ids: readonly string[]): Generator<string[]> {
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) yield ids.slice(i, i + IDS_PER_STATEMENT);
}

/** One query per chunk of ids; their rows in chunk order. */
export async function selectInChunks<R>(ids: readonly string[], query: (chunk: string[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const chunk of idChunks(ids)) out.push(...(await query(chunk)));
  return out;
}
