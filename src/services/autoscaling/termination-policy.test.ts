// Scale-in choice: the fullest zone first, then the termination policies in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { pickVictims } from './termination-policy.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function member(id: string, zone: string, version: number, launchedMinutesAgo: number): GroupInstanceRow {
  return {
    instance_id: id,
    account_id: '111111111111',
    region: 'us-east-1',
    group_name: 'g',
    availability_zone: zone,
    subnet_id: null,
    lifecycle_state: 'InService',
    health_status: 'Healthy',
    protected_from_scale_in: 0,
    launch_template: JSON.stringify({ LaunchTemplateId: 'lt-0123456789abcdef0', Version: String(version) }),
    image_id: null,
    instance_type: null,
    launched_at: new Date(NOW - launchedMinutesAgo * 60_000).toISOString(),
    in_service_at: null,
    refresh_id: null,
    activity_id: null,
    termination_cause: null,
    launch_configuration: null,
    lifecycle_action: null,
  };
}

const current = { templateId: 'lt-0123456789abcdef0', version: 2 };

test('the zone with the most instances loses one first, and zones stay balanced', () => {
  const all = [member('i-a1', 'a', 2, 10), member('i-a2', 'a', 2, 20), member('i-a3', 'a', 2, 30), member('i-b1', 'b', 2, 5), member('i-c1', 'c', 2, 5)];
  const picked = pickVictims(all, all, 2, ['OldestInstance'], current, NOW).map((m) => m.instance_id);
  assert.deepEqual(picked, ['i-a3', 'i-a2']);
  for (let n = 1; n <= 4; n++) {
    const gone = new Set(pickVictims(all, all, n, ['OldestInstance'], current, NOW));
    const left = ['a', 'b', 'c'].map((z) => all.filter((m) => m.availability_zone === z && !gone.has(m)).length);
    assert.ok(Math.max(...left) - Math.min(...left) <= 1, `after ${n}: ${left}`);
  }
});

test('Default: instances on an older launch template version go first, then the one closest to its next hour', () => {
  const all = [member('i-new', 'a', 2, 59), member('i-old', 'a', 1, 1), member('i-hour', 'a', 2, 55)];
  assert.deepEqual(pickVictims(all, all, 1, ['Default'], current, NOW).map((m) => m.instance_id), ['i-old']);
  assert.deepEqual(pickVictims(all, all, 2, ['Default'], current, NOW).map((m) => m.instance_id), ['i-old', 'i-new']);
});

test('NewestInstance, and only candidates are taken (protected instances still count for balance)', () => {
  const all = [member('i-1', 'a', 2, 30), member('i-2', 'a', 2, 10), member('i-3', 'b', 2, 1)];
  assert.deepEqual(pickVictims(all, all, 1, ['NewestInstance'], current, NOW).map((m) => m.instance_id), ['i-2']);
  const candidates = all.filter((m) => m.instance_id !== 'i-2');
  assert.deepEqual(pickVictims(all, candidates, 1, ['NewestInstance'], current, NOW).map((m) => m.instance_id), ['i-1']);
});

test('a group on a launch configuration takes the instances not launched from it first', () => {
  const onConfig = (id: string, lc: string | null, minutesAgo: number) => ({ ...member(id, 'us-east-1a', 1, minutesAgo), launch_template: null, launch_configuration: lc });
  const all = [onConfig('i-1', 'new', 50), onConfig('i-2', 'old', 10), onConfig('i-3', null, 30)];
  const ids = (ms: { instance_id: string }[]) => ms.map((m) => m.instance_id).sort();
  assert.deepEqual(ids(pickVictims(all, all, 2, ['OldestLaunchConfiguration'], { launchConfiguration: 'new' }, NOW)), ['i-2', 'i-3']);
});
