import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityGroupRuleRow } from '../../../store/repos/security-groups.js';
import { describeRule, legacyPermission, normalizeProtocol, permissionsOut, sameRule, specsFromPermissions } from './sg-permissions.js';

const peer = async (pair: { GroupId?: string }) => ({ groupId: pair.GroupId ?? 'sg-00000000000000000', accountId: '111111111111' });

test('protocols: names, numbers and all', () => {
  assert.deepEqual(['tcp', '6', 'UDP', '17', 'icmp', '1', '58', '-1', 'all', '50'].map(normalizeProtocol), ['tcp', 'tcp', 'udp', 'udp', 'icmp', 'icmp', 'icmpv6', '-1', '-1', '50']);
  assert.throws(() => normalizeProtocol('bogus'), /Unknown protocol/);
  assert.throws(() => normalizeProtocol('256'), /Unknown protocol/);
});

test('one rule per source; ports as the protocol wants them', async () => {
  const specs = await specsFromPermissions(
    [
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '10.1.0.0/16', Description: 'd' }], UserIdGroupPairs: [{ GroupId: 'sg-11111111111111111' }] },
      { IpProtocol: '-1', FromPort: 5, ToPort: 6, Ipv6Ranges: [{ CidrIpv6: '2001:DB8::/32' }], PrefixListIds: [{ PrefixListId: 'pl-12345678' }] },
      { IpProtocol: 'icmp', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ],
    peer,
  );
  assert.equal(specs.length, 6);
  assert.deepEqual([specs[0].from_port, specs[0].to_port, specs[1].description, specs[2].referenced_group_id], [80, 443, 'd', 'sg-11111111111111111']);
  assert.deepEqual([specs[3].from_port, specs[3].cidr_ipv6], [null, '2001:db8::/32'], 'all traffic has no ports');
  assert.deepEqual([specs[5].from_port, specs[5].to_port], [-1, -1], 'ICMP type and code default to all');
  await assert.rejects(specsFromPermissions([{ IpProtocol: 'udp', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], peer), /Must specify both from and to ports/);
  await assert.rejects(specsFromPermissions([{ IpProtocol: 'tcp', FromPort: 9, ToPort: 8, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], peer), /portRange/);
  await assert.rejects(specsFromPermissions([{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.0.0.0' }] }], peer), /malformed/);
});

test('sameRule ignores descriptions; describeRule reads as AWS writes it', async () => {
  const [a] = await specsFromPermissions([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '1.2.3.4/32', Description: 'x' }] }], peer);
  const [b] = await specsFromPermissions([{ IpProtocol: '6', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '1.2.3.4/32' }] }], peer);
  assert.ok(sameRule(a, b));
  assert.equal(describeRule(a), 'peer: 1.2.3.4/32, TCP, from port: 22, to port: 22, ALLOW');
  assert.deepEqual(legacyPermission({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }), { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], UserIdGroupPairs: undefined });
  assert.equal(legacyPermission({}), undefined);
});

test('rules group into IpPermissions by protocol and port range', () => {
  const base = { group_id: 'sg-1', account_id: '1', region: 'r', is_egress: 0, created_at: '', position: 0, cidr_ipv6: null, prefix_list_id: null, referenced_group_id: null, referenced_account_id: null, description: null };
  const rows: SecurityGroupRuleRow[] = [
    { ...base, rule_id: 'sgr-1', ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr_ipv4: '10.0.0.0/8' },
    { ...base, rule_id: 'sgr-2', ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr_ipv4: '10.1.0.0/16' },
    { ...base, rule_id: 'sgr-3', ip_protocol: '-1', from_port: null, to_port: null, cidr_ipv4: null, referenced_group_id: 'sg-2', referenced_account_id: '1' },
  ];
  assert.deepEqual(permissionsOut(rows), [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: undefined }, { CidrIp: '10.1.0.0/16', Description: undefined }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    { IpProtocol: '-1', FromPort: undefined, ToPort: undefined, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-2', UserId: '1', Description: undefined }] },
  ]);
});
