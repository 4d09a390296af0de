import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServiceError } from '../../protocol/service-error.js';
import { encryptionOutcome, type OutcomeInput } from './encryption-outcome.js';

const ARN = 'arn:aws:kms:us-east-1:111111111111:key/a';
const OTHER = 'arn:aws:kms:us-east-1:111111111111:key/b';
const fails = (i: OutcomeInput) =>
  assert.throws(
    () => encryptionOutcome(i),
    (e: unknown) => isServiceError(e) && e.code === 'ValidationException' && e.fields?.Reason === 'INVALID_PARAMETER_VALUE',
  );

test('every row of the AWS tables', () => {
  const enc = { encrypted: true, kmsKeyArn: ARN };
  const plain = { encrypted: false, kmsKeyArn: null };
  for (const encryptionByDefault of [true, false]) {
    // encrypted parent
    assert.deepEqual(encryptionOutcome({ parent: enc, encryptionByDefault }), { kind: 'parent-key' });
    assert.deepEqual(encryptionOutcome({ parent: enc, kmsKeyArn: ARN, encryptionByDefault }), { kind: 'parent-key' });
    fails({ parent: enc, kmsKeyArn: OTHER, encryptionByDefault });
    for (const encrypted of [true, false]) {
      fails({ parent: enc, encrypted, encryptionByDefault });
      fails({ parent: plain, encrypted, encryptionByDefault });
      fails({ parent: enc, encrypted, kmsKeyArn: ARN, encryptionByDefault });
    }
    fails({ parent: plain, kmsKeyArn: ARN, encryptionByDefault });
    // no parent
    assert.deepEqual(encryptionOutcome({ encrypted: true, encryptionByDefault }), { kind: 'new-key', kmsKeyArn: null });
    assert.deepEqual(encryptionOutcome({ encrypted: true, kmsKeyArn: ARN, encryptionByDefault }), { kind: 'new-key', kmsKeyArn: ARN });
    fails({ encrypted: false, kmsKeyArn: ARN, encryptionByDefault });
    assert.deepEqual(encryptionOutcome({ kmsKeyArn: ARN, encryptionByDefault }), { kind: 'new-key', kmsKeyArn: ARN });
  }
  // unencrypted parent: only without encryption by default
  assert.deepEqual(encryptionOutcome({ parent: plain, encryptionByDefault: false }), { kind: 'unencrypted' });
  fails({ parent: plain, encryptionByDefault: true });
  // no parent, nothing said: encryption by default decides
  assert.deepEqual(encryptionOutcome({ encryptionByDefault: true }), { kind: 'new-key', kmsKeyArn: null });
  assert.deepEqual(encryptionOutcome({ encryptionByDefault: false }), { kind: 'unencrypted' });
  // Encrypted=false: fails under encryption by default
  assert.deepEqual(encryptionOutcome({ encrypted: false, encryptionByDefault: false }), { kind: 'unencrypted' });
  fails({ encrypted: false, encryptionByDefault: true });
});
