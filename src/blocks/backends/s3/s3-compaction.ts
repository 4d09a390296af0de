// Compaction of an S3 chunk store: objects are immutable, so space left by deleted chunks comes
// back by rewriting. Victims: packs whose dead share reached the threshold, and small packs
// (under a quarter of the pack size: one flush per PutSnapshotBlock round makes them) once
// there are enough of them to fill a pack. Their live records are copied as stored (header,
// write time and crc kept) into new packs, uploaded — every record no tombstone names, copies
// of a chunk indexed elsewhere too (another node may know only this one), but one record per
// chunk id per compaction; one index transaction switches the chunks over; then, once reads that found the old packs are done, the old objects are deleted, and
// with them every tombstone whose packs are all gone. A crash before the switch leaves new
// packs whose records the index already has elsewhere (dead weight the next compaction
// removes); after it, retired packs the next open deletes.
import { RECORD_HEADER_SIZE } from '../fs/pack-record.js';
import { encodeFooter, type PackEntry } from './pack-object.js';
import type { PackReads } from './pack-reads.js';
import type { Move, PackRow, S3Index } from './s3-index.js';
import { PACKS, TOMBSTONES, uniqueName } from './s3-location.js';
import { bodyCrc, ObjectNotFoundError, type ObjectStore } from './s3-objects.js';

export interface CompactionContext {
  index: S3Index;
  objects: ObjectStore;
  reads: PackReads;
  conditional: boolean;
  packBytes: number;
  deadRatio: number;
}

/** Small packs are merged once at least this many are waiting. */
const SMALL_PACKS_TO_MERGE = 4;

export function chooseVictims(ctx: Pick<CompactionContext, 'index' | 'packBytes' | 'deadRatio'>): PackRow[] {
  const live = ctx.index.packs().filter((r) => r.state === 'live');
  const victims = new Map<number, PackRow>();
  const small: PackRow[] = [];
  for (const row of live) {
    const liveBytes = ctx.index.liveBytes(row.id, RECORD_HEADER_SIZE);
    if (row.length === 0 || liveBytes === 0 || (row.length - liveBytes) / row.length >= ctx.deadRatio) victims.set(row.id, row);
    else if (row.length < ctx.packBytes / 4) small.push(row);
  }
  if (small.length >= SMALL_PACKS_TO_MERGE) small.forEach((r) => victims.set(r.id, r));
  return [...victims.values()];
}

export async function compactPacks(ctx: CompactionContext): Promise<{ reclaimedBytes: number }> {
  const victims = chooseVictims(ctx);
  if (!victims.length) return { reclaimedBytes: 0 };
  const copy = new LiveRecordCopy(ctx);
  try {
    for (const victim of victims) await copy.pack(victim);
    await copy.finish();
  } catch (e) {
    await copy.abandon();
    throw e;
  }
  const ids = copy.copied.map((v) => v.id);
  ctx.index.switchPacks(copy.moves, copy.outputs, ids);
  await ctx.reads.drain(ids);
  await ctx.objects.deleteMany(copy.copied.map((v) => PACKS + v.key));
  ctx.index.dropPacks(ids);
  const obsolete = ctx.index.obsoleteTombstones();
  if (obsolete.length) {
    await ctx.objects.deleteMany(obsolete.map((k) => TOMBSTONES + k));
    ctx.index.forgetTombstones(obsolete);
  }
  const written = copy.outputs.reduce((n, o) => n + o.length, 0);
  return { reclaimedBytes: Math.max(0, copy.copied.reduce((n, v) => n + v.length, 0) - written) };
}

/** The copy phase: live records of the victims into new packs, uploaded, not yet indexed. */
class LiveRecordCopy {
  readonly moves: Move[] = [];
  readonly outputs: { id: number; key: string; length: number }[] = [];
  /** victims whose live records are all copied */
  readonly copied: PackRow[] = [];
  /** where each chunk copied so far went: another record of it moves there too */
  readonly #placed = new Map<string, { toPack: number; toOffset: number }>();
  #out: { id: number; key: string; parts: Buffer[]; length: number; entries: PackEntry[] } | undefined;

  constructor(private readonly ctx: CompactionContext) {}

  async pack(victim: PackRow): Promise<void> {
    const chunks = this.ctx.index.packChunks(victim.id);
    if (chunks.length) {
      let data: Buffer;
      try {
        data = await this.ctx.objects.get(PACKS + victim.key);
      } catch (e) {
        if (e instanceof ObjectNotFoundError) return; // lost: left as it is, reads report it
        throw e;
      }
      for (const c of chunks) {
        const length = RECORD_HEADER_SIZE + c.size;
        if (c.offset + length > data.length) continue; // short object: reads report it
        const placed = this.#placed.get(c.id.toString('hex'));
        if (placed) {
          this.moves.push({ id: c.id, fromPack: victim.id, fromOffset: c.offset, ...placed });
          continue;
        }
        if (this.#out && this.#out.length > 0 && this.#out.length + length > this.ctx.packBytes) await this.finish();
        if (!this.#out) {
          const key = uniqueName();
          this.#out = { id: this.ctx.index.stagePack(key), key, parts: [], length: 0, entries: [] };
        }
        const out = this.#out;
        out.parts.push(data.subarray(c.offset, c.offset + length));
        out.entries.push({ id: c.id, offset: out.length, size: c.size, writtenAt: c.writtenAt });
        this.moves.push({ id: c.id, fromPack: victim.id, fromOffset: c.offset, toPack: out.id, toOffset: out.length });
        this.#placed.set(c.id.toString('hex'), { toPack: out.id, toOffset: out.length });
        out.length += length;
      }
    }
    this.copied.push(victim);
  }

  async finish(): Promise<void> {
    const out = this.#out;
    if (!out) return;
    const body = Buffer.concat([...out.parts, encodeFooter(out.entries, out.length)]);
    await this.ctx.objects.put(PACKS + out.key, body, { ifAbsent: this.ctx.conditional, metadata: { crc32: bodyCrc(body) } });
    this.outputs.push({ id: out.id, key: out.key, length: body.length });
    this.#out = undefined;
  }

  /** A failed copy: its outputs are orphans nobody indexes; remove them now rather than at the next open. */
  async abandon(): Promise<void> {
    const orphans = [...this.outputs, ...(this.#out ? [this.#out] : [])];
    await this.ctx.objects.deleteMany(orphans.map((o) => PACKS + o.key)).catch(() => undefined);
    this.ctx.index.dropPacks(orphans.map((o) => o.id));
  }
}
