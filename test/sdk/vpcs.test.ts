// The VPC family through @aws-sdk/client-ec2: CreateVpc and what AWS makes with it (main route
// table, default network ACL and security group, the account's DHCP options: Terraform's
// read-after-create), attributes, secondary and IPv6 blocks, DeleteVpc's dependencies, the
// default VPC deleted and made again; subnets (ranges, conflicts, zones, free addresses that
// launches consume, attributes, CreateDefaultSubnet); internet gateways; route tables, routes
// and associations (the main one too); network ACLs and entries; DHCP options sets; launches
// into a custom subnet; paging and filters; restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AssociateDhcpOptionsCommand,
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  AttachInternetGatewayCommand,
  CreateDefaultSubnetCommand,
  CreateDefaultVpcCommand,
  CreateDhcpOptionsCommand,
  CreateInternetGatewayCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteDhcpOptionsCommand,
  DeleteInternetGatewayCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkAclEntryCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeDhcpOptionsCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  DisassociateVpcCidrBlockCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';
import { describeInstance, instanceIn, launchableImage, runOne } from '../helpers/instances.js';

describe('EC2 VPCs', () => {
  let server: TestServer;
  let dir: string;
  let image: string;
  const client = (region = 'us-east-1', account = ALICE): EC2Client => ec2(server.url, { account, region });
  const alice = () => client();
  const newVpc = async (c: EC2Client, CidrBlock = '10.0.0.0/16', extra: Record<string, unknown> = {}) => (await c.send(new CreateVpcCommand({ CidrBlock, ...extra }))).Vpc!;
  const mainTable = async (c: EC2Client, vpcId: string) =>
    (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }] }))).RouteTables!;

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    image = await launchableImage(alice());
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('CreateVpc: what Terraform reads after create (attributes, main table, default ACL and group, DHCP options)', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.1.0.0/16', { TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'tf' }] }] });
    assert.match(vpc.VpcId!, /^vpc-[0-9a-f]{17}$/);
    assert.deepEqual([vpc.CidrBlock, vpc.IsDefault, vpc.State, vpc.InstanceTenancy, vpc.Tags], ['10.1.0.0/16', false, 'available', 'default', [{ Key: 'Name', Value: 'tf' }]]);
    const defaultVpc = (await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0];
    assert.equal(vpc.DhcpOptionsId, defaultVpc.DhcpOptionsId);
    const attr = async (Attribute: 'enableDnsSupport' | 'enableDnsHostnames' | 'enableNetworkAddressUsageMetrics') => c.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId, Attribute }));
    assert.equal((await attr('enableDnsSupport')).EnableDnsSupport!.Value, true);
    assert.equal((await attr('enableDnsHostnames')).EnableDnsHostnames!.Value, false);
    assert.equal((await attr('enableNetworkAddressUsageMetrics')).EnableNetworkAddressUsageMetrics!.Value, false);
    await c.send(new ModifyVpcAttributeCommand({ VpcId: vpc.VpcId, EnableDnsHostnames: { Value: true } }));
    assert.equal((await attr('enableDnsHostnames')).EnableDnsHostnames!.Value, true);
    await expectError(c.send(new ModifyVpcAttributeCommand({ VpcId: vpc.VpcId, EnableDnsSupport: { Value: false } })), 'InvalidParameterValue');

    const [main] = await mainTable(c, vpc.VpcId!);
    assert.equal(main.Associations![0].Main, true);
    assert.deepEqual(main.Routes, [{ DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);
    const acls = (await c.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'default', Values: ['true'] }] }))).NetworkAcls!;
    assert.equal(acls.length, 1);
    assert.deepEqual(
      acls[0].Entries!.map((e) => [e.Egress, e.RuleNumber, e.RuleAction, e.CidrBlock, e.Protocol]),
      [
        [false, 100, 'allow', '0.0.0.0/0', '-1'],
        [false, 32767, 'deny', '0.0.0.0/0', '-1'],
        [true, 100, 'allow', '0.0.0.0/0', '-1'],
        [true, 32767, 'deny', '0.0.0.0/0', '-1'],
      ],
    );
    const groups = (await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'group-name', Values: ['default'] }] }))).SecurityGroups!;
    assert.equal(groups.length, 1);
    assert.equal(groups[0].IpPermissions![0].UserIdGroupPairs![0].GroupId, groups[0].GroupId);
    // and it goes away whole
    await c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
    await expectError(c.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] })), 'InvalidVpcID.NotFound');
    await expectError(c.send(new DescribeRouteTablesCommand({ RouteTableIds: [main.RouteTableId!] })), 'InvalidRouteTableID.NotFound');
    await expectError(c.send(new DescribeSecurityGroupsCommand({ GroupIds: [groups[0].GroupId!] })), 'InvalidGroup.NotFound');
  });

  test('CIDR blocks: /16 to /28, secondary IPv4 blocks, an Amazon IPv6 /56', async () => {
    const c = alice();
    await expectError(newVpc(c, '10.0.0.0/15'), 'InvalidVpc.Range', /The CIDR '10.0.0.0\/15' is invalid/);
    await expectError(newVpc(c, '10.0.0.0/29'), 'InvalidVpc.Range');
    const vpc = await newVpc(c, '10.2.0.0/16', { AmazonProvidedIpv6CidrBlock: true });
    const v6 = vpc.Ipv6CidrBlockAssociationSet![0];
    assert.match(v6.Ipv6CidrBlock!, /^2600:1f[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{2}00::\/56$/);
    const second = await c.send(new AssociateVpcCidrBlockCommand({ VpcId: vpc.VpcId, CidrBlock: '10.3.0.0/16' }));
    assert.equal(second.CidrBlockAssociation!.CidrBlockState!.State, 'associated');
    await expectError(c.send(new AssociateVpcCidrBlockCommand({ VpcId: vpc.VpcId, CidrBlock: '10.3.128.0/17' })), 'InvalidVpc.Range');
    const [main] = await mainTable(c, vpc.VpcId!);
    assert.deepEqual(main.Routes!.map((r) => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock).sort(), ['10.2.0.0/16', '10.3.0.0/16', v6.Ipv6CidrBlock].sort());
    const described = (await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr-block-association.cidr-block', Values: ['10.3.0.0/16'] }] }))).Vpcs!;
    assert.deepEqual(described.map((v) => v.VpcId), [vpc.VpcId]);
    await expectError(c.send(new DisassociateVpcCidrBlockCommand({ AssociationId: vpc.CidrBlockAssociationSet![0].AssociationId })), 'OperationNotPermitted');
    const gone = await c.send(new DisassociateVpcCidrBlockCommand({ AssociationId: second.CidrBlockAssociation!.AssociationId }));
    assert.equal(gone.CidrBlockAssociation!.CidrBlockState!.State, 'disassociated');
    assert.equal((await c.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }))).Vpcs![0].CidrBlockAssociationSet!.length, 1);
    // IPv6 subnets are /64s of the VPC's /56
    const prefix = v6.Ipv6CidrBlock!.replace('00::/56', '');
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.2.0.0/24', Ipv6CidrBlock: `${prefix}01::/64` }))).Subnet!;
    assert.equal(subnet.Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock, `${prefix}01::/64`);
    await expectError(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.2.1.0/24', Ipv6CidrBlock: `${prefix}01::/64` })), 'InvalidSubnet.Conflict');
    await expectError(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.2.1.0/24', Ipv6CidrBlock: '2001:db8::/64' })), 'InvalidSubnet.Range');
  });

  test('subnets: inside the VPC, no overlap, zones, free addresses that launches consume, attributes', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.4.0.0/16');
    await expectError(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.5.0.0/24' })), 'InvalidSubnet.Range');
    await expectError(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.4.0.0/29' })), 'InvalidSubnet.Range');
    await expectError(c.send(new CreateSubnetCommand({ VpcId: 'vpc-0123456789abcdef0', CidrBlock: '10.4.0.0/24' })), 'InvalidVpcID.NotFound');
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.4.1.0/24', AvailabilityZone: 'us-east-1c', TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'tier', Value: 'web' }] }] }))).Subnet!;
    assert.deepEqual([subnet.AvailabilityZone, subnet.AvailableIpAddressCount, subnet.DefaultForAz, subnet.MapPublicIpOnLaunch, subnet.Tags], ['us-east-1c', 251, false, false, [{ Key: 'tier', Value: 'web' }]]);
    await expectError(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.4.1.128/25' })), 'InvalidSubnet.Conflict', /conflicts with another subnet/);
    await expectError(c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.4.2.0/24', AvailabilityZone: 'eu-west-1a' })), 'InvalidParameterValue');
    // every subnet starts associated with the VPC's default ACL
    const acl = (await c.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnet.SubnetId!] }] }))).NetworkAcls!;
    assert.equal(acl[0].IsDefault, true);

    await c.send(new ModifySubnetAttributeCommand({ SubnetId: subnet.SubnetId, MapPublicIpOnLaunch: { Value: true } }));
    const instance = await runOne(c, image, { SubnetId: subnet.SubnetId });
    assert.equal(instance.VpcId, vpc.VpcId);
    assert.equal(instance.SubnetId, subnet.SubnetId);
    assert.equal(instance.PrivateIpAddress, '10.4.1.4');
    assert.equal(instance.Placement!.AvailabilityZone, 'us-east-1c');
    const [after] = (await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }))).Subnets!;
    assert.deepEqual([after.AvailableIpAddressCount, after.MapPublicIpOnLaunch], [250, true]);
    await expectError(c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId })), 'DependencyViolation');
    await expectError(c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId })), 'DependencyViolation', /has dependencies and cannot be deleted/);
    await c.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
    await instanceIn(c, instance.InstanceId!, 'terminated');
    await c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
    await c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
  });

  test('launches into a custom subnet: the VPC\'s groups only, NetworkInterfaces[0].SubnetId, DescribeInstances', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.6.0.0/16');
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.6.0.0/28' }))).Subnet!;
    assert.equal(subnet.AvailableIpAddressCount, 11);
    const mine = (await c.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app', VpcId: vpc.VpcId }))).GroupId!;
    const elsewhere = (await c.send(new DescribeSecurityGroupsCommand({ GroupNames: ['default'] }))).SecurityGroups![0].GroupId!;
    await expectError(runOne(c, image, { SubnetId: subnet.SubnetId, SecurityGroupIds: [elsewhere] }), 'InvalidParameter', /belong to different networks/);
    const byInterface = await runOne(c, image, { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.SubnetId, Groups: [mine], AssociatePublicIpAddress: false }] });
    const plain = await runOne(c, image, { SubnetId: subnet.SubnetId });
    const seen = await describeInstance(c, byInterface.InstanceId!);
    assert.deepEqual([seen!.VpcId, seen!.SubnetId, seen!.PrivateIpAddress, seen!.SecurityGroups!.map((g) => g.GroupId)], [vpc.VpcId, subnet.SubnetId, '10.6.0.4', [mine]]);
    const defaultGroup = (await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'group-name', Values: ['default'] }] }))).SecurityGroups![0].GroupId;
    assert.deepEqual([plain.PrivateIpAddress, plain.SecurityGroups!.map((g) => g.GroupId)], ['10.6.0.5', [defaultGroup]]);
    // a full subnet
    await expectError(c.send(new RunInstancesCommand({ ImageId: image, MinCount: 10, MaxCount: 10, InstanceType: 't3.micro', SubnetId: subnet.SubnetId })), 'InsufficientFreeAddressesInSubnet');
    await expectError(c.send(new DeleteSecurityGroupCommand({ GroupId: mine })), 'DependencyViolation');
    await c.send(new TerminateInstancesCommand({ InstanceIds: [byInterface.InstanceId!, plain.InstanceId!] }));
  });

  test('internet gateways: one per VPC, attach and detach rules, dependencies', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.7.0.0/16');
    const igw = (await c.send(new CreateInternetGatewayCommand({ TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: [{ Key: 'Name', Value: 'gw' }] }] }))).InternetGateway!;
    assert.deepEqual([igw.Attachments, igw.Tags], [[], [{ Key: 'Name', Value: 'gw' }]]);
    await expectError(c.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId })), 'Gateway.NotAttached');
    await c.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
    const other = (await c.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await expectError(c.send(new AttachInternetGatewayCommand({ InternetGatewayId: other.InternetGatewayId, VpcId: vpc.VpcId })), 'Resource.AlreadyAssociated');
    await expectError(c.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId })), 'Resource.AlreadyAssociated');
    const [attached] = (await c.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpc.VpcId!] }] }))).InternetGateways!;
    assert.deepEqual(attached.Attachments, [{ State: 'available', VpcId: vpc.VpcId }]);
    await expectError(c.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId })), 'DependencyViolation');
    await expectError(c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId })), 'DependencyViolation');
    await c.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
    await c.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId }));
    await c.send(new DeleteInternetGatewayCommand({ InternetGatewayId: other.InternetGatewayId }));
    await expectError(c.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igw.InternetGatewayId!] })), 'InvalidInternetGatewayID.NotFound');
    await c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
  });

  test('route tables: routes to gateways and instances, the local route, associations, the main association moves', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.8.0.0/16');
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.8.0.0/24' }))).Subnet!;
    const igw = (await c.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    const table = (await c.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId, TagSpecifications: [{ ResourceType: 'route-table', Tags: [{ Key: 'Name', Value: 'public' }] }] }))).RouteTable!;
    assert.deepEqual(table.Routes, [{ DestinationCidrBlock: '10.8.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);
    await expectError(c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw.InternetGatewayId })), 'InvalidParameterValue', /belong to different networks/);
    await c.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
    assert.equal((await c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw.InternetGatewayId }))).Return, true);
    await expectError(c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw.InternetGatewayId })), 'RouteAlreadyExists');
    await expectError(c.send(new DeleteRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '10.8.0.0/16' })), 'InvalidParameterValue', /local route/);
    const instance = await runOne(c, image, { SubnetId: subnet.SubnetId });
    await c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '192.168.0.0/16', InstanceId: instance.InstanceId }));
    await c.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '172.16.0.0/12', NatGatewayId: 'nat-0123456789abcdef0' }));
    await c.send(new ReplaceRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '192.168.0.0/16', NetworkInterfaceId: instance.NetworkInterfaces![0].NetworkInterfaceId }));
    await expectError(c.send(new ReplaceRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '10.9.0.0/16', GatewayId: igw.InternetGatewayId })), 'InvalidRoute.NotFound');
    let [seen] = (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.gateway-id', Values: [igw.InternetGatewayId!] }] }))).RouteTables!;
    assert.equal(seen.RouteTableId, table.RouteTableId);
    assert.deepEqual(
      seen.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId ?? r.NetworkInterfaceId ?? r.NatGatewayId, r.State]),
      [
        ['10.8.0.0/16', 'local', 'active'],
        ['0.0.0.0/0', igw.InternetGatewayId, 'active'],
        ['192.168.0.0/16', instance.NetworkInterfaces![0].NetworkInterfaceId, 'active'],
        ['172.16.0.0/12', 'nat-0123456789abcdef0', 'blackhole'],
      ],
    );
    await c.send(new DeleteRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '172.16.0.0/12' }));
    await expectError(c.send(new DeleteRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '172.16.0.0/12' })), 'InvalidRoute.NotFound');

    const association = await c.send(new AssociateRouteTableCommand({ RouteTableId: table.RouteTableId, SubnetId: subnet.SubnetId }));
    assert.match(association.AssociationId!, /^rtbassoc-/);
    await expectError(c.send(new AssociateRouteTableCommand({ RouteTableId: table.RouteTableId, SubnetId: subnet.SubnetId })), 'Resource.AlreadyAssociated');
    await expectError(c.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId })), 'DependencyViolation');
    [seen] = (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnet.SubnetId!] }] }))).RouteTables!;
    assert.equal(seen.RouteTableId, table.RouteTableId);
    await c.send(new DisassociateRouteTableCommand({ AssociationId: association.AssociationId }));

    // the main association moves to the new table; the old main table can then go
    const [main] = await mainTable(c, vpc.VpcId!);
    const mainAssociation = main.Associations!.find((a) => a.Main)!.RouteTableAssociationId!;
    await expectError(c.send(new DisassociateRouteTableCommand({ AssociationId: mainAssociation })), 'InvalidParameterValue');
    await expectError(c.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId })), 'DependencyViolation');
    const moved = await c.send(new ReplaceRouteTableAssociationCommand({ AssociationId: mainAssociation, RouteTableId: table.RouteTableId }));
    assert.notEqual(moved.NewAssociationId, mainAssociation);
    assert.equal((await mainTable(c, vpc.VpcId!))[0].RouteTableId, table.RouteTableId);
    await c.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId }));
    await c.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
  });

  test('network ACLs: custom ACLs deny all, numbered entries, associations move, the default ACL stays', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.9.0.0/16');
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.9.0.0/24' }))).Subnet!;
    const acl = (await c.send(new CreateNetworkAclCommand({ VpcId: vpc.VpcId }))).NetworkAcl!;
    assert.deepEqual(acl.Entries!.map((e) => [e.Egress, e.RuleNumber, e.RuleAction]), [[false, 32767, 'deny'], [true, 32767, 'deny']]);
    const entry = { NetworkAclId: acl.NetworkAclId, RuleNumber: 100, Protocol: '6', RuleAction: 'allow' as const, Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 443, To: 443 } };
    await c.send(new CreateNetworkAclEntryCommand(entry));
    await expectError(c.send(new CreateNetworkAclEntryCommand(entry)), 'NetworkAclEntryAlreadyExists');
    await expectError(c.send(new CreateNetworkAclEntryCommand({ ...entry, RuleNumber: 32767 })), 'InvalidParameterValue');
    await c.send(new ReplaceNetworkAclEntryCommand({ ...entry, PortRange: { From: 80, To: 80 } }));
    let [seen] = (await c.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId!] }))).NetworkAcls!;
    assert.deepEqual(seen.Entries!.find((e) => e.RuleNumber === 100)!.PortRange, { From: 80, To: 80 });
    await c.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId, RuleNumber: 100, Egress: false }));
    await expectError(c.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId, RuleNumber: 100, Egress: false })), 'InvalidNetworkAclEntry.NotFound');

    const [defaultAcl] = (await c.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnet.SubnetId!] }] }))).NetworkAcls!;
    const associationId = defaultAcl.Associations!.find((a) => a.SubnetId === subnet.SubnetId)!.NetworkAclAssociationId!;
    const moved = await c.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: associationId, NetworkAclId: acl.NetworkAclId }));
    [seen] = (await c.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId!] }))).NetworkAcls!;
    assert.deepEqual(seen.Associations, [{ NetworkAclAssociationId: moved.NewAssociationId, NetworkAclId: acl.NetworkAclId, SubnetId: subnet.SubnetId }]);
    await expectError(c.send(new DeleteNetworkAclCommand({ NetworkAclId: acl.NetworkAclId })), 'DependencyViolation');
    await expectError(c.send(new DeleteNetworkAclCommand({ NetworkAclId: defaultAcl.NetworkAclId })), 'InvalidParameterValue');
    await c.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: moved.NewAssociationId, NetworkAclId: defaultAcl.NetworkAclId }));
    await c.send(new DeleteNetworkAclCommand({ NetworkAclId: acl.NetworkAclId }));
    // a VPC with a custom ACL left is not deleted
    await c.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
    const leftover = (await c.send(new CreateNetworkAclCommand({ VpcId: vpc.VpcId }))).NetworkAcl!;
    await expectError(c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId })), 'DependencyViolation');
    await c.send(new DeleteNetworkAclCommand({ NetworkAclId: leftover.NetworkAclId }));
    await c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
  });

  test('DHCP options: create, associate, in use, default', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.10.0.0/16');
    const dopt = (await c.send(new CreateDhcpOptionsCommand({ DhcpConfigurations: [{ Key: 'domain-name', Values: ['corp.example'] }, { Key: 'domain-name-servers', Values: ['10.0.0.2', '10.0.0.3'] }] }))).DhcpOptions!;
    assert.deepEqual(dopt.DhcpConfigurations, [
      { Key: 'domain-name', Values: [{ Value: 'corp.example' }] },
      { Key: 'domain-name-servers', Values: [{ Value: '10.0.0.2' }, { Value: '10.0.0.3' }] },
    ]);
    await expectError(c.send(new CreateDhcpOptionsCommand({ DhcpConfigurations: [{ Key: 'bogus', Values: ['x'] }] })), 'InvalidParameterValue');
    await c.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: dopt.DhcpOptionsId, VpcId: vpc.VpcId }));
    assert.equal((await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'dhcp-options-id', Values: [dopt.DhcpOptionsId!] }] }))).Vpcs![0].VpcId, vpc.VpcId);
    await expectError(c.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: dopt.DhcpOptionsId })), 'DependencyViolation');
    await c.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: 'default', VpcId: vpc.VpcId }));
    assert.equal((await c.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }))).Vpcs![0].DhcpOptionsId, 'default');
    await c.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: dopt.DhcpOptionsId }));
    await expectError(c.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [dopt.DhcpOptionsId!] })), 'InvalidDhcpOptionID.NotFound');
    const [accountDefault] = (await c.send(new DescribeDhcpOptionsCommand({}))).DhcpOptions!;
    assert.deepEqual(accountDefault.DhcpConfigurations!.map((x) => [x.Key, x.Values!.map((v) => v.Value)]), [['domain-name', ['ec2.internal']], ['domain-name-servers', ['AmazonProvidedDNS']]]);
    await c.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
  });

  test('the default VPC: its gateway and route, deleted, then CreateDefaultVpc and CreateDefaultSubnet', async () => {
    const c = client('ap-south-1');
    const attr = async () => (await c.send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] }))).AccountAttributes![0].AttributeValues![0].AttributeValue;
    const vpcId = (await attr())!;
    await expectError(c.send(new CreateDefaultVpcCommand({})), 'DefaultVpcAlreadyExists');
    const [main] = await mainTable(c, vpcId);
    const igw = main.Routes!.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')!.GatewayId!;
    assert.match(igw, /^igw-/);
    assert.equal((await c.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }))).EnableDnsHostnames!.Value, true);
    const subnets = (await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets!;
    await expectError(c.send(new CreateDefaultSubnetCommand({ AvailabilityZone: subnets[0].AvailabilityZone })), 'DefaultSubnetAlreadyExistsInAvailabilityZone');
    await expectError(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation');
    for (const s of subnets) await c.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }));
    await c.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await c.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    await c.send(new DeleteVpcCommand({ VpcId: vpcId }));
    assert.equal(await attr(), 'none');
    assert.deepEqual((await c.send(new DescribeVpcsCommand({}))).Vpcs, []);
    await expectError(runOne(c, await launchableImage(c)), 'VPCIdNotSpecified');
    await expectError(c.send(new CreateDefaultSubnetCommand({ AvailabilityZone: subnets[0].AvailabilityZone })), 'DefaultVpcDoesNotExist');

    const made = (await c.send(new CreateDefaultVpcCommand({}))).Vpc!;
    assert.notEqual(made.VpcId, vpcId);
    assert.deepEqual([made.IsDefault, made.CidrBlock], [true, '172.31.0.0/16']);
    assert.equal(await attr(), made.VpcId);
    const again = (await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets!;
    assert.equal(again.length, subnets.length);
    assert.equal(again[0].CidrBlock, '172.31.0.0/20');
    await c.send(new DeleteSubnetCommand({ SubnetId: again[1].SubnetId }));
    const remade = (await c.send(new CreateDefaultSubnetCommand({ AvailabilityZone: again[1].AvailabilityZone }))).Subnet!;
    assert.deepEqual([remade.DefaultForAz, remade.CidrBlock, remade.AvailabilityZone], [true, again[1].CidrBlock, again[1].AvailabilityZone]);
  });

  test('DescribeVpcs and DescribeSubnets: paging, filters in SQL and on the shapes, other accounts\' VPCs unseen', async () => {
    const c = client('eu-north-1');
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await newVpc(c, `10.${20 + i}.0.0/16`, { TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'batch', Value: i % 2 ? 'odd' : 'even' }] }] })).VpcId!);
    const pages: string[][] = [];
    let NextToken: string | undefined;
    do {
      const out = await c.send(new DescribeVpcsCommand({ MaxResults: 5, NextToken, Filters: [{ Name: 'is-default', Values: ['false'] }] }));
      pages.push(out.Vpcs!.map((v) => v.VpcId!));
      NextToken = out.NextToken;
    } while (NextToken);
    assert.deepEqual(pages.map((p) => p.length), [5, 2]);
    assert.deepEqual(pages.flat(), [...made].sort());
    const odd = (await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:batch', Values: ['odd'] }], MaxResults: 5 }))).Vpcs!;
    assert.equal(odd.length, 3);
    const wild = (await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.2?.0.0/16'] }] }))).Vpcs!;
    assert.equal(wild.length, 7);
    await expectError(c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })), 'InvalidParameterValue');
    await expectError(c.send(new DescribeVpcsCommand({ VpcIds: ['vpc-nope'] })), 'InvalidVpcID.Malformed');
    await expectError(client('eu-north-1', BOB).send(new DescribeVpcsCommand({ VpcIds: [made[0]] })), 'InvalidVpcID.NotFound');
    await expectError(client('eu-north-1', BOB).send(new CreateSubnetCommand({ VpcId: made[0], CidrBlock: '10.20.0.0/24' })), 'InvalidVpcID.NotFound');
    for (let i = 0; i < 6; i++) await c.send(new CreateSubnetCommand({ VpcId: made[0], CidrBlock: `10.20.${i}.0/24` }));
    const subnets = await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [made[0]] }], MaxResults: 5 }));
    assert.equal(subnets.Subnets!.length, 5);
    const rest = await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [made[0]] }], MaxResults: 5, NextToken: subnets.NextToken }));
    assert.equal(rest.Subnets!.length, 1);
    assert.equal(rest.NextToken, undefined);
  });

  test('restart: VPCs, subnets and routes stay', async () => {
    const c = alice();
    const vpc = await newVpc(c, '10.30.0.0/16');
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.30.1.0/24' }))).Subnet!;
    const defaultBefore = (await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0].VpcId;
    await server.stop();
    server = await startServer({ credentials: join(dir, 'credentials'), dataDir: join(dir, 'data'), args: ['--settle-ms', '50'] });
    const c2 = alice();
    assert.equal((await c2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }))).Subnets![0].VpcId, vpc.VpcId);
    assert.equal((await c2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0].VpcId, defaultBefore);
    assert.equal((await mainTable(c2, vpc.VpcId!)).length, 1);
  });
});
