import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallerIdentity } from '../principal.js';
import { compileCondition, evaluateCondition, parseOperatorName } from './condition-operators.js';
import { RequestContext, type ContextValue } from './request-context.js';

const bob: CallerIdentity = { kind: 'user', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/bob', userId: 'AIDABOB', accessKeyId: 'AKIA1' };

function cond(operator: string, key: string, values: string | string[], context: Record<string, ContextValue> = {}, variables = true): boolean {
  const c = compileCondition({ operator, key, values: typeof values === 'string' ? [values] : values }, variables);
  return evaluateCondition(c, new RequestContext(bob, context));
}

test('operator names: set prefixes, IfExists, unknown ones', () => {
  assert.deepEqual(parseOperatorName('ForAnyValue:StringLikeIfExists'), {
    base: 'StringLike', spec: { category: 'string', negated: false, like: true }, set: 'ForAnyValue', ifExists: true,
  });
  assert.equal(parseOperatorName('StringEqualz'), undefined);
  assert.equal(parseOperatorName('NullIfExists'), undefined);
  assert.equal(parseOperatorName('stringequals'), undefined);
});

test('StringEquals / StringNotEquals: exact, case-sensitive; several values OR, negated NOR', () => {
  const ctx = { 'ec2:InstanceType': 't3.micro' };
  assert.ok(cond('StringEquals', 'ec2:InstanceType', 't3.micro', ctx));
  assert.ok(!cond('StringEquals', 'ec2:InstanceType', 'T3.micro', ctx));
  assert.ok(cond('StringEquals', 'ec2:InstanceType', ['m5.large', 't3.micro'], ctx));
  assert.ok(!cond('StringEquals', 'ec2:InstanceType', 't3.*', ctx), 'no wildcards in StringEquals');
  assert.ok(!cond('StringNotEquals', 'ec2:InstanceType', ['m5.large', 't3.micro'], ctx));
  assert.ok(cond('StringNotEquals', 'ec2:InstanceType', ['m5.large', 'm6.large'], ctx));
});

test('condition key names are case-insensitive, values are not', () => {
  assert.ok(cond('StringEquals', 'EC2:INSTANCETYPE', 't3.micro', { 'ec2:instancetype': 't3.micro' }));
});

test('StringEqualsIgnoreCase / StringNotEqualsIgnoreCase', () => {
  const ctx = { 'aws:PrincipalTag/team': 'Blue' };
  assert.ok(cond('StringEqualsIgnoreCase', 'aws:PrincipalTag/team', 'bLUE', ctx));
  assert.ok(!cond('StringEqualsIgnoreCase', 'aws:PrincipalTag/team', 'red', ctx));
  assert.ok(!cond('StringNotEqualsIgnoreCase', 'aws:PrincipalTag/team', 'BLUE', ctx));
  assert.ok(cond('StringNotEqualsIgnoreCase', 'aws:PrincipalTag/team', 'red', ctx));
});

test('StringLike / StringNotLike: * and ?, case-sensitive', () => {
  const ctx = { 'ec2:InstanceType': 't3.micro' };
  assert.ok(cond('StringLike', 'ec2:InstanceType', ['m5.*', 't?.*'], ctx));
  assert.ok(!cond('StringLike', 'ec2:InstanceType', 'T3.*', ctx));
  assert.ok(!cond('StringNotLike', 'ec2:InstanceType', 't3.*', ctx));
  assert.ok(cond('StringNotLike', 'ec2:InstanceType', ['m*', 'c*'], ctx));
});

test('Numeric operators', () => {
  const ctx = { 's3:max-keys': '10' };
  assert.ok(cond('NumericEquals', 's3:max-keys', '10.0', ctx));
  assert.ok(!cond('NumericEquals', 's3:max-keys', '11', ctx));
  assert.ok(cond('NumericNotEquals', 's3:max-keys', '11', ctx));
  assert.ok(!cond('NumericNotEquals', 's3:max-keys', '10', ctx));
  assert.ok(cond('NumericLessThan', 's3:max-keys', '11', ctx));
  assert.ok(!cond('NumericLessThan', 's3:max-keys', '10', ctx));
  assert.ok(cond('NumericLessThanEquals', 's3:max-keys', '10', ctx));
  assert.ok(!cond('NumericLessThanEquals', 's3:max-keys', '9.5', ctx));
  assert.ok(cond('NumericGreaterThan', 's3:max-keys', '9.5', ctx));
  assert.ok(!cond('NumericGreaterThan', 's3:max-keys', '10', ctx));
  assert.ok(cond('NumericGreaterThanEquals', 's3:max-keys', '10', ctx));
  assert.ok(!cond('NumericGreaterThanEquals', 's3:max-keys', '10.1', ctx));
  assert.ok(!cond('NumericEquals', 's3:max-keys', '10', { 's3:max-keys': 'ten' }), 'not a number: no match');
});

test('Date operators: ISO 8601 and epoch seconds on either side', () => {
  const ctx = { 'aws:CurrentTime': '2024-06-01T12:00:00Z', 'aws:EpochTime': '1717243200' };
  assert.ok(cond('DateEquals', 'aws:CurrentTime', '1717243200', ctx));
  assert.ok(cond('DateEquals', 'aws:EpochTime', '2024-06-01T12:00:00Z', ctx));
  assert.ok(!cond('DateEquals', 'aws:CurrentTime', '2024-06-01', ctx));
  assert.ok(cond('DateNotEquals', 'aws:CurrentTime', '2024-06-01', ctx));
  assert.ok(!cond('DateNotEquals', 'aws:CurrentTime', '2024-06-01T14:00:00+02:00', ctx));
  assert.ok(cond('DateLessThan', 'aws:CurrentTime', '2025-01-01T00:00:00Z', ctx));
  assert.ok(!cond('DateLessThan', 'aws:CurrentTime', '2024-06-01T12:00:00Z', ctx));
  assert.ok(cond('DateLessThanEquals', 'aws:CurrentTime', '2024-06-01T12:00:00Z', ctx));
  assert.ok(!cond('DateLessThanEquals', 'aws:CurrentTime', '2024-01-01', ctx));
  assert.ok(cond('DateGreaterThan', 'aws:CurrentTime', '2024-01-01', ctx));
  assert.ok(!cond('DateGreaterThan', 'aws:CurrentTime', '2025-01-01', ctx));
  assert.ok(cond('DateGreaterThanEquals', 'aws:EpochTime', '1717243200', ctx));
  assert.ok(!cond('DateGreaterThanEquals', 'aws:EpochTime', '1717243201', ctx));
});

test('Bool: true/false, case-insensitive; a JSON boolean arrives as its text', () => {
  assert.ok(cond('Bool', 'aws:SecureTransport', 'false', { 'aws:SecureTransport': 'false' }));
  assert.ok(cond('Bool', 'aws:SecureTransport', 'TRUE', { 'aws:SecureTransport': 'true' }));
  assert.ok(!cond('Bool', 'aws:SecureTransport', 'true', { 'aws:SecureTransport': 'false' }));
  assert.ok(!cond('Bool', 'aws:SecureTransport', 'true', {}));
});

test('BinaryEquals compares base64-decoded bytes', () => {
  const ctx = { 'x:key': Buffer.from('BinaryValueInBase64').toString('base64') };
  assert.ok(cond('BinaryEquals', 'x:key', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', ctx));
  assert.ok(!cond('BinaryEquals', 'x:key', 'QmluYXJ5', ctx));
});

test('IpAddress / NotIpAddress: IPv4 and IPv6 CIDR', () => {
  const v4 = { 'aws:SourceIp': '203.0.113.42' };
  const v6 = { 'aws:SourceIp': '2001:db8:1234:5678::9' };
  assert.ok(cond('IpAddress', 'aws:SourceIp', ['203.0.113.0/24', '2001:DB8:1234:5678::/64'], v4));
  assert.ok(cond('IpAddress', 'aws:SourceIp', ['203.0.113.0/24', '2001:DB8:1234:5678::/64'], v6));
  assert.ok(!cond('IpAddress', 'aws:SourceIp', '198.51.100.0/24', v4));
  assert.ok(cond('IpAddress', 'aws:SourceIp', '203.0.113.42', v4), 'no prefix: /32');
  assert.ok(cond('NotIpAddress', 'aws:SourceIp', '198.51.100.0/24', v4));
  assert.ok(!cond('NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', v4));
});

test('ArnEquals / ArnLike / ArnNotEquals / ArnNotLike: per ARN part', () => {
  const ctx = { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:topic-a' };
  for (const op of ['ArnEquals', 'ArnLike']) {
    assert.ok(cond(op, 'aws:SourceArn', 'arn:aws:sns:*:111122223333:topic-?', ctx), op);
    assert.ok(!cond(op, 'aws:SourceArn', 'arn:aws:sns:*:444455556666:*', ctx), op);
  }
  for (const op of ['ArnNotEquals', 'ArnNotLike']) {
    assert.ok(!cond(op, 'aws:SourceArn', 'arn:aws:sns:*:111122223333:*', ctx), op);
    assert.ok(cond(op, 'aws:SourceArn', 'arn:aws:sns:*:444455556666:*', ctx), op);
  }
  // StringLike's * crosses colons, ArnLike's does not
  const odd = { 'aws:SourceArn': 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt' };
  assert.ok(cond('StringLike', 'aws:SourceArn', 'arn:aws:someservice:*:111122223333:finance/*', odd));
  assert.ok(!cond('ArnLike', 'aws:SourceArn', 'arn:aws:someservice:*:111122223333:finance/*', odd));
});

test('Null: true when the key is absent, false when present', () => {
  assert.ok(cond('Null', 'aws:TokenIssueTime', 'true', {}));
  assert.ok(!cond('Null', 'aws:TokenIssueTime', 'false', {}));
  assert.ok(cond('Null', 'aws:TokenIssueTime', 'false', { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }));
  assert.ok(!cond('Null', 'aws:TokenIssueTime', 'true', { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }));
  assert.ok(cond('Null', 'aws:TagKeys', 'true', { 'aws:TagKeys': [] }), 'an empty list is no value');
});

test('a missing key: false, true for negated operators, true with IfExists', () => {
  assert.ok(!cond('StringEquals', 'ec2:InstanceType', 't3.micro'));
  assert.ok(!cond('NumericLessThan', 's3:max-keys', '10'));
  assert.ok(!cond('IpAddress', 'aws:SourceIp', '0.0.0.0/0'));
  assert.ok(cond('StringNotEquals', 'ec2:InstanceType', 't3.micro'));
  assert.ok(cond('StringNotLike', 'ec2:InstanceType', 't3.*'));
  assert.ok(cond('ArnNotLike', 'aws:SourceArn', 'arn:*'));
  assert.ok(cond('NotIpAddress', 'aws:SourceIp', '0.0.0.0/0'));
  assert.ok(cond('StringLikeIfExists', 'ec2:InstanceType', 't3.*'));
  assert.ok(cond('NumericLessThanIfExists', 's3:max-keys', '10'));
  // IfExists with the key present is the plain operator
  assert.ok(!cond('StringLikeIfExists', 'ec2:InstanceType', 't3.*', { 'ec2:InstanceType': 'm5.large' }));
  assert.ok(cond('StringNotEqualsIfExists', 'ec2:InstanceType', 't3.micro', { 'ec2:InstanceType': 'm5.large' }));
});

test('ForAllValues: every context value matches some policy value; true on a missing or empty key', () => {
  const op = 'ForAllValues:StringEquals';
  const allowed = ['PostDateTime', 'Message', 'Tags'];
  assert.ok(cond(op, 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': ['PostDateTime', 'Message'] }));
  assert.ok(!cond(op, 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': ['PostDateTime', 'UserName'] }));
  assert.ok(cond(op, 'dynamodb:Attributes', allowed, {}));
  assert.ok(cond(op, 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': [] }));
  assert.ok(cond(op, 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': 'Tags' }), 'a single value is a one-element set');
});

test('ForAnyValue: some context value matches some policy value; false on a missing or empty key', () => {
  const op = 'ForAnyValue:StringEquals';
  assert.ok(cond(op, 'aws:TagKeys', ['ID', 'PostDateTime'], { 'aws:TagKeys': ['UserName', 'PostDateTime'] }));
  assert.ok(!cond(op, 'aws:TagKeys', ['ID', 'PostDateTime'], { 'aws:TagKeys': ['UserName'] }));
  assert.ok(!cond(op, 'aws:TagKeys', ['ID'], {}));
  assert.ok(!cond(op, 'aws:TagKeys', ['ID'], { 'aws:TagKeys': [] }));
});

test('set operators with negated operators apply the negation per context value', () => {
  // IAM's example: Deny with ForAllValues:StringNotLike {"aws:TagKeys": "key1*"}
  const op = 'ForAllValues:StringNotLike';
  assert.ok(!cond(op, 'aws:TagKeys', 'key1*', { 'aws:TagKeys': ['key1:legal'] }));
  assert.ok(!cond(op, 'aws:TagKeys', 'key1*', { 'aws:TagKeys': ['key1:hr', 'key1:personnel'] }));
  assert.ok(cond(op, 'aws:TagKeys', 'key1*', { 'aws:TagKeys': ['key2:audit'] }));
  assert.ok(cond(op, 'aws:TagKeys', 'key1*', {}));
  assert.ok(!cond(op, 'aws:TagKeys', 'key1*', { 'aws:TagKeys': ['key2:audit', 'key1:x'] }));
  const any = 'ForAnyValue:StringNotEquals';
  assert.ok(cond(any, 'aws:TagKeys', ['a', 'b'], { 'aws:TagKeys': ['a', 'c'] }));
  assert.ok(!cond(any, 'aws:TagKeys', ['a', 'b'], { 'aws:TagKeys': ['a', 'b'] }));
  assert.ok(!cond(any, 'aws:TagKeys', ['a'], {}));
});

test('a multivalued context value without a set operator: any value (negated: none) matches', () => {
  assert.ok(cond('StringEquals', 'aws:TagKeys', 'b', { 'aws:TagKeys': ['a', 'b'] }));
  assert.ok(!cond('StringNotEquals', 'aws:TagKeys', 'b', { 'aws:TagKeys': ['a', 'b'] }));
});

test('policy variables in String, Arn and Bool values; an unresolvable one never matches', () => {
  const ctx = { 's3:prefix': 'home/bob/docs', 'aws:SourceArn': 'arn:aws:sqs:us-east-1:111122223333:bob-queue' };
  assert.ok(cond('StringLike', 's3:prefix', 'home/${aws:username}/*', ctx));
  assert.ok(!cond('StringLike', 's3:prefix', 'home/${aws:username}/*', ctx, false), 'Version 2008-10-17: literal');
  assert.ok(cond('StringEquals', 's3:prefix', 'home/${aws:username}/docs', ctx));
  assert.ok(cond('ArnLike', 'aws:SourceArn', 'arn:aws:sqs:*:*:${aws:username}-queue', ctx));
  assert.ok(cond('StringEquals', 's3:prefix', "home/${aws:userid, 'x'}/docs", { 's3:prefix': 'home/AIDABOB/docs' }));
  assert.ok(!cond('StringLike', 's3:prefix', 'home/${aws:SourceIdentity}/*', ctx));
  assert.ok(!cond('StringNotLike', 's3:prefix', 'home/${aws:SourceIdentity}/*', ctx), 'not even for a negated operator');
  assert.ok(cond('StringLike', 's3:prefix', ['home/${aws:SourceIdentity}/*', 'home/*'], ctx), 'another value may still match');
  assert.ok(cond('StringEquals', 'x:star', 'a${*}', { 'x:star': 'a*' }));
  assert.ok(!cond('StringLike', 'x:star', 'a${*}', { 'x:star': 'ab' }), '${*} is a literal asterisk');
  assert.ok(cond('Bool', 'x:flag', '${x:want}', { 'x:flag': 'true', 'x:want': 'True' }));
  assert.ok(!cond('NumericEquals', 's3:max-keys', '${x:n}', { 's3:max-keys': '1', 'x:n': '1' }), 'no variables in Numeric');
});
