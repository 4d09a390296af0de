import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileArnPattern, splitArn } from './arn-pattern.js';
import { parseTemplate } from './policy-variables.js';

const vars: Record<string, string> = { 'aws:username': 'bob', 'aws:userid': 'AROAX:sess' };
const lookup = (k: string) => vars[k];
const m = (pattern: string, arn: string, variables = true) =>
  compileArnPattern(parseTemplate(pattern, { variables, wildcards: true }))(splitArn(arn), lookup);

test('splitArn keeps the colons of the resource part', () => {
  assert.deepEqual(splitArn('arn:aws:sns:us-east-1:111122223333:topic:sub'), ['arn', 'aws', 'sns', 'us-east-1', '111122223333', 'topic:sub']);
  assert.deepEqual(splitArn('*'), ['*']);
});

test('each part is matched separately; a wildcard does not cross a colon', () => {
  assert.ok(m('arn:aws:ec2:*:111122223333:image/*', 'arn:aws:ec2:us-east-1:111122223333:image/ami-1'));
  assert.ok(!m('arn:aws:ec2:*:111122223333:image/*', 'arn:aws:ec2:us-east-1:444455556666:image/ami-1'));
  assert.ok(!m('arn:aws:someservice:*:111122223333:finance/*', 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt'));
  assert.ok(m('arn:aws:ec2:us-east-?:*:*', 'arn:aws:ec2:us-east-1:111122223333:volume/vol-1'));
  assert.ok(m('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b:c'));
});

test('case-sensitive', () => {
  assert.ok(!m('arn:aws:iam::111122223333:user/Bob', 'arn:aws:iam::111122223333:user/bob'));
});

test('"*" and a short pattern ending in * run over the rest; other short patterns match nothing', () => {
  assert.ok(m('*', 'arn:aws:ec2:us-east-1:111122223333:image/ami-1'));
  assert.ok(m('*', '*'));
  assert.ok(m('arn:aws:ec2:*', 'arn:aws:ec2:us-east-1:111122223333:image/ami-1'));
  assert.ok(!m('arn:aws:s3:*', 'arn:aws:ec2:us-east-1:111122223333:image/ami-1'));
  assert.ok(!m('arn:aws:ec2:us-east-1', 'arn:aws:ec2:us-east-1:111122223333:image/ami-1'));
  assert.ok(!m('arn:aws:ec2:*:*:image/*', '*'));
});

test('policy variables are substituted as literal text, or make the pattern unusable', () => {
  assert.ok(m('arn:aws:s3:::home/${aws:username}/*', 'arn:aws:s3:::home/bob/x'));
  assert.ok(!m('arn:aws:s3:::home/${aws:username}/*', 'arn:aws:s3:::home/alice/x'));
  assert.ok(m('arn:aws:iam::*:role/${aws:userid}', 'arn:aws:iam::1:role/AROAX:sess'));
  assert.equal(m('arn:aws:s3:::home/${aws:nothing}/*', 'arn:aws:s3:::home/bob/x'), undefined);
  assert.ok(m('arn:aws:s3:::home/${aws:nothing, \'bob\'}/*', 'arn:aws:s3:::home/bob/x'));
  assert.ok(m('arn:aws:s3:::f${*}', 'arn:aws:s3:::f*'));
  assert.ok(!m('arn:aws:s3:::f${*}', 'arn:aws:s3:::fx'));
  // without variables (Version 2008-10-17) the text is literal
  assert.ok(m('arn:aws:s3:::home/${aws:username}', 'arn:aws:s3:::home/${aws:username}', false));
});
