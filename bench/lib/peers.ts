// The processes a benchmark measures: Imago itself, moto_server (the best-known peer, when
// installed) and a trivial node:http handler (this machine's HTTP ceiling).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Peer {
  name: string;
  port: number;
  /** peak resident set size in MiB, when known */
  rssMiB(): number | undefined;
  /** Imago's --data-dir and process id (for measuring what a workload wrote) */
  dataDir?: string;
  pid?: number;
  stop(): Promise<void>;
}

export const BENCH_KEY = { accessKeyId: 'AKIABENCH00000000001', secretAccessKey: 'bench-secret', accountId: '123456789012' };

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/`, { method: 'GET' }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

function rssOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  const r = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(r.stdout.trim());
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** IMAGO_BENCH_NODE_ARGS: node options for the Imago server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
function nodeArgs(): string[] {
  return (process.env.IMAGO_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** `imago serve` on a free port of 127.0.0.1 with a data dir of its own; `args` may depend on the port (e.g. --advertise-url). */
export async function startImago(args: string[] | ((port: number) => string[]) = [], env: Record<string, string> = {}): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-'));
  const creds = join(dir, 'credentials');
  writeFileSync(creds, `[bench]\naws_access_key_id = ${BENCH_KEY.accessKeyId}\naws_secret_access_key = ${BENCH_KEY.secretAccessKey}\naws_account_id = ${BENCH_KEY.accountId}\n`);
  const port = await freePort();
  const extraArgs = typeof args === 'function' ? args(port) : args;
  const child = spawn(process.execPath, [...nodeArgs(), 'bin/imago.mjs', 'serve', '--port', String(port), '--data-dir', join(dir, 'data'), '--credentials', creds, ...(extraArgs.includes('--compute') ? [] : ['--compute', 'none']), ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  await waitForPort(port, child, 'imago');
  return {
    name: 'imago',
    port,
    dataDir: join(dir, 'data'),
    pid: child.pid,
    rssMiB: () => rssOf(child.pid),
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function startMoto(): Promise<Peer | undefined> {
  if (!motoAvailable()) return undefined;
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForPort(port, child, 'moto_server');
  return { name: 'moto', port, rssMiB: () => rssOf(child.pid), stop: () => stopChild(child) };
}

/** A node:http server answering every request with a fixed body, in its own process. */
export async function startTrivial(body: string): Promise<Peer> {
  const port = await freePort();
  const code = `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'text/xml;charset=UTF-8','content-length':Buffer.byteLength(${JSON.stringify(body)})});s.end(${JSON.stringify(body)});});}).listen(${port},'127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  await waitForPort(port, child, 'trivial');
  return { name: 'node:http', port, rssMiB: () => rssOf(child.pid), stop: () => stopChild(child) };
}
