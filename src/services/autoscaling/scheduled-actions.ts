// Scheduled actions (Put/BatchPut/Describe/Delete/BatchDelete) and their execution. Each action
// stores when it runs next; one keyed durable job per action (`asg-sched/<account>/<region>/
// <group>/<action>`, leased, so one node runs it once) wakes at that time, sets the group's
// min/max/desired with AWS's cause ("At <time> a scheduled action update of AutoScalingGroup
// constraints to min: 1, max: 3, desired: 2 changing the desired capacity from 1 to 2.") that
// the reconciler's launch/terminate activities carry, and moves the action to its next
// Recurrence time (cron in UTC or TimeZone, bounded by EndTime) — a one-time action, or one
// past its EndTime, is deleted, as AWS does. The capacity change and the action's advance are
// one transaction, so a crash never runs an occurrence twice. While ScheduledActions is
// suspended, occurrences that fall due are skipped.
import { randomUUID } from 'node:crypto';
import type { FailedScheduledUpdateGroupActionRequest, PutScheduledUpdateGroupActionType, ScheduledUpdateGroupAction } from '../../api/autoscaling/types.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Logger } from '../../logger.js';
import type { Scope } from '../../store/scope.js';
import type { ScheduledActionRow } from '../../store/repos/autoscaling-config.js';
import { ServiceError } from '../../protocol/service-error.js';
import { at } from './activities.js';
import { groupKey, type AsgContext } from './asg-context.js';
import { validationError } from './asg-errors.js';
import { CronError, isTimeZone, nextFire, parseCron } from './cron.js';
import { DELETING, isSuspended } from './group-model.js';
import type { GroupService } from './group-service.js';
import { page, type PageInput } from './paging.js';

export const SCHEDULED_ACTION_JOB = 'autoscaling.scheduled-action';
const MAX_ACTIONS_PER_GROUP = 125;
const MAX_BATCH = 50;

interface Payload {
  accountId: string;
  region: string;
  group: string;
  action: string;
}

export const scheduledActionArn = (r: Pick<ScheduledActionRow, 'account_id' | 'region' | 'action_id' | 'group_name' | 'action_name'>) =>
  `arn:aws:autoscaling:${r.region}:${r.account_id}:scheduledUpdateGroupAction:${r.action_id}:autoScalingGroupName/${r.group_name}:scheduledActionName/${r.action_name}`;

export type ScheduledActionInput = Omit<PutScheduledUpdateGroupActionType, 'AutoScalingGroupName'>;

/** When an action runs next after `after`: its StartTime first, then its Recurrence, never past EndTime. */
export function nextRun(a: Pick<ScheduledActionRow, 'start_time' | 'end_time' | 'recurrence' | 'time_zone'>, after: Date, first: boolean): Date | undefined {
  const start = a.start_time ? new Date(a.start_time) : undefined;
  let next: Date | undefined;
  if (first && start && start > after) next = start;
  else if (a.recurrence) next = nextFire(parseCron(a.recurrence), start && start > after ? new Date(start.getTime() - 1) : after, a.time_zone ?? 'UTC');
  if (next && a.end_time && next > new Date(a.end_time)) return undefined;
  return next;
}

export class ScheduledActions {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
    private readonly jobs: JobRunner,
    log: Logger | undefined,
  ) {
    jobs.register(SCHEDULED_ACTION_JOB, async (payload) => {
      const p = payload as Payload;
      const next = await this.runDue({ accountId: p.accountId, region: p.region }, p.group, p.action);
      return next === undefined ? 'done' : { retryInMs: Math.max(0, next.getTime() - Date.now()) };
    });
    this.log = log;
  }
  private readonly log: Logger | undefined;

  private wake(scope: Scope, group: string, action: string): void {
    const payload: Payload = { accountId: scope.accountId, region: scope.region, group, action };
    this.jobs.ensure(`asg-sched/${groupKey(scope, group)}/${action}`, SCHEDULED_ACTION_JOB, payload).catch((e: unknown) => this.log?.error('could not schedule a scheduled action', { group, action, err: String(e) }));
  }

  /** The row an input makes (checked as AWS does), merged over the existing action on update. */
  private build(caller: Scope, group: string, input: ScheduledActionInput, existing: ScheduledActionRow | undefined, now: Date): ScheduledActionRow {
    const name = input.ScheduledActionName;
    if (!name || name.length > 255) throw validationError('The scheduled action name must be 1 to 255 characters long.');
    const start = input.StartTime ?? input.Time;
    if (start && start.getTime() < now.getTime() - 1000) throw validationError('Given start time is in the past');
    const row: ScheduledActionRow = {
      account_id: caller.accountId,
      region: caller.region,
      group_name: group,
      action_name: name,
      action_id: existing?.action_id ?? randomUUID(),
      // a parameter left out of an update keeps its value
      start_time: start ? start.toISOString() : (existing?.start_time ?? null),
      end_time: input.EndTime ? input.EndTime.toISOString() : (existing?.end_time ?? null),
      recurrence: input.Recurrence ?? existing?.recurrence ?? null,
      time_zone: input.TimeZone ?? existing?.time_zone ?? null,
      min_size: input.MinSize ?? existing?.min_size ?? null,
      max_size: input.MaxSize ?? existing?.max_size ?? null,
      desired_capacity: input.DesiredCapacity ?? existing?.desired_capacity ?? null,
      next_run_at: null,
    };
    if (row.min_size === null && row.max_size === null && row.desired_capacity === null) {
      throw validationError('You must specify at least one of the following properties: MaxSize, MinSize, or DesiredCapacity.');
    }
    for (const [k, v] of [['MinSize', row.min_size], ['MaxSize', row.max_size], ['DesiredCapacity', row.desired_capacity]] as const) {
      if (v !== null && v < 0) throw validationError(`${k} must be greater than or equal to 0.`);
    }
    if (row.min_size !== null && row.max_size !== null && row.min_size > row.max_size) throw validationError(`The minimum size (${row.min_size}) is greater than the maximum size (${row.max_size}).`);
    if (row.desired_capacity !== null && row.max_size !== null && row.desired_capacity > row.max_size) throw validationError(`Desired capacity:${row.desired_capacity} must be between the specified min size:${row.min_size ?? 0} and max size:${row.max_size}`);
    if (row.desired_capacity !== null && row.min_size !== null && row.desired_capacity < row.min_size) throw validationError(`Desired capacity:${row.desired_capacity} must be between the specified min size:${row.min_size} and max size:${row.max_size ?? row.desired_capacity}`);
    if (row.time_zone !== null && !isTimeZone(row.time_zone)) throw validationError(`Invalid time zone: ${row.time_zone}. Specify a canonical IANA time zone name (for example, America/New_York).`);
    if (row.recurrence !== null) {
      try {
        parseCron(row.recurrence);
      } catch (e) {
        if (e instanceof CronError) throw validationError(`Given recurrence schedule ${row.recurrence} is invalid: ${e.message}.`);
        throw e;
      }
    }
    if (row.end_time && row.start_time && row.end_time <= row.start_time) throw validationError('Given end time is before start time');
    if (row.end_time && new Date(row.end_time) < now) throw validationError('Given end time is in the past');
    if (!row.start_time && !row.recurrence) row.start_time = now.toISOString(); // neither: it runs now
    const next = nextRun(row, now, true);
    if (!next && row.recurrence) throw validationError(`Given recurrence schedule ${row.recurrence} has no occurrence before the end time.`);
    row.next_run_at = (next ?? now).toISOString();
    return row;
  }

  /** PutScheduledUpdateGroupAction: creates or updates (parameters left out keep their values). */
  async put(caller: Scope, group: string, input: ScheduledActionInput): Promise<void> {
    await this.groups.get(caller, group);
    const repo = this.ctx.store.autoscalingConfig;
    const existing = await repo.scheduledAction(caller, group, input.ScheduledActionName);
    if (!existing && (await repo.scheduledActions(caller, group)).length >= MAX_ACTIONS_PER_GROUP) {
      throw new ServiceError('LimitExceeded', `The scheduled action limit of ${MAX_ACTIONS_PER_GROUP} per Auto Scaling group has been reached.`, 400);
    }
    await repo.putScheduledAction(this.build(caller, group, input, existing, new Date()));
    this.wake(caller, group, input.ScheduledActionName);
  }

  /** BatchPutScheduledUpdateGroupAction: each action on its own; the failures are listed. */
  async batchPut(caller: Scope, group: string, inputs: readonly ScheduledActionInput[]): Promise<FailedScheduledUpdateGroupActionRequest[]> {
    if (inputs.length > MAX_BATCH) throw validationError(`The number of scheduled actions exceeds the limit of ${MAX_BATCH} per request.`);
    await this.groups.get(caller, group);
    const failed: FailedScheduledUpdateGroupActionRequest[] = [];
    for (const input of inputs) {
      try {
        await this.put(caller, group, input);
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        failed.push({ ScheduledActionName: input.ScheduledActionName, ErrorCode: e.code, ErrorMessage: e.message });
      }
    }
    return failed;
  }

  async describe(
    caller: Scope,
    input: PageInput & { AutoScalingGroupName?: string; ScheduledActionNames?: string[]; StartTime?: Date; EndTime?: Date },
  ): Promise<{ actions: ScheduledUpdateGroupAction[]; nextToken?: string }> {
    if (input.AutoScalingGroupName !== undefined) await this.groups.get(caller, input.AutoScalingGroupName);
    let rows = await this.ctx.store.autoscalingConfig.scheduledActions(caller, input.AutoScalingGroupName);
    const names = input.ScheduledActionNames;
    if (names?.length) rows = rows.filter((r) => names.includes(r.action_name));
    // the actions that run within [StartTime, EndTime] (ignored when names are given, as AWS documents)
    if (input.StartTime && !names?.length) rows = rows.filter((r) => r.next_run_at && new Date(r.next_run_at) >= input.StartTime!);
    if (input.EndTime && !names?.length) rows = rows.filter((r) => r.next_run_at && new Date(r.next_run_at) <= input.EndTime!);
    const key = (r: ScheduledActionRow) => `${r.group_name}\u0000${r.action_name}`;
    rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const { items, nextToken } = page(rows, key, input, {
      binding: [caller.accountId, caller.region, 'scheduled', input.AutoScalingGroupName, names, input.StartTime?.toISOString(), input.EndTime?.toISOString()],
      max: 100,
      defaultSize: 50,
    });
    return { actions: items.map(actionOut), nextToken };
  }

  async delete(caller: Scope, group: string, name: string): Promise<void> {
    await this.groups.get(caller, group);
    const repo = this.ctx.store.autoscalingConfig;
    if (!(await repo.scheduledAction(caller, group, name))) throw notFound(name);
    await repo.deleteScheduledActions(caller, group, [name]);
  }

  async batchDelete(caller: Scope, group: string, names: readonly string[]): Promise<FailedScheduledUpdateGroupActionRequest[]> {
    if (names.length > MAX_BATCH) throw validationError(`The number of scheduled actions exceeds the limit of ${MAX_BATCH} per request.`);
    await this.groups.get(caller, group);
    const repo = this.ctx.store.autoscalingConfig;
    const existing = new Set((await repo.scheduledActions(caller, group)).map((r) => r.action_name));
    const failed = names.filter((n) => !existing.has(n)).map((n) => ({ ScheduledActionName: n, ErrorCode: 'ValidationError', ErrorMessage: notFound(n).message }));
    await repo.deleteScheduledActions(caller, group, names.filter((n) => existing.has(n)));
    return failed;
  }

  /**
   * The job's step: runs the action if it is due and returns when to look again (undefined:
   * the action is gone or will never run again).
   */
  async runDue(scope: Scope, groupName: string, actionName: string): Promise<Date | undefined> {
    return this.ctx.lock.run(groupKey(scope, groupName), async () => {
      const repo = this.ctx.store.autoscalingConfig;
      const action = await repo.scheduledAction(scope, groupName, actionName);
      if (!action?.next_run_at) return undefined;
      const due = new Date(action.next_run_at);
      const now = new Date();
      if (due > now) return due;
      const row = await this.ctx.groups.get(scope, groupName);
      if (!row) return undefined;
      const next = nextRun(action, due, false);
      let kicked = false;
      await this.ctx.store.transaction(async (tx) => {
        if (row.status !== DELETING && !isSuspended(row, 'ScheduledActions')) {
          const min = action.min_size ?? row.min_size;
          const max = action.max_size ?? row.max_size;
          const desired = action.desired_capacity ?? Math.min(max, Math.max(min, row.desired_capacity));
          if (min <= desired && desired <= max) {
            const cause = `${at(due)} a scheduled action update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} changing the desired capacity from ${row.desired_capacity} to ${desired}.`;
            await tx.autoscalingGroups.update(scope, groupName, {
              min_size: min,
              max_size: max,
              desired_capacity: desired,
              ...(desired !== row.desired_capacity ? { capacity_cause: cause } : {}),
            });
            kicked = true;
          } else {
            this.log?.warn('scheduled action skipped: its sizes conflict with the group', { group: groupName, action: actionName, min, max, desired });
          }
        }
        if (next) await tx.autoscalingConfig.updateScheduledAction(scope, groupName, actionName, { next_run_at: next.toISOString() });
        else await tx.autoscalingConfig.deleteScheduledActions(scope, groupName, [actionName]);
      });
      if (kicked) this.ctx.kick(scope, groupName);
      return next;
    });
  }
}

const notFound = (name: string) => validationError(`Scheduled action name not found - Scheduled action ${name} not found`);

function actionOut(r: ScheduledActionRow): ScheduledUpdateGroupAction {
  // StartTime (and the legacy Time) is when the action runs next, as AWS reports recurring actions
  const start = r.next_run_at ?? r.start_time;
  return {
    AutoScalingGroupName: r.group_name,
    ScheduledActionName: r.action_name,
    ScheduledActionARN: scheduledActionArn(r),
    Time: start ? new Date(start) : undefined,
    StartTime: start ? new Date(start) : undefined,
    EndTime: r.end_time ? new Date(r.end_time) : undefined,
    Recurrence: r.recurrence ?? undefined,
    MinSize: r.min_size ?? undefined,
    MaxSize: r.max_size ?? undefined,
    DesiredCapacity: r.desired_capacity ?? undefined,
    TimeZone: r.time_zone ?? undefined,
  };
}
