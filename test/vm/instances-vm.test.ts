// Instances that really run (--compute qemu, TCG here), through @aws-sdk/client-ec2 and ssh:
// the Debian image boots from its own disk, the launch key logs in at the public address, user
// data runs, the metadata service answers inside the guest (IMDSv2, options changed while it
// runs), instance profile credentials from it call Imago's API (169.254.169.252) and describe
// the instance itself, the guest cannot reach the host otherwise, the console shows the
// kernel, security group rules open and close the port, volumes hot-plug, a stop/start and a
// kill -9 of the server keep the disk, an Elastic IP moves where it is reached, a guest's own
// power-off applies its shutdown behaviour, a broken image becomes `impaired`, a launch over
// the memory budget is InsufficientInstanceCapacity, and the booting VM's metrics reach
// CloudWatch (CPUUtilization > 0, EBS reads, network bytes; a 2-second metrics period).
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachVolumeCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  GetConsoleOutputCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  RebootInstancesCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { AssociateIamInstanceProfileCommand, CreateLaunchTemplateCommand, DisassociateIamInstanceProfileCommand } from '@aws-sdk/client-ec2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { autoscaling, cloudwatch, ec2, expectAwsError, iam } from '../helpers/clients.js';
import { startServer, tempDir, removeDir, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { debianImageId, ensureDebianBuild, ssh, waitForSsh, writeKey } from '../helpers/vm.js';

const SERVER_ARGS = ['--compute', 'qemu', '--settle-ms', '0', '--vm-stop-timeout-ms', '30000', '--public-address-pool', '127.101.0.0/24', '--metrics-period-seconds', '2'];

let dir: string;
let server: TestServer;
let client: EC2Client;
let key: string;
let groupId: string;
let debian: string;
let web: Instance;
let broken: string;

const describe = async (id: string) => (await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
const waitState = (id: string, state: string) => until(`${id} ${state}`, async () => ((await describe(id)).State?.Name === state ? describe(id) : undefined), 1200, 250);
const status = async (id: string) => (await client.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }))).InstanceStatuses?.[0];
const consoleText = async (id: string) => Buffer.from((await client.send(new GetConsoleOutputCommand({ InstanceId: id, Latest: true }))).Output ?? '', 'base64').toString('latin1');

before(async () => {
  ensureDebianBuild();
  dir = tempDir('imago-vm-');
  server = await startServer({ args: SERVER_ARGS });
  client = ec2(server.url, { account: { accessKeyId: '123456789012', secretAccessKey: 'x' } });
  debian = await debianImageId(client);
  const pair = await client.send(new CreateKeyPairCommand({ KeyName: 'vm-test' }));
  key = writeKey(dir, 'vm-test', pair.KeyMaterial!);
  groupId = (await client.send(new CreateSecurityGroupCommand({ GroupName: 'ssh', Description: 'ssh from the host' }))).GroupId!;
  await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }));
});

after(async () => {
  await server?.stop();
  if (dir) removeDir(dir);
});

test('the published Debian image is Debian’s, bootable both ways, with an 8 GiB root volume', async () => {
  const [image] = (await client.send(new DescribeImagesCommand({ ImageIds: [debian] }))).Images!;
  assert.match(image.Name!, /^debian-12-amd64-\d{8}-\d+$/);
  assert.equal(image.OwnerId, '136693071363');
  assert.equal(image.Public, true);
  assert.equal(image.BlockDeviceMappings?.[0].Ebs?.VolumeSize, 8);
});

test('a launch over the memory budget is InsufficientInstanceCapacity and creates nothing', async () => {
  const before = (await client.send(new DescribeInstancesCommand({}))).Reservations?.length ?? 0;
  await expectAwsError(client.send(new RunInstancesCommand({ ImageId: debian, InstanceType: 'm5.24xlarge', MinCount: 1, MaxCount: 1 })), 'InsufficientInstanceCapacity', /sufficient m5\.24xlarge capacity/, 500);
  assert.equal((await client.send(new DescribeInstancesCommand({}))).Reservations?.length ?? 0, before);
});

test('an instance boots its image, takes its launch key and user data, and is reached at its public address', async () => {
  // an image with nothing bootable (a catalog placeholder) is launched alongside
  const al = (await client.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-2023*-x86_64'] }] }))).Images![0].ImageId!;
  broken = (await client.send(new RunInstancesCommand({ ImageId: al, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }))).Instances![0].InstanceId!;
  const userData = Buffer.from('#!/bin/sh\necho "user data ran as $(id -un)" > /var/tmp/user-data-marker\n').toString('base64');
  const launched = await client.send(new RunInstancesCommand({ ImageId: debian, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: 'vm-test', SecurityGroupIds: [groupId], UserData: userData }));
  const id = launched.Instances![0].InstanceId!;
  web = await waitState(id, 'running');
  assert.match(web.PublicIpAddress!, /^127\.101\.0\.\d+$/);
  assert.equal(web.PublicDnsName, `ec2-${web.PublicIpAddress!.replaceAll('.', '-')}.compute-1.amazonaws.com`);
  assert.equal(web.NetworkInterfaces?.[0].Association?.PublicIp, web.PublicIpAddress);
  await waitForSsh(web.PublicIpAddress!, key);
  const r = await ssh(web.PublicIpAddress!, key, 'cloud-init status --wait >/dev/null; cat /var/tmp/user-data-marker; hostname; ip -4 -br addr show scope global');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /user data ran as root/);
  assert.match(r.stdout, new RegExp(`ip-${web.PrivateIpAddress!.replaceAll('.', '-')}`));
  assert.match(r.stdout, new RegExp(`${web.PrivateIpAddress!.replaceAll('.', '\\.')}/`));
  const s = await until('status checks ok', async () => ((await status(id))?.InstanceStatus?.Status === 'ok' ? status(id) : undefined), 600, 500);
  assert.equal(s!.SystemStatus?.Status, 'ok');
  assert.equal(s!.InstanceStatus?.Details?.[0].Status, 'passed');
  // what the VM did while it booted, as CloudWatch has it (basic monitoring: every 5 periods)
  const cw = cloudwatch(server.url, { account: { accessKeyId: '123456789012', secretAccessKey: 'x' } });
  const max = async (name: string) => {
    const out = await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/EC2', MetricName: name, Dimensions: [{ Name: 'InstanceId', Value: id }], StartTime: new Date(Date.now() - 3600_000), EndTime: new Date(Date.now() + 60_000), Period: 60, Statistics: ['Maximum'] }));
    return Math.max(0, ...(out.Datapoints ?? []).map((d) => d.Maximum ?? 0));
  };
  const cpu = await until('CPUUtilization of the booting VM', async () => ((await max('CPUUtilization')) > 0 ? max('CPUUtilization') : undefined), 120, 500);
  assert.ok(cpu > 0 && cpu <= 100, String(cpu));
  assert.ok((await max('EBSReadBytes')) > 0, 'the guest read its root volume');
  assert.ok((await max('NetworkIn')) > 0 && (await max('NetworkOut')) > 0, 'ssh and DHCP crossed its network');
});

test('the metadata service answers the guest: IMDSv2, options changed while it runs, nothing else of the host', async () => {
  const ip = web.PublicIpAddress!;
  const imds = `T=$(curl -s -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
echo "v2 $(curl -s -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/instance-id)"
echo "key $(curl -s -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/public-keys/0/openssh-key)"
echo "doc $(curl -s -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/dynamic/instance-identity/document | tr -d '\\n ')"
echo "v1 $(curl -s -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/instance-id)"`;
  let r = await ssh(ip, key, imds);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^v2 ${web.InstanceId}$`, 'm'));
  assert.match(r.stdout, /^key ssh-rsa \S+ vm-test$/m);
  assert.match(r.stdout, new RegExp(`"instanceId":"${web.InstanceId}"`));
  assert.match(r.stdout, /^v1 200$/m);
  await client.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: web.InstanceId, HttpTokens: 'required' }));
  r = await ssh(ip, key, imds);
  assert.match(r.stdout, /^v1 401$/m, 'tokens required: IMDSv1 is refused');
  assert.match(r.stdout, new RegExp(`^v2 ${web.InstanceId}$`, 'm'));
  await client.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: web.InstanceId, HttpEndpoint: 'disabled' }));
  r = await ssh(ip, key, `curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token`);
  assert.equal(r.stdout, '403');
  await client.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: web.InstanceId, HttpEndpoint: 'enabled', HttpTokens: 'optional' }));
  // the gateway is the host's side of the VM's network: nothing there, not even Imago's own port
  const port = new URL(server.url).port;
  // the default subnets are /20s: the router is the subnet's first address
  const [a, b, c] = web.PrivateIpAddress!.split('.').map(Number);
  const gateway = `${a}.${b}.${c - (c % 16)}.1`;
  r = await ssh(ip, key, `curl -s -m 5 -o /dev/null -w '%{http_code}' http://${gateway}:${port}/_imago/health; echo " rc=$?"; curl -s -m 5 -o /dev/null http://10.0.2.2:${port}/; echo "rc=$?"`);
  assert.doesNotMatch(r.stdout, /200/);
  assert.match(r.stdout, /rc=(7|28)/);
});

// What a guest runs to use its instance profile: credentials from IMDSv2, then SigV4 (stdlib
// only) to Imago's API at 169.254.169.252, the one host endpoint the guest reaches.
const GUEST_CALL = String.raw`
import datetime, hashlib, hmac, json, sys, urllib.error, urllib.request
IMDS = 'http://169.254.169.254/latest/'
token = urllib.request.urlopen(urllib.request.Request(IMDS + 'api/token', method='PUT', headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'})).read().decode()
def md(path):
    return urllib.request.urlopen(urllib.request.Request(IMDS + 'meta-data/' + path, headers={'X-aws-ec2-metadata-token': token})).read().decode()
role = md('iam/security-credentials/').strip()
c = json.loads(md('iam/security-credentials/' + role))
instance, region = md('instance-id'), md('placement/region')
def call(service, body):
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime('%Y%m%dT%H%M%SZ'), now.strftime('%Y%m%d')
    headers = {'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'host': '169.254.169.252', 'x-amz-date': stamp, 'x-amz-security-token': c['Token']}
    names = sorted(headers)
    canonical = '\n'.join(['POST', '/', '', ''.join(n + ':' + headers[n] + '\n' for n in names), ';'.join(names), hashlib.sha256(body.encode()).hexdigest()])
    scope = '/'.join([day, region, service, 'aws4_request'])
    key = ('AWS4' + c['SecretAccessKey']).encode()
    for part in (day, region, service, 'aws4_request'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, '\n'.join(['AWS4-HMAC-SHA256', stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]).encode(), hashlib.sha256).hexdigest()
    headers['authorization'] = 'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s' % (c['AccessKeyId'], scope, ';'.join(names), signature)
    del headers['host']
    try:
        return urllib.request.urlopen(urllib.request.Request('http://169.254.169.252/', data=body.encode(), method='POST', headers=headers)).read().decode()
    except urllib.error.HTTPError as e:
        return 'HTTP %d %s' % (e.code, e.read().decode())
print('role', role, c['Type'], c['Expiration'])
print('caller', call('sts', 'Action=GetCallerIdentity&Version=2011-06-15'))
print('describe', call('ec2', 'Action=DescribeInstances&Version=2016-11-15&InstanceId.1=' + instance))
`;

test('instance profile credentials from the metadata service describe their own instance through Imago’s API', async () => {
  const ip = web.PublicIpAddress!;
  const account = { accessKeyId: '123456789012', secretAccessKey: 'x' };
  const roles = iam(server.url, { account });
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  await roles.send(new CreateRoleCommand({ RoleName: 'web-reader', AssumeRolePolicyDocument: trust }));
  await roles.send(new PutRolePolicyCommand({ RoleName: 'web-reader', PolicyName: 'describe', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] }) }));
  await roles.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-reader' }));
  await roles.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-reader', RoleName: 'web-reader' }));
  const iamPath = `curl -s -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/iam/`;
  assert.equal((await ssh(ip, key, iamPath)).stdout, '404', 'no profile yet: nothing under iam/');
  // associated while it runs: the next metadata request serves the role
  const association = (await client.send(new AssociateIamInstanceProfileCommand({ InstanceId: web.InstanceId, IamInstanceProfile: { Name: 'web-reader' } }))).IamInstanceProfileAssociation!;
  const r = await ssh(ip, key, `python3 - <<'PY'\n${GUEST_CALL}\nPY`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^role web-reader AWS-HMAC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
  assert.match(r.stdout, new RegExp(`<Arn>arn:aws:sts::123456789012:assumed-role/web-reader/${web.InstanceId}</Arn>`));
  assert.match(r.stdout, new RegExp(`^describe [^]*<instanceId>${web.InstanceId}</instanceId>`, 'm'));
  // the guest endpoint does not extend dev mode's trust of any signature to guests
  const forged = await ssh(ip, key, `curl -s -w ' %{http_code}' -X POST -H 'Authorization: AWS4-HMAC-SHA256 Credential=123456789012/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00' -d 'Action=DescribeInstances&Version=2016-11-15' http://169.254.169.252/`);
  assert.match(forged.stdout, /<Code>AuthFailure<\/Code>.* 403$/s);
  await client.send(new DisassociateIamInstanceProfileCommand({ AssociationId: association.AssociationId }));
  assert.equal((await ssh(ip, key, iamPath)).stdout, '404', 'disassociated: gone at the next request');
});

test('the console shows the kernel booting', async () => {
  const text = await consoleText(web.InstanceId!);
  // GetConsoleOutput keeps the latest 64 KB, which may begin anywhere in the kernel's messages
  // (even inside the 'Linux version' line): the kernel's timestamped lines, and Debian 12's name
  // (the kernel's version line, systemd's welcome or getty's banner, whichever the window holds)
  assert.match(text, /\[\s*\d+\.\d{6}\] \S/);
  assert.match(text, /Linux version 6\.1\.|Debian 6\.1\.|Debian GNU\/Linux 12|bookworm/);
  assert.match(text, /cloud-init/);
});

test('an image with nothing bootable runs, fails its instance status check, and its console says why', async () => {
  const s = await until('the broken instance impaired', async () => ((await status(broken))?.InstanceStatus?.Status === 'impaired' ? status(broken) : undefined), 600, 500);
  assert.equal(s!.InstanceState?.Name, 'running');
  assert.equal(s!.SystemStatus?.Status, 'ok');
  assert.equal(s!.InstanceStatus?.Details?.[0].Status, 'failed');
  assert.ok(s!.InstanceStatus?.Details?.[0].ImpairedSince instanceof Date);
  assert.match(await consoleText(broken), /UEFI Interactive Shell|No bootable/);
  // a guest that ignores the power button is reset after the stop timeout, as EC2 hard-reboots
  await client.send(new RebootInstancesCommand({ InstanceIds: [broken] }));
  await until('the firmware started again', async () => ((await consoleText(broken)).split('UEFI Interactive Shell').length > 2 || undefined), 240, 500);
  assert.equal((await describe(broken)).State?.Name, 'running');
});

test('Auto Scaling replaces a VM whose status check fails (EC2 health check)', async () => {
  const account = { accessKeyId: '123456789012', secretAccessKey: 'x' };
  const asg = autoscaling(server.url, { account });
  const al = (await client.send(new DescribeImagesCommand({ ImageIds: [(await describe(broken)).ImageId!] }))).Images![0].ImageId!;
  await client.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'nothing-boots', LaunchTemplateData: { ImageId: al, InstanceType: 't3.micro' } }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'vm-health', MinSize: 1, MaxSize: 1, LaunchTemplate: { LaunchTemplateName: 'nothing-boots' }, AvailabilityZones: ['us-east-1a'], HealthCheckGracePeriod: 0 }));
  const first = await until('a group instance', async () => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['vm-health'] }))).AutoScalingGroups?.[0].Instances?.[0]?.InstanceId, 400, 250);
  // its firmware finds nothing to boot: impaired, so the group terminates it and launches another
  const replaced = await until(
    'the unhealthy instance replaced',
    async () => {
      const activities = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'vm-health' }))).Activities ?? [];
      return activities.some((a) => a.Description?.includes(`Terminating EC2 instance: ${first}`) && /status checks failure/.test(a.Cause ?? '')) || undefined;
    },
    600,
    500,
  );
  assert.ok(replaced);
  const now = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['vm-health'] }))).AutoScalingGroups![0].Instances!.map((i) => i.InstanceId);
  assert.ok(!now.includes(first) || now.length > 1, 'another instance took its place');
  await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'vm-health', ForceDelete: true }));
  await client.send(new TerminateInstancesCommand({ InstanceIds: [broken] }));
});

test('security group rules open and close the port on the running instance', async () => {
  const ip = web.PublicIpAddress!;
  await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }));
  assert.match((await ssh(ip, key, 'true', 20_000)).stderr, /Connection refused/);
  // a rule for addresses the host's clients do not have opens nothing
  await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '10.0.0.0/8' }));
  assert.match((await ssh(ip, key, 'true', 20_000)).stderr, /Connection refused/);
  await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '127.0.0.1/32' }));
  assert.equal((await ssh(ip, key, 'true')).code, 0);
});

test('a volume attached to the running instance appears in the guest and leaves it on detach', async () => {
  const ip = web.PublicIpAddress!;
  const volumeId = (await client.send(new CreateVolumeCommand({ AvailabilityZone: web.Placement!.AvailabilityZone, Size: 1 }))).VolumeId!;
  await until('volume available', async () => (await client.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0].State === 'available' || undefined, 400, 100);
  await client.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: web.InstanceId, Device: '/dev/sdf' }));
  const serial = volumeId.replace('-', '');
  await until('the disk in the guest', async () => ((await ssh(ip, key, `ls /dev/disk/by-id/`)).stdout.includes(serial) || undefined), 60, 1000);
  const r = await ssh(ip, key, `D=/dev/disk/by-id/virtio-${serial}; echo written-by-the-guest | sudo dd of=$D bs=512 count=1 conv=sync,fsync status=none && sudo head -c 20 $D`);
  assert.equal(r.stdout, 'written-by-the-guest');
  await client.send(new DetachVolumeCommand({ VolumeId: volumeId }));
  await until('the disk gone from the guest', async () => (!(await ssh(ip, key, 'ls /dev/disk/by-id/')).stdout.includes(serial) || undefined), 60, 1000);
});

test('stop and start keep the disk; the public address is given back and taken again', async () => {
  const id = web.InstanceId!;
  assert.equal((await ssh(web.PublicIpAddress!, key, 'echo kept-across-stop | sudo tee /var/tmp/kept >/dev/null && sync')).code, 0);
  await client.send(new StopInstancesCommand({ InstanceIds: [id] }));
  const stopped = await waitState(id, 'stopped');
  assert.equal(stopped.PublicIpAddress, undefined);
  assert.equal(stopped.StateReason?.Code, 'Client.UserInitiatedShutdown');
  assert.match(await consoleText(id), /reboot: Power down/, 'the guest shut down cleanly');
  await client.send(new StartInstancesCommand({ InstanceIds: [id] }));
  web = await waitState(id, 'running');
  assert.ok(web.PublicIpAddress);
  await waitForSsh(web.PublicIpAddress!, key);
  assert.equal((await ssh(web.PublicIpAddress!, key, 'cat /var/tmp/kept')).stdout.trim(), 'kept-across-stop');
});

test('after a kill -9 of the server, the running instance comes back with its disk', async () => {
  const id = web.InstanceId!;
  assert.equal((await ssh(web.PublicIpAddress!, key, 'echo flushed-before-the-crash | sudo tee /var/tmp/crash >/dev/null && sync')).code, 0);
  await server.kill();
  // the VM died with its server (parent-death signal): nothing is left running
  await until('the VM gone', async () => (spawnSync('pgrep', ['-f', `guest=${id}`]).status === 1 || undefined), 100, 100);
  server = await startServer({ dataDir: server.dataDir, args: SERVER_ARGS });
  client = ec2(server.url, { account: { accessKeyId: '123456789012', secretAccessKey: 'x' } });
  const back = await describe(id);
  assert.equal(back.State?.Name, 'running');
  assert.equal(back.PublicIpAddress, web.PublicIpAddress, 'the same public address');
  await waitForSsh(back.PublicIpAddress!, key);
  assert.equal((await ssh(back.PublicIpAddress!, key, 'cat /var/tmp/crash')).stdout.trim(), 'flushed-before-the-crash');
});

test('an Elastic IP associated with the running instance is where it is reached, and its old address is given back', async () => {
  const old = web.PublicIpAddress!;
  const eip = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  assert.match(eip.PublicIp!, /^127\.101\.0\.\d+$/);
  await client.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: web.InstanceId }));
  web = await describe(web.InstanceId!);
  assert.equal(web.PublicIpAddress, eip.PublicIp);
  await waitForSsh(eip.PublicIp!, key);
  assert.equal((await ssh(eip.PublicIp!, key, 'cat /var/tmp/crash')).stdout.trim(), 'flushed-before-the-crash');
  assert.notEqual((await ssh(old, key, 'true', 10_000)).code, 0, 'the old address no longer reaches it');
});

test('a guest that powers itself off is terminated when its shutdown behaviour says so', async () => {
  const id = web.InstanceId!;
  await client.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceInitiatedShutdownBehavior: { Value: 'terminate' } }));
  await ssh(web.PublicIpAddress!, key, 'sudo systemctl poweroff', 20_000);
  const gone = await waitState(id, 'terminated');
  assert.equal(gone.StateReason?.Code, 'Client.InstanceInitiatedShutdown');
  assert.equal(gone.PublicIpAddress, undefined);
});
