import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isServiceError } from '../../protocol/service-error.js';
import { evaluatePolicy, parseKeyPolicy, principalMatches, wildcardMatch } from './key-policy.js';
import { awsManagedKeyPolicy, defaultKeyPolicy } from './default-policies.js';

const A = '111111111111';
const B = '222222222222';

const policy = (...Statement: unknown[]) => parseKeyPolicy(JSON.stringify({ Version: '2012-10-17', Statement }));
const allow = (Principal: unknown, Action: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal, Action, Resource: '*', ...extra });
const deny = (Principal: unknown, Action: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Deny', Principal, Action, Resource: '*', ...extra });

function malformed(text: string): string {
  try {
    parseKeyPolicy(text);
  } catch (e) {
    assert.ok(isServiceError(e));
    assert.equal(e.code, 'MalformedPolicyDocumentException');
    assert.equal(e.httpStatus, 400);
    return e.message;
  }
  assert.fail(`accepted: ${text}`);
}

describe('key policy parsing', () => {
  test('rejects what is not a policy document', () => {
    malformed('not json');
    malformed('[]');
    malformed('"x"');
    malformed('{}');
    malformed(JSON.stringify({ Version: '2099-01-01', Statement: [allow('*', 'kms:*')] }));
    malformed(JSON.stringify({ Statement: [] }));
    malformed(JSON.stringify({ Statement: ['x'] }));
    malformed(JSON.stringify({ Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'kms:*' }] }));
    malformed(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'kms:*' }] }));
    malformed(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*' }] }));
    malformed(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', NotAction: 'kms:Decrypt' }] }));
    malformed(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: ['kms:Decrypt', 7] }] }));
    malformed(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: [] }] }));
    malformed(JSON.stringify({ Statement: [allow('*', 'kms:*', { Condition: 'x' })] }));
  });

  test('rejects invalid principals with AWS\'s message', () => {
    assert.equal(malformed(JSON.stringify({ Statement: [allow({ AWS: 'bob' }, 'kms:*')] })), 'Policy contains a statement with one or more invalid principals.');
    malformed(JSON.stringify({ Statement: [allow({}, 'kms:*')] }));
    malformed(JSON.stringify({ Statement: [allow('root', 'kms:*')] }));
    malformed(JSON.stringify({ Statement: [allow({ AWS: ['123'] }, 'kms:*')] }));
  });

  test('accepts a single statement object, 2008 versions, and service principals', () => {
    const p = parseKeyPolicy(JSON.stringify({ Version: '2008-10-17', Statement: allow({ AWS: A, Service: 'ec2.amazonaws.com' }, 'kms:Decrypt') }));
    assert.equal(p.statements.length, 1);
    assert.deepEqual(p.statements[0].principals, [A]);
  });
});

describe('key policy evaluation', () => {
  test('the default policy lets only the owning account do anything', () => {
    const p = parseKeyPolicy(defaultKeyPolicy(A));
    assert.equal(evaluatePolicy(p, { account: A, action: 'kms:PutKeyPolicy' }), 'allow');
    assert.equal(evaluatePolicy(p, { account: A, action: 'kms:Decrypt' }), 'allow');
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Decrypt' }), 'implicit-deny');
  });

  test('principals: root ARN, bare account id, "*" and lists', () => {
    for (const principal of [`arn:aws:iam::${B}:root`, B, '*', [A, B], { AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${B}:root`] }]) {
      const p = policy(allow(typeof principal === 'object' && !Array.isArray(principal) ? principal : { AWS: principal }, 'kms:Decrypt'));
      assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Decrypt' }), 'allow', JSON.stringify(principal));
    }
    assert.equal(evaluatePolicy(policy(allow('*', 'kms:Decrypt')), { account: B, action: 'kms:Decrypt' }), 'allow');
    // a role in B is not B's root: Imago callers are accounts
    assert.equal(evaluatePolicy(policy(allow({ AWS: `arn:aws:iam::${B}:role/ops` }, 'kms:Decrypt')), { account: B, action: 'kms:Decrypt' }), 'implicit-deny');
    assert.ok(!principalMatches([`arn:aws:iam::${A}:root`], B));
  });

  test('actions: exact, lists, wildcards, case-insensitive', () => {
    const p = policy(allow({ AWS: B }, ['kms:Decrypt', 'kms:DescribeKey', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant']));
    for (const action of ['kms:Decrypt', 'kms:describekey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant']) {
      assert.equal(evaluatePolicy(p, { account: B, action }), 'allow', action);
    }
    for (const action of ['kms:Encrypt', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:Decrypt2']) {
      assert.equal(evaluatePolicy(p, { account: B, action }), 'implicit-deny', action);
    }
    assert.equal(evaluatePolicy(policy(allow('*', '*')), { account: B, action: 'kms:Decrypt' }), 'allow');
    assert.equal(evaluatePolicy(policy(allow('*', 'kms:Re?ncrypt*')), { account: B, action: 'kms:ReEncryptTo' }), 'allow');
    assert.ok(wildcardMatch('kms:Get*', 'kms:GetKeyPolicy'));
    assert.ok(!wildcardMatch('kms:Get.*', 'kms:GetKeyPolicy'), 'regex metacharacters are literal');
  });

  test('an explicit Deny overrides any Allow', () => {
    const p = policy(allow('*', 'kms:*'), deny({ AWS: B }, 'kms:Decrypt'));
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Decrypt' }), 'explicit-deny');
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Encrypt' }), 'allow');
    assert.equal(evaluatePolicy(p, { account: A, action: 'kms:Decrypt' }), 'allow');
  });

  test('NotPrincipal and NotAction', () => {
    const p = policy(allow('*', 'kms:*'), { Effect: 'Deny', NotPrincipal: { AWS: A }, Action: 'kms:*', Resource: '*' });
    assert.equal(evaluatePolicy(p, { account: A, action: 'kms:Decrypt' }), 'allow');
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Decrypt' }), 'explicit-deny');
    const q = policy({ Effect: 'Allow', Principal: { AWS: B }, NotAction: ['kms:PutKeyPolicy', 'kms:Schedule*'], Resource: '*' });
    assert.equal(evaluatePolicy(q, { account: B, action: 'kms:Decrypt' }), 'allow');
    assert.equal(evaluatePolicy(q, { account: B, action: 'kms:ScheduleKeyDeletion' }), 'implicit-deny');
  });

  test('kms:CallerAccount and kms:GrantIsForAWSResource conditions', () => {
    const p = policy(allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': [A] } } }));
    assert.equal(evaluatePolicy(p, { account: A, action: 'kms:Decrypt' }), 'allow');
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Decrypt' }), 'implicit-deny');
    const like = policy(allow('*', 'kms:Decrypt', { Condition: { StringLike: { 'kms:CallerAccount': '2222*' } } }));
    assert.equal(evaluatePolicy(like, { account: B, action: 'kms:Decrypt' }), 'allow');
    const grants = policy(allow({ AWS: B }, 'kms:CreateGrant', { Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } }));
    assert.equal(evaluatePolicy(grants, { account: B, action: 'kms:CreateGrant' }), 'implicit-deny');
    assert.equal(evaluatePolicy(grants, { account: B, action: 'kms:CreateGrant', grantIsForAwsResource: true }), 'allow');
  });

  test('conditions outside the subset fail closed', () => {
    const cond = { Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } };
    assert.equal(evaluatePolicy(policy(allow('*', 'kms:Decrypt', cond)), { account: B, action: 'kms:Decrypt' }), 'implicit-deny');
    assert.equal(evaluatePolicy(policy(allow('*', 'kms:*'), deny('*', 'kms:Decrypt', cond)), { account: B, action: 'kms:Decrypt' }), 'explicit-deny');
    assert.equal(evaluatePolicy(policy(allow('*', 'kms:*'), deny('*', 'kms:Decrypt', cond)), { account: B, action: 'kms:Encrypt' }), 'allow');
  });

  test('the AWS managed key policy: the owner may use and read it, nobody may manage it', () => {
    const p = parseKeyPolicy(awsManagedKeyPolicy(A, 'ebs'));
    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptTo', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants', 'kms:RevokeGrant']) {
      assert.equal(evaluatePolicy(p, { account: A, action }), 'allow', action);
    }
    for (const action of ['kms:DisableKey', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'kms:TagResource', 'kms:CreateAlias']) {
      assert.equal(evaluatePolicy(p, { account: A, action }), 'implicit-deny', action);
    }
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:Decrypt' }), 'implicit-deny');
    assert.equal(evaluatePolicy(p, { account: B, action: 'kms:DescribeKey' }), 'implicit-deny');
  });
});
