// Regenerates docs/console/*.png: the console's main pages in Debian's Chromium against a fresh
// dev-mode server (the `none` compute driver) with a little real state made through the console's
// own API calls' equivalents in the SDK. Run: node --import tsx scripts/console-screenshots.ts
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateImageCommand, CreateLaunchTemplateCommand, CreateSnapshotCommand, CreateTagsCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeVolumesCommand, DescribeInstancesCommand, ModifyImageAttributeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ROOT, startServer } from '../test/helpers/server.js';
import { autoscaling, ec2, kms } from '../test/helpers/clients.js';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, PutScalingPolicyCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { until } from '../test/helpers/until.js';
import { launchBrowser, openConsole } from '../test/helpers/browser.js';

const OUT = join(ROOT, 'docs/console');
const ACCOUNT = '111122223333';

const server = await startServer({ args: ['--settle-ms', '50'] });
const browser = await launchBrowser();
try {
  mkdirSync(OUT, { recursive: true });
  const client = ec2(server.url, { account: { accessKeyId: ACCOUNT, secretAccessKey: 'dev' } });
  const debian = (await client.send(new DescribeImagesCommand({ Owners: ['136693071363'], Filters: [{ Name: 'name', Values: ['debian-12-amd64-*'] }] }))).Images![0];
  const run = await client.send(new RunInstancesCommand({ ImageId: debian.ImageId, InstanceType: 't3.micro', MinCount: 2, MaxCount: 2, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }] }));
  const ids = run.Instances!.map((i) => i.InstanceId!);
  await until('running', async () => ((await client.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!.flatMap((r) => r.Instances!).every((i) => i.State?.Name === 'running') ? true : undefined));
  const made = await client.send(new CreateImageCommand({ InstanceId: ids[0], Name: 'web-2026-12-06', Description: 'web server, nginx on Debian 12' }));
  await client.send(new CreateTagsCommand({ Resources: [made.ImageId!], Tags: [{ Key: 'team', Value: 'web' }, { Key: 'Name', Value: 'web' }] }));
  await until('available', async () => ((await client.send(new DescribeImagesCommand({ ImageIds: [made.ImageId!] }))).Images![0].State === 'available' ? true : undefined));
  await client.send(new ModifyImageAttributeCommand({ ImageId: made.ImageId, LaunchPermission: { Add: [{ UserId: '444455556666' }] } }));

  const shoot = async (name: string, colorScheme: 'light' | 'dark', go: (page: import('playwright-core').Page) => Promise<void>, fullPage = false) => {
    const { context, page } = await openConsole(browser, server.url, { colorScheme, width: 1280, height: 800 });
    try {
      await go(page);
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
      console.log(`docs/console/${name}.png`);
    } finally {
      await context.close();
    }
  };
  const signIn = async (page: import('playwright-core').Page) => {
    await page.getByLabel('Account ID').fill(ACCOUNT);
    await page.getByRole('button', { name: 'Use this account' }).click();
    await page.locator('#images-table').waitFor();
  };
  await shoot('sign-in', 'light', async (page) => void (await page.getByLabel('Access key ID').waitFor()));
  await shoot('images', 'light', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/images?tab=public&name=debian-*`);
    await page.locator('#images-table tr[data-image-id]').first().waitFor();
  });
  await shoot('images-dark', 'dark', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/images?tab=public&arch=arm64`);
    await page.locator('#images-table tr[data-image-id]').first().waitFor();
  });
  await shoot('image-details', 'light', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/images/${made.ImageId}`);
    await page.locator('#permissions table').waitFor();
    await page.locator('#ancestry li').first().waitFor();
    await page.locator('#used-by table').waitFor();
    await page.getByRole('button', { name: 'Compute storage' }).click();
    await page.locator('#storage table').waitFor();
  }, true);
  await shoot('launch', 'light', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/images/${debian.ImageId}`);
    await page.getByRole('button', { name: 'Launch instance from AMI' }).click();
    await page.getByLabel('Name tag').fill('web-3');
  });
  await shoot('instances', 'light', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/instances`);
    await page.locator('#instances-table tr[data-instance-id]').first().waitFor();
  });

  // volumes, snapshots, an Auto Scaling group with a target tracking policy and an instance refresh, KMS keys
  const dev = { account: { accessKeyId: ACCOUNT, secretAccessKey: 'dev' } };
  const volumeId = (await client.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 20, VolumeType: 'gp3', TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'postgres-data' }] }] }))).VolumeId!;
  await until('volume available', async () => ((await client.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0].State === 'available' ? true : undefined));
  await client.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'nightly 2026-12-05' }));
  await client.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'before the upgrade' }));
  const asg = autoscaling(server.url, dev);
  await client.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: made.ImageId, InstanceType: 't3.micro' } }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 1, MaxSize: 4, DesiredCapacity: 2, LaunchTemplate: { LaunchTemplateName: 'web' }, AvailabilityZones: ['us-east-1a', 'us-east-1b'] }));
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'web', PolicyName: 'cpu50', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 50 } }));
  await until('in service', async () => ((await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups![0].Instances!.filter((i) => i.LifecycleState === 'InService').length === 2 ? true : undefined));
  await asg.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web', Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 0, CheckpointPercentages: [50, 100], CheckpointDelay: 3600 } }));
  const keys = kms(server.url, dev);
  for (const [alias, description] of [['images', 'AMIs and their snapshots'], ['backups', 'nightly volume snapshots']]) {
    const key = (await keys.send(new CreateKeyCommand({ Description: description }))).KeyMetadata!.KeyId!;
    await keys.send(new CreateAliasCommand({ AliasName: `alias/${alias}`, TargetKeyId: key }));
  }
  await shoot('volume', 'light', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/volumes/${volumeId}`);
    await page.locator('#volume-snapshots tbody tr').nth(1).waitFor();
  });
  await shoot('group', 'light', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/groups/web`);
    await page.locator('#refreshes .refresh').first().waitFor();
    await page.locator('#alarms tbody tr').nth(1).waitFor();
  }, true);
  await shoot('kms-dark', 'dark', async (page) => {
    await signIn(page);
    await page.goto(`${server.url}/console/#/kms`);
    await page.locator('#keys-table td[data-col=alias]').nth(1).waitFor();
  });
} finally {
  await browser.close();
  await server.stop();
}
