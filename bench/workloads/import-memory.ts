// Memory while importing a large image: a 20 GiB raw image, sparse but with data everywhere
// (one distinct 512 KiB block every `everyMiB` MiB, so it takes a fraction of its size on
// disk), through `imago import` into a fresh server. Peak resident set size of both processes
// (VmHWM; the importer's sampled until it exits) against issue 3's 300 MB: streaming means the
// image's size must not show in either.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { loadCorpus } from '../lib/corpus.js';
import { writeImage } from '../lib/disk-images.js';
import { BENCH_KEY, ROOT, startImago } from '../lib/peers.js';
import { residentMiB } from '../lib/process-io.js';
import { table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

const GIB = 2 ** 30;
const LIMIT_MB = 300;

/** Runs `imago import`, sampling its resident set; resolves with its result and peak RSS. */
function importSampled(file: string, endpoint: string): Promise<{ result: { blocksWritten: number; seconds: number }; peakMiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/imago.mjs', 'import', file, '--endpoint', endpoint, '--no-progress'], {
      cwd: ROOT,
      env: { ...process.env, AWS_ACCESS_KEY_ID: BENCH_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const sampler = setInterval(() => {
      const rss = residentMiB(child.pid)?.peak; // NaN once the process is exiting
      if (rss !== undefined && Number.isFinite(rss)) peak = Math.max(peak, rss);
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`imago import exited with ${code}`));
      else resolve({ result: JSON.parse(out), peakMiB: peak });
    });
  });
}

export async function importMemory(o: { gib: number; everyMiB: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-mem-'));
  let gib = o.gib;
  // the image's data, plus the server storing it (less, compressed), plus room
  const needed = (g: number) => ((g * GIB) / (o.everyMiB * 2 ** 20)) * BLOCK_SIZE * 2 + GIB;
  const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
  while (gib > 1 && needed(gib) > free) gib = Math.floor(gib / 2);
  if (gib !== o.gib) console.log(`note: ${(free / GIB).toFixed(1)} GiB free here: the image is ${gib} GiB instead of ${o.gib}`);
  const corpus = loadCorpus(64);
  const every = (o.everyMiB * 2 ** 20) / BLOCK_SIZE;
  const image = writeImage(join(dir, 'big.raw'), gib * GIB, corpus, (i) => i % every === 0, 7e8);
  const imago = await startImago();
  let run: Awaited<ReturnType<typeof importSampled>>;
  let server: { now: number; peak: number } | undefined;
  const before = residentMiB(imago.pid);
  try {
    run = await importSampled(image.path, `http://127.0.0.1:${imago.port}`);
    server = residentMiB(imago.pid);
  } finally {
    await imago.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const dataMB = (run.result.blocksWritten * BLOCK_SIZE) / 1e6;
  console.log(`\n${gib} GiB image, a data block every ${o.everyMiB} MiB: ${image.dataBlocks} data blocks (${dataMB.toFixed(0)} MB), imported in ${run.result.seconds.toFixed(1)} s`);
  console.log(
    table(
      ['process', 'peak RSS MiB', 'RSS at end MiB'],
      [
        ['server (idle before: ' + (before?.now.toFixed(0) ?? '?') + ' MiB)', server?.peak ?? NaN, server?.now ?? NaN],
        ['importer', run.peakMiB, '-'],
      ],
    ),
  );
  const mb = (mib: number) => (mib * 2 ** 20) / 1e6;
  judge(`import of ${gib} GiB: server peak RSS`, `${mb(server?.peak ?? NaN).toFixed(0)} MB`, `< ${LIMIT_MB} MB`, mb(server?.peak ?? Infinity) < LIMIT_MB);
  judge(`import of ${gib} GiB: importer peak RSS`, `${mb(run.peakMiB).toFixed(0)} MB`, `< ${LIMIT_MB} MB`, mb(run.peakMiB) < LIMIT_MB);
}
