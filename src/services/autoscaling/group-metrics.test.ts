import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupRow } from '../../store/repos/autoscaling-groups.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { groupData, groupMetricValues } from './group-metrics.js';

const group = (o: Partial<GroupRow> = {}) => ({ group_name: 'web', min_size: 1, max_size: 6, desired_capacity: 3, mixed_instances_policy: null, warm_pool: null, enabled_metrics: null, ...o }) as GroupRow;
const member = (lifecycle_state: string, instance_type = 't3.micro') => ({ lifecycle_state, instance_type }) as GroupInstanceRow;
const members = [member('InService'), member('InService', 'c5.large'), member('Pending:Wait'), member('Standby'), member('Terminating'), member('Launching')];

test('counts by lifecycle state; total is in service, pending and terminating', () => {
  const v = Object.fromEntries(groupMetricValues(group(), members));
  assert.deepEqual(v, {
    GroupMinSize: 1, GroupMaxSize: 6, GroupDesiredCapacity: 3,
    GroupInServiceInstances: 2, GroupPendingInstances: 1, GroupStandbyInstances: 1, GroupTerminatingInstances: 1, GroupTotalInstances: 4,
    GroupInServiceCapacity: 2, GroupPendingCapacity: 1, GroupStandbyCapacity: 1, GroupTerminatingCapacity: 1, GroupTotalCapacity: 4,
  });
});

test('capacity units from the mixed instances policy weights; warm pool metrics', () => {
  const mixed = JSON.stringify({ LaunchTemplate: { Overrides: [{ InstanceType: 'c5.large', WeightedCapacity: '4' }] } });
  const pool = JSON.stringify({ MinSize: 1, MaxGroupPreparedCapacity: 5 });
  const v = groupMetricValues(group({ mixed_instances_policy: mixed, warm_pool: pool }), [...members, member('Warmed:Stopped'), member('Warmed:Pending')]);
  assert.equal(v.get('GroupInServiceCapacity'), 5);
  assert.equal(v.get('GroupTotalCapacity'), 7);
  assert.equal(v.get('GroupInServiceInstances'), 2);
  assert.deepEqual([v.get('WarmPoolMinSize'), v.get('WarmPoolDesiredCapacity'), v.get('WarmPoolWarmedCapacity'), v.get('WarmPoolPendingCapacity'), v.get('WarmPoolTotalCapacity')], [1, 2, 1, 1, 2]);
  assert.deepEqual([v.get('GroupAndWarmPoolDesiredCapacity'), v.get('GroupAndWarmPoolTotalCapacity')], [5, 9]);
});

test('only the enabled metrics are published, dimension AutoScalingGroupName', () => {
  const t = new Date(60_000);
  const enabled = JSON.stringify([{ Metric: 'GroupDesiredCapacity', Granularity: '1Minute' }, { Metric: 'WarmPoolTotalCapacity', Granularity: '1Minute' }]);
  assert.deepEqual(groupData(group({ enabled_metrics: enabled }), members, t), [
    { namespace: 'AWS/AutoScaling', metricName: 'GroupDesiredCapacity', dimensions: [{ name: 'AutoScalingGroupName', value: 'web' }], timestamp: t, unit: 'None', values: [{ value: 3, count: 1 }], storageResolution: 60 },
  ]);
});
