import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmPeriod } from '../../../compute/vm-counters.js';
import { dimensionSets, FivePeriods, instanceData, statusValues, usageValues, volumeData, type InstanceFacts } from './instance-datapoints.js';

const facts = (o: Partial<InstanceFacts> = {}): InstanceFacts => ({ instanceId: 'i-1', imageId: 'ami-1', instanceType: 't3.micro', detailed: false, ...o });
const period: VmPeriod = {
  seconds: 60,
  cpuUtilization: 12.5,
  disks: {
    'vol-1': { readBytes: 4096, writeBytes: 0, readOps: 1, writeOps: 0, readTime: 0.5, writeTime: 0, idleTime: 59.5, queueLength: 0.5 / 60 },
    'vol-2': { readBytes: 0, writeBytes: 512, readOps: 0, writeOps: 1, readTime: 0, writeTime: 0.1, idleTime: 59.9, queueLength: 0.1 / 60 },
  },
};

test('dimension sets: InstanceId; the group for members; ImageId, InstanceType and all instances with detailed monitoring', () => {
  assert.deepEqual(dimensionSets(facts()), [[{ name: 'InstanceId', value: 'i-1' }]]);
  assert.deepEqual(dimensionSets(facts({ autoScalingGroupName: 'web', detailed: true })), [
    [{ name: 'InstanceId', value: 'i-1' }],
    [{ name: 'AutoScalingGroupName', value: 'web' }],
    [{ name: 'ImageId', value: 'ami-1' }],
    [{ name: 'InstanceType', value: 't3.micro' }],
    [],
  ]);
});

test('usage: CPUUtilization, EBS* summed over volumes, no Network* without a source', () => {
  const v = Object.fromEntries(usageValues(period).map((x) => [x.metricName, [x.value, x.unit]]));
  assert.deepEqual(v, { CPUUtilization: [12.5, 'Percent'], EBSReadOps: [1, 'Count'], EBSWriteOps: [1, 'Count'], EBSReadBytes: [4096, 'Bytes'], EBSWriteBytes: [512, 'Bytes'] });
  const net = usageValues({ ...period, disks: {}, cpuUtilization: undefined, network: { inBytes: 10, inPackets: 1, outBytes: 20, outPackets: 2 }, metadataNoToken: 3 });
  assert.deepEqual(net.map((x) => [x.metricName, x.value]), [['NetworkIn', 10], ['NetworkOut', 20], ['NetworkPacketsIn', 1], ['NetworkPacketsOut', 2], ['MetadataNoToken', 3]]);
});

test('status checks: 0/1 per check, nothing while initializing', () => {
  assert.deepEqual(statusValues({ system: 'initializing', instance: 'initializing' }), []);
  assert.deepEqual(statusValues(undefined), []);
  const v = (h: Parameters<typeof statusValues>[0]) => Object.fromEntries(statusValues(h).map((x) => [x.metricName, x.value]));
  assert.deepEqual(v({ system: 'ok', instance: 'ok' }), { StatusCheckFailed_Instance: 0, StatusCheckFailed_System: 0, StatusCheckFailed_AttachedEBS: 0, StatusCheckFailed: 0 });
  assert.deepEqual(v({ system: 'ok', instance: 'impaired' }), { StatusCheckFailed_Instance: 1, StatusCheckFailed_System: 0, StatusCheckFailed_AttachedEBS: 0, StatusCheckFailed: 1 });
  assert.deepEqual(v({ system: 'impaired', instance: 'impaired' }), { StatusCheckFailed_Instance: 1, StatusCheckFailed_System: 1, StatusCheckFailed_AttachedEBS: 1, StatusCheckFailed: 1 });
});

test('AWS/EBS: eight metrics a volume, dimension VolumeId', () => {
  const t = new Date(0);
  const data = volumeData(period, t);
  assert.equal(data.length, 16);
  const idle = data.find((d) => d.metricName === 'VolumeIdleTime' && d.dimensions[0].value === 'vol-1')!;
  assert.deepEqual(idle, { namespace: 'AWS/EBS', metricName: 'VolumeIdleTime', dimensions: [{ name: 'VolumeId', value: 'vol-1' }], timestamp: t, unit: 'Seconds', values: [{ value: 59.5, count: 1 }], storageResolution: 60 });
});

test('basic monitoring: five periods as one statistic set under each dimension set', () => {
  const five = new FivePeriods();
  for (const cpu of [10, 20, 30, 40, 50]) five.add([{ namespace: 'AWS/EC2', metricName: 'CPUUtilization', unit: 'Percent', value: cpu }]);
  const t = new Date(300_000);
  const data = instanceData(facts({ autoScalingGroupName: 'web' }), five.take(), t);
  assert.equal(data.length, 2);
  assert.deepEqual(data[1], { namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: [{ name: 'AutoScalingGroupName', value: 'web' }], timestamp: t, unit: 'Percent', statisticValues: { sampleCount: 5, sum: 150, minimum: 10, maximum: 50 }, storageResolution: 60 });
  assert.deepEqual(five.take(), []);
});
