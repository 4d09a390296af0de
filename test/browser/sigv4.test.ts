// The console's own SHA-256, HMAC and SigV4 (console/src, bundled for the browser) against Node's
// crypto and the AWS SDK's signer: the same bytes, the same signature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '../helpers/sha256.js';
import { hex, hmacSha256, sha256 } from '../../console/src/sha256.js';
import { canonicalQuery, sign } from '../../console/src/sigv4.js';

test('SHA-256 and HMAC-SHA256 match node:crypto at every padding boundary', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_000]) {
    const data = randomBytes(n);
    assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `${n} bytes`);
    const key = randomBytes(n % 100);
    assert.equal(hex(hmacSha256(key, data)), createHmac('sha256', key).update(data).digest('hex'), `hmac ${n} bytes`);
  }
  assert.equal(hex(sha256('é✓')), createHash('sha256').update('é✓', 'utf8').digest('hex'));
});

test('SigV4 of a form POST matches @smithy/signature-v4', async () => {
  const credentials = { accessKeyId: 'AKIAALICE000000000001', secretAccessKey: 'alice-secret', sessionToken: 'tok/en+=' };
  const body = 'Action=DescribeImages&Version=2016-11-15&Owner.1=self&Filter.1.Name=name&Filter.1.Value.1=deb%2A';
  const now = new Date('2026-12-06T10:00:00.000Z');
  const ours = sign({ host: '127.0.0.1:4566', path: '/', region: 'eu-west-1', service: 'ec2', body, credentials, now });
  const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'ec2', sha256: Sha256, applyChecksum: false });
  const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/', headers: { host: '127.0.0.1:4566' }, body });
  const theirs = await signer.sign(request, { signingDate: now, unsignableHeaders: new Set(), signableHeaders: new Set(['host', 'x-amz-date', 'x-amz-security-token']) });
  const sig = (auth: string) => /Signature=([0-9a-f]{64})/.exec(auth)?.[1];
  assert.equal(ours['x-amz-date'], '20261206T100000Z');
  assert.match(theirs.headers.authorization, /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
  assert.equal(sig(ours.authorization), sig(theirs.headers.authorization));
  assert.equal(ours['x-amz-security-token'], credentials.sessionToken);
});

test('SigV4 of a GET with a query (the operator endpoints) matches @smithy/signature-v4', async () => {
  const credentials = { accessKeyId: '111122223333', secretAccessKey: 'dev' };
  const query: [string, string][] = [['region', 'us-east-1'], ['accountId', '111122223333'], ['odd', "a b*(c)!'"]];
  const now = new Date('2026-12-06T10:00:00.000Z');
  const ours = sign({ host: '127.0.0.1:4566', method: 'GET', path: '/_imago/images', query, region: 'us-east-1', service: 'ec2', body: '', credentials, now });
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'ec2', sha256: Sha256, applyChecksum: false });
  const request = new HttpRequest({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/_imago/images', query: Object.fromEntries(query), headers: { host: '127.0.0.1:4566' } });
  const theirs = await signer.sign(request, { signingDate: now, signableHeaders: new Set(['host', 'x-amz-date']) });
  const sig = (auth: string) => /Signature=([0-9a-f]{64})/.exec(auth)?.[1];
  assert.equal(sig(ours.authorization), sig(theirs.headers.authorization));
  assert.equal(canonicalQuery(query), "accountId=111122223333&odd=a%20b%2A%28c%29%21%27&region=us-east-1");
});
