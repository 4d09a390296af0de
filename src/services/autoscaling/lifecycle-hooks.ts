// Lifecycle hooks: PutLifecycleHook / DescribeLifecycleHooks / DeleteLifecycleHook, the
// LifecycleHookSpecificationList of CreateAutoScalingGroup, and the calls that end or extend a
// wait (CompleteLifecycleAction, RecordLifecycleActionHeartbeat). The waits themselves are
// started and timed out by the reconciler (lifecycle-action.ts holds their logic); a call here
// records the result under the group's lock and brings the reconciler forward.
import type { LifecycleHook, LifecycleHookSpecification, PutLifecycleHookType } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { LifecycleHookRow } from '../../store/repos/autoscaling-groups.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { ServiceError } from '../../protocol/service-error.js';
import { checkRange, memberConstraint, validationError } from './asg-errors.js';
import { groupKey, type AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { complete, findWait, globalTimeout, heartbeat, LAUNCHING_TRANSITION, parseAction, TERMINATING_TRANSITION, type HookResult, type HookWait } from './lifecycle-action.js';

export const MAX_HOOKS = 50;
const TRANSITIONS = [LAUNCHING_TRANSITION, TERMINATING_TRANSITION];
const RESULTS = ['CONTINUE', 'ABANDON'];

/** A hook's parameters checked and defaulted (HeartbeatTimeout 3600 s, DefaultResult ABANDON). */
export function hookRow(scope: Scope, group: string, spec: Partial<LifecycleHookSpecification> & { LifecycleHookName: string }, existing?: LifecycleHookRow): LifecycleHookRow {
  const name = spec.LifecycleHookName;
  if (name.length < 1 || name.length > 255) throw memberConstraint('lifecycleHookName', name, 'Member must have length between 1 and 255');
  if (!/^[A-Za-z0-9\-_/]+$/.test(name)) throw memberConstraint('lifecycleHookName', name, 'Member must satisfy regular expression pattern: [A-Za-z0-9\\-_\\/]+');
  const transition = spec.LifecycleTransition ?? existing?.transition;
  if (!transition) throw validationError(`A lifecycle transition is required for the new lifecycle hook ${name}.`);
  if (!TRANSITIONS.includes(transition)) throw validationError(`Invalid lifecycle transition: ${transition}. Valid values are ${TRANSITIONS.join(' and ')}.`);
  checkRange('heartbeatTimeout', spec.HeartbeatTimeout, 30, 7200);
  const result = spec.DefaultResult ?? existing?.default_result ?? 'ABANDON';
  if (!RESULTS.includes(result)) throw validationError(`Invalid default result: ${result}. Valid values are CONTINUE and ABANDON.`);
  if ((spec.NotificationTargetARN ?? existing?.notification_target_arn) && !(spec.RoleARN ?? existing?.role_arn)) {
    throw validationError('A RoleARN is required with a NotificationTargetARN.');
  }
  return {
    account_id: scope.accountId,
    region: scope.region,
    group_name: group,
    hook_name: name,
    transition,
    heartbeat_timeout: spec.HeartbeatTimeout ?? existing?.heartbeat_timeout ?? 3600,
    default_result: result,
    notification_metadata: spec.NotificationMetadata ?? existing?.notification_metadata ?? null,
    notification_target_arn: spec.NotificationTargetARN ?? existing?.notification_target_arn ?? null,
    role_arn: spec.RoleARN ?? existing?.role_arn ?? null,
  };
}

/** CreateAutoScalingGroup's LifecycleHookSpecificationList, checked before the group is created. */
export function checkHookSpecs(caller: Scope, group: string, specs: readonly LifecycleHookSpecification[] | undefined): LifecycleHookRow[] {
  const rows = (specs ?? []).map((s) => hookRow(caller, group, s));
  if (rows.length > MAX_HOOKS) throw hookLimit(group);
  if (new Set(rows.map((r) => r.hook_name)).size !== rows.length) throw validationError('Lifecycle hook names must be unique within LifecycleHookSpecificationList.');
  return rows;
}

const hookLimit = (group: string) => new ServiceError('LimitExceeded', `Lifecycle hooks limit (${MAX_HOOKS}) reached for Auto Scaling group ${group}.`, 400);

export function hookOut(h: LifecycleHookRow): LifecycleHook {
  return {
    LifecycleHookName: h.hook_name,
    AutoScalingGroupName: h.group_name,
    LifecycleTransition: h.transition,
    NotificationTargetARN: h.notification_target_arn ?? undefined,
    RoleARN: h.role_arn ?? undefined,
    NotificationMetadata: h.notification_metadata ?? undefined,
    HeartbeatTimeout: h.heartbeat_timeout,
    GlobalTimeout: globalTimeout(h.heartbeat_timeout),
    DefaultResult: h.default_result,
  };
}

/** Which instance and hook wait a Complete/Heartbeat call names. */
interface ActionRef {
  group: string;
  hook: string;
  token?: string;
  instanceId?: string;
}

export class LifecycleHooks {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  async put(caller: Scope, input: PutLifecycleHookType): Promise<void> {
    const name = input.AutoScalingGroupName;
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      await this.groups.get(caller, name);
      const hooks = await this.ctx.groups.hooks(caller, name);
      const existing = hooks.find((h) => h.hook_name === input.LifecycleHookName);
      if (!existing && hooks.length >= MAX_HOOKS) {
        throw hookLimit(name);
      }
      await this.ctx.groups.putHook(hookRow(caller, name, input, existing));
    });
  }

  async describe(caller: Scope, group: string, names?: readonly string[]): Promise<LifecycleHook[]> {
    await this.groups.get(caller, group);
    const hooks = await this.ctx.groups.hooks(caller, group);
    return hooks.filter((h) => !names?.length || names.includes(h.hook_name)).map(hookOut);
  }

  /** Outstanding actions of the hook are completed first: ABANDON for launching instances, CONTINUE for terminating ones. */
  async delete(caller: Scope, group: string, hookName: string): Promise<void> {
    await this.ctx.lock.run(groupKey(caller, group), async () => {
      await this.groups.get(caller, group);
      if (!(await this.ctx.groups.deleteHook(caller, group, hookName))) {
        throw validationError(`No Lifecycle Hook found with name ${hookName} for Auto Scaling group ${group}.`);
      }
      for (const m of await this.ctx.instances.ofGroup(caller, group)) {
        const action = parseAction(m.lifecycle_action);
        const wait = action && findWait(action, hookName);
        if (!action || !wait) continue;
        complete(wait, action.transition === LAUNCHING_TRANSITION ? 'ABANDON' : 'CONTINUE');
        // lost to a concurrent result or timeout: that one stands
        await this.ctx.instances.updateAction(m.instance_id, m.lifecycle_action ?? null, { lifecycle_action: JSON.stringify(action) });
      }
    });
    this.ctx.kick(caller, group);
  }

  /** CompleteLifecycleAction: records the hook's result; the reconciler moves the instance on. */
  async complete(caller: Scope, ref: ActionRef, result: string): Promise<void> {
    if (!RESULTS.includes(result)) throw validationError(`Invalid lifecycle action result: ${result}. Valid values are CONTINUE and ABANDON.`);
    await this.onWait(caller, ref, (wait) => complete(wait, result as HookResult));
    this.ctx.kick(caller, ref.group);
  }

  /** RecordLifecycleActionHeartbeat: the heartbeat timeout starts again. */
  async heartbeat(caller: Scope, ref: ActionRef): Promise<void> {
    await this.onWait(caller, ref, (wait) => heartbeat(wait, Date.now()));
  }

  private async onWait(caller: Scope, ref: ActionRef, change: (wait: HookWait) => void): Promise<void> {
    if (!ref.token && !ref.instanceId) throw validationError('Either LifecycleActionToken or InstanceId must be specified.');
    await this.ctx.lock.run(groupKey(caller, ref.group), async () => {
      await this.groups.get(caller, ref.group);
      // compare-and-set on the stored action: a timeout applied meanwhile (by the reconciler,
      // perhaps on another node) wins, and the call then finds no active action
      for (let attempt = 0; attempt < 5; attempt++) {
        const members: GroupInstanceRow[] = ref.instanceId
          ? [await this.ctx.instances.get(caller, ref.instanceId)].filter((m): m is GroupInstanceRow => m?.group_name === ref.group)
          : await this.ctx.instances.ofGroup(caller, ref.group);
        const found = members.map((m) => ({ m, action: parseAction(m.lifecycle_action) })).find(({ m, action }) => action && m.lifecycle_state.endsWith(':Wait') && findWait(action, ref.hook, ref.token));
        if (!found) break;
        change(findWait(found.action!, ref.hook, ref.token)!);
        if (await this.ctx.instances.updateAction(found.m.instance_id, found.m.lifecycle_action ?? null, { lifecycle_action: JSON.stringify(found.action) })) return;
      }
      throw validationError(ref.token ? `No active Lifecycle Action found with token ${ref.token}` : `No active Lifecycle Action found with instance ID ${ref.instanceId}`);
    });
  }
}
