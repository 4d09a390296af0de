// Helpers for tests that boot real VMs: the Debian image they boot (built once into the shared
// image cache), SSH into an instance's public address, and waiting for the image to be
// published by a server started with --compute qemu.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ROOT } from './server.js';
import { until } from './until.js';

/** Debian's AWS account, the owner of the catalog's Debian images. */
export const DEBIAN_OWNER = '136693071363';

/**
 * Makes sure the image cache holds the Debian 12 build (what `.ci/run` and `npm test` do before
 * the tests; a no-op when cached). Building needs root and Debian's mirror: ~1-2 minutes.
 */
export function ensureDebianBuild(): void {
  const r = spawnSync(process.execPath, ['bin/imago.mjs', 'images', 'build', 'debian-12', '--cache-only'], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`the Debian 12 image could not be built (run as root: npm run imago -- images build debian-12 --cache-only):\n${r.stderr}`);
}

/**
 * The Debian 12 image the server published from its build. The server imports the build in the
 * background after it starts; the built image then retires the catalog's placeholder (its
 * DeprecationTime becomes the time of retirement), so wait for that.
 */
export async function debianImageId(client: EC2Client): Promise<string> {
  return until(
    'the built Debian 12 image to be published',
    async () => {
      const out = await client.send(new DescribeImagesCommand({ Owners: [DEBIAN_OWNER], IncludeDeprecated: true, Filters: [{ Name: 'name', Values: ['debian-12-amd64-*'] }] }));
      const retired = (i: { DeprecationTime?: string }) => i.DeprecationTime !== undefined && Date.parse(i.DeprecationTime) <= Date.now();
      if (!out.Images?.some(retired)) return undefined;
      return out.Images.find((i) => !retired(i))?.ImageId;
    },
    600,
    200,
  );
}

export function writeKey(dir: string, name: string, material: string): string {
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, material.endsWith('\n') ? material : `${material}\n`, { mode: 0o600 });
  return path;
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const SSH_OPTIONS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'];

/** Runs a command on an instance as `admin` (Debian's default user), with the launch key. */
export function ssh(host: string, key: string, command: string, timeoutMs = 120_000): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = spawn('ssh', ['-i', key, ...SSH_OPTIONS, `admin@${host}`, command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Waits until SSH logs in (TCG boots take a minute or two; more on a loaded machine). */
export async function waitForSsh(host: string, key: string, timeoutMs = 480_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: SshResult | undefined;
  while (Date.now() < deadline) {
    last = await ssh(host, key, 'true', 20_000);
    if (last.code === 0) return;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  throw new Error(`no SSH login to ${host} within ${timeoutMs} ms: ${last?.stderr}`);
}
