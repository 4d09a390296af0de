// Random and hostile requests on every protocol (issue 12 §4): EC2 query, awsQuery (Auto
// Scaling, IAM, STS), awsJson1.1 (KMS, SSM, CloudTrail) and restJson1 (EBS direct APIs). Each
// request is built from the operation's model sample and then damaged — unknown and prototype
// keys, control characters, invalid UTF-8, huge numbers, deep nesting, repeated parameters,
// enormous lists, wrong content types, GET URLs past the header limit — or is random bytes
// outright. For every answer: status below 500, always (an operation Imago does not serve is a
// 400 too), a well-formed body in the protocol's format (XML parsed by the
// checker below, JSON by JSON.parse) naming an error code when it is an error, answered within
// 1 s; and the server still answers at the end.
//
// Deterministic: a seeded PRNG, seed printed; IMAGO_FUZZ_SEED=<n> varies it, IMAGO_FUZZ_COUNT
// the requests per service.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServiceModel, isScalar, type MemberRef, type ServiceModel } from '../../src/protocol/model.js';
import { ec2WireName, queryWireName } from '../../src/protocol/query-parser.js';
import { XML_ILLEGAL } from '../../src/protocol/validate.js';
import { sampleStructure } from '../helpers/sample.js';
import { decodeCbor, encodeCbor, type CborValue } from '../../src/protocol/cbor.js';
import { signedRequest, type SignedFetchOptions } from '../helpers/signed-fetch.js';
import { removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';

const SEED = Number(process.env.IMAGO_FUZZ_SEED ?? 20_120_412);
const COUNT = Number(process.env.IMAGO_FUZZ_COUNT ?? 250);

/** mulberry32: small, fast, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, items: readonly T[]): T => items[int(r, items.length)];
const bytes = (r: Rand, n: number) => Buffer.from(Array.from({ length: n }, () => int(r, 256)));

// ---- hostile values ------------------------------------------------------------------------

const HOSTILE_TEXT = [
  '',
  ' ',
  'a\u0000b',
  '\u0001\u0002\u0003\u001f',
  '\u007f\u0085\u2028\u2029',
  '\ud800',
  '\udfff x',
  '\ufffe\uffff',
  '😀'.repeat(50),
  '<Error><Code>Injected</Code></Error>',
  ']]></Message><Code>x</Code>',
  '&amp;&#0;&#x1;&bogus;',
  '"\'\\',
  '${jndi:ldap://x}',
  '../../../../etc/passwd',
  '%00%01',
  '1e309',
  '-1e309',
  '99999999999999999999999999999',
  '-99999999999999999999999999999',
  '0x10',
  'NaN',
  'Infinity',
  '-0',
  '1.5',
  'true',
  'null',
  '__proto__',
  'constructor',
  'x'.repeat(70_000),
  '2030-02-30T25:61:61Z',
  '9999999999999',
  'ami-',
  'ami-0123456789abcdef0',
  'snap-0123456789abcdef0',
  'vol-0123456789abcdef0',
  'i-0123456789abcdef0',
  'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000',
  'alias/aws/ebs',
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__proto__.polluted', 'constructor.prototype.polluted', 'Bogus', 'a'.repeat(5000), '', '.', '..', 'X.0', 'X.-1', 'X.99999999999'];

function hostileText(r: Rand): string {
  return r() < 0.8 ? pick(r, HOSTILE_TEXT) : bytes(r, int(r, 64)).toString('latin1');
}

function hostileJsonValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 2 ? 6 : 9)) {
    case 0:
      return hostileText(r);
    case 1:
      return pick(r, [0, -1, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 0.5, 1e-320]);
    case 2:
      return pick(r, [true, false, null]);
    case 3:
      return '';
    case 4:
      return int(r, 100);
    case 5:
      return {};
    case 6:
      return Array.from({ length: int(r, 4) }, () => hostileJsonValue(r, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [pick(r, HOSTILE_KEYS), hostileJsonValue(r, depth + 1)]));
    default:
      return Array.from({ length: 10_000 }, (_, i) => i);
  }
}

// ---- form bodies (EC2 and awsQuery) --------------------------------------------------------

function toForm(model: ServiceModel, variant: 'ec2' | 'query', shapeName: string, value: Record<string, unknown>, prefix = '', out: [string, string][] = []): [string, string][] {
  const shape = model.shapes[shapeName];
  if (shape?.type !== 'structure') return out;
  const namer = variant === 'ec2' ? ec2WireName : queryWireName;
  for (const [name, ref] of Object.entries(shape.members)) {
    const v = value[name];
    if (v === undefined) continue;
    formValue(model, variant, ref, v, `${prefix}${namer(name, ref)}`, out);
  }
  return out;
}

function formValue(model: ServiceModel, variant: 'ec2' | 'query', ref: MemberRef, v: unknown, key: string, out: [string, string][]): void {
  if (isScalar(ref.target)) {
    out.push([key, v instanceof Date ? v.toISOString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v)]);
    return;
  }
  const shape = model.shapes[ref.target];
  if (shape.type === 'structure') toForm(model, variant, ref.target, v as Record<string, unknown>, `${key}.`, out);
  else if (shape.type === 'list') {
    const base = variant === 'query' && !ref.flattened ? `${key}.member` : key;
    (v as unknown[]).forEach((item, i) => formValue(model, variant, shape.member, item, `${base}.${i + 1}`, out));
  } else {
    Object.entries(v as Record<string, unknown>).forEach(([k, item], i) => {
      out.push([`${key}.entry.${i + 1}.key`, k]);
      formValue(model, variant, shape.value, item, `${key}.entry.${i + 1}.value`, out);
    });
  }
}

/** Percent-encoding that keeps what encodeURIComponent refuses: a lone surrogate goes out as its (invalid) UTF-8 bytes. */
const enc = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[^\uD800-\uDFFF]+|[\uD800-\uDBFF][\uDC00-\uDFFF]/g, (part) => (part.length === 1 && part >= '\uD800' && part <= '\uDFFF' ? '%ED%A0%80' : encodeURIComponent(part)));

function formBody(r: Rand, model: ServiceModel, variant: 'ec2' | 'query'): { body: Buffer | string; contentType?: string } {
  const kind = int(r, 10);
  if (kind === 0) return { body: bytes(r, int(r, 4096)) };
  if (kind === 1) return { body: `{"Action": "DescribeRegions", "Version": "${model.apiVersion}"}`, contentType: 'application/json' };
  const ops = Object.keys(model.operations);
  const op = r() < 0.9 ? pick(r, ops) : pick(r, ['', 'FlyToTheMoon', '__proto__', 'constructor', 'x'.repeat(3000), `${pick(r, ops)}\u0000`]);
  const input = model.operations[op]?.input;
  const params: [string, string][] = input ? toForm(model, variant, input, sampleStructure(model, input, { maxDepth: 3 })) : [];
  params.unshift(['Action', op], ['Version', r() < 0.9 ? model.apiVersion : pick(r, ['', '2099-01-01', '1999-01-01', 'x', '2016-11-15\u0000'])]);
  if (r() < 0.05) params.splice(int(r, 2), 1); // no Action, or no Version
  const mutations = 1 + int(r, 3);
  for (let m = 0; m < mutations; m++) {
    switch (int(r, 8)) {
      case 0:
        params.push([pick(r, HOSTILE_KEYS), hostileText(r)]);
        break;
      case 1:
        if (params.length > 2) params[2 + int(r, params.length - 2)][1] = hostileText(r);
        break;
      case 2:
        if (params.length > 2) params.push([params[2 + int(r, params.length - 2)][0], hostileText(r)]); // repeated
        break;
      case 3: {
        // (a key of sane length: 5000 deep keys would be a body too big even to drain, cut by design)
        const picked = params.length > 2 ? params[2 + int(r, params.length - 2)][0].replace(/\.\d+(?=[^.]*$)/, '') : 'ImageId';
        const key = picked.length > 200 ? 'ImageId' : picked;
        for (let i = 1; i <= 5000; i++) params.push([`${key}.${i}`, `v${i}`]);
        break;
      }
      case 4:
        params.push([Array.from({ length: 1 + int(r, 3000) }, () => pick(r, ['A', 'Filter', '1', 'member', 'entry'])).join('.'), 'deep']);
        break;
      case 5:
        if (params.length > 2) params.splice(2 + int(r, params.length - 2), 1);
        break;
      default:
        if (params.length > 2) params[2 + int(r, params.length - 2)][1] = String(pick(r, [1e309, -1, 0, 2 ** 31, 2 ** 63, -(2 ** 53), 1.5]));
    }
  }
  let text = params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  if (r() < 0.1) text += pick(r, ['&%', '&%zz=1', '&x=%E0%A4%A', '&&&', '&=', '&==']);
  if (r() < 0.08) return { body: Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]) };
  return { body: text, contentType: r() < 0.05 ? pick(r, ['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x']) : undefined };
}

// ---- JSON bodies (awsJson1.1, and restJson1 bodies) ----------------------------------------

function jsonOf(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonOf);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]));
  return v;
}

function mutateJson(r: Rand, value: Record<string, unknown>): string {
  const mutations = int(r, 3);
  for (let m = 0; m < mutations; m++) {
    const keys = Object.keys(value);
    switch (int(r, 4)) {
      case 0:
        value[pick(r, HOSTILE_KEYS)] = hostileJsonValue(r);
        break;
      case 1:
        if (keys.length) value[pick(r, keys)] = hostileJsonValue(r);
        break;
      case 2:
        if (keys.length) delete value[pick(r, keys)];
        break;
      default: {
        const nested = keys.length ? value[pick(r, keys)] : undefined;
        if (nested && typeof nested === 'object' && !Array.isArray(nested)) (nested as Record<string, unknown>)[pick(r, HOSTILE_KEYS)] = hostileJsonValue(r);
      }
    }
  }
  let text = JSON.stringify(value);
  // what JSON.stringify cannot produce: prototype keys as JSON text, numbers beyond doubles, lone surrogates
  if (r() < 0.15) text = text.replace(/^\{/, pick(r, ['{"__proto__": {"polluted": 1}, ', '{"constructor": {"prototype": {"x": 1}}, ', '{"Limit": 1e400, ', '{"x": "\\ud800", ', '{"x": "\\u0000", ']));
  return text.replace(/, \}$/, '}');
}

function jsonBody(r: Rand, model: ServiceModel, op: string): Buffer | string {
  const kind = int(r, 12);
  if (kind === 0) return bytes(r, int(r, 2048));
  if (kind === 1) return pick(r, ['', 'null', '[]', '"x"', '123', '{', '{"a":', '{}}', 'true', '{"a":1,"a":2}', '\ufeff{}']);
  if (kind === 2) return '['.repeat(100_000) + ']'.repeat(100_000);
  if (kind === 3) return '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
  if (kind === 4) return Buffer.concat([Buffer.from('{"Name": "'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')]);
  const input = model.operations[op]?.input;
  const sample = input ? (jsonOf(sampleStructure(model, input, { maxDepth: 3 })) as Record<string, unknown>) : {};
  return mutateJson(r, sample);
}

// ---- answers -------------------------------------------------------------------------------

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const TOKEN = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w:.-]+="[^"<&]*")*)\s*(\/?)>|([^<]+)|(<)/g;
const BAD_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/** A strict enough XML 1.0 check: one root, balanced tags, escaped text, only legal characters. Returns the error code, if any. */
function checkXml(text: string): string | undefined {
  assert.ok(text.startsWith(XML_DECL), 'XML declaration');
  assert.doesNotMatch(text, XML_ILLEGAL, 'characters XML cannot carry');
  const stack: string[] = [];
  let roots = 0;
  let code: string | undefined;
  let last = '';
  for (const m of text.slice(XML_DECL.length).matchAll(TOKEN)) {
    if (m[6]) assert.fail(`a stray '<' at ${m.index}`);
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5], BAD_ENTITY, 'unescaped &');
      assert.ok(stack.length > 0 || !m[5].trim(), 'text outside the root');
      if (last === 'Code') code = m[5];
      continue;
    }
    const [, close, name, , selfClosing] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes what it did not open`);
    else {
      if (!stack.length) roots++;
      if (!selfClosing) stack.push(name);
    }
    last = close || selfClosing ? '' : name;
  }
  assert.equal(stack.length, 0, `unclosed <${stack.at(-1)}>`);
  assert.equal(roots, 1, 'one root element');
  return code;
}

interface Answer {
  status: number;
  code?: string;
  ms: number;
}

async function send(server: TestServer, o: SignedFetchOptions): Promise<Answer> {
  // signed first: the clock measures the server, not the test's own signing of a big body
  const { url, init } = await signedRequest(server.url, o);
  const headers = { ...(init.headers as Record<string, string>) };
  delete headers.host;
  const started = performance.now();
  const res = await fetch(url, { ...init, headers });
  const body = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - started;
  const type = res.headers.get('content-type') ?? '';
  let code: string | undefined;
  if (type.startsWith('text/xml')) code = checkXml(body.toString('utf8'));
  else if (type.includes('json')) {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    assert.ok(parsed && typeof parsed === 'object' && !Array.isArray(parsed), 'a JSON object');
    code = typeof parsed.__type === 'string' ? parsed.__type : (res.headers.get('x-amzn-errortype') ?? undefined);
  } else if (type === 'application/cbor') {
    // Smithy RPC v2 CBOR (CloudWatch): a map, with __type when an error
    const parsed = decodeCbor(body) as Record<string, unknown>;
    assert.ok(parsed && typeof parsed === 'object' && !Array.isArray(parsed), 'a CBOR map');
    code = typeof parsed.__type === 'string' ? parsed.__type : undefined;
  } else assert.ok(res.status < 300 && type === 'application/octet-stream', `unexpected content type ${type} (${res.status})`);
  if (res.status >= 300) assert.ok(code, `an error names its code (${res.status}): ${body.toString('utf8').slice(0, 300)}`);
  return { status: res.status, code, ms };
}

function judge(label: string, a: Answer, tally: Map<string, number>): void {
  tally.set(`${a.status} ${a.code ?? ''}`.trim(), (tally.get(`${a.status} ${a.code ?? ''}`.trim()) ?? 0) + 1);
  assert.ok(a.status < 500, `${label}: ${a.status} ${a.code}`);
  assert.ok(a.ms < 1000, `${label}: answered in ${Math.round(a.ms)} ms`);
}

// ---- the suite -----------------------------------------------------------------------------

describe(`fuzz (seed ${SEED}, ${COUNT} requests per service)`, () => {
  let server: TestServer;
  let dir: string;
  const account = { accessKeyId: '111111111111', secretAccessKey: 'x' };

  before(async () => {
    console.log(`# fuzz seed ${SEED} (IMAGO_FUZZ_SEED to vary), ${COUNT} requests per service`);
    dir = tempDir();
    server = await startServer({ dataDir: dir });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  const run = async (service: string, make: (r: Rand, i: number) => SignedFetchOptions) => {
    const r = prng(SEED ^ [...service].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7));
    const tally = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      const request = make(r, i);
      const label = `${service} #${i} (seed ${SEED}): ${String(request.headers?.['x-amz-target'] ?? request.path ?? '')} ${String(request.body ?? request.query ?? '').slice(0, 160)}`;
      let answer: Answer;
      try {
        answer = await send(server, request);
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`${label}\n${(e as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`, { cause: e });
      }
      judge(label, answer, tally);
    }
    console.log(`# ${service}: ${[...tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  };

  for (const [service, variant] of [['ec2', 'ec2'], ['autoscaling', 'query'], ['iam', 'query'], ['sts', 'query']] as const) {
    test(`${service} (${variant === 'ec2' ? 'EC2 query' : 'awsQuery'})`, async () => {
      const model = loadServiceModel(service);
      await run(service, (r) => {
        const { body, contentType } = formBody(r, model, variant);
        // a GET's parameters are in the URL: up to the 64 KiB header limit they are served, past it
        // the parser's refusal is an XML 414 (gateway/client-errors.ts)
        if (service === 'ec2' && r() < 0.1 && typeof body === 'string') return { service, method: 'GET', query: r() < 0.2 ? `${body}&${'Owner.1=self&'.repeat(6000)}` : body, ...account };
        return { service, body, headers: contentType ? { 'content-type': contentType } : undefined, ...account };
      });
    });
  }

  for (const service of ['kms', 'ssm', 'cloudtrail'] as const) {
    test(`${service} (awsJson1.1)`, async () => {
      const model = loadServiceModel(service);
      const ops = Object.keys(model.operations);
      await run(service, (r) => {
        const op = pick(r, ops);
        const target = r() < 0.92 ? `${model.targetPrefix}.${op}` : pick(r, ['', op, `${model.targetPrefix}.`, `${model.targetPrefix}.__proto__`, `${model.targetPrefix}.constructor`, 'TrentService.ListKeys.x', `x.${op}`]);
        const contentType = r() < 0.92 ? 'application/x-amz-json-1.1' : pick(r, ['application/json', 'text/plain', 'application/x-www-form-urlencoded']);
        return { service, headers: { 'x-amz-target': target, 'content-type': contentType }, body: jsonBody(r, model, op), ...account };
      });
    });
  }

  test('ebs (restJson1)', async () => {
    const model = loadServiceModel('ebs');
    const snap = () => `snap-${'0123456789abcdef'.repeat(2).slice(0, 17)}`;
    const label = (r: Rand) => (r() < 0.6 ? snap() : enc(hostileText(r)).slice(0, 2000) || 'x');
    const index = (r: Rand) => pick(r, ['0', '1', '-1', '4294967296', '99999999999999999999', '1e3', 'x', '%00', '0x10']);
    await run('ebs', (r) => {
      const kind = int(r, 7);
      const q = r() < 0.5 ? `maxResults=${pick(r, ['100', '0', '-5', '1e309', 'x', '10001'])}&pageToken=${enc(hostileText(r)).slice(0, 300)}&startingBlockIndex=${index(r)}` : undefined;
      const headers: Record<string, string> = { 'content-type': r() < 0.8 ? 'application/json' : 'application/octet-stream' };
      if (kind === 0) return { service: 'ebs', path: '/snapshots', headers, body: jsonBody(r, model, 'StartSnapshot'), ...account };
      if (kind === 1) {
        headers['x-amz-data-length'] = pick(r, ['524288', '0', '-1', '99999999999', 'x']);
        headers['x-amz-checksum'] = pick(r, ['AAAA', '', 'x'.repeat(100), '%%%']);
        headers['x-amz-checksum-algorithm'] = pick(r, ['SHA256', 'MD5', '']);
        return { service: 'ebs', method: 'PUT', path: `/snapshots/${label(r)}/blocks/${index(r)}`, headers, body: bytes(r, pick(r, [0, 1, 4096, 524_288])), ...account };
      }
      if (kind === 2) {
        headers['x-amz-changedblockscount'] = pick(r, ['0', '1', '-1', 'x', '1e400']);
        return { service: 'ebs', path: `/snapshots/completion/${label(r)}`, headers, body: '', ...account };
      }
      if (kind === 3) return { service: 'ebs', method: 'GET', path: `/snapshots/${label(r)}/blocks`, query: q, ...account };
      if (kind === 4) return { service: 'ebs', method: 'GET', path: `/snapshots/${label(r)}/changedblocks`, query: `firstSnapshotId=${label(r)}${q ? `&${q}` : ''}`, ...account };
      if (kind === 5) return { service: 'ebs', method: 'GET', path: `/snapshots/${label(r)}/blocks/${index(r)}`, query: `blockToken=${enc(hostileText(r)).slice(0, 500)}`, ...account };
      return { service: 'ebs', method: pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']), path: pick(r, ['/snapshots/', '/snapshots/x/y/z', '/snapshots//blocks', `/snapshots/${'a/'.repeat(500)}`, '/snapshots%2F..%2F']), body: '', ...account };
    });
  });

  // CloudWatch speaks three protocols on one service: each request in one of them, damaged
  test('cloudwatch (awsJson1.0, Smithy RPC v2 CBOR, awsQuery)', async () => {
    const model = loadServiceModel('cloudwatch');
    const ops = Object.keys(model.operations);
    const cborBody = (r: Rand, op: string): Buffer => {
      const input = model.operations[op]?.input;
      const good = encodeCbor((input ? jsonOf(sampleStructure(model, input, { maxDepth: 3 })) : {}) as CborValue);
      const kind = int(r, 8);
      if (kind === 0) return bytes(r, int(r, 2048));
      if (kind === 1) return good.subarray(0, int(r, good.length));
      if (kind === 2) return Buffer.concat([Buffer.alloc(int(r, 5000), 0x81), Buffer.from([0x01])]);
      if (kind === 3) return Buffer.from(pick(r, ['5bffffffffffffffff', '9bffffffffffffffff', 'c2410f', 'a10102', '62c328', 'ff', 'a0a0', 'bf6161', 'a16961 5f5f70726f746f5f5f a0'.replace(/ /g, '')]), 'hex');
      if (kind === 4) {
        const damaged = Buffer.from(good);
        for (let i = 0; i < 1 + int(r, 4); i++) damaged[int(r, damaged.length)] = int(r, 256);
        return damaged;
      }
      if (kind === 5) return encodeCbor({ ...(decodeCbor(good) as Record<string, CborValue>), [pick(r, ['__proto__', 'constructor', 'Unknown'])]: { polluted: 1 } });
      return good;
    };
    await run('cloudwatch', (r) => {
      const op = pick(r, ops);
      const protocol = int(r, 3);
      const gzip: Record<string, string> = r() < 0.05 ? { 'content-encoding': 'gzip' } : {};
      if (protocol === 0) {
        const target = r() < 0.92 ? `${model.targetPrefix}.${op}` : pick(r, ['', op, `${model.targetPrefix}.__proto__`, `x.${op}`]);
        return { service: 'monitoring', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0', ...gzip }, body: jsonBody(r, model, op), ...account };
      }
      if (protocol === 1) {
        const path = r() < 0.92 ? `/service/${model.targetPrefix}/operation/${op}` : pick(r, [`/service/${model.targetPrefix}/operation/`, `/service/x/operation/${op}`, `/service/${model.targetPrefix}/operation/__proto__`, '/service/', `/service/${model.targetPrefix}/operation/${op}/x`]);
        return { service: 'monitoring', path, headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', accept: 'application/cbor', ...gzip }, body: cborBody(r, op), ...account };
      }
      const { body, contentType } = formBody(r, model, 'query');
      return { service: 'monitoring', body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...gzip }, ...account };
    });
  });

  test('the server is still up and answers a plain call', async () => {
    const a = await send(server, { service: 'ec2', body: 'Action=DescribeRegions&Version=2016-11-15&RegionName.1=us-east-1', ...account });
    assert.equal(a.status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
