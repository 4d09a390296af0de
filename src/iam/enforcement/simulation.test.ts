import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallerIdentity } from '../principal.js';
import { simulate, type SimulationRequest } from './simulation.js';

const bob: CallerIdentity = { kind: 'user', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/bob', userId: 'AIDABOB', accessKeyId: 'AKIABOB', userName: 'bob' };
const base: Omit<SimulationRequest, 'actionNames'> = { principal: bob, policies: { identity: [] }, sourceType: () => 'user' };
const web = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Web', Effect: 'Allow', Action: 'ec2:DeregisterImage', Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/team': 'web' } } },
    { Sid: 'NoDelete', Effect: 'Deny', Action: 'ec2:DeleteSnapshot', Resource: '*' },
  ],
});

test('allowed, implicit and explicit deny, with the matched statements and their positions', () => {
  const [allowed, implicit, explicit] = simulate({
    ...base,
    policyInputs: [web],
    actionNames: ['ec2:DeregisterImage', 'ec2:RunInstances', 'ec2:DeleteSnapshot'],
    contextEntries: [{ ContextKeyName: 'ec2:ResourceTag/team', ContextKeyValues: ['web'], ContextKeyType: 'string' }],
  });
  assert.equal(allowed.EvalDecision, 'allowed');
  assert.deepEqual(allowed.MatchedStatements.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [['PolicyInputList.1', 'none']]);
  assert.deepEqual(allowed.MatchedStatements[0].StartPosition, { Line: 1, Column: 38 });
  assert.equal(implicit.EvalDecision, 'implicitDeny');
  assert.equal(explicit.EvalDecision, 'explicitDeny');
  assert.equal(explicit.EvalResourceName, '*');
});

test('a condition key without a value is reported missing; the boundary decision is detailed', () => {
  const boundary = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] });
  const [r] = simulate({ ...base, policyInputs: [web], boundaryInputs: [boundary], actionNames: ['ec2:DeregisterImage'], resourceArns: ['arn:aws:ec2:us-east-1::image/ami-1'] });
  assert.equal(r.EvalDecision, 'implicitDeny');
  assert.deepEqual(r.MissingContextValues, ['ec2:ResourceTag/team']);
  assert.deepEqual(r.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: false });
});

test('a malformed input policy is MalformedPolicyDocument; no action is InvalidInput', () => {
  assert.throws(() => simulate({ ...base, policyInputs: ['{"Version":"2012-10-17"}'], actionNames: ['ec2:X'] }), { code: 'MalformedPolicyDocument' });
  assert.throws(() => simulate({ ...base, actionNames: [] }), { code: 'InvalidInput' });
});
