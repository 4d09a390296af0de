// The whole guest path without a VM: a TCP listener on loopback that runs
// `socat STDIO UNIX-CONNECT:<socket>` per connection, as QEMU's guestfwd does, then curl with
// the User Guide's commands (IMDSv2 required), and a crawl of the tree the way cloud-init's
// Ec2 datasource walks it (listings, `0=name` keys, dynamic/instance-identity) in which every
// entry a listing names must answer 200.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { buildMetadata } from '../instance-metadata.js';
import { IdentitySigner } from './identity-signer.js';
import { sampleFacts } from './sample-facts.js';
import { MetadataService, type ImdsEndpoint } from './metadata-service.js';

let dir: string;
let signer: IdentitySigner;
let endpoint: ImdsEndpoint;
let socat: ChildProcess;
let base: string;

const INSTANCE = 'i-0abcdef0123456789';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imds-guest-'));
  signer = IdentitySigner.from(await IdentitySigner.generateKeys());
  const service = new MetadataService({ tokenKey: randomBytes(32), signer });
  const socket = join(dir, 'imds.sock');
  endpoint = await service.serve(socket, {
    instanceId: INSTANCE,
    options: () => ({ httpEndpoint: 'enabled', httpTokens: 'required', hopLimit: 2, instanceMetadataTags: 'enabled' }),
    metadata: async () =>
      buildMetadata(
        sampleFacts({
          instanceId: INSTANCE, region: 'eu-west-1', availabilityZone: 'eu-west-1b', availabilityZoneId: 'euw1-az2', macAddress: '52:54:00:12:34:56',
          publicKeys: [{ name: 'admin-key', openssh: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuest admin-key' }],
          tags: { Name: 'guest', Team: 'imago' }, userData: Buffer.from('#cloud-config\nruncmd: [true]\n'),
        }),
      ),
  });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // socat's own address syntax needs the inner command's colon escaped.
  socat = spawn('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `EXEC:socat STDIO UNIX-CONNECT\\:${socket}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await reachable(port)); i++) await sleep(50);
});

after(async () => {
  socat?.kill('SIGTERM');
  await endpoint?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Asynchronous: the service answering them lives in this process.
const run = async (file: string, args: string[]) => (await promisify(execFile)(file, args, { cwd: dir })).stdout;
const curl = (...args: string[]) => run('curl', ['-sS', '--max-time', '10', ...args]);

test('curl through socat: IMDSv1 refused, IMDSv2 as the User Guide shows it', async () => {
  assert.equal(await curl('-o', '/dev/null', '-w', '%{http_code}', `${base}/latest/meta-data/instance-id`), '401');
  const token = await curl('-X', 'PUT', `${base}/latest/api/token`, '-H', 'X-aws-ec2-metadata-token-ttl-seconds: 21600');
  assert.equal(await curl('-H', `X-aws-ec2-metadata-token: ${token}`, `${base}/latest/meta-data/instance-id`), INSTANCE);
  const head = await curl('-D', '-', '-o', '/dev/null', '-H', `X-aws-ec2-metadata-token: ${token}`, `${base}/latest/meta-data/`);
  assert.match(head, /^HTTP\/1\.1 200 OK/);
  assert.match(head, /\r\nServer: EC2ws\r\n/i);
  assert.match(head, /\r\nX-aws-ec2-metadata-token-ttl-seconds: 2160\d\r\n/i);
  assert.equal(await curl('-H', `X-aws-ec2-metadata-token: ${token}`, `${base}/latest/meta-data/public-keys/`), '0=admin-key');
  // Use the base64-encoded signature to verify the instance identity document (User Guide).
  writeFileSync(join(dir, 'certificate'), signer.certificatePem);
  await run('sh', ['-c', `curl -s -H "X-aws-ec2-metadata-token: ${token}" ${base}/latest/dynamic/instance-identity/signature | base64 -d > signature`]);
  await run('sh', ['-c', `curl -s -H "X-aws-ec2-metadata-token: ${token}" ${base}/latest/dynamic/instance-identity/document > document`]);
  await run('openssl', ['x509', '-pubkey', '-noout', '-in', 'certificate', '-out', 'key']);
  assert.match(await run('openssl', ['dgst', '-sha256', '-verify', 'key', '-signature', 'signature', 'document']), /Verified OK/);
});

test('a cloud-init style crawl finds every listed entry', async () => {
  const token = await (await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' } })).text();
  const get = async (path: string) => {
    const res = await fetch(`${base}/${path}`, { headers: { 'X-aws-ec2-metadata-token': token } });
    assert.equal(res.status, 200, path);
    return res.text();
  };
  // cloud-init picks the newest version it knows that answers, then crawls it.
  assert.equal(await get('2021-03-23/meta-data/instance-id'), INSTANCE);
  const leaves = new Map<string, string>();
  async function crawl(url: string): Promise<void> {
    for (const line of (await get(url)).split('\n').map((l) => l.trim()).filter(Boolean)) {
      if (line.endsWith('/')) await crawl(`${url}${line}`);
      else {
        const [index, name] = line.split('=', 2);
        const leaf = name !== undefined && /^\d+$/.test(index) ? `${index}/openssh-key` : line;
        leaves.set(`${url}${leaf}`, await get(`${url}${leaf}`));
      }
    }
  }
  await crawl('2021-03-23/meta-data/');
  await crawl('2021-03-23/dynamic/instance-identity/');
  assert.equal(leaves.get('2021-03-23/meta-data/public-keys/0/openssh-key'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuest admin-key');
  assert.equal(leaves.get('2021-03-23/meta-data/network/interfaces/macs/52:54:00:12:34:56/mac'), '52:54:00:12:34:56');
  assert.equal(leaves.get('2021-03-23/meta-data/tags/instance/Team'), 'imago');
  assert.equal(leaves.get('2021-03-23/meta-data/placement/availability-zone-id'), 'euw1-az2');
  assert.equal(JSON.parse(leaves.get('2021-03-23/dynamic/instance-identity/document') ?? '{}').region, 'eu-west-1');
  assert.ok(leaves.size > 30, `${leaves.size} leaves`);
  assert.equal(await get('2021-03-23/user-data'), '#cloud-config\nruncmd: [true]\n');
});
