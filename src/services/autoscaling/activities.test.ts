// The activity log over a real store: a launch EC2 refused is written as one Failed row that
// already holds its status message — a reader never sees it Failed without the reason (it was
// an insert and then an update, and DescribeScalingActivities could answer in between).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AutoscalingActivitiesRepo } from '../../store/repos/autoscaling-activities.js';
import type { GroupRow } from '../../store/repos/autoscaling-groups.js';
import { ActivityLog } from './activities.js';
import { suiteStore } from './fake-compute.js';

const SCOPE = { accountId: '111111111111', region: 'us-east-1' };
const group = { account_id: SCOPE.accountId, region: SCOPE.region, group_name: 'web', group_id: '7d0c1d8e-0000-4000-8000-000000000001' } as GroupRow;

describe('ActivityLog', () => {
  const store = suiteStore('imago-activities-');

  test('a refused launch is one write: Failed, with its status message, at once', async () => {
    const repo = store().autoscalingActivities;
    const writes: string[] = [];
    const recording = {
      insert: (row: Parameters<AutoscalingActivitiesRepo['insert']>[0]) => {
        writes.push(`insert ${row.status_code}: ${row.status_message}`);
        return repo.insert(row);
      },
      update: (id: string, set: Parameters<AutoscalingActivitiesRepo['update']>[1]) => {
        writes.push(`update ${JSON.stringify(set)}`);
        return repo.update(id, set);
      },
    } as unknown as AutoscalingActivitiesRepo;
    const row = await new ActivityLog(recording).failedLaunch(group, 'a cause', '{}', "The image id '[ami-0123456789abcdef0]' does not exist");
    const reason = "The image id '[ami-0123456789abcdef0]' does not exist. Launching EC2 instance failed.";
    assert.deepEqual(writes, [`insert Failed: ${reason}`]);
    const [stored] = await repo.list(SCOPE, { groups: ['web'] });
    assert.equal(stored.activity_id, row.activity_id);
    assert.equal(stored.status_message, reason);
    assert.equal(stored.description, `Launching a new EC2 instance.  Status Reason: ${reason}`);
    assert.equal(stored.progress, 100);
    assert.ok(stored.end_time, 'a failed launch has ended');
  });
});
