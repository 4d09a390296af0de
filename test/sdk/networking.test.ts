// The minimal network through @aws-sdk/client-ec2: the default VPC (the id DescribeAccountAttributes
// names), one default subnet per zone, the default security group and its rules, security group
// create/delete/authorize/revoke with AWS's rules and errors, DescribeSecurityGroupRules,
// instances' network interfaces, tags on all of them, accounts and regions, DryRun, restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeAccountAttributesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';
import { instanceIn, launchableImage, runOne } from '../helpers/instances.js';

const A = ALICE.accountId;

describe('EC2 networking', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client(ALICE);
  const group = async (c: EC2Client, GroupId: string) => (await c.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId] }))).SecurityGroups![0];

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('the default VPC is the one DescribeAccountAttributes names, per account and region', async () => {
    const attrs = await alice().send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] }));
    const vpcId = attrs.AccountAttributes![0].AttributeValues![0].AttributeValue!;
    const { Vpcs } = await alice().send(new DescribeVpcsCommand({}));
    assert.equal(Vpcs!.length, 1);
    const vpc = Vpcs![0];
    assert.equal(vpc.VpcId, vpcId);
    assert.deepEqual([vpc.CidrBlock, vpc.IsDefault, vpc.State, vpc.OwnerId, vpc.InstanceTenancy], ['172.31.0.0/16', true, 'available', A, 'default']);
    assert.match(vpc.DhcpOptionsId!, /^dopt-/);
    assert.equal(vpc.CidrBlockAssociationSet![0].CidrBlockState!.State, 'associated');
    const bobs = (await client(BOB).send(new DescribeVpcsCommand({}))).Vpcs![0].VpcId;
    const elsewhere = (await client(ALICE, 'eu-west-1').send(new DescribeVpcsCommand({}))).Vpcs![0].VpcId;
    assert.notEqual(bobs, vpcId);
    assert.notEqual(elsewhere, vpcId);
    assert.deepEqual((await alice().send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs!.map((v) => v.VpcId), [vpcId]);
    await expectError(alice().send(new DescribeVpcsCommand({ VpcIds: [bobs!] })), 'InvalidVpcID.NotFound', new RegExp(`The vpc ID '${bobs}' does not exist`));
    await expectError(alice().send(new DescribeVpcsCommand({ VpcIds: ['vpc-nope'] })), 'InvalidVpcID.Malformed');
    assert.equal((await alice().send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs!.length, 1);
    assert.equal((await alice().send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.0.0.0/16'] }] }))).Vpcs!.length, 0);
    await alice().send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'Name', Value: 'main' }] }));
    assert.deepEqual((await alice().send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['main'] }] }))).Vpcs![0].Tags, [{ Key: 'Name', Value: 'main' }]);
  });

  test('one default subnet per zone, /20s of the VPC, counting free addresses', async () => {
    const { Subnets } = await alice().send(new DescribeSubnetsCommand({}));
    assert.deepEqual(Subnets!.map((s) => s.AvailabilityZone), ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f']);
    assert.deepEqual(Subnets!.map((s) => s.CidrBlock), ['172.31.0.0/20', '172.31.16.0/20', '172.31.32.0/20', '172.31.48.0/20', '172.31.64.0/20', '172.31.80.0/20']);
    const a = Subnets![0];
    assert.deepEqual([a.DefaultForAz, a.State, a.AvailableIpAddressCount, a.MapPublicIpOnLaunch, a.AvailabilityZoneId], [true, 'available', 4091, false, 'use1-az1']);
    assert.equal(a.SubnetArn, `arn:aws:ec2:us-east-1:${A}:subnet/${a.SubnetId}`);
    const img = await launchableImage(alice());
    await runOne(alice(), img, { SubnetId: a.SubnetId });
    const [after] = (await alice().send(new DescribeSubnetsCommand({ SubnetIds: [a.SubnetId!] }))).Subnets!;
    assert.equal(after.AvailableIpAddressCount, 4090);
    assert.deepEqual(
      (await alice().send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }, { Name: 'default-for-az', Values: ['true'] }] }))).Subnets!.map((s) => s.CidrBlock),
      ['172.31.16.0/20'],
    );
    await expectError(alice().send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })), 'InvalidSubnetID.NotFound');
    await expectError(alice().send(new DescribeSubnetsCommand({ SubnetIds: ['sub-1'] })), 'InvalidSubnetID.Malformed');
    const page = await alice().send(new DescribeSubnetsCommand({ MaxResults: 5 }));
    assert.equal(page.Subnets!.length, 5);
    assert.equal((await alice().send(new DescribeSubnetsCommand({ MaxResults: 5, NextToken: page.NextToken }))).Subnets!.length, 1);
    assert.equal((await client(ALICE, 'eu-west-1').send(new DescribeSubnetsCommand({}))).Subnets!.length, 3);
  });

  test('the default security group: allows itself in and everything out, and cannot be deleted', async () => {
    const { SecurityGroups } = await alice().send(new DescribeSecurityGroupsCommand({ GroupNames: ['default'] }));
    const g = SecurityGroups![0];
    const vpcId = (await alice().send(new DescribeVpcsCommand({}))).Vpcs![0].VpcId;
    assert.deepEqual([g.GroupName, g.Description, g.VpcId, g.OwnerId], ['default', 'default VPC security group', vpcId, A]);
    assert.deepEqual(g.IpPermissions, [{ IpProtocol: '-1', IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: g.GroupId, UserId: A }] }]);
    assert.deepEqual(g.IpPermissionsEgress, [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }]);
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupId: g.GroupId })), 'CannotDelete', /cannot be deleted by a user/);
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupName: 'default' })), 'CannotDelete');
  });

  test('CreateSecurityGroup: names per VPC, reserved and malformed names, tags', async () => {
    const created = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app servers', TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'tier', Value: 'app' }] }] }));
    assert.match(created.GroupId!, /^sg-[0-9a-f]{17}$/);
    assert.deepEqual(created.Tags, [{ Key: 'tier', Value: 'app' }]);
    assert.equal(created.SecurityGroupArn, `arn:aws:ec2:us-east-1:${A}:security-group/${created.GroupId}`);
    const g = await group(alice(), created.GroupId!);
    assert.deepEqual(g.IpPermissions, []);
    assert.deepEqual(g.IpPermissionsEgress![0].IpRanges, [{ CidrIp: '0.0.0.0/0' }], 'new groups allow all egress');
    await expectError(alice().send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'again' })), 'InvalidGroup.Duplicate', /The security group 'app' already exists for VPC/);
    await client(BOB).send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'bob' }));
    await expectError(alice().send(new CreateSecurityGroupCommand({ GroupName: 'default', Description: 'x' })), 'InvalidParameterValue', /reserved/);
    await expectError(alice().send(new CreateSecurityGroupCommand({ GroupName: 'sg-abc', Description: 'x' })), 'InvalidParameterValue', /sg-\*/);
    await expectError(alice().send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', VpcId: 'vpc-0123456789abcdef0' })), 'InvalidVpcID.NotFound');
    // an empty VpcId is no VpcId (Packer sends one when its template names no VPC)
    const unnamed = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'no-vpc', Description: 'x', VpcId: '' }));
    assert.equal((await group(alice(), unnamed.GroupId!)).VpcId, (await group(alice(), created.GroupId!)).VpcId);
    await expectError(alice().send(new CreateSecurityGroupCommand({ GroupName: 'dry', Description: 'x', DryRun: true })), 'DryRunOperation', undefined, 412);
    await expectError(alice().send(new DescribeSecurityGroupsCommand({ GroupNames: ['dry'] })), 'InvalidGroup.NotFound');
    assert.deepEqual((await alice().send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:tier', Values: ['app'] }] }))).SecurityGroups!.map((s) => s.GroupName), ['app']);
    await expectError(client(BOB).send(new DescribeSecurityGroupsCommand({ GroupIds: [created.GroupId!] })), 'InvalidGroup.NotFound', new RegExp(`The security group '${created.GroupId}' does not exist`));
  });

  test('Authorize/Revoke ingress and egress: rules, duplicates, unknown rules, rule ids', async () => {
    const { GroupId } = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'rules', Description: 'rules' }));
    const peer = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'peer', Description: 'peer' }));
    const ssh = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'office' }, { CidrIp: '192.168.0.0/16' }] };
    const out = await alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [ssh, { IpProtocol: '6', FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: peer.GroupId }] }] }));
    assert.equal(out.Return, true);
    assert.equal(out.SecurityGroupRules!.length, 3);
    assert.ok(out.SecurityGroupRules!.every((r) => /^sgr-/.test(r.SecurityGroupRuleId!) && r.IsEgress === false && r.GroupOwnerId === A));
    assert.equal(out.SecurityGroupRules![2].ReferencedGroupInfo!.GroupId, peer.GroupId);
    const g = await group(alice(), GroupId!);
    const tcp22 = g.IpPermissions!.find((p) => p.FromPort === 22)!;
    assert.deepEqual(tcp22.IpRanges, [{ CidrIp: '10.0.0.0/8', Description: 'office' }, { CidrIp: '192.168.0.0/16' }]);
    assert.equal(g.IpPermissions!.find((p) => p.FromPort === 443)!.IpProtocol, 'tcp');
    await expectError(alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] })), 'InvalidPermission.Duplicate', /peer: 10\.0\.0\.0\/8, TCP, from port: 22, to port: 22, ALLOW" already exists/);
    await expectError(alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '1.2.3.4/32' }] }] })), 'InvalidParameterValue', /Must specify both from and to ports with TCP\/UDP/);
    await expectError(alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'bogus', IpRanges: [{ CidrIp: '1.2.3.4/32' }] }] })), 'InvalidParameterValue', /Unknown protocol/);
    await expectError(alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '1.2.3.4/99' }] }] })), 'InvalidParameterValue', /malformed/);
    await expectError(alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', IpPermissions: [ssh] })), 'InvalidGroup.NotFound');
    // the legacy single-rule form, by group name
    await alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupName: 'rules', IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: '0.0.0.0/0' }));
    assert.ok((await group(alice(), GroupId!)).IpPermissions!.some((p) => p.IpProtocol === 'udp' && p.FromPort === 53));

    const egress = await alice().send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }] }] }));
    assert.equal(egress.SecurityGroupRules![0].IsEgress, true);
    assert.equal(egress.SecurityGroupRules![0].CidrIpv6, '2001:db8::/32');

    const rules = await alice().send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [GroupId!] }] }));
    assert.equal(rules.SecurityGroupRules!.length, 6, '4 ingress, the default egress and the new egress');
    const byId = await alice().send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [out.SecurityGroupRules![0].SecurityGroupRuleId!] }));
    assert.equal(byId.SecurityGroupRules![0].CidrIpv4, '10.0.0.0/8');
    await expectError(alice().send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['sgr-0123456789abcdef0'] })), 'InvalidSecurityGroupRuleId.NotFound');

    // revoke by permission (an absent one comes back as unknown), then by rule id
    const revoked = await alice().send(
      new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.168.0.0/16' }] }, { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
    );
    assert.equal(revoked.Return, true);
    assert.equal(revoked.RevokedSecurityGroupRules!.length, 1);
    assert.equal(revoked.UnknownIpPermissions!.length, 1);
    assert.equal(revoked.UnknownIpPermissions![0].FromPort, 80);
    await alice().send(new RevokeSecurityGroupIngressCommand({ GroupId, SecurityGroupRuleIds: [out.SecurityGroupRules![2].SecurityGroupRuleId!] }));
    await expectError(alice().send(new RevokeSecurityGroupIngressCommand({ GroupId, SecurityGroupRuleIds: [out.SecurityGroupRules![2].SecurityGroupRuleId!] })), 'InvalidSecurityGroupRuleId.NotFound');
    await alice().send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const final = await group(alice(), GroupId!);
    assert.deepEqual(final.IpPermissionsEgress!.map((p) => p.FromPort), [5432]);
    assert.deepEqual(final.IpPermissions!.map((p) => `${p.IpProtocol}:${p.FromPort}`).sort(), ['tcp:22', 'udp:53']);
    await expectError(alice().send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [ssh], DryRun: true })), 'DryRunOperation', undefined, 412);
  });

  test('DeleteSecurityGroup: not while instances or other groups use it', async () => {
    const { GroupId } = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'used', Description: 'used' }));
    const other = await alice().send(new CreateSecurityGroupCommand({ GroupName: 'referrer', Description: 'refers to used' }));
    await alice().send(new AuthorizeSecurityGroupIngressCommand({ GroupId: other.GroupId, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId }] }] }));
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupId })), 'DependencyViolation', new RegExp(`resource ${GroupId} has a dependent object`));
    await alice().send(new DeleteSecurityGroupCommand({ GroupId: other.GroupId }));
    const img = await launchableImage(alice());
    const i = await runOne(alice(), img, { SecurityGroupIds: [GroupId!] });
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupId })), 'DependencyViolation');
    await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(alice(), i.InstanceId!, 'terminated');
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupId, DryRun: true })), 'DryRunOperation', undefined, 412);
    const out = await alice().send(new DeleteSecurityGroupCommand({ GroupId }));
    assert.deepEqual([out.Return, out.GroupId], [true, GroupId]);
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupId })), 'InvalidGroup.NotFound');
    await expectError(alice().send(new DeleteSecurityGroupCommand({ GroupId: 'bad' })), 'InvalidGroupId.Malformed');
  });

  test("network interfaces: one per live instance, with the instance's address and groups", async () => {
    const c = client(ALICE, 'eu-north-1');
    const img = await launchableImage(c);
    const i = await runOne(c, img, { TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'nic', Value: 'primary' }] }] });
    const eniId = i.NetworkInterfaces![0].NetworkInterfaceId!;
    const { NetworkInterfaces } = await c.send(new DescribeNetworkInterfacesCommand({}));
    assert.equal(NetworkInterfaces!.length, 1);
    const n = NetworkInterfaces![0];
    assert.deepEqual([n.NetworkInterfaceId, n.PrivateIpAddress, n.SubnetId, n.Status, n.InterfaceType, n.MacAddress], [eniId, i.PrivateIpAddress, i.SubnetId, 'in-use', 'interface', i.NetworkInterfaces![0].MacAddress]);
    assert.equal(n.Attachment!.InstanceId, i.InstanceId);
    assert.equal(n.Groups![0].GroupName, 'default');
    assert.deepEqual(n.TagSet, [{ Key: 'nic', Value: 'primary' }]);
    assert.equal((await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }))).NetworkInterfaces!.length, 1);
    await expectError(c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] })), 'InvalidNetworkInterfaceID.NotFound');
    await expectError(c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId], MaxResults: 5 })), 'InvalidParameterCombination');
    await c.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(c, i.InstanceId!, 'terminated');
    assert.equal((await c.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces!.length, 0, 'the interface goes with the instance');
  });

  test('groups and rules survive a restart', async () => {
    const before = await alice().send(new DescribeSecurityGroupsCommand({}));
    await server.kill();
    server = await startServer({ credentials: join(dir, 'credentials'), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    const after = await alice().send(new DescribeSecurityGroupsCommand({}));
    assert.deepEqual(after.SecurityGroups, before.SecurityGroups);
  });
});
