import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallerIdentity } from '../principal.js';
import { RequestContext } from './request-context.js';

const user: CallerIdentity = {
  kind: 'user', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/dev/bob', userId: 'AIDABOB', accessKeyId: 'AKIA1',
  tags: { Team: 'blue' },
};
const session: CallerIdentity = {
  kind: 'assumed-role', accountId: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/builder/s1', userId: 'AROABUILD:s1',
  accessKeyId: 'ASIA1', roleArn: 'arn:aws:iam::111122223333:role/builder', sourceIdentity: 'alice',
};
const root: CallerIdentity = { kind: 'root', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:root', userId: '111122223333', accessKeyId: 'AKIA0' };

test('keys derived from the principal', () => {
  const u = new RequestContext(user);
  assert.equal(u.peek('aws:username'), 'bob');
  assert.equal(u.peek('aws:userid'), 'AIDABOB');
  assert.equal(u.peek('aws:principalarn'), user.arn);
  assert.equal(u.peek('aws:principaltype'), 'User');
  assert.equal(u.peek('aws:principaltag/team'), 'blue');
  const s = new RequestContext(session);
  assert.equal(s.peek('aws:username'), undefined);
  assert.equal(s.peek('aws:principalarn'), session.roleArn);
  assert.equal(s.peek('aws:principaltype'), 'AssumedRole');
  assert.equal(s.peek('aws:sourceidentity'), 'alice');
  const r = new RequestContext(root);
  assert.equal(r.peek('aws:userid'), '111122223333');
  assert.equal(r.peek('aws:principaltype'), 'Account');
  assert.equal(r.peek('aws:principalaccount'), '111122223333');
});

test('explicit keys are case-insensitive, win over derived ones, and misses are recorded', () => {
  const ctx = new RequestContext(user, new Map<string, string | string[]>([['AWS:SourceIp', '203.0.113.1'], ['aws:username', 'override'], ['aws:TagKeys', []]]));
  assert.equal(ctx.get('aws:sourceip', 'aws:SourceIp'), '203.0.113.1');
  assert.equal(ctx.get('aws:username', 'aws:username'), 'override');
  assert.equal(ctx.get('aws:tagkeys', 'aws:TagKeys'), undefined);
  assert.equal(ctx.get('ec2:instancetype', 'ec2:InstanceType'), undefined);
  assert.deepEqual([...ctx.missing], ['aws:TagKeys', 'ec2:InstanceType']);
  assert.equal(new RequestContext(user, { 'EC2:Region': 'us-east-1' }).peek('ec2:region'), 'us-east-1');
});
