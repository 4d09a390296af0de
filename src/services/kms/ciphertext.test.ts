import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { isServiceError } from '../../protocol/service-error.js';
import { CIPHERTEXT_OVERHEAD, canonicalContext, ciphertextKeyId, open, seal } from './ciphertext.js';

const invalid = (f: () => unknown) =>
  assert.throws(f, (e) => isServiceError(e) && e.code === 'InvalidCiphertextException');

test('seal/open round trip; the blob names its key and hides the plaintext', () => {
  const material = randomBytes(32);
  const keyId = randomUUID();
  const plaintext = randomBytes(64);
  const blob = seal(material, keyId, plaintext, { a: '1' });
  assert.equal(blob.length, CIPHERTEXT_OVERHEAD + plaintext.length);
  assert.equal(blob[0], 0x01);
  assert.equal(ciphertextKeyId(blob), keyId);
  assert.ok(!blob.includes(plaintext.subarray(0, 8)));
  assert.deepEqual(open(material, blob, { a: '1' }), plaintext);
  assert.notDeepEqual(seal(material, keyId, plaintext, { a: '1' }), blob, 'fresh nonce each time');
});

test('the context is authenticated: missing, different or extra context fails', () => {
  const material = randomBytes(32);
  const blob = seal(material, randomUUID(), Buffer.from('x'), { a: '1', b: '2' });
  assert.deepEqual(open(material, blob, { b: '2', a: '1' }), Buffer.from('x'));
  const wrong: (Record<string, string> | undefined)[] = [undefined, {}, { a: '1' }, { a: '1', b: '3' }, { a: '1', b: '2', c: '' }];
  for (const ctx of wrong) invalid(() => open(material, blob, ctx));
  // no context and an empty context are the same thing
  const plain = seal(material, randomUUID(), Buffer.from('y'));
  assert.deepEqual(open(material, plain, {}), Buffer.from('y'));
});

test('every byte is authenticated, and the wrong key fails', () => {
  const material = randomBytes(32);
  const blob = seal(material, randomUUID(), Buffer.from('tamper me'));
  for (let i = 0; i < blob.length; i++) {
    const t = Buffer.from(blob);
    t[i] ^= 0x80;
    invalid(() => open(material, t));
  }
  invalid(() => open(randomBytes(32), blob));
  invalid(() => ciphertextKeyId(blob.subarray(0, CIPHERTEXT_OVERHEAD - 1)));
  invalid(() => ciphertextKeyId(Buffer.from('something else entirely, long enough to parse')));
});

test('canonical context encoding is order-independent and unambiguous', () => {
  assert.deepEqual(canonicalContext({ b: '2', a: '1' }), canonicalContext({ a: '1', b: '2' }));
  assert.notDeepEqual(canonicalContext({ ab: 'c' }), canonicalContext({ a: 'bc' }));
  assert.deepEqual(canonicalContext(undefined), canonicalContext({}));
});
