// DescribeImages' request -> catalog query: owners, executable users, and how every filter
// family is routed (columns, block devices, product codes, the caller's tags, never-matching).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServiceError } from '../../../protocol/service-error.js';
import { buildImageQuery, type DescribeImagesInput } from './image-query.js';

const caller = { accountId: '111111111111', region: 'us-east-1', orgs: ['arn:aws:organizations::999999999999:organization/o-abcdef1234'] };
const now = new Date('2030-01-01T00:00:00.000Z');
const build = (input: DescribeImagesInput) => buildImageQuery(input, caller, now, 3600_000);

function failsWith(input: DescribeImagesInput, code: string): void {
  assert.throws(
    () => build(input),
    (e: unknown) => isServiceError(e) && e.code === code,
  );
}

test('owners: self becomes the caller, aliases stay aliases, anything else is malformed', () => {
  assert.deepEqual(build({ Owners: ['self', '222222222222', 'amazon', 'aws-marketplace', 'aws-backup-vault'] }).owners, {
    accounts: ['111111111111', '222222222222'],
    aliases: ['amazon', 'aws-marketplace', 'aws-backup-vault'],
  });
  assert.equal(build({}).owners, undefined);
  for (const bad of ['me', '12345678901', 'Amazon', '']) failsWith({ Owners: [bad] }, 'InvalidUserID.Malformed');
});

test('executable users: self and the caller id mean the caller; all means public; other ids are kept', () => {
  assert.deepEqual(build({ ExecutableUsers: ['self'] }).executableBy, { self: true, all: false, accounts: [] });
  assert.deepEqual(build({ ExecutableUsers: ['111111111111', 'all', '222222222222'] }).executableBy, { self: true, all: true, accounts: ['222222222222'] });
  failsWith({ ExecutableUsers: ['everyone'] }, 'InvalidUserID.Malformed');
});

test('the visibility window and deprecation are judged against the given time', () => {
  const q = build({ IncludeDeprecated: true });
  assert.equal(q.now, '2030-01-01T00:00:00.000Z');
  assert.equal(q.deregisteredSince, '2029-12-31T23:00:00.000Z');
  assert.equal(q.includeDeprecated, true);
  assert.equal(q.includeDisabled, false);
  assert.deepEqual(q.callerOrgs, caller.orgs);
});

test('filters go to columns, block devices, product codes or the caller\'s tags', () => {
  const q = build({
    Filters: [
      { Name: 'name', Values: ['app-*'] },
      { Name: 'is-public', Values: ['true'] },
      { Name: 'block-device-mapping.volume-size', Values: ['8'] },
      { Name: 'product-code', Values: ['abc'] },
      { Name: 'product-code.type', Values: ['marketplace'] },
      { Name: 'tag:Version', Values: ['1.*'] },
      { Name: 'tag-key', Values: ['Team'] },
    ],
  });
  assert.deepEqual(q.columns, [
    { column: 'name', patterns: ['app-*'] },
    { column: 'public', boolean: true, patterns: ['true'] },
  ]);
  assert.deepEqual(q.blockDevices, [{ column: 'volume_size', text: true, patterns: ['8'] }]);
  assert.deepEqual(q.productCodes, [
    { column: 'product_code', patterns: ['abc'] },
    { column: 'type', patterns: ['marketplace'] },
  ]);
  assert.deepEqual(q.tags, [{ key: 'Version', patterns: ['1.*'] }]);
  assert.deepEqual(q.tagKeys, [['Team']]);
});

test('documented filters over data Imago never has match nothing; unknown names are refused', () => {
  for (const name of ['scan-result.highest-finding-severity-label', 'image-watermark.watermark-key', 'instance-type-specification.supported-instance-type', 'public-ssm-parameter-name']) {
    assert.deepEqual(build({ Filters: [{ Name: name, Values: ['*'] }] }).columns, [{ column: 'image_id', patterns: [] }], name);
  }
  assert.deepEqual(build({ Filters: [{ Name: 'image-allowed', Values: ['true'] }] }).columns, []);
  assert.deepEqual(build({ Filters: [{ Name: 'image-allowed', Values: ['false'] }] }).columns, [{ column: 'image_id', patterns: [] }]);
  for (const name of ['colour', 'Name', 'deprecation-time', 'tag']) failsWith({ Filters: [{ Name: name, Values: ['x'] }] }, 'InvalidParameterValue');
});
