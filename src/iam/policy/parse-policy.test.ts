import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePolicy } from './parse-policy.js';
import { PolicyDocumentError, PolicyMessages as M } from './policy-document-error.js';
import type { PolicyKind } from './types.js';

const allow = { Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' };
const doc = (statement: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ Version: '2012-10-17', ...extra, Statement: statement });

function message(text: string, kind: PolicyKind = 'identity', managed = false): string | undefined {
  try {
    parsePolicy(text, { kind, managed });
    return undefined;
  } catch (e) {
    assert.ok(e instanceof PolicyDocumentError, String(e));
    assert.equal(e.code, 'MalformedPolicyDocument');
    return e.message;
  }
}

test('a valid identity policy: strings become lists, positions are kept', () => {
  const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Sid": "A1", "Effect": "Allow", "Action": "ec2:*", "Resource": ["*"],\n     "Condition": {"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": [10, "20"]}}}\n  ]\n}';
  const p = parsePolicy(text, { kind: 'identity' });
  assert.equal(p.version, '2012-10-17');
  assert.deepEqual(p.statements[0].action, ['ec2:*']);
  assert.deepEqual(p.statements[0].condition, [
    { operator: 'Bool', key: 'aws:SecureTransport', values: ['true'] },
    { operator: 'NumericLessThan', key: 's3:max-keys', values: ['10', '20'] },
  ]);
  assert.deepEqual(p.statements[0].start, { line: 4, column: 5 });
  assert.deepEqual(p.statements[0].end, { line: 5, column: 106 });
});

test('Statement may be a single object; Version may be absent (2008-10-17) or 2008-10-17', () => {
  const one = parsePolicy(JSON.stringify({ Statement: allow }), { kind: 'identity' });
  assert.equal(one.version, '2008-10-17');
  assert.equal(one.versionGiven, false);
  assert.equal(parsePolicy(doc([allow], { Version: '2008-10-17' }), { kind: 'identity' }).version, '2008-10-17');
});

test('Syntax errors in policy.', () => {
  const bad = [
    'not json',
    '[]',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Allow","Action":"a:b","Resource":"*"}]}',
    doc([allow], { Extra: 1 }),
    doc([allow], { Version: '2012-10-18' }),
    doc([]),
    doc('x'),
    JSON.stringify({ Version: '2012-10-17' }),
    doc([{ ...allow, Foo: 'x' }]),
    doc([{ ...allow, NotAction: 'ec2:RunInstances' }]),
    doc([{ ...allow, NotResource: '*' }]),
    doc([{ ...allow, Effect: 'Permit' }]),
    doc([{ Action: 'ec2:*', Resource: '*' }]),
    doc([{ ...allow, Action: [1] }]),
    doc([{ ...allow, Resource: { a: 1 } }]),
    doc([{ ...allow, Condition: { StringEquals: 'x' } }]),
    doc([{ ...allow, Condition: { StringEquals: { 'a:b': { c: 1 } } } }]),
    doc([{ ...allow, Sid: 1 }]),
    doc([{ ...allow, Principal: '*', NotPrincipal: '*' }], {}),
  ];
  for (const text of bad) assert.equal(message(text), M.syntax, text);
});

test('managed policies must be Version 2012-10-17', () => {
  assert.equal(message(JSON.stringify({ Statement: [allow] }), 'identity', true), M.versionTooOld);
  assert.equal(message(doc([allow], { Version: '2008-10-17' }), 'identity', true), M.versionTooOld);
  assert.equal(message(doc([allow]), 'identity', true), undefined);
});

test('The policy failed legacy parsing', () => {
  assert.equal(message(doc([{ ...allow, Effect: 'allow' }])), M.legacyParsing);
  assert.equal(message(doc([{ ...allow, Condition: { DateGreaterThan: { 'aws:CurrentTime': 'tomorrow' } } }])), M.legacyParsing);
  assert.equal(message(doc([{ ...allow, Resource: 'arn:aws::ec2' }])), M.legacyParsing);
  assert.equal(message(doc([{ ...allow, Condition: { DateLessThan: { 'aws:CurrentTime': ['2024-01-01T00:00:00Z', '1700000000'] } } }])), undefined);
});

test('Sid: unique, and alphanumeric in IAM policies', () => {
  assert.equal(message(doc([{ ...allow, Sid: 'A' }, { ...allow, Sid: 'A' }])), M.sidNotUnique);
  assert.equal(message(doc([{ ...allow, Sid: '' }, { ...allow, Sid: '' }])), undefined);
  assert.equal(message(doc([{ ...allow, Sid: 'has space' }])), M.sidNotAlphanumeric);
  assert.equal(
    message(doc([{ ...allow, Sid: 'Enable IAM policies', Principal: { AWS: '111122223333' } }]), 'resource'),
    undefined,
    'resource policies of other services allow more characters',
  );
});

test('Principal: refused in identity-type policies, required in resource and trust policies', () => {
  for (const kind of ['identity', 'boundary', 'session'] as const) {
    assert.equal(message(doc([{ ...allow, Principal: '*' }]), kind), M.principalNotAllowed, kind);
    assert.equal(message(doc([{ ...allow, NotPrincipal: { AWS: '111122223333' } }]), kind), M.principalNotAllowed, kind);
  }
  assert.equal(message(doc([allow]), 'resource'), M.principalMissing);
  assert.equal(message(doc([{ Effect: 'Allow', Action: 'sts:AssumeRole' }]), 'trust'), M.principalMissing);
});

test('Invalid principal in policy', () => {
  const bad = [
    'someone',
    { AWS: 'arn:aws:iam::111122223333:user/*' },
    { AWS: 'bob' },
    { AWS: '1111' },
    { Unknown: 'x' },
    { Service: 'ec2.*.com' },
    { CanonicalUser: 'xyz' },
  ];
  for (const p of bad) assert.equal(message(doc([{ ...allow, Principal: p }]), 'resource'), M.invalidPrincipal, JSON.stringify(p));
  const good = [
    '*',
    { AWS: '*' },
    { AWS: ['111122223333', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:user/path/bob'] },
    { AWS: ['arn:aws:iam::111122223333:role/r', 'arn:aws:sts::111122223333:assumed-role/r/s', 'AIDAJQABLZS4A3QDU576Q'] },
    { Service: ['ec2.amazonaws.com'], Federated: 'cognito-identity.amazonaws.com' },
  ];
  for (const p of good) assert.equal(message(doc([{ ...allow, Principal: p }]), 'resource'), undefined, JSON.stringify(p));
});

test('actions and resources must be there (and no Resource in a trust policy)', () => {
  assert.equal(message(doc([{ Effect: 'Allow', Resource: '*' }])), M.actionsMissing);
  assert.equal(message(doc([{ Effect: 'Allow', Action: [], Resource: '*' }])), M.actionsMissing);
  assert.equal(message(doc([{ Effect: 'Allow', Action: 'ec2:*' }])), M.resourcesMissing);
  assert.equal(message(doc([{ Effect: 'Allow', Action: 'ec2:*', Resource: [] }])), M.resourcesMissing);
  assert.equal(message(doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }]), 'trust'), M.resourceProhibited);
  assert.equal(message(doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]), 'trust'), undefined);
});

test('trust policies allow only role-assumption actions', () => {
  const trust = (Action: unknown) => doc([{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action }]);
  assert.equal(message(trust('s3:GetObject'), 'trust'), M.trustActions);
  assert.equal(message(trust(['sts:AssumeRole', 'sts:TagSession', 'sts:AssumeRoleWithWebIdentity']), 'trust'), undefined);
});

test('resource format', () => {
  assert.equal(message(doc([{ ...allow, Resource: 'bucket' }])), 'Resource bucket must be in ARN format or "*".');
  assert.equal(message(doc([{ ...allow, Resource: 'arn:foo:ec2:us-east-1:1:x' }])), 'Partition "foo" is not valid for resource "arn:foo:ec2:us-east-1:1:x".');
  assert.equal(message(doc([{ ...allow, Resource: 'arn:aws' }])), M.resourceVendor);
  assert.equal(message(doc([{ ...allow, Resource: 'arn:aws:s3:::home/${aws:username}/*' }])), undefined);
});

test('actions must name a vendor', () => {
  assert.equal(message(doc([{ ...allow, Action: 'DescribeImages' }])), M.vendorMissing);
  assert.equal(message(doc([{ ...allow, NotAction: 'DescribeImages', Action: undefined }])), M.vendorMissing);
  assert.equal(message(doc([{ ...allow, Action: 'ec2:a:b' }])), M.oneColon);
  assert.equal(message(doc([{ ...allow, Action: 'ec 2:Describe' }])), 'Vendor ec 2 is not valid');
  assert.equal(message(doc([{ ...allow, Action: ['*', '*:Describe*', 'EC2:describe?mages'] }])), undefined);
});

test('condition operators and keys', () => {
  const withCond = (Condition: unknown) => doc([{ ...allow, Condition }]);
  assert.equal(message(withCond({ StringEqualz: { 'aws:username': 'x' } })), 'Invalid Condition type : StringEqualz');
  assert.equal(message(withCond({ NullIfExists: { 'aws:username': 'true' } })), 'Invalid Condition type : NullIfExists');
  assert.equal(message(withCond({ 'ForSomeValues:StringLike': { 'aws:TagKeys': 'x' } })), 'Invalid Condition type : ForSomeValues:StringLike');
  assert.equal(message(withCond({ StringEquals: { username: 'x' } })), M.vendorMissing);
  const every = {
    'ForAllValues:StringLike': { 'aws:TagKeys': ['a*'] }, 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': 'a' },
    StringNotLikeIfExists: { 'ec2:InstanceType': 't*' }, NumericGreaterThanEquals: { 's3:max-keys': 1 },
    DateNotEquals: { 'aws:CurrentTime': '2024-01-01' }, BinaryEquals: { 'x:b': 'AA==' }, NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
    ArnNotLike: { 'aws:SourceArn': 'arn:*' }, Null: { 'aws:TokenIssueTime': 'true' },
  };
  assert.equal(message(withCond(every)), undefined);
});
