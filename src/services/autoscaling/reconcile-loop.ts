// The durable reconciliation loop: one keyed job per group (`asg/<account>/<region>/<name>`)
// in the job runner's store. Each run is one reconciler pass under the group's lock and
// reschedules itself (soon while the group is moving, at the health-check interval when
// steady); API calls that change a group bring its job forward. The jobs survive restarts,
// so every group resumes by itself.
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Logger } from '../../logger.js';
import type { Scope } from '../../store/scope.js';
import { groupKey, type AsgContext } from './asg-context.js';
import { reconcile } from './reconciler.js';

export const RECONCILE_JOB = 'autoscaling.reconcile';

interface Payload {
  accountId: string;
  region: string;
  group: string;
}

export function reconcileLoop(jobs: JobRunner, log: Logger | undefined, ctx: () => AsgContext) {
  jobs.register(RECONCILE_JOB, async (payload) => {
    const { accountId, region, group } = payload as Payload;
    const scope = { accountId, region };
    const c = ctx();
    const next = await c.lock.run(groupKey(scope, group), () => reconcile(c, scope, group));
    if (next === 'gone') return 'done';
    return { retryInMs: next };
  });
  return {
    kick(scope: Scope, group: string): void {
      const payload: Payload = { accountId: scope.accountId, region: scope.region, group };
      jobs.ensure(`asg/${groupKey(scope, group)}`, RECONCILE_JOB, payload).catch((e: unknown) => log?.error('could not schedule reconciliation', { group, err: String(e) }));
    },
  };
}
