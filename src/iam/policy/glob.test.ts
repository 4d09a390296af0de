import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, globCodes, globPieces, matchGlobCodes, QMARK, STAR } from './glob.js';

const m = (pattern: string, s: string, ignoreCase = false) => compileGlob(globPieces(pattern), ignoreCase)(ignoreCase ? s.toLowerCase() : s);

test('* matches any run, ? exactly one character', () => {
  assert.ok(m('*', ''));
  assert.ok(m('ec2:Describe*', 'ec2:DescribeImages'));
  assert.ok(!m('ec2:Describe*', 'ec2:CreateImage'));
  assert.ok(m('a?c', 'abc'));
  assert.ok(!m('a?c', 'ac'));
  assert.ok(m('*Image*', 'ec2:DeregisterImageNow'));
  assert.ok(m('a*b*c', 'aXbYbZc'));
  assert.ok(!m('a*b*c', 'aXbYbZ'));
  assert.ok(m('**a', 'xa'));
  assert.ok(m('exact', 'exact'));
  assert.ok(!m('exact', 'exactly'));
});

test('case: sensitive by default, folded when asked (the caller lower-cases the input)', () => {
  assert.ok(!m('EC2:describe*', 'ec2:DescribeImages'));
  assert.ok(m('EC2:describe*', 'ec2:DescribeImages', true));
});

test('literal pieces keep * and ? literal', () => {
  const codes = globCodes(['a*', STAR, '?', QMARK]);
  assert.ok(matchGlobCodes(codes, 'a*xyz?q'));
  assert.ok(!matchGlobCodes(codes, 'abxyz?q'));
});
