// Instance refresh of a 100-instance Auto Scaling group from launch template version 1 (AMI A)
// to version 2 (AMI B) through the SDK, for a few MinHealthyPercentage / MaxHealthyPercentage
// settings. AWS's own pace is set by InstanceWarmup: each batch waits for its replacements to
// warm up, so the refresh should take about (batches x warm-up); the figure to watch is the
// overhead above that. Also reported: how long the group takes to reach 100 instances.
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { BENCH_KEY, startImago } from '../lib/peers.js';
import { table } from '../lib/report.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(check: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
}

async function ami(ec2: EC2Client, name: string): Promise<string> {
  const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
  await poll(async () => ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0].State === 'available' ? true : undefined));
  const s = await ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }));
  await poll(async () => ((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] }))).Snapshots![0].State === 'completed' ? true : undefined));
  const r = await ec2.send(
    new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/xvda', Architecture: 'x86_64', VirtualizationType: 'hvm', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: s.SnapshotId } }] }),
  );
  return r.ImageId!;
}

interface Case {
  min: number;
  max: number;
}

export async function instanceRefresh(options: { instances: number; warmupSec: number; settleMs: number }): Promise<void> {
  const imago = await startImago(['--settle-ms', String(options.settleMs), '--log-level', 'warn']);
  // the SDK's default retries, as a user has them (an idle keep-alive socket may be reset under it)
  const config = { endpoint: `http://127.0.0.1:${imago.port}`, region: 'us-east-1', credentials: BENCH_KEY };
  const ec2 = new EC2Client(config);
  const asg = new AutoScalingClient(config);
  const cases: Case[] = [
    { min: 90, max: 100 },
    { min: 50, max: 100 },
    { min: 100, max: 150 },
  ];
  const rows: (string | number)[][] = [];
  try {
    const lt = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'bench', LaunchTemplateData: { ImageId: await ami(ec2, 'bench-a'), InstanceType: 't3.micro' } }));
    const ltId = lt.LaunchTemplate!.LaunchTemplateId!;
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: ltId, SourceVersion: '1', LaunchTemplateData: { ImageId: await ami(ec2, 'bench-b') } }));
    for (const [i, c] of cases.entries()) {
      const name = `bench-${i}`;
      const n = options.instances;
      const t0 = Date.now();
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          MinSize: 0,
          MaxSize: n * 2,
          DesiredCapacity: n,
          AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
          LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' },
        }),
      );
      const inService = async () => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0].Instances!.filter((x) => x.LifecycleState === 'InService').length;
      await poll(async () => ((await inService()) === n ? true : undefined));
      const scaleOut = (Date.now() - t0) / 1000;
      const t1 = Date.now();
      const { InstanceRefreshId } = await asg.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: name,
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } },
          Preferences: { MinHealthyPercentage: c.min, MaxHealthyPercentage: c.max, InstanceWarmup: options.warmupSec },
        }),
      );
      let lowest = n;
      await poll(async () => {
        lowest = Math.min(lowest, await inService());
        const [r] = (await asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name, InstanceRefreshIds: [InstanceRefreshId!] }))).InstanceRefreshes!;
        if (r.Status === 'Failed' || r.Status === 'Cancelled') throw new Error(`refresh ${r.Status}: ${r.StatusReason}`);
        return r.Status === 'Successful' ? true : undefined;
      }, 200);
      const seconds = (Date.now() - t1) / 1000;
      // batches the preferences allow: ceil(n * min%) must stay healthy, up to n * max% may run
      const batch = Math.max(1, n - Math.ceil((n * c.min) / 100) + Math.floor((n * c.max) / 100) - n);
      const batches = Math.ceil(n / batch);
      const floor = batches * options.warmupSec;
      rows.push([`${c.min}/${c.max}`, scaleOut, seconds, batches, floor, seconds - floor, `${((floor / seconds) * 100).toFixed(0)}%`, lowest]);
    }
  } finally {
    await imago.stop();
  }
  console.log(`\nInstance refresh of ${options.instances} instances, InstanceWarmup ${options.warmupSec} s, --settle-ms ${options.settleMs}`);
  console.log(table(['min/max %', 'scale-out s', 'refresh s', 'batches', 'warm-up s', 'overhead s', 'warm-up share', 'lowest in service'], rows));
}
