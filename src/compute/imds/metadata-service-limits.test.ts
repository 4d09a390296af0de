// A hostile guest against its metadata service: oversized and slow headers, connection floods,
// request floods, endless bodies, garbage. Each is answered or cut off within the limits, the
// instance's own service recovers, and another instance's service never notices.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMetadata } from '../instance-metadata.js';
import { IdentitySigner } from './identity-signer.js';
import { sampleFacts } from './sample-facts.js';
import { MetadataService, type ImdsLimits, type ImdsSource } from './metadata-service.js';

const LIMITS: Partial<ImdsLimits> = { maxHeaderBytes: 4096, headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 800, maxConnections: 4, burst: 1000, perSecond: 1000 };

let dir: string;
let service: MetadataService;
const warnings: string[] = [];
const closers: (() => Promise<void>)[] = [];

function source(instanceId: string): ImdsSource {
  return {
    instanceId,
    options: () => ({ httpEndpoint: 'enabled', httpTokens: 'optional', hopLimit: 1, instanceMetadataTags: 'disabled' }),
    metadata: async () => buildMetadata(sampleFacts({ instanceId })),
  };
}

async function serve(instanceId: string, svc = service): Promise<string> {
  const path = join(dir, `${instanceId}.sock`);
  const endpoint = await svc.serve(path, source(instanceId));
  closers.push(() => endpoint.close());
  return path;
}

function get(socketPath: string, path = '/latest/meta-data/instance-id'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw connection: what it was sent back, and when the server closed it. */
function raw(socketPath: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    const opened = Date.now();
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - opened)));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imds-limits-'));
  const signer = IdentitySigner.from(await IdentitySigner.generateKeys());
  service = new MetadataService({ tokenKey: randomBytes(32), signer, limits: LIMITS, log: (level, msg) => level === 'warn' && warnings.push(msg) });
});
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

test('oversized headers: 431 and closed; the next request is served', async () => {
  const sock = await serve('i-0000000000000a001');
  const c = await raw(sock);
  c.socket.write(`GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16_384)}\r\n\r\n`);
  await c.closed;
  assert.match(c.received(), /^HTTP\/1\.1 431 /);
  const many = await raw(sock);
  many.socket.write(`GET / HTTP/1.1\r\n${Array.from({ length: 200 }, (_, i) => `X-${i}: 1\r\n`).join('')}\r\n`);
  await many.closed;
});

test('slow headers (slow loris) are cut off; another instance is served meanwhile', async () => {
  const sock = await serve('i-0000000000000a002');
  const other = await serve('i-0000000000000a003');
  const c = await raw(sock);
  c.socket.write('GET /latest/meta-data/ HTTP/1.1\r\n');
  const drip = setInterval(() => c.socket.writable && c.socket.write('X-Slow: 1\r\n'), 50);
  try {
    assert.equal((await get(other)).status, 200);
    const ms = await c.closed;
    assert.ok(ms < 3000, `closed after ${ms} ms`);
    assert.match(c.received(), /^(HTTP\/1\.1 408 |$)/);
  } finally {
    clearInterval(drip);
  }
});

test('a connection flood: beyond the limit connections are dropped, idle ones time out, other instances unaffected', async () => {
  const sock = await serve('i-0000000000000a004');
  const other = await serve('i-0000000000000a005');
  const idle = await Promise.all(Array.from({ length: 4 }, () => raw(sock)));
  const extra = await Promise.all(Array.from({ length: 6 }, () => raw(sock)));
  const extraClosed = await Promise.all(extra.map((c) => c.closed));
  assert.ok(extraClosed.every((ms) => ms < 500), `dropped at once: ${extraClosed}`);
  assert.ok(extra.every((c) => c.received() === ''));
  assert.equal((await get(other)).status, 200);
  const idleClosed = await Promise.all(idle.map((c) => c.closed));
  assert.ok(idleClosed.every((ms) => ms < 3000), `idle closed: ${idleClosed}`);
  assert.equal((await get(sock)).status, 200);
  assert.equal(warnings.filter((w) => w.includes('too many open')).length, 1, 'six drops, one log line');
});

test('a request flood is throttled per instance with 429, then recovers', async () => {
  const svc = new MetadataService({ tokenKey: randomBytes(32), signer: { sign: () => ({ signature: '', pkcs7: '', rsa2048: '' }) }, limits: { ...LIMITS, burst: 10, perSecond: 2 } });
  const sock = await serve('i-0000000000000a006', svc);
  const other = await serve('i-0000000000000a007', svc);
  const statuses = [];
  for (let i = 0; i < 12; i++) statuses.push((await get(sock)).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
  assert.equal(statuses[11], 429);
  assert.equal((await get(other)).status, 200, 'its own bucket');
  await sleep(200);
});

test('an endless body: answered without being read, then the connection is closed', async () => {
  const sock = await serve('i-0000000000000a008');
  const c = await raw(sock);
  c.socket.write('PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 1000000000\r\n\r\n');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const pump = setInterval(() => c.socket.writable && c.socket.write(chunk), 5);
  try {
    const ms = await c.closed;
    assert.ok(ms < 3000, `closed after ${ms} ms`);
  } finally {
    clearInterval(pump);
  }
  assert.match(c.received(), /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(c.received(), /\r\nConnection: close\r\n/i);
});

test('garbage and pipelining: 400 for a broken request line, one answer per connection', async () => {
  const sock = await serve('i-0000000000000a009');
  const bad = await raw(sock);
  bad.socket.write('\x00\x01\x02 nonsense\r\n\r\n');
  await bad.closed;
  assert.match(bad.received(), /^HTTP\/1\.1 400 /);
  const piped = await raw(sock);
  piped.socket.write('GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\nGET /latest/meta-data/local-ipv4 HTTP/1.1\r\nHost: x\r\n\r\n');
  await piped.closed;
  assert.equal(piped.received().match(/HTTP\/1\.1 200/g)?.length, 1);
  assert.ok(piped.received().endsWith('i-0000000000000a009'));
  const bare = await raw(sock);
  bare.socket.write('GET /latest/meta-data/instance-id HTTP/1.1\r\n\r\n');
  await bare.closed;
  assert.match(bare.received(), /^HTTP\/1\.1 200 OK\r\n[^]*i-0000000000000a009$/, 'no Host header needed');
  const old = await raw(sock);
  old.socket.write('GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n');
  await old.closed;
  assert.match(old.received(), /^HTTP\/1\.1 200 OK\r\n[^]*i-0000000000000a009$/, 'HTTP/1.0');
});
