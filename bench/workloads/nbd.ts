// Sequential copies of a disk image through NBD with the real tools, against the same tools
// copying into a local raw file on this machine (the reference, measured in the same run):
//   write: local image -> Imago volume (qemu-img convert -n, nbdcopy), ended by the tools' flush
//   read:  Imago volume -> local raw file (qemu-img convert, nbdcopy), data written + fsynced
//   sparse read: a never-written volume of the same size (all zeros, nothing stored)
// The image is incompressible random data (the codec's worst case: zstd tried, not kept).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { BENCH_KEY, freePort, startImago } from '../lib/peers.js';
import { fmt, ratio, table } from '../lib/report.js';

const MiB = 1 << 20;

function have(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Seconds a command takes (it must succeed); `then` runs inside the timed span (e.g. sync). */
function timed(cmd: string, args: string[], then?: () => void): number {
  const started = process.hrtime.bigint();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  then?.();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function writeRandomImage(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  for (let done = 0; done < bytes; done += 16 * MiB) writeSync(fd, randomBytes(Math.min(16 * MiB, bytes - done)));
  closeSync(fd);
}

async function newVolume(client: EC2Client, gib: number): Promise<string> {
  const { VolumeId } = await client.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: gib }));
  for (let i = 0; i < 600; i++) {
    const { Volumes } = await client.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    if (Volumes![0].State === 'available') return VolumeId!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${VolumeId} did not become available`);
}

export async function nbdCopies(options: { imageMiB: number; runs: number }): Promise<void> {
  const missing = ['qemu-img', 'nbdcopy'].filter((t) => !have(t));
  if (missing.length) {
    console.log(`skipped: ${missing.join(', ')} not installed (apt-get install qemu-utils libnbd-bin)`);
    return;
  }
  const bytes = options.imageMiB * MiB;
  const gib = Math.ceil(bytes / 1024 ** 3);
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-nbd-'));
  const nbdPort = await freePort();
  const imago = await startImago(['--nbd-port', String(nbdPort), '--settle-ms', '0']);
  const client = new EC2Client({ endpoint: `http://127.0.0.1:${imago.port}`, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const uri = (vol: string) => `nbd://127.0.0.1:${nbdPort}/${vol}`;
  const source = join(dir, 'source.raw');
  const out = join(dir, 'out.raw');
  const sync = () => execFileSync('sync', [out]);
  const fresh = () => rmSync(out, { force: true });
  const rows: Record<string, { write: number[]; read: number[]; sparse: number[]; local: number[] }> = {
    'qemu-img convert': { write: [], read: [], sparse: [], local: [] },
    nbdcopy: { write: [], read: [], sparse: [], local: [] },
  };
  try {
    writeRandomImage(source, bytes);
    const empty = await newVolume(client, gib);
    for (let run = 0; run < options.runs; run++) {
      for (const [tool, r] of Object.entries(rows)) {
        const qemu = tool === 'qemu-img convert';
        const copy = (from: string, to: string, into = false) =>
          qemu ? ['convert', ...(into ? ['-n'] : []), '-f', 'raw', '-O', 'raw', from, to] : [from, to];
        const bin = qemu ? 'qemu-img' : 'nbdcopy';
        fresh();
        r.local.push(timed(bin, copy(source, out), sync));
        const vol = await newVolume(client, gib);
        r.write.push(timed(bin, copy(source, uri(vol), true)));
        fresh();
        r.read.push(timed(bin, copy(uri(vol), out), sync));
        fresh();
        r.sparse.push(timed(bin, copy(uri(empty), out), sync));
      }
    }
  } finally {
    client.destroy();
    await imago.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mbps = (secs: number[], n = bytes) => n / 1e6 / median(secs);
  console.log(`\n${options.imageMiB} MiB image of random data into a ${gib} GiB volume, medians of ${options.runs} runs (MB/s)`);
  console.log(
    table(
      ['tool', 'local raw copy', 'NBD write', 'write/local', 'NBD read', 'read/local', 'sparse read'],
      Object.entries(rows).map(([tool, r]) => [tool, mbps(r.local), mbps(r.write), ratio(mbps(r.write), mbps(r.local)), mbps(r.read), ratio(mbps(r.read), mbps(r.local)), fmt(mbps(r.sparse, gib * 1024 ** 3))]),
    ),
  );
  console.log('NBD write includes the final FLUSH (chunks fsynced, overlay committed); local copies include fsync of the output');
}
