// `node --import tsx bench/codec.ts [--mib 64] [--candidates DIR]`: single-thread throughput of
// what the block write path does per 512 KiB block (zero check, hash/MAC, compression, AES-GCM,
// crc32) on real data: files of /usr/bin and /usr/lib concatenated. Prints medians; never asserts.
// --candidates DIR loads other compressors installed in DIR (npm install there) for comparison:
// @mongodb-js/zstd, @toondepauw/node-zstd, lz4-napi.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';
import { BLOCK_SIZE, BlockCodec, ChunkKey, isZeroBlock } from '../src/blocks/index.js';
import { Zstd } from '../src/blocks/zstd.js';
import { loadCorpus } from './lib/corpus.js';
import { mbs, rate, rateAsync } from './lib/rates.js';
import { aesGcmEncryptRate, sha256Rate } from './lib/stage-limits.js';

const { values } = parseArgs({ options: { mib: { type: 'string' }, candidates: { type: 'string' } } });
const MIB = Number(values.mib ?? 64);
const RUNS = 5;

const corpus = loadCorpus(MIB);
const blocks = corpus.blocks;
const bytes = blocks.length * BLOCK_SIZE;
console.log(`corpus: ${corpus.total} blocks of ${corpus.source}, ${corpus.total - blocks.length} all-zero skipped`);
console.log(`node ${process.version}, one thread, median of ${RUNS} runs\n`);

const row = (name: string, ...cols: string[]) => console.log(name.padEnd(34) + cols.map((c) => c.padStart(12)).join(''));

// --- primitives ---
console.log('primitives');
const zeroBlock = Buffer.alloc(BLOCK_SIZE);
row('isZeroBlock (all-zero input)', mbs(rate(bytes * 20, () => { for (let i = 0; i < blocks.length * 20; i++) isZeroBlock(zeroBlock); })));
row('sha256', mbs(sha256Rate(blocks)));
const macKey = randomBytes(32);
row('hmac-sha256', mbs(rate(bytes, () => blocks.forEach((b) => createHmac('sha256', macKey).update(b).digest()))));
const aesKey = randomBytes(32);
const iv = randomBytes(12);
const sealed = blocks.map((b) => {
  const c = createCipheriv('aes-256-gcm', aesKey, iv);
  const ct = c.update(b);
  c.final();
  return { ct, tag: c.getAuthTag() };
});
row('aes-256-gcm encrypt', mbs(aesGcmEncryptRate(blocks)));
row('aes-256-gcm decrypt', mbs(rate(bytes, () => sealed.forEach(({ ct, tag }) => {
  const d = createDecipheriv('aes-256-gcm', aesKey, iv);
  d.setAuthTag(tag);
  d.update(ct);
  d.final();
}))));
row('crc32 (pack records)', mbs(rate(bytes, () => blocks.forEach((b) => crc32(b)))));

// --- compressors ---
console.log('\ncompressors: compress, decompress, ratio (input/output), blocks where it saves >= 1/8');
interface Candidate {
  name: string;
  compress(b: Buffer): Buffer | Promise<Buffer>;
  decompress(b: Buffer): Buffer | Promise<Buffer>;
}

const candidates: Candidate[] = [];
for (const level of [-1, 1, 3]) {
  const z = new Zstd(level);
  const dst = Buffer.allocUnsafe(Zstd.bound(BLOCK_SIZE));
  const out = Buffer.allocUnsafe(BLOCK_SIZE);
  candidates.push({
    name: `zstd-napi ${level} (reused ctx+buffers)`,
    compress: (b) => dst.subarray(0, z.compressInto(dst, b)),
    decompress: (b) => out.subarray(0, z.decompressInto(out, b)),
  });
}
if (values.candidates) {
  const req = createRequire(join(values.candidates, 'package.json'));
  const load = (name: string) => {
    try {
      return req(name);
    } catch {
      console.log(`  (${name} not installed in ${values.candidates})`);
      return undefined;
    }
  };
  const mongo = load('@mongodb-js/zstd');
  if (mongo) candidates.push({ name: '@mongodb-js/zstd (async, level 1)', compress: (b) => mongo.compress(b, 1), decompress: (b) => mongo.decompress(b) });
  const toon = load('@toondepauw/node-zstd');
  if (toon) {
    const enc = new toon.Encoder(1);
    const dec = new toon.Decoder();
    candidates.push({ name: '@toondepauw/node-zstd 1 (sync)', compress: (b) => enc.encodeSync(b), decompress: (b) => dec.decodeSync(b) });
  }
  const lz4 = load('lz4-napi');
  if (lz4) candidates.push({ name: 'lz4-napi (sync)', compress: (b) => lz4.compressSync(b), decompress: (b) => lz4.uncompressSync(b) });
}

for (const c of candidates) {
  let stored = 0;
  let pays = 0;
  const frames: Buffer[] = [];
  for (const b of blocks) {
    const f = Buffer.from(await c.compress(b)); // copy: some candidates reuse their output buffer
    frames.push(f);
    stored += Math.min(f.length, BLOCK_SIZE);
    if (f.length <= BLOCK_SIZE * (7 / 8)) pays++;
  }
  const comp = await rateAsync(bytes, async () => {
    for (const b of blocks) await c.compress(b);
  });
  const decomp = await rateAsync(bytes, async () => {
    for (const f of frames) await c.decompress(f);
  });
  row(c.name, mbs(comp), mbs(decomp), `${(bytes / stored).toFixed(2)}x`, `${((pays / blocks.length) * 100).toFixed(0)}%`);
}

// --- the codec, end to end ---
console.log('\nBlockCodec (zstd-1): encode, decode, stored ratio');
const codec = new BlockCodec();
const key = ChunkKey.fromDataKey(randomBytes(32));
const into = Buffer.allocUnsafe(BLOCK_SIZE);
for (const [name, k] of [['plain', undefined], ['encrypted', key]] as const) {
  const encoded = blocks.map((b) => codec.encode(b, k));
  const stored = encoded.reduce((n, e) => n + e.payload.length, 0);
  const enc = rate(bytes, () => blocks.forEach((b) => codec.encode(b, k)));
  const dec = rate(bytes, () => encoded.forEach((e) => codec.decode(e.id, e.payload, { key: k, into })));
  const ver = rate(bytes, () => encoded.forEach((e) => codec.decode(e.id, e.payload, { key: k, into, verify: true })));
  row(name, mbs(enc), mbs(dec), `${(bytes / stored).toFixed(2)}x`);
  row(`${name}, decode + verify`, '', mbs(ver));
}
