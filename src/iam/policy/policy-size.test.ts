import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInlinePolicySize, checkManagedPolicySize, checkTrustPolicySize, PolicySizeError, PolicySizeLimits, policySize } from './policy-size.js';

const padded = (n: number) => `{"Sid":"${'x'.repeat(n - 10)}"}`;

test('white space does not count', () => {
  assert.equal(policySize('{ "a" :\n\t"b c" }'), 10);
  assert.equal(policySize(padded(100)), 100);
});

test('the quotas', () => {
  assert.deepEqual(PolicySizeLimits, { managed: 6144, inlineUser: 2048, inlineRole: 10240, inlineGroup: 5120, trust: 2048 });
});

test('managed policies: 6144 characters', () => {
  checkManagedPolicySize(padded(6144) + ' '.repeat(5000));
  assert.throws(() => checkManagedPolicySize(padded(6145)), (e: unknown) =>
    e instanceof PolicySizeError && e.code === 'LimitExceeded' && e.message === 'Cannot exceed quota for PolicySize: 6144');
});

test('inline policies count together per entity', () => {
  checkInlinePolicySize('user', 'bob', [padded(1000), padded(1048)]);
  assert.throws(() => checkInlinePolicySize('user', 'bob', [padded(1000), padded(1049)]), {
    message: 'Maximum policy size of 2048 bytes exceeded for user bob',
  });
  checkInlinePolicySize('role', 'r', [padded(10240)]);
  assert.throws(() => checkInlinePolicySize('role', 'r', [padded(10241)]), { message: 'Maximum policy size of 10240 bytes exceeded for role r' });
  checkInlinePolicySize('group', 'g', [padded(5120)]);
  assert.throws(() => checkInlinePolicySize('group', 'g', [padded(5121)]), { message: 'Maximum policy size of 5120 bytes exceeded for group g' });
});

test('trust policies: 2048 unless the quota was raised', () => {
  checkTrustPolicySize(padded(2048));
  assert.throws(() => checkTrustPolicySize(padded(2049)), { message: 'Cannot exceed quota for ACLSizePerRole: 2048' });
  checkTrustPolicySize(padded(4096), 4096);
});
