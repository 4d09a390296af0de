// The metadata service over real unix sockets, driven by node:http as a guest's client would
// be (and by curl through socat, as QEMU's guestfwd connects a guest): IMDSv1 and v2, tokens,
// options changing underneath, listings and versions, identity signatures checked by openssl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMetadata, type MetadataFacts } from '../instance-metadata.js';
import { IdentitySigner } from './identity-signer.js';
import { sampleFacts } from './sample-facts.js';
import { MetadataService, type ImdsOptions, type ImdsSource } from './metadata-service.js';

const T0 = Date.parse('2026-12-06T00:00:00Z');
let clock = T0;
let dir: string;
let signer: IdentitySigner;
let service: MetadataService;
const closers: (() => Promise<void>)[] = [];

const facts = sampleFacts({ launchTime: '2026-12-05T23:59:58.123Z' });

interface Probe extends ImdsSource {
  opts: ImdsOptions;
  facts: MetadataFacts;
  calls: { options: number; metadata: number; requests: number; tokenless: number };
}

function probe(instanceId: string, opts: Partial<ImdsOptions> = {}, more: Partial<MetadataFacts> = {}): Probe {
  const p: Probe = {
    instanceId,
    opts: { httpEndpoint: 'enabled', httpTokens: 'optional', hopLimit: 1, instanceMetadataTags: 'enabled', ...opts },
    facts: { ...facts, instanceId, ...more },
    calls: { options: 0, metadata: 0, requests: 0, tokenless: 0 },
    options: () => (p.calls.options++, p.opts),
    metadata: async () => (p.calls.metadata++, buildMetadata(p.facts)),
    onRequest: () => void p.calls.requests++,
    onTokenless: () => void p.calls.tokenless++,
  };
  return p;
}

let socketSeq = 0;
async function serve(source: ImdsSource, svc = service): Promise<string> {
  const path = join(dir, `imds-${++socketSeq}.sock`);
  const endpoint = await svc.serve(path, source);
  closers.push(() => endpoint.close());
  return path;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(socketPath: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const token = async (sock: string, ttl = '21600') => (await call(sock, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': ttl } })).body;
const withToken = (t: string) => ({ headers: { 'X-aws-ec2-metadata-token': t } });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imds-'));
  signer = IdentitySigner.from(await IdentitySigner.generateKeys());
  service = new MetadataService({ tokenKey: randomBytes(32), signer, now: () => clock, limits: { burst: 100_000 } });
});
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

describe('IMDSv1', () => {
  let sock: string;
  let p: Probe;
  before(async () => {
    p = probe('i-0000000000000000a');
    sock = await serve(p);
  });

  test('values as text/plain from EC2ws; the connection closes after each answer', async () => {
    const r = await call(sock, '/latest/meta-data/instance-id');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'i-0000000000000000a');
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers.server, 'EC2ws');
    assert.equal(r.headers.connection, 'close');
    assert.equal(r.headers['x-aws-ec2-metadata-token-ttl-seconds'], undefined, 'no session, no TTL');
  });

  test('versions at /, categories under a version, any dated version accepted', async () => {
    const versions = (await call(sock, '/')).body.split('\n');
    for (const v of ['1.0', '2009-04-04', '2016-09-02', '2018-09-24', '2021-03-23']) assert.ok(versions.includes(v), v);
    assert.equal(versions.at(-1), 'latest');
    assert.equal((await call(sock, '/latest')).body, 'dynamic\nmeta-data\nuser-data');
    assert.equal((await call(sock, '/latest/')).body, 'dynamic\nmeta-data\nuser-data');
    assert.equal((await call(sock, '/2021-03-23/meta-data/instance-id')).body, 'i-0000000000000000a');
    assert.equal((await call(sock, '/2009-04-04/meta-data/local-ipv4')).body, facts.privateIp);
    assert.equal((await call(sock, '/2030-01-01/meta-data/instance-id')).status, 200);
    for (const bad of ['/foo/meta-data/instance-id', '/latest/nothing', '/2021-3-23/meta-data/', '/latest/meta-data/nope']) assert.equal((await call(sock, bad)).status, 404, bad);
  });

  test('listings: subdirectories with a slash, public keys as index=name', async () => {
    const root = (await call(sock, '/latest/meta-data/')).body.split('\n');
    for (const e of ['ami-id', 'block-device-mapping/', 'instance-id', 'network/', 'placement/', 'public-keys/', 'tags/']) assert.ok(root.includes(e), e);
    assert.ok(!root.includes('iam/'), 'no instance profile, no iam/');
    assert.equal((await call(sock, '/latest/meta-data/public-keys/')).body, '0=k1');
    assert.equal((await call(sock, '/latest/meta-data/public-keys/0/')).body, 'openssh-key');
    assert.equal((await call(sock, '/latest/meta-data/public-keys/0/openssh-key')).body, facts.publicKeys[0].openssh);
    assert.equal((await call(sock, '/latest/meta-data/network/interfaces/macs/')).body, `${facts.macAddress}/`);
    assert.equal((await call(sock, `/latest/meta-data/network/interfaces/macs/${facts.macAddress}/vpc-id`)).body, facts.vpcId);
    assert.equal((await call(sock, '/latest/meta-data/tags/instance')).body, 'Name');
    assert.equal((await call(sock, '/latest/meta-data/tags/instance/Name')).body, 'web');
    assert.equal((await call(sock, '/latest/dynamic/')).body, 'instance-identity/');
    assert.equal((await call(sock, '/latest/dynamic/instance-identity/')).body, 'rsa2048\npkcs7\ndocument\nsignature');
  });

  test('user data as octets; 404 (EC2\'s XHTML page) and no listing entry when there is none', async () => {
    const r = await call(sock, '/latest/user-data');
    assert.equal(r.body, facts.userData?.toString());
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    const bare = await serve(probe('i-0000000000000000b', {}, { userData: undefined }));
    const missing = await call(bare, '/latest/user-data');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], 'text/html');
    assert.match(missing.body, /<title>404 - Not Found<\/title>/);
    assert.equal((await call(bare, '/latest/')).body, 'dynamic\nmeta-data');
  });

  test('HEAD answers headers only; other methods 405', async () => {
    const head = await call(sock, '/latest/meta-data/instance-id', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String('i-0000000000000000a'.length));
    for (const method of ['POST', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await call(sock, '/latest/meta-data/', { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD, PUT');
    }
  });

  test('options, the tree and the sign of life are read per request; the tree at most once', async () => {
    const before = { ...p.calls };
    await call(sock, '/');
    await call(sock, '/latest/dynamic/instance-identity/signature');
    assert.equal(p.calls.requests - before.requests, 2);
    assert.equal(p.calls.options - before.options, 2);
    assert.equal(p.calls.metadata - before.metadata, 1, '/ needs no tree; the signature needs it once');
    p.facts = { ...p.facts, securityGroups: [{ id: 'sg-1', name: 'web' }] };
    assert.equal((await call(sock, '/latest/meta-data/security-groups')).body, 'web', 'no stale tree');
  });
});

describe('IMDSv2', () => {
  let sock: string;
  let p: Probe;
  before(async () => {
    p = probe('i-0000000000000000c');
    sock = await serve(p);
  });

  test('MetadataNoToken: only what was answered without a token counts', async () => {
    const before = p.calls.tokenless;
    await call(sock, '/latest/meta-data/instance-id');
    await call(sock, '/latest/meta-data/no-such-thing');
    await call(sock, '/latest/meta-data/instance-id', withToken(await token(sock)));
    assert.equal(p.calls.tokenless - before, 1);
  });

  test('PUT /latest/api/token gives a token and echoes its TTL; GETs with it say what is left', async () => {
    clock = T0;
    const r = await call(sock, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-aws-ec2-metadata-token-ttl-seconds'], '300');
    assert.equal(r.headers['content-type'], 'text/plain');
    clock = T0 + 100_500;
    const g = await call(sock, '/latest/meta-data/instance-id', withToken(r.body));
    assert.equal(g.status, 200);
    assert.equal(g.body, 'i-0000000000000000c');
    assert.equal(g.headers['x-aws-ec2-metadata-token-ttl-seconds'], '200');
    clock = T0;
  });

  test('the TTL header is required and must be 1..21600: else 400', async () => {
    const put = (headers: Record<string, string>) => call(sock, '/latest/api/token', { method: 'PUT', headers });
    assert.equal((await put({})).status, 400);
    for (const ttl of ['0', '21601', '-1', 'abc', '1.5', '', '99999999999']) {
      const r = await put({ 'X-aws-ec2-metadata-token-ttl-seconds': ttl });
      assert.equal(r.status, 400, ttl);
      assert.match(r.body, /400 - Bad Request/);
    }
    assert.equal((await put({ 'X-aws-ec2-metadata-token-ttl-seconds': '1' })).status, 200);
    assert.equal((await put({ 'X-aws-ec2-metadata-token-ttl-seconds': '21600' })).status, 200);
  });

  test('a PUT carrying X-Forwarded-For, or to a versioned token path, is forbidden; GET on the token path is 405', async () => {
    const headers = { 'X-aws-ec2-metadata-token-ttl-seconds': '60' };
    assert.equal((await call(sock, '/latest/api/token', { method: 'PUT', headers: { ...headers, 'X-Forwarded-For': '10.0.0.1' } })).status, 403);
    assert.equal((await call(sock, '/2021-03-23/api/token', { method: 'PUT', headers })).status, 403);
    assert.equal((await call(sock, '/latest/meta-data/', { method: 'PUT', headers })).status, 403);
    const get = await call(sock, '/latest/api/token');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'PUT');
  });

  test('an invalid token is 401 even where tokens are optional; expired is 401', async () => {
    clock = T0;
    const t = await token(sock, '10');
    assert.equal((await call(sock, '/latest/meta-data/', withToken('bogus'))).status, 401);
    assert.equal((await call(sock, '/latest/meta-data/', withToken(''))).status, 401);
    clock = T0 + 9_999;
    assert.equal((await call(sock, '/latest/meta-data/', withToken(t))).headers['x-aws-ec2-metadata-token-ttl-seconds'], '1');
    clock = T0 + 10_000;
    const r = await call(sock, '/latest/meta-data/', withToken(t));
    assert.equal(r.status, 401);
    assert.match(r.body, /401 - Unauthorized/);
    clock = T0;
  });

  test('a token from another instance is refused; one from a restarted service is accepted', async () => {
    const other = await serve(probe('i-0000000000000000d'));
    const foreign = await token(other);
    assert.equal((await call(sock, '/latest/meta-data/instance-id', withToken(foreign))).status, 401);
    const mine = await token(sock);
    assert.equal((await call(other, '/latest/meta-data/instance-id', withToken(mine))).status, 401);
    const key = randomBytes(32);
    const a = new MetadataService({ tokenKey: key, signer, now: () => clock });
    const b = new MetadataService({ tokenKey: key, signer, now: () => clock });
    const t = await token(await serve(p, a));
    assert.equal((await call(await serve(p, b), '/latest/meta-data/instance-id', withToken(t))).status, 200);
  });

  test('tokens required: v1 gets 401, v2 gets through; the options are read live', async () => {
    p.opts = { ...p.opts, httpTokens: 'required' };
    const v1 = await call(sock, '/latest/meta-data/instance-id');
    assert.equal(v1.status, 401);
    assert.equal((await call(sock, '/')).status, 401);
    assert.equal((await call(sock, '/latest/meta-data/instance-id', withToken(await token(sock)))).status, 200);
    p.opts = { ...p.opts, httpTokens: 'optional' };
    assert.equal((await call(sock, '/latest/meta-data/instance-id')).status, 200);
  });

  test('endpoint disabled: 403 to every request, token PUTs included', async () => {
    const t = await token(sock);
    p.opts = { ...p.opts, httpEndpoint: 'disabled' };
    try {
      assert.equal((await call(sock, '/latest/meta-data/instance-id')).status, 403);
      assert.equal((await call(sock, '/latest/meta-data/instance-id', withToken(t))).status, 403);
      const put = await call(sock, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
      assert.equal(put.status, 403);
      assert.match(put.body, /403 - Forbidden/);
    } finally {
      p.opts = { ...p.opts, httpEndpoint: 'enabled' };
    }
  });

  test('tags disappear the moment InstanceMetadataTags is disabled, even from an older tree', async () => {
    p.opts = { ...p.opts, instanceMetadataTags: 'disabled' };
    try {
      assert.equal((await call(sock, '/latest/meta-data/tags/instance/Name')).status, 404);
      assert.ok(!(await call(sock, '/latest/meta-data/')).body.split('\n').includes('tags/'));
    } finally {
      p.opts = { ...p.opts, instanceMetadataTags: 'enabled' };
    }
  });
});

describe('identity document', () => {
  let sock: string;
  before(async () => {
    sock = await serve(probe('i-0000000000000000e', { httpTokens: 'required' }));
  });

  test('the document has EC2\'s fields and layout', async () => {
    const t = await token(sock);
    const r = await call(sock, '/latest/dynamic/instance-identity/document', withToken(t));
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.deepEqual(JSON.parse(r.body), {
      accountId: '111111111111',
      architecture: 'x86_64',
      availabilityZone: 'us-east-1a',
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: 'ami-0123456789abcdef0',
      instanceId: 'i-0000000000000000e',
      instanceType: 't3.micro',
      kernelId: null,
      pendingTime: '2026-12-05T23:59:58Z',
      privateIp: facts.privateIp,
      ramdiskId: null,
      region: 'us-east-1',
      version: '2017-09-30',
    });
    assert.match(r.body, /^\{\n {2}"accountId" : "111111111111",\n/);
  });

  test('signature, pkcs7 and rsa2048 verify with openssl against the published certificate', async () => {
    const t = await token(sock);
    const get = async (what: string) => (await call(sock, `/latest/dynamic/instance-identity/${what}`, withToken(t))).body;
    const work = mkdtempSync(join(dir, 'verify-'));
    writeFileSync(join(work, 'document'), await get('document'));
    writeFileSync(join(work, 'certificate'), signer.certificatePem);
    writeFileSync(join(work, 'signature'), Buffer.from(await get('signature'), 'base64'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    openssl('x509', '-pubkey', '-noout', '-in', 'certificate', '-out', 'key');
    assert.match(openssl('dgst', '-sha256', '-verify', 'key', '-signature', 'signature', 'document'), /Verified OK/);
    for (const what of ['pkcs7', 'rsa2048']) {
      writeFileSync(join(work, what), `-----BEGIN PKCS7-----\n${await get(what)}\n-----END PKCS7-----\n`);
      assert.equal(openssl('smime', '-verify', '-in', what, '-inform', 'PEM', '-certfile', 'certificate', '-noverify'), await get('document'));
      assert.equal(openssl('smime', '-verify', '-in', what, '-inform', 'PEM', '-CAfile', 'certificate'), await get('document'));
    }
    assert.equal((await call(sock, '/latest/dynamic/instance-identity/dsa2048', withToken(t))).status, 404);
  });
});

test('the iam/ seam: listed and answered only when the source has it, told whether a token was used', async () => {
  const seen: boolean[] = [];
  const p = probe('i-0000000000000000f');
  p.iam = async (path, { tokenUsed }) => {
    seen.push(tokenUsed);
    return path === '' ? 'info\nsecurity-credentials/' : path === 'info' ? '{"Code" : "Success"}' : undefined;
  };
  const sock = await serve(p);
  assert.ok((await call(sock, '/latest/meta-data/')).body.split('\n').includes('iam/'));
  assert.equal((await call(sock, '/latest/meta-data/iam/')).body, 'info\nsecurity-credentials/');
  assert.equal((await call(sock, '/latest/meta-data/iam/info', withToken(await token(sock)))).body, '{"Code" : "Success"}');
  assert.equal((await call(sock, '/latest/meta-data/iam/nothing')).status, 404);
  assert.deepEqual(seen.slice(-2), [true, false]);
});

test('a failing source is a 500 for that request, and the service goes on', async () => {
  const p = probe('i-00000000000000010');
  let fail = true;
  const real = p.metadata;
  p.metadata = () => (fail ? Promise.reject(new Error('database is gone')) : real());
  const logged: string[] = [];
  const svc = new MetadataService({ tokenKey: randomBytes(32), signer, now: () => clock, log: (level, msg) => logged.push(`${level} ${msg}`) });
  const sock = await serve(p, svc);
  const r = await call(sock, '/latest/meta-data/instance-id');
  assert.equal(r.status, 500);
  assert.ok(!r.body.includes('database'), 'no internals leaked');
  assert.ok(logged.includes('error imds request failed'));
  fail = false;
  assert.equal((await call(sock, '/latest/meta-data/instance-id')).status, 200);
});

test('the socket: mode 0600, a stale file replaced, a live one refused, removed on close', async () => {
  const path = join(dir, 'stale.sock');
  const first = await service.serve(path, probe('i-00000000000000011'));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  await assert.rejects(service.serve(path, probe('i-00000000000000011')), /in use/);
  await first.close();
  assert.throws(() => statSync(path), /ENOENT/);
  // A socket file whose server died without closing: a child process that listened and exited.
  execFileSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
  assert.ok(statSync(path).isSocket());
  const second = await service.serve(path, probe('i-00000000000000011'));
  assert.equal((await call(path, '/latest/meta-data/instance-id')).body, 'i-00000000000000011');
  await second.close();
  writeFileSync(path, 'not a socket');
  await assert.rejects(service.serve(path, probe('i-00000000000000011')), /not a socket/);
});
