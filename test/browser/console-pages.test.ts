// The console's volume, snapshot, Auto Scaling group and KMS key pages in Debian's Chromium
// (playwright-core) against one real dev-mode `imago serve` (the `none` compute driver): a snapshot
// made from a volume's page appears; a group with desired 2 shows its two instances and its
// activities; a KMS key is disabled and enabled again; refusals show AWS's error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { ROOT } from '../helpers/server.js';
import type { Browser, Page } from 'playwright-core';
import { CreateLaunchTemplateCommand, CreateVolumeCommand, DescribeImagesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { CreateAutoScalingGroupCommand, PutScalingPolicyCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { startServer, type TestServer } from '../helpers/server.js';
import { join } from 'node:path';
import { autoscaling, ec2, kms } from '../helpers/clients.js';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { launchBrowser, openConsole } from '../helpers/browser.js';

const ACCOUNT = '210987654321';
const DEV = { account: { accessKeyId: ACCOUNT, secretAccessKey: 'dev' } };

let browser: Browser;
let server: TestServer;
let page: Page;
before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startServer({ args: ['--settle-ms', '50'] })]);
  ({ page } = await openConsole(browser, server.url));
  await page.getByLabel('Account ID').fill(ACCOUNT);
  await page.getByRole('button', { name: 'Use this account' }).click();
  await page.locator('#images-table').waitFor();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const open = (hash: string) => page.goto(`${server.url}/console/#/${hash}`);
const alert = () => page.locator('main [role=alert]').first();

describe('volumes and snapshots', () => {
  test('a snapshot created from a volume\'s page appears, with its volume, in the lists', async () => {
    const volumeId = (await ec2(server.url, DEV).send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'data-1' }] }] }))).VolumeId!;
    await open('volumes?q=data');
    await page.locator(`#volumes-table tr[data-volume-id="${volumeId}"]`).waitFor();
    await page.getByRole('link', { name: volumeId }).click();
    await page.locator('#volume-id', { hasText: volumeId }).waitFor();
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.getByLabel('Description').fill('before the upgrade');
    await page.getByRole('dialog').getByRole('button', { name: 'Create snapshot' }).click();
    await page.waitForURL(/#\/snapshots\/snap-/);
    const snapshotId = /snapshots\/(snap-[0-9a-f]+)/.exec(page.url())![1];
    await page.locator('#snapshot-progress', { hasText: '100%' }).waitFor();
    assert.match(await page.locator('main').innerText(), /before the upgrade/);
    await open('snapshots');
    await page.locator(`#snapshots-table tr[data-snapshot-id="${snapshotId}"]`).waitFor();
    // tags: added through the page, then shown
    await open(`snapshots/${snapshotId}`);
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Key').fill('team');
    await page.getByLabel('Value').fill('db');
    await page.getByRole('dialog').getByRole('button', { name: 'Add tag' }).click();
    await page.locator('#tags td', { hasText: 'db' }).waitFor();
    await open(`volumes/${volumeId}`);
    await page.locator('#volume-snapshots a', { hasText: snapshotId }).waitFor();
    // an AMI made of it: listed on the snapshot's page, and deleting the snapshot is refused
    const imageId = (await ec2(server.url, DEV).send(new RegisterImageCommand({ Name: 'from-data-1', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }] }))).ImageId!;
    await open(`snapshots/${snapshotId}`);
    await page.locator('#snapshot-images a', { hasText: imageId }).waitFor();
    await page.getByRole('button', { name: 'Delete snapshot' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete snapshot' }).click();
    await alert().waitFor();
    assert.equal(await alert().getAttribute('data-error-code'), 'InvalidSnapshot.InUse');
    assert.match(await alert().innerText(), new RegExp(`in use by ${imageId}`));
  });

  test('an unknown volume shows AWS\'s error', async () => {
    await open('volumes/vol-0123456789abcdef0');
    assert.equal(await alert().getAttribute('data-error-code'), 'InvalidVolume.NotFound');
  });
});

describe('Auto Scaling groups', () => {
  test('a group with desired 2 shows its two instances and its activities; a refused capacity shows AWS\'s error', async () => {
    const client = ec2(server.url, DEV);
    const debian = (await client.send(new DescribeImagesCommand({ Owners: ['136693071363'], Filters: [{ Name: 'name', Values: ['debian-12-amd64-*'] }] }))).Images![0];
    await client.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: debian.ImageId, InstanceType: 't3.micro' } }));
    await autoscaling(server.url, DEV).send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-asg', MinSize: 1, MaxSize: 3, DesiredCapacity: 2, LaunchTemplate: { LaunchTemplateName: 'web' }, AvailabilityZones: ['us-east-1a'] }));
    await open('groups');
    await page.getByRole('link', { name: 'web-asg' }).click();
    await page.waitForURL(/#\/groups\/web-asg$/);
    await page.locator('#group-instances tbody tr').nth(1).waitFor();
    await page.locator('#group-instances td[data-col=lifecycle]', { hasText: 'InService' }).nth(1).waitFor();
    assert.equal(await page.locator('#group-instances tbody tr').count(), 2);
    await page.locator('#activities td[data-col=description]', { hasText: /Launching a new EC2 instance/ }).nth(1).waitFor();
    assert.match(await page.locator('#monitoring').innerText(), /CPU utilization/);
    // desired above max: Auto Scaling's ValidationError, shown in the dialog
    await page.getByRole('button', { name: 'Edit capacity' }).click();
    await page.getByLabel('Desired capacity', { exact: true }).fill('5');
    await page.getByRole('dialog').getByRole('button', { name: 'Update' }).click();
    const refusal = page.getByRole('dialog').locator('[role=alert]');
    await refusal.waitFor();
    assert.equal(await refusal.getAttribute('data-error-code'), 'ValidationError');
    await page.getByLabel('Desired capacity', { exact: true }).fill('3');
    await page.getByRole('dialog').getByRole('button', { name: 'Update' }).click();
    await page.locator('#desired-capacity', { hasText: '3' }).waitFor();
    await page.locator('#group-instances tbody tr').nth(2).waitFor();
    // a target tracking policy's two alarms, and an instance refresh with its checkpoints
    const asg = autoscaling(server.url, DEV);
    await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'web-asg', PolicyName: 'cpu50', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 50 } }));
    await page.locator('#group-instances td[data-col=lifecycle]', { hasText: 'InService' }).nth(2).waitFor();
    await asg.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg', Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 0, CheckpointPercentages: [50, 100], CheckpointDelay: 3600 } }));
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await page.locator('#alarms td[data-col=name]', { hasText: /^TargetTracking-web-asg-AlarmLow-/ }).waitFor();
    assert.equal(await page.locator('#alarms tbody tr').count(), 2);
    await page.locator('#refreshes .refresh dd', { hasText: '50%, 100% (then wait 3600 s)' }).waitFor();
    assert.ok(Number(await page.locator('#refreshes [role=progressbar]').getAttribute('aria-valuenow')) >= 0);
  });
});

describe('KMS keys', () => {
  test('a key found by its alias is disabled and enabled again; an unknown key shows KMS\'s NotFoundException', async () => {
    const client = kms(server.url, DEV);
    const keyId = (await client.send(new CreateKeyCommand({ Description: 'images at rest' }))).KeyMetadata!.KeyId!;
    await client.send(new CreateAliasCommand({ AliasName: 'alias/images', TargetKeyId: keyId }));
    await open('kms');
    await page.locator('#keys-table td[data-col=alias]', { hasText: 'alias/images' }).waitFor();
    await page.getByRole('link', { name: keyId }).click();
    await page.locator('#key-state', { hasText: 'Enabled' }).waitFor();
    // by keyboard: the action button, then the confirmation (its button has the focus)
    await page.getByRole('button', { name: 'Disable' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('#key-state', { hasText: 'Disabled' }).waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('#key-state', { hasText: 'Enabled' }).waitFor();
    await open('kms/0b0b0b0b-1111-2222-3333-444444444444');
    assert.equal(await alert().getAttribute('data-error-code'), 'NotFoundException');
  });
});

describe('the CPU chart', () => {
  // With the `none` driver no instance has CPU counters (and AWS/ namespaces are AWS's own, so
  // PutMetricData refuses them): the chart module is bundled alone and fed a series here.
  test('draws a series as an inline SVG line with one titled point each, and says when there is none', async () => {
    const bundle = await build({ entryPoints: [join(ROOT, 'console/src/pages/svg-chart.ts')], bundle: true, format: 'iife', globalName: 'charts', write: false, logLevel: 'silent' });
    const blank = await browser.newPage();
    try {
      await blank.setContent('<!doctype html><body></body>');
      await blank.addScriptTag({ content: bundle.outputFiles[0].text });
      // a string: the test's TypeScript program has no DOM types
      const drawn = await blank.evaluate(`(() => {
        const t0 = Date.UTC(2026, 11, 6, 10, 0);
        const fig = charts.chart({ times: [t0, t0 + 60000, t0 + 120000], values: [12.5, 80, 40] });
        const empty = charts.chart({ times: [], values: [] });
        const bar = charts.svgBar(50, [50, 100]);
        return {
          label: fig.querySelector('svg').getAttribute('aria-label'),
          points: fig.querySelector('polyline').getAttribute('points').split(' ').length,
          titles: [...fig.querySelectorAll('circle title')].map((t) => t.textContent),
          empty: empty.textContent,
          ticks: bar.querySelectorAll('.bar-tick').length,
          done: bar.querySelector('.bar-done').getAttribute('width'),
        };
      })()`);
      assert.deepEqual(drawn, {
        label: 'CPU utilization, 3 points, last 40.0%',
        points: 3,
        titles: ['10:00 12.5%', '10:01 80.0%', '10:02 40.0%'],
        empty: 'No CPUUtilization data points for this group yet.',
        ticks: 2,
        done: '50',
      });
    } finally {
      await blank.close();
    }
  });
});
