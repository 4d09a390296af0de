import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallerIdentity, NamedPolicy } from '../principal.js';
import { compilePolicyText } from './compile-policy.js';
import { evaluate, type ApplicablePolicies, type AuthorizationRequest } from './evaluate.js';
import type { ContextValue, ServiceCaller } from './request-context.js';

const A = '111122223333';
const B = '444455556666';
const IMAGE = `arn:aws:ec2:us-east-1:${A}:image/ami-12345678`;
const KEY = `arn:aws:kms:us-east-1:${A}:key/k1`;

const bob: CallerIdentity = { kind: 'user', accountId: A, arn: `arn:aws:iam::${A}:user/bob`, userId: 'AIDABOB', accessKeyId: 'AKIA1', userName: 'bob' };
const session: CallerIdentity = {
  kind: 'assumed-role', accountId: A, arn: `arn:aws:sts::${A}:assumed-role/builder/s1`, userId: 'AROABUILDER:s1',
  accessKeyId: 'ASIA1', roleArn: `arn:aws:iam::${A}:role/builder`,
};
const root: CallerIdentity = { kind: 'root', accountId: A, arn: `arn:aws:iam::${A}:root`, userId: A, accessKeyId: 'AKIA0' };
const carol: CallerIdentity = { kind: 'user', accountId: B, arn: `arn:aws:iam::${B}:user/carol`, userId: 'AIDACAROL', accessKeyId: 'AKIA2' };

let n = 0;
function policy(...statements: object[]): NamedPolicy {
  return { id: `arn:aws:iam::${A}:policy/p${++n}`, document: JSON.stringify({ Version: '2012-10-17', Statement: statements }) };
}
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });

function check(
  principal: CallerIdentity | ServiceCaller,
  action: string,
  resource: string,
  policies: Partial<ApplicablePolicies>,
  context?: Record<string, ContextValue>,
) {
  const request: AuthorizationRequest = { action, resource, principal, context };
  return evaluate(request, { identity: [], sameAccount: true, ...policies });
}
const decision = (...args: Parameters<typeof check>) => check(...args).decision;

test('identity policies: an Allow grants, nothing is an implicit deny; actions are case-insensitive', () => {
  const p = policy(allow('ec2:Describe*'), allow('EC2:deregisterimage', IMAGE));
  assert.equal(decision(bob, 'ec2:DescribeImages', '*', { identity: [p] }), 'Allow');
  assert.equal(decision(bob, 'ec2:DeregisterImage', IMAGE, { identity: [p] }), 'Allow');
  assert.equal(decision(bob, 'ec2:DeregisterImage', IMAGE.replace('ami-1', 'ami-9'), { identity: [p] }), 'ImplicitDeny');
  assert.equal(decision(bob, 'ec2:CreateImage', '*', { identity: [p] }), 'ImplicitDeny');
  assert.equal(decision(bob, 'ec2:DescribeImages', '*', {}), 'ImplicitDeny');
});

test('an explicit deny beats any allow, in the same or another policy', () => {
  const admin = policy(allow('*'));
  const noDeregister = policy(deny('ec2:DeregisterImage', `arn:aws:ec2:*:${A}:image/*`));
  const r = check(bob, 'ec2:DeregisterImage', IMAGE, { identity: [admin, noDeregister] });
  assert.equal(r.decision, 'ExplicitDeny');
  assert.deepEqual(r.matchedStatements.map((m) => [m.policyId, m.statementIndex, m.effect]), [[noDeregister.id, 0, 'Deny']]);
  assert.equal(decision(bob, 'ec2:DeregisterImage', IMAGE, { identity: [policy(allow('*'), deny('ec2:*'))] }), 'ExplicitDeny');
  assert.equal(decision(bob, 'ec2:CreateImage', IMAGE, { identity: [admin, noDeregister] }), 'Allow');
});

test('NotAction and NotResource', () => {
  const p = policy(
    { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
    { Effect: 'Deny', Action: 'ec2:*', NotResource: [`arn:aws:ec2:us-east-1:${A}:*`, 'arn:aws:s3:::*'] },
  );
  assert.equal(decision(bob, 'ec2:DeregisterImage', IMAGE, { identity: [p] }), 'Allow');
  assert.equal(decision(bob, 'iam:CreateUser', '*', { identity: [p] }), 'ImplicitDeny');
  assert.equal(decision(bob, 'ec2:DeregisterImage', `arn:aws:ec2:eu-west-1:${A}:image/ami-1`, { identity: [p] }), 'ExplicitDeny');
});

test('a permissions boundary caps an administrator', () => {
  const admin = policy(allow('*'));
  const boundary = policy(allow(['ec2:Describe*', 's3:*']));
  const r = check(bob, 'ec2:DeregisterImage', IMAGE, { identity: [admin], boundary });
  assert.equal(r.decision, 'ImplicitDeny');
  assert.deepEqual(r.byType, { identity: 'Allow', boundary: 'ImplicitDeny' });
  assert.equal(decision(bob, 'ec2:DescribeImages', '*', { identity: [admin], boundary }), 'Allow');
  // the boundary grants nothing by itself
  assert.equal(decision(bob, 'ec2:DescribeImages', '*', { identity: [], boundary }), 'ImplicitDeny');
  assert.equal(decision(bob, 'ec2:DescribeImages', '*', { identity: [admin], boundary: policy(allow('*'), deny('ec2:Describe*')) }), 'ExplicitDeny');
});

test('session policies intersect with the role\'s policies', () => {
  const role = policy(allow('ec2:*'));
  const sess = [policy(allow('ec2:DescribeImages')), policy(allow('s3:GetObject'))];
  assert.equal(decision(session, 'ec2:DescribeImages', '*', { identity: [role], session: sess }), 'Allow');
  assert.equal(decision(session, 'ec2:DeregisterImage', IMAGE, { identity: [role], session: sess }), 'ImplicitDeny');
  assert.equal(decision(session, 's3:GetObject', 'arn:aws:s3:::b/k', { identity: [role], session: sess }), 'ImplicitDeny');
  assert.equal(decision(session, 'ec2:DeregisterImage', IMAGE, { identity: [role], session: [] }), 'Allow', 'no session policies: no limit');
});

test('same-account resource policies: who they name decides how far they reach', () => {
  const keyPolicy = (AWS: string) => policy(allow('kms:Decrypt', '*', { Principal: { AWS } }));
  const emptyBoundary = policy(allow('s3:*'));
  // a user named directly needs no identity policy, and its boundary does not limit it
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [keyPolicy(bob.arn)] }), 'Allow');
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [keyPolicy(bob.arn)], boundary: emptyBoundary }), 'Allow');
  // the account: a delegation back to identity policies
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [keyPolicy(A)] }), 'ImplicitDeny');
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [keyPolicy(A)], identity: [policy(allow('kms:*'))] }), 'Allow');
  // a role: its sessions, within the boundary and session policies
  assert.equal(decision(session, 'kms:Decrypt', KEY, { resource: [keyPolicy(session.roleArn!)] }), 'Allow');
  assert.equal(decision(session, 'kms:Decrypt', KEY, { resource: [keyPolicy(session.roleArn!)], boundary: emptyBoundary }), 'ImplicitDeny');
  assert.equal(decision(session, 'kms:Decrypt', KEY, { resource: [keyPolicy(session.roleArn!)], session: [emptyBoundary] }), 'ImplicitDeny');
  // the session itself: not limited by either
  assert.equal(decision(session, 'kms:Decrypt', KEY, { resource: [keyPolicy(session.arn)], boundary: emptyBoundary, session: [emptyBoundary] }), 'Allow');
  // everyone
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [policy(allow('kms:Decrypt', '*', { Principal: '*' }))] }), 'Allow');
  // a deny in the resource policy wins over the identity side
  const denyBob = policy(deny('kms:*', '*', { Principal: { AWS: bob.arn } }));
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [denyBob], identity: [policy(allow('*'))] }), 'ExplicitDeny');
});

test('cross-account: both the identity side and the resource policy must allow', () => {
  const carolId = policy(allow('ec2:*'));
  const shared = (AWS: string) => policy(allow('ec2:CreateVolume', '*', { Principal: { AWS } }));
  const base = { sameAccount: false };
  assert.equal(decision(carol, 'ec2:CreateVolume', IMAGE, { ...base, identity: [carolId], resource: [shared(B)] }), 'Allow');
  assert.equal(decision(carol, 'ec2:CreateVolume', IMAGE, { ...base, identity: [carolId], resource: [shared(carol.arn)] }), 'Allow');
  assert.equal(decision(carol, 'ec2:CreateVolume', IMAGE, { ...base, identity: [carolId] }), 'ImplicitDeny');
  assert.equal(decision(carol, 'ec2:CreateVolume', IMAGE, { ...base, resource: [shared(B)] }), 'ImplicitDeny');
  assert.equal(decision(carol, 'ec2:CreateVolume', IMAGE, { ...base, identity: [carolId], resource: [shared(A)] }), 'ImplicitDeny');
  assert.equal(decision(carol, 'ec2:CreateVolume', IMAGE, { ...base, identity: [carolId], resource: [shared(B)], boundary: policy(allow('s3:*')) }), 'ImplicitDeny');
});

test('resourcePolicyRequired (key policies): the identity side alone is not enough', () => {
  const id = policy(allow('kms:*'));
  const enableIam = policy(allow('kms:*', '*', { Principal: { AWS: `arn:aws:iam::${A}:root` } }));
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { identity: [id], resourcePolicyRequired: true }), 'ImplicitDeny');
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { identity: [id], resource: [enableIam], resourcePolicyRequired: true }), 'Allow');
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [enableIam], resourcePolicyRequired: true }), 'ImplicitDeny');
});

test('the root user is allowed everything its account owns, unless explicitly denied', () => {
  assert.equal(decision(root, 'ec2:DeregisterImage', IMAGE, {}), 'Allow');
  const denyAll = policy(deny('*', '*', { Principal: '*' }));
  assert.equal(decision(root, 'kms:Decrypt', KEY, { resource: [denyAll] }), 'ExplicitDeny');
  assert.equal(decision({ ...root, accountId: B, arn: `arn:aws:iam::${B}:root` }, 'kms:Decrypt', KEY, { sameAccount: false }), 'ImplicitDeny');
});

test('NotPrincipal with Deny: everyone but the named principals is denied', () => {
  const p = policy({ Effect: 'Deny', NotPrincipal: { AWS: bob.arn }, Action: 'kms:*', Resource: '*' }, allow('kms:*', '*', { Principal: '*' }));
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [p] }), 'Allow');
  assert.equal(decision(session, 'kms:Decrypt', KEY, { resource: [p] }), 'ExplicitDeny');
});

test('service principals in resource policies', () => {
  const ec2: ServiceCaller = { kind: 'service', service: 'ec2.amazonaws.com' };
  const p = policy(allow('kms:Decrypt', '*', { Principal: { Service: 'ec2.amazonaws.com' } }));
  assert.equal(decision(ec2, 'kms:Decrypt', KEY, { resource: [p] }), 'Allow');
  assert.equal(decision(bob, 'kms:Decrypt', KEY, { resource: [p] }), 'ImplicitDeny');
});

test('policy variables: a user\'s own resources; no value, no match (reported as missing)', () => {
  const home = policy(allow('s3:*', 'arn:aws:s3:::home/${aws:username}/*'));
  assert.equal(decision(bob, 's3:GetObject', 'arn:aws:s3:::home/bob/x', { identity: [home] }), 'Allow');
  assert.equal(decision(bob, 's3:GetObject', 'arn:aws:s3:::home/alice/x', { identity: [home] }), 'ImplicitDeny');
  const r = check(session, 's3:GetObject', 'arn:aws:s3:::home/bob/x', { identity: [home] });
  assert.equal(r.decision, 'ImplicitDeny');
  assert.deepEqual(r.missingContextKeys, ['aws:username']);
  const withDefault = policy(allow('s3:*', "arn:aws:s3:::home/${aws:username, 'shared'}/*"));
  assert.equal(decision(session, 's3:GetObject', 'arn:aws:s3:::home/shared/x', { identity: [withDefault] }), 'Allow');
  const old = { id: 'old', document: JSON.stringify({ Version: '2008-10-17', Statement: [allow('s3:*', 'arn:aws:s3:::home/${aws:username}/*')] }) };
  assert.equal(decision(bob, 's3:GetObject', 'arn:aws:s3:::home/bob/x', { identity: [old] }), 'ImplicitDeny');
  assert.equal(decision(bob, 's3:GetObject', 'arn:aws:s3:::home/${aws:username}/x', { identity: [old] }), 'Allow');
  const tagged = policy(allow('ec2:*', '*', { Condition: { StringEquals: { 'ec2:ResourceTag/owner': '${aws:PrincipalTag/team}' } } }));
  const teamBob = { ...bob, tags: { team: 'blue' } };
  assert.equal(decision(teamBob, 'ec2:DeregisterImage', IMAGE, { identity: [tagged] }, { 'ec2:ResourceTag/owner': 'blue' }), 'Allow');
  assert.equal(decision(teamBob, 'ec2:DeregisterImage', IMAGE, { identity: [tagged] }, { 'ec2:ResourceTag/owner': 'red' }), 'ImplicitDeny');
});

test('conditions in evaluation: keys ANDed, IfExists, missing keys reported', () => {
  const p = policy(allow('ec2:RunInstances', '*', {
    Condition: {
      StringLikeIfExists: { 'ec2:InstanceType': ['t3.*'] },
      IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
    },
  }));
  const ip = { 'aws:SourceIp': '203.0.113.9' };
  assert.equal(decision(bob, 'ec2:RunInstances', IMAGE, { identity: [p] }, ip), 'Allow');
  assert.equal(decision(bob, 'ec2:RunInstances', IMAGE, { identity: [p] }, { ...ip, 'ec2:InstanceType': 't3.micro' }), 'Allow');
  assert.equal(decision(bob, 'ec2:RunInstances', IMAGE, { identity: [p] }, { ...ip, 'ec2:InstanceType': 'm5.large' }), 'ImplicitDeny');
  const r = check(bob, 'ec2:RunInstances', IMAGE, { identity: [p] }, { 'ec2:InstanceType': 't3.micro' });
  assert.equal(r.decision, 'ImplicitDeny');
  assert.deepEqual(r.missingContextKeys, ['aws:SourceIp']);
});

test('matched statements carry the policy id, index, Sid and text positions; compiled policies work too', () => {
  const text = '{"Version":"2012-10-17","Statement":[\n{"Effect":"Allow","Action":"s3:*","Resource":"*"},\n{"Sid":"Images","Effect":"Allow","Action":"ec2:*","Resource":"*"}\n]}';
  const compiled = { id: 'pol', body: compilePolicyText(text, { kind: 'identity' }) };
  const r = check(bob, 'ec2:DescribeImages', '*', { identity: [compiled] });
  assert.equal(r.decision, 'Allow');
  assert.deepEqual(r.matchedStatements, [
    { policyId: 'pol', policyType: 'identity', statementIndex: 1, sid: 'Images', effect: 'Allow', start: { line: 3, column: 1 }, end: { line: 3, column: 65 } },
  ]);
});

test('role trust policies (sts:AssumeRole on the role): read as trust policies, the trust must allow', () => {
  const ROLE = `arn:aws:iam::${A}:role/builder`;
  const trust = (AWS: string) => policy({ Effect: 'Allow', Principal: { AWS }, Action: 'sts:AssumeRole' });
  const base = { resourceKind: 'trust' as const, resourcePolicyRequired: true };
  const canAssume = policy(allow('sts:AssumeRole', ROLE));
  assert.equal(decision(bob, 'sts:AssumeRole', ROLE, { ...base, resource: [trust(bob.arn)] }), 'Allow');
  assert.equal(decision(bob, 'sts:AssumeRole', ROLE, { ...base, resource: [trust(A)] }), 'ImplicitDeny');
  assert.equal(decision(bob, 'sts:AssumeRole', ROLE, { ...base, resource: [trust(A)], identity: [canAssume] }), 'Allow');
  assert.equal(decision(bob, 'sts:AssumeRole', ROLE, { ...base, identity: [canAssume] }), 'ImplicitDeny');
  assert.equal(decision(carol, 'sts:AssumeRole', ROLE, { ...base, sameAccount: false, resource: [trust(B)], identity: [policy(allow('sts:AssumeRole'))] }), 'Allow');
  assert.equal(decision(carol, 'sts:AssumeRole', ROLE, { ...base, sameAccount: false, resource: [trust(B)] }), 'ImplicitDeny');
});
