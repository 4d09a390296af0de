// The authenticator at a chosen time: session credentials are accepted until their expiration
// and refused with 'expired-token' after it (ExpiredToken on the wire), tokens are bound to their
// access key id, and a credentials-file key stays an account root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Authenticator } from './auth.js';
import { SessionTokens } from '../iam/session-tokens.js';
import { parseSignature, signRequest, SigV4Failure } from '../protocol/sigv4.js';
import type { CredentialLookup } from '../iam/credential-resolver.js';

const sessions = new SessionTokens(randomBytes(32));
const lookup: CredentialLookup = {
  accessKey: async () => undefined,
  session: (id, token, now) => sessions.open(id, token, now),
  noteUse: () => undefined,
};
const principals = new Map([['AKIAROOT', { profile: 'p', accessKeyId: 'AKIAROOT', secretAccessKey: 's', accountId: '111111111111', admin: false }]]);
const auth = new Authenticator({ kind: 'verify', principals }, lookup);

function signed(creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, at: number) {
  const body = Buffer.from('Action=GetCallerIdentity&Version=2011-06-15');
  const headers: Record<string, string> = { host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const all = signRequest({ method: 'POST', path: '/', rawQuery: '', headers, body }, { ...creds, region: 'us-east-1', service: 'sts' }, new Date(at));
  const req = { method: 'POST', path: '/', rawQuery: '', rawHeaders: Object.entries(all).flat(), body };
  return { req, sig: parseSignature(req)! };
}

test('session credentials work until they expire, then ExpiredToken', async () => {
  const t0 = Date.UTC(2026, 0, 1);
  const c = sessions.issue({ kind: 'assumed-role', accountId: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/r/s', userId: 'AROAX:s', roleArn: 'arn:aws:iam::222222222222:role/r', session: { expiresAt: t0 + 900_000 } });
  assert.match(c.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  const creds = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  const ok = signed(creds, t0 + 899_000);
  const caller = await auth.authenticate(ok.req, ok.sig, t0 + 899_000);
  assert.equal(caller.identity.arn, 'arn:aws:sts::222222222222:assumed-role/r/s');
  assert.equal(caller.accessKeyId, c.accessKeyId);
  const late = signed(creds, t0 + 900_000);
  await assert.rejects(auth.authenticate(late.req, late.sig, t0 + 900_000), (e: unknown) => e instanceof SigV4Failure && e.kind === 'expired-token');
});

test('a token is bound to its access key id; a wrong secret fails the signature', async () => {
  const now = Date.now();
  const a = sessions.issue({ kind: 'root', accountId: '111111111111', arn: 'arn:aws:iam::111111111111:root', userId: '111111111111', session: { expiresAt: now + 3600_000 } });
  const b = sessions.issue({ kind: 'root', accountId: '111111111111', arn: 'arn:aws:iam::111111111111:root', userId: '111111111111', session: { expiresAt: now + 3600_000 } });
  const swapped = signed({ accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, sessionToken: b.sessionToken }, now);
  await assert.rejects(auth.authenticate(swapped.req, swapped.sig, now), (e: unknown) => e instanceof SigV4Failure && e.kind === 'unknown-key');
  const wrong = signed({ accessKeyId: a.accessKeyId, secretAccessKey: 'x'.repeat(40), sessionToken: a.sessionToken }, now);
  await assert.rejects(auth.authenticate(wrong.req, wrong.sig, now), (e: unknown) => e instanceof SigV4Failure && e.kind === 'bad-signature');
  const root = signed({ accessKeyId: 'AKIAROOT', secretAccessKey: 's' }, now);
  assert.equal((await auth.authenticate(root.req, root.sig, now)).identity.arn, 'arn:aws:iam::111111111111:root');
});
