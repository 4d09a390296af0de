// The API endpoint guests reach: in dev mode only requests carrying a session token Imago issued
// reach the handler (their signatures are verified there); with verified signatures, everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SessionTokens } from '../iam/session-tokens.js';
import { listenGuestEndpoint } from './guest-endpoint.js';

const call = (socketPath: string, headers: Record<string, string>, path = '/') =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end('Action=DescribeInstances&Version=2016-11-15');
  });

test('dev mode: no token, a forged one or another key’s is AuthFailure; Imago’s session credentials reach the handler', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guest-api-'));
  const sessions = new SessionTokens(randomBytes(32));
  const path = join(dir, 'api.sock');
  const server = await listenGuestEndpoint({ path, devMode: true, sessions, handle: (_req, res) => res.end('handled') });
  try {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const creds = sessions.issue({ kind: 'assumed-role', accountId: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/r/i-0', userId: 'AROA:i-0', session: { expiresAt: Date.now() + 60_000 } });
    const auth = (key: string) => `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00`;
    const refused = await call(path, { authorization: auth('123456789012') });
    assert.equal(refused.status, 403);
    assert.match(refused.body, /<Code>AuthFailure<\/Code>/);
    assert.equal((await call(path, { authorization: auth(creds.accessKeyId), 'x-amz-security-token': 'forged' })).status, 403);
    assert.equal((await call(path, { authorization: auth('ASIAAAAAAAAAAAAAAAAA'), 'x-amz-security-token': creds.sessionToken })).status, 403);
    assert.deepEqual(await call(path, { authorization: auth(creds.accessKeyId), 'x-amz-security-token': creds.sessionToken }), { status: 200, body: 'handled' });
    // presigned: the same in the query
    const q = `/?X-Amz-Credential=${encodeURIComponent(`${creds.accessKeyId}/20260101/us-east-1/ec2/aws4_request`)}&X-Amz-Security-Token=${encodeURIComponent(creds.sessionToken)}`;
    assert.equal((await call(path, {}, q)).status, 200);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verified signatures: every request reaches the handler (it verifies them)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guest-api-'));
  const path = join(dir, 'api.sock');
  const server = await listenGuestEndpoint({ path, devMode: false, sessions: new SessionTokens(randomBytes(32)), handle: (_req, res) => res.end('handled') });
  try {
    assert.deepEqual(await call(path, {}), { status: 200, body: 'handled' });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
