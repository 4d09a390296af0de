// Organization memberships as the operator gives them to /_imago/organizations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMembership } from './image-admin.js';

const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdef1234';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcdef1234/ou-root-aaaaaaaa';

test('a membership names an account, its organization and the OU path from the root', () => {
  assert.deepEqual(parseMembership({ accountId: '111111111111', organizationArn: ORG, ouArns: [OU] }), { accountId: '111111111111', organizationArn: ORG, ouArns: [OU] });
  assert.deepEqual(parseMembership({ accountId: '111111111111', organizationArn: ORG }), { accountId: '111111111111', organizationArn: ORG, ouArns: [] });
});

test('malformed accounts and ARNs, and OUs of another organization, are refused', () => {
  const bad = [
    { accountId: '1111', organizationArn: ORG },
    { accountId: '111111111111', organizationArn: 'o-abcdef1234' },
    { accountId: '111111111111', organizationArn: ORG, ouArns: 'ou-root-aaaaaaaa' },
    { accountId: '111111111111', organizationArn: ORG, ouArns: ['ou-root-aaaaaaaa'] },
    { accountId: '111111111111', organizationArn: ORG, ouArns: ['arn:aws:organizations::999999999999:ou/o-zzzzzzzzzz/ou-root-aaaaaaaa'] },
    { accountId: '111111111111', organizationArn: ORG, ouArns: ['arn:aws:organizations::888888888888:ou/o-abcdef1234/ou-root-aaaaaaaa'] },
  ];
  for (const b of bad) assert.equal(typeof parseMembership(b), 'string', JSON.stringify(b));
});
