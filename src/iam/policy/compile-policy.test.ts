import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicyText } from './compile-policy.js';

test('statements become matchers: lower-cased actions, Not* flags, no Resource for trust policies', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'A', Effect: 'Allow', Action: 'EC2:Describe*', Resource: 'arn:aws:ec2:*:*:image/*' },
      { Effect: 'Deny', NotAction: 'iam:*', NotResource: '*' },
    ],
  });
  const body = compilePolicyText(text, { kind: 'identity' });
  const [a, b] = body.statements;
  assert.equal(a.sid, 'A');
  assert.ok(a.actions[0]('ec2:describeimages'));
  assert.ok(!a.notAction && b.notAction && b.notResource);
  assert.ok(a.resources![0](['arn', 'aws', 'ec2', 'us-east-1', '1', 'image/ami-1'], () => undefined));
  assert.equal(b.index, 1);

  const trust = compilePolicyText(
    JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' } }),
    { kind: 'trust' },
  );
  assert.equal(trust.statements[0].resources, undefined);
  assert.ok(trust.statements[0].principal);
});

test('Version 2008-10-17 compiles variables as literal text', () => {
  const mk = (Version: string) =>
    compilePolicyText(JSON.stringify({ Version, Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::h/${aws:username}' }] }), { kind: 'identity' });
  const parts = ['arn', 'aws', 's3', '', '', 'h/bob'];
  const lookup = () => 'bob';
  assert.equal(mk('2012-10-17').statements[0].resources![0](parts, lookup), true);
  assert.equal(mk('2008-10-17').statements[0].resources![0](parts, lookup), false);
});
