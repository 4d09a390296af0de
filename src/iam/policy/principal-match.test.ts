import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallerIdentity } from '../principal.js';
import { compilePrincipal } from './principal-match.js';
import type { ServiceCaller } from './request-context.js';
import type { PrincipalBlock } from './types.js';

const acct = '111122223333';
const user: CallerIdentity = { kind: 'user', accountId: acct, arn: `arn:aws:iam::${acct}:user/bob`, userId: 'AIDABOBBOBBOBBOBBOB', accessKeyId: 'AKIA1' };
const session: CallerIdentity = {
  kind: 'assumed-role', accountId: acct, arn: `arn:aws:sts::${acct}:assumed-role/builder/s1`, userId: 'AROABUILDERBUILDER:s1',
  accessKeyId: 'ASIA1', roleArn: `arn:aws:iam::${acct}:role/builder`,
};
const root: CallerIdentity = { kind: 'root', accountId: acct, arn: `arn:aws:iam::${acct}:root`, userId: acct, accessKeyId: 'AKIA0' };
const ec2: ServiceCaller = { kind: 'service', service: 'ec2.amazonaws.com' };

const grant = (block: PrincipalBlock, p: CallerIdentity | ServiceCaller, not = false) =>
  (not ? compilePrincipal(undefined, block) : compilePrincipal(block, undefined))!(p);

test('"*" and {"AWS": "*"} are everyone', () => {
  for (const p of [user, session, root, ec2]) assert.equal(grant('*', p), 'any');
  assert.equal(grant({ AWS: ['*'] }, user), 'any');
});

test('an account id or its root ARN names every principal of the account', () => {
  for (const p of [user, session, root]) {
    assert.equal(grant({ AWS: [acct] }, p), 'account');
    assert.equal(grant({ AWS: [`arn:aws:iam::${acct}:root`] }, p), 'account');
  }
  assert.equal(grant({ AWS: ['444455556666'] }, user), undefined);
  assert.equal(grant({ AWS: [acct] }, ec2), undefined);
});

test('user, role and session ARNs (and unique ids); the most specific wins', () => {
  assert.equal(grant({ AWS: [user.arn] }, user), 'user');
  assert.equal(grant({ AWS: ['AIDABOBBOBBOBBOBBOB'] }, user), 'user');
  assert.equal(grant({ AWS: [`arn:aws:iam::${acct}:user/Bob`] }, user), undefined, 'case-sensitive');
  assert.equal(grant({ AWS: [session.roleArn!] }, session), 'role');
  assert.equal(grant({ AWS: ['AROABUILDERBUILDER'] }, session), 'role');
  assert.equal(grant({ AWS: [session.arn] }, session), 'session');
  assert.equal(grant({ AWS: [acct, session.roleArn!, session.arn] }, session), 'session');
  assert.equal(grant({ AWS: [acct, session.roleArn!] }, session), 'role');
  assert.equal(grant({ AWS: [user.arn] }, session), undefined);
});

test('service principals', () => {
  assert.equal(grant({ Service: ['ec2.amazonaws.com', 'ecs.amazonaws.com'] }, ec2), 'service');
  assert.equal(grant({ Service: ['ecs.amazonaws.com'] }, ec2), undefined);
  assert.equal(grant({ Service: ['ec2.amazonaws.com'] }, user), undefined);
});

test('NotPrincipal: everyone except those named', () => {
  assert.equal(grant({ AWS: [user.arn] }, user, true), undefined);
  assert.equal(grant({ AWS: [user.arn] }, session, true), 'any');
  assert.equal(grant({ AWS: [acct] }, session, true), undefined);
});
