// `node --import tsx bench/blocks-layout.ts [--blocks 1024] [--reps 3]`: durable write and random read rates
// of the fs chunk store's layout (pack files + SQLite index) against one file per chunk in fan-out
// directories, measured in the same run on the same disk (os.tmpdir()). Prints; never asserts.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BLOCK_SIZE, FsChunkStore, type FsChunkStoreOptions } from '../src/blocks/index.js';

const { values } = parseArgs({ options: { blocks: { type: 'string' }, reps: { type: 'string' } } });
const N = Number(values.blocks ?? 1024);
const REPS = Number(values.reps ?? 3);
const root = await mkdtemp(join(tmpdir(), 'imago-bench-layout-'));

// Incompressible 512 KiB payloads (the worst case for bytes on disk); ids are distinct per put.
const pool = Array.from({ length: 16 }, () => randomBytes(BLOCK_SIZE));
const idFor = (run: string, i: number) => createHash('sha256').update(`${run}:${i}`).digest('hex');
const payload = (i: number) => pool[i % pool.length];

function count(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = count(path);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files++;
      bytes += statSync(path).size;
    }
  }
  return { files, bytes };
}

/** Tries to empty the page cache so reads hit the disk; says whether it could. */
function dropCaches(): boolean {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

const row = (name: string, ...cols: string[]) => console.log(name.padEnd(46) + cols.map((c) => c.padStart(16)).join(''));
const perSec = (n: number, ms: number) => `${((n / ms) * 1000).toFixed(0)}/s`;
const mbs = (n: number, ms: number) => `${((n * BLOCK_SIZE) / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;

/** Puts N blocks with `writers` concurrent callers, flushing as `flushEvery` says; returns ms. */
async function writePacks(store: FsChunkStore, run: string, writers: number, flushEvery: number | 'each'): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < N; i = next++) {
        await store.put(idFor(run, i), payload(i));
        if (flushEvery === 'each') await store.flush(); // one durable request per block: group commit
        else if ((i + 1) % flushEvery === 0) await store.flush();
      }
    }),
  );
  await store.flush();
  return performance.now() - t;
}

async function withStore(dir: string, options: FsChunkStoreOptions, fn: (s: FsChunkStore) => Promise<number>): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  const s = new FsChunkStore(dir, options);
  try {
    return await fn(s);
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function randomReads(get: (i: number) => Promise<Buffer>, reads: number, concurrency: number): Promise<number> {
  const t = performance.now();
  let left = reads;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await get(Math.floor(Math.random() * N));
    }),
  );
  return performance.now() - t;
}

/** One file per chunk in fan-out directories (ab/cd/<id>): fsync each file, dirs per 64. */
const filesDir = join(root, 'files');
const pathOf = (id: string) => join(filesDir, id.slice(0, 2), id.slice(2, 4), id);
async function writeFiles(run: string, writers: number): Promise<number> {
  const t = performance.now();
  let next = 0;
  const dirty = new Set<string>();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < N; i = next++) {
        const id = idFor(run, i);
        const dir = dirname(pathOf(id));
        await mkdir(dir, { recursive: true });
        const fh = await open(pathOf(id), 'w');
        await fh.write(payload(i));
        await fh.sync();
        await fh.close();
        dirty.add(dir);
        if ((i + 1) % 64 === 0) {
          const dirs = [...dirty];
          dirty.clear();
          for (const d of dirs) {
            const dh = await open(d, 'r');
            await dh.sync();
            await dh.close();
          }
        }
      }
    }),
  );
  return performance.now() - t;
}

console.log(`${N} blocks of 512 KiB (${((N * BLOCK_SIZE) / 2 ** 30).toFixed(2)} GiB) per run in ${root}`);
console.log(`each write figure: median (min-max) of ${REPS} runs, interleaved, \`sync\` before each\n`);
row('durable writes', 'blocks/s', 'MB/s', 'range blocks/s');

// The last run of the default layout is kept for the read, index and compaction figures.
const packsDir = join(root, 'packs-32m');
let store: FsChunkStore | undefined;
const scenarios: { name: string; run: (rep: number) => Promise<number> }[] = [
  {
    name: 'packs 32 MiB, flush per 64 blocks, 4 writers', // a bulk upload
    run: async (rep) => {
      await store?.close();
      await rm(packsDir, { recursive: true, force: true });
      store = new FsChunkStore(packsDir);
      return writePacks(store, `a${rep}`, 4, 64);
    },
  },
  {
    name: 'packs 32 MiB, flush per block, 8 writers', // each block acknowledged durably
    run: (rep) => withStore(join(root, 'each'), {}, (s) => writePacks(s, `b${rep}`, 8, 'each')),
  },
  {
    name: 'packs 32 MiB, flush per block, 32 writers',
    run: (rep) => withStore(join(root, 'each32'), {}, (s) => writePacks(s, `e${rep}`, 32, 'each')),
  },
  {
    name: 'packs 8 MiB, flush per 64 blocks, 4 writers',
    run: (rep) => withStore(join(root, 'p8'), { packBytes: 8 * 2 ** 20 }, (s) => writePacks(s, `c${rep}`, 4, 64)),
  },
  {
    name: 'packs 128 MiB, flush per 64 blocks, 4 writers',
    run: (rep) => withStore(join(root, 'p128'), { packBytes: 128 * 2 ** 20 }, (s) => writePacks(s, `d${rep}`, 4, 64)),
  },
  {
    name: 'one file per chunk, fsync each, 32 writers',
    run: async (rep) => {
      await rm(filesDir, { recursive: true, force: true });
      return writeFiles(`g${rep}`, 32);
    },
  },
  {
    name: 'one file per chunk, fsync each, 8 writers', // last: its files are read below
    run: async (rep) => {
      await rm(filesDir, { recursive: true, force: true });
      return writeFiles(`f${rep}`, 8);
    },
  },
];
const times = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
for (let rep = 0; rep < REPS; rep++) {
  for (const s of scenarios) {
    spawnSync('sync'); // earlier runs' write-back must not land on this one
    times.get(s.name)!.push(await s.run(rep));
  }
}
for (const s of scenarios) {
  const ms = times.get(s.name)!.sort((a, b) => a - b);
  const med = ms[ms.length >> 1];
  row(s.name, perSec(N, med), mbs(N, med), `${perSec(N, ms[ms.length - 1]).slice(0, -2)}-${perSec(N, ms[0])}`);
}
const kept = store!;
// the per-file figures below read the last run's files
const lastFilesRun = `f${REPS - 1}`;

// Reads: random 512 KiB gets.
console.log('');
const dropped = dropCaches();
row(`random reads (${dropped ? 'page cache dropped' : 'page cache warm: could not drop it'})`, 'reads/s', 'MB/s');
const READS = Math.min(2000, N * 2);
let ms = await randomReads((i) => kept.get(idFor(`a${REPS - 1}`, i)), READS, 8);
row('packs 32 MiB, 8 readers (crc32 checked)', perSec(READS, ms), mbs(READS, ms));
if (dropped) dropCaches();
ms = await randomReads(async (i) => {
  const fh = await open(pathOf(idFor(lastFilesRun, i)), 'r');
  try {
    const buf = Buffer.allocUnsafe(BLOCK_SIZE);
    await fh.read(buf, 0, BLOCK_SIZE, 0);
    return buf;
  } finally {
    await fh.close();
  }
}, READS, 8);
row('one file per chunk, 8 readers (no checksum)', perSec(READS, ms), mbs(READS, ms));

// Index operations.
console.log('');
const ids = Array.from({ length: N }, (_, i) => idFor(`a${REPS - 1}`, i));
let t = performance.now();
for (let r = 0; r < 10; r++) await kept.hasMany(ids);
row('hasMany (index point lookups)', perSec(N * 10, performance.now() - t));
t = performance.now();
let listed = 0;
for await (const _ of kept.list()) listed++;
row('list()', perSec(listed, performance.now() - t));

// Compaction: delete every other chunk, reclaim.
await kept.delete(ids.filter((_, i) => i % 2 === 0));
t = performance.now();
const { reclaimedBytes } = await kept.compact();
ms = performance.now() - t;
row('compact after deleting half', `${(ms / 1000).toFixed(2)} s`, `${(reclaimedBytes / 2 ** 20).toFixed(0)} MiB freed`);
await kept.close();

// File counts.
console.log('');
const packFiles = count(packsDir);
const perFile = count(filesDir);
row('files on disk for the same chunks', 'files', 'MiB');
row(`packs 32 MiB (after compaction: ${N / 2} chunks)`, `${packFiles.files}`, (packFiles.bytes / 2 ** 20).toFixed(0));
row(`one file per chunk (${N} chunks)`, `${perFile.files}`, (perFile.bytes / 2 ** 20).toFixed(0));
const dirs = readdirSync(filesDir).length;
console.log(`\n(per-file layout used ${dirs} top-level fan-out dirs; at a million chunks it is a million files, packs ~16k)`);

await rm(root, { recursive: true, force: true });
