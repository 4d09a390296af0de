// Starts a real `imago serve` process on 127.0.0.1 for a test, the way users start it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { databaseArgs } from './test-database.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  logs: string[];
  /** graceful stop (SIGTERM); resolves with the exit code */
  stop(): Promise<number | null>;
  /** kill -9 */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  credentials?: string;
  args?: string[];
  port?: number;
  /** added to the server's environment (e.g. S3 endpoint and keys) */
  env?: Record<string, string>;
}

export function tempDir(prefix = 'imago-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Data dirs startServer made itself: removed when the test process exits (a restart test reuses one until then). */
const ownDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of ownDirs) rmSync(dir, { recursive: true, force: true });
});

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  let dataDir = options.dataDir;
  if (!dataDir) ownDirs.add((dataDir = tempDir()));
  // nothing boots unless a test asks for --compute: most tests are about the API, not VMs
  const compute = options.args?.includes('--compute') ? [] : ['--compute', 'none'];
  const database = options.args?.includes('--database') ? [] : await databaseArgs(dataDir);
  const args = ['bin/imago.mjs', 'serve', '--port', String(options.port ?? 0), '--data-dir', dataDir, ...compute, ...database, ...(options.args ?? [])];
  if (options.credentials) args.push('--credentials', options.credentials);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; port?: number };
        if (entry.msg === 'listening') resolve({ url: entry.url!, port: entry.port! });
      } catch {
        /* not a log line */
      }
    });
    void exited.then((code) => reject(new Error(`imago exited with ${code} before listening:\n${logs.join('\n')}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const { url, port } = await ready.finally(() => clearTimeout(timeout));
  return {
    url,
    port,
    dataDir,
    logs,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `imago serve` expecting it to refuse to start; returns its exit code and output. */
export function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, ['bin/imago.mjs', ...args], { cwd: ROOT });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export interface TestAccount {
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export const ALICE: TestAccount = { profile: 'alice', accessKeyId: 'AKIAALICE000000000001', secretAccessKey: 'alice-secret', accountId: '111111111111' };
export const BOB: TestAccount = { profile: 'bob', accessKeyId: 'AKIABOB00000000000002', secretAccessKey: 'bob-secret', accountId: '222222222222' };

export function writeCredentials(dir: string, accounts: TestAccount[] = [ALICE, BOB]): string {
  const path = join(dir, 'credentials');
  writeFileSync(
    path,
    accounts
      .map((a) => `[${a.profile}]\naws_access_key_id = ${a.accessKeyId}\naws_secret_access_key = ${a.secretAccessKey}\naws_account_id = ${a.accountId}\n`)
      .join('\n'),
  );
  return path;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
