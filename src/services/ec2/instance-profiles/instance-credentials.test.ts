// meta-data/iam/ as the metadata service answers it (imds-answer.ts over InstanceCredentials):
// listings, info, the role's credentials (an assumed-role session named after the instance that
// SessionTokens opens), caching and renewal before expiry, IMDSv1 and v2 apart, changes seen at
// the next request, and 404 without a profile or a role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { answer, type ImdsContext } from '../../../compute/imds/imds-answer.js';
import { ImdsTokens } from '../../../compute/imds/imds-token.js';
import { buildMetadata } from '../../../compute/instance-metadata.js';
import { sampleFacts } from '../../../compute/imds/sample-facts.js';
import { SessionTokens } from '../../../iam/session-tokens.js';
import type { Store } from '../../../store/store.js';
import { InstanceCredentials } from './instance-credentials.js';

const ACCOUNT = '111122223333';
const INSTANCE = 'i-0123456789abcdef0';
const HOUR = 3600_000;

function world() {
  const profile = { account_id: ACCOUNT, name: 'web', id: 'AIPAEXAMPLEPROFILE001', path: '/', role_key: 'web-role' as string | null };
  const roles = new Map([
    ['web-role', { account_id: ACCOUNT, name: 'Web-Role', name_key: 'web-role', id: 'AROAEXAMPLEROLE000001', path: '/apps/', tags: '[{"Key":"team","Value":"web"}]' }],
    ['db-role', { account_id: ACCOUNT, name: 'db-role', name_key: 'db-role', id: 'AROAEXAMPLEROLE000002', path: '/', tags: '[]' }],
  ]);
  let held: { arn: string; id: string } | undefined = { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web`, id: profile.id };
  const store = {
    instances: { get: async (id: string) => (id === INSTANCE ? { instance_id: INSTANCE, spec: JSON.stringify(held ? { iamInstanceProfile: held } : {}) } : undefined) },
    iam: {
      instanceProfiles: { getById: async (id: string) => (id === profile.id ? profile : undefined) },
      roles: { get: async (_account: string, key: string) => roles.get(key) },
    },
  } as unknown as Pick<Store, 'instances' | 'iam'>;
  let now = Date.parse('2026-12-06T10:00:00.000Z');
  const sessions = new SessionTokens(randomBytes(32));
  const credentials = new InstanceCredentials({ store, sessions, now: () => now });
  const tokens = new ImdsTokens(randomBytes(32));
  const ctx = (): ImdsContext => ({
    instanceId: INSTANCE,
    options: { httpEndpoint: 'enabled', httpTokens: 'optional', hopLimit: 1, instanceMetadataTags: 'disabled' },
    metadata: async () => buildMetadata(sampleFacts({ instanceId: INSTANCE })),
    iam: (path, r) => credentials.answer(INSTANCE, path, r),
    tokens,
    signatures: () => ({ rsa2048: '', pkcs7: '', signature: '' }),
    now,
  });
  const get = async (path: string, v2 = false) => {
    const headers = v2 ? { 'x-aws-ec2-metadata-token': tokens.issue(INSTANCE, 60, now) } : {};
    const r = await answer({ method: 'GET', url: `/latest/meta-data/${path}`, headers }, ctx());
    return { status: r.status, body: String(r.body) };
  };
  return {
    get,
    sessions,
    profile,
    tick: (ms: number) => (now += ms),
    now: () => now,
    hold: (h: typeof held) => (held = h),
  };
}

test('meta-data/ lists iam/; iam/ lists info and security-credentials/, which names the role', async () => {
  const w = world();
  assert.ok((await w.get('')).body.split('\n').includes('iam/'));
  assert.equal((await w.get('iam/')).body, 'info\nsecurity-credentials/');
  assert.equal((await w.get('iam/security-credentials/')).body, 'Web-Role');
  assert.equal((await w.get('iam/security-credentials')).body, 'Web-Role');
  for (const missing of ['iam/nothing', 'iam/info/more', 'iam/security-credentials/other-role', 'iam/security-credentials/web-role', 'iam/security-credentials/Web-Role/x']) {
    assert.equal((await w.get(missing)).status, 404, missing);
  }
});

test('iam/info: Code, LastUpdated, the profile’s ARN and id, laid out as EC2 does', async () => {
  const w = world();
  const r = await w.get('iam/info');
  assert.equal(r.status, 200);
  assert.match(r.body, /^\{\n {2}"Code" : "Success",\n {2}"LastUpdated" : "2026-12-06T10:00:00Z",\n/);
  assert.deepEqual(JSON.parse(r.body), { Code: 'Success', LastUpdated: '2026-12-06T10:00:00Z', InstanceProfileArn: `arn:aws:iam::${ACCOUNT}:instance-profile/web`, InstanceProfileId: 'AIPAEXAMPLEPROFILE001' });
});

test('security-credentials/<role>: an assumed-role session named after the instance, for 6 hours, that SessionTokens opens', async () => {
  const w = world();
  const r = await w.get('iam/security-credentials/Web-Role');
  const c = JSON.parse(r.body) as Record<string, string>;
  assert.deepEqual(Object.keys(c), ['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
  assert.equal(c.Code, 'Success');
  assert.equal(c.Type, 'AWS-HMAC');
  assert.match(c.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.equal(c.Expiration, '2026-12-06T16:00:00Z');
  const opened = w.sessions.open(c.AccessKeyId, c.Token, w.now());
  assert.ok(typeof opened === 'object');
  assert.equal(opened.secret, c.SecretAccessKey);
  assert.equal(opened.identity.kind, 'assumed-role');
  assert.equal(opened.identity.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Web-Role/${INSTANCE}`);
  assert.equal(opened.identity.roleArn, `arn:aws:iam::${ACCOUNT}:role/apps/Web-Role`);
  assert.equal(opened.identity.userId, `AROAEXAMPLEROLE000001:${INSTANCE}`);
  assert.deepEqual(opened.identity.tags, { team: 'web' });
  assert.equal(w.sessions.open(c.AccessKeyId, c.Token, w.now() + 6 * HOUR), 'expired');
});

test('cached until less than 15 minutes remain, then rotated; IMDSv1 and IMDSv2 callers get their own', async () => {
  const w = world();
  const key = async (v2 = false) => (JSON.parse((await w.get('iam/security-credentials/Web-Role', v2)).body) as Record<string, string>).AccessKeyId;
  const first = await key();
  const v2 = await key(true);
  assert.notEqual(v2, first);
  w.tick(5 * HOUR + 44 * 60_000);
  assert.equal(await key(), first, 'still 16 minutes to go');
  assert.equal(await key(true), v2);
  w.tick(2 * 60_000);
  const rotated = await key();
  assert.notEqual(rotated, first);
  const body = JSON.parse((await w.get('iam/security-credentials/Web-Role')).body) as Record<string, string>;
  assert.equal(body.AccessKeyId, rotated);
  assert.equal(body.LastUpdated, '2026-12-06T15:46:00Z');
  assert.equal(body.Expiration, '2026-12-06T21:46:00Z');
});

test('changes show at the next request: another role, a profile without a role, no profile at all', async () => {
  const w = world();
  const before = JSON.parse((await w.get('iam/security-credentials/Web-Role')).body) as Record<string, string>;
  w.profile.role_key = 'db-role';
  assert.equal((await w.get('iam/security-credentials/')).body, 'db-role');
  assert.equal((await w.get('iam/security-credentials/Web-Role')).status, 404);
  const after = JSON.parse((await w.get('iam/security-credentials/db-role')).body) as Record<string, string>;
  assert.notEqual(after.AccessKeyId, before.AccessKeyId);
  w.profile.role_key = null;
  assert.equal((await w.get('iam/')).body, 'info');
  assert.equal((await w.get('iam/info')).status, 200);
  assert.equal((await w.get('iam/security-credentials/')).status, 404);
  w.hold(undefined);
  assert.ok(!(await w.get('')).body.split('\n').includes('iam/'));
  for (const path of ['iam/', 'iam/info', 'iam/security-credentials/']) assert.equal((await w.get(path)).status, 404, path);
});
