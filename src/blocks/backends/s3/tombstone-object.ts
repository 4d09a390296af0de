// A tombstone object: records deleted from packs that still exist. `[pack, chunk]` pairs, so a
// chunk re-put into another pack later is not touched by an older tombstone. Immutable like
// every object here; compaction deletes a tombstone once every pack it names is gone.
export interface DeadRecord {
  packKey: string;
  chunk: Buffer;
}

interface TombstoneJson {
  v: 1;
  dead: [string, string][];
}

export function encodeTombstone(records: readonly DeadRecord[]): Buffer {
  const json: TombstoneJson = { v: 1, dead: records.map((r) => [r.packKey, r.chunk.toString('hex')]) };
  return Buffer.from(JSON.stringify(json));
}

export function parseTombstone(body: Buffer): DeadRecord[] {
  const json = JSON.parse(body.toString('utf8')) as TombstoneJson;
  if (json.v !== 1 || !Array.isArray(json.dead)) throw new Error('not a tombstone object (version 1)');
  return json.dead.map(([packKey, chunk]) => ({ packKey, chunk: Buffer.from(chunk, 'hex') }));
}
