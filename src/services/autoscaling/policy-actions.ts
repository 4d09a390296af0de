// Scaling policies that act: an alarm whose action is a policy's ARN (CloudWatch invokes the
// target registered for 'arn:aws:autoscaling:' on its state change, and again at each
// evaluation while it stays in the state) and ExecutePolicy both come here. Under the group's
// lock the policy's decision is computed by scaling-math from the group's bounds, its desired
// capacity and its members' warm-up, and a change is written with its scaling activity cause
// ("At … a monitor alarm X in state ALARM triggered policy P changing the desired capacity from
// 1 to 3.") for the reconciler to act on (it prefixes that cause to the launch and termination
// activities it starts). A simple policy's change starts the group's cooldown (the policy's
// Cooldown, else the group's DefaultCooldown); while it runs, alarms do not execute simple
// policies. Alarm notifications are ignored while the group's AlarmNotification process is
// suspended.
import type { Scope } from '../../store/scope.js';
import type { PolicyRow } from '../../store/repos/autoscaling-groups.js';
import { ServiceError } from '../../protocol/service-error.js';
import { at, causes } from './activities.js';
import { groupKey, type AsgContext } from './asg-context.js';
import { validationError } from './asg-errors.js';
import { DELETING, isSuspended, parseGroup } from './group-model.js';
import { parseConfig, parsePolicyArn, type PolicyConfig } from './policy-model.js';
import { aggregate, countWarm, findStep, simpleDecision, stepDecision, targetDecision, warmupSeconds, type AggregationType, type Decision, type GroupCapacity } from './scaling-math.js';

/** What set a policy off. */
export type PolicyTrigger =
  | { by: 'alarm'; alarmName: string; alarmState: string; values: number[]; threshold?: number }
  | { by: 'user'; honorCooldown: boolean; metricValue?: number; breachThreshold?: number };

/** The alarm event fields a policy uses (CloudWatch's AlarmActionEvent has them). */
export interface InvokingAlarm {
  name: string;
  state: string;
  reasonData?: string;
}

/** AWS's alarm-history text when a step or target tracking policy has nothing to add over what is in progress. */
export const NOT_OVERRIDING = 'Auto Scaling Policy not executed because its effect does not override in-progress scaling actions';

export class PolicyActions {
  constructor(private readonly ctx: AsgContext) {}

  /** The alarm action target for 'arn:aws:autoscaling:' ARNs. */
  readonly alarmTarget = {
    repeatWhileInState: true,
    invoke: (scope: Scope, actionArn: string, alarm: InvokingAlarm): Promise<string | void> => this.onAlarm(scope, actionArn, alarm),
  };

  async onAlarm(scope: Scope, actionArn: string, alarm: InvokingAlarm): Promise<string | void> {
    const ref = parsePolicyArn(actionArn);
    // an alarm acts on its own account's policies only
    if (!ref || ref.scope.accountId !== scope.accountId || ref.scope.region !== scope.region) throw new Error(`Invalid Auto Scaling policy ARN ${actionArn}.`);
    const p = (await this.ctx.groups.policies(scope, ref.group)).find((r) => r.policy_name === ref.name && r.policy_id === ref.policyId);
    if (!p) throw new Error(`The scaling policy ${actionArn} was not found.`);
    const data = parseReasonData(alarm.reasonData);
    const decision = await this.run(scope, p, { by: 'alarm', alarmName: alarm.name, alarmState: alarm.state, values: data.values, threshold: data.threshold });
    if (decision.change) return;
    if (decision.reason === 'cooldown') throw new Error(`Auto Scaling Policy not executed because the Auto Scaling group ${p.group_name} is in its cooldown period.`);
    if (decision.reason === 'suspended') return `AlarmNotification is suspended for the Auto Scaling group ${p.group_name}: policy ${p.policy_name} not executed.`;
    if (decision.reason === 'no step') throw new Error(noStep(data.values, data.threshold));
    if (decision.reason === 'the desired capacity already matches' || decision.reason.includes('warming up')) throw new Error(NOT_OVERRIDING);
  }

  /** ExecutePolicy: AWS's parameter rules, then the same path as an alarm. */
  async execute(scope: Scope, p: PolicyRow, input: { HonorCooldown?: boolean; MetricValue?: number; BreachThreshold?: number }): Promise<void> {
    const c = parseConfig(p);
    if (c.PolicyType === 'TargetTrackingScaling' || c.PolicyType === 'PredictiveScaling') {
      throw validationError(`ExecutePolicy is not supported for a policy of type ${c.PolicyType}.`);
    }
    if (c.Enabled === false) throw validationError(`The scaling policy ${p.policy_name} is disabled.`);
    if (c.PolicyType === 'StepScaling') {
      if (input.MetricValue === undefined) throw validationError('MetricValue is required for policies of type StepScaling.');
      if (input.BreachThreshold === undefined) throw validationError('BreachThreshold is required for policies of type StepScaling.');
    } else {
      if (input.MetricValue !== undefined) throw validationError('MetricValue is only supported for policies of type StepScaling.');
      if (input.BreachThreshold !== undefined) throw validationError('BreachThreshold is only supported for policies of type StepScaling.');
    }
    const d = await this.run(scope, p, { by: 'user', honorCooldown: input.HonorCooldown ?? false, metricValue: input.MetricValue, breachThreshold: input.BreachThreshold });
    if (!d.change && d.reason === 'cooldown') throw new ServiceError('ScalingActivityInProgress', 'Scaling activity is in progress and blocks this action (the group is in its cooldown period).', 400);
    if (!d.change && d.reason === 'no step') throw validationError(noStep([input.MetricValue!], input.BreachThreshold));
  }

  /** Decides and applies under the group's lock. */
  async run(scope: Scope, p: PolicyRow, trigger: PolicyTrigger): Promise<Decision> {
    const c = parseConfig(p);
    const decision = await this.ctx.lock.run(groupKey(scope, p.group_name), async (): Promise<Decision> => {
      const row = await this.ctx.groups.get(scope, p.group_name);
      if (!row || row.status === DELETING) return { change: false, reason: 'the group is being deleted' };
      const group = parseGroup(row);
      if (trigger.by === 'alarm') {
        if (c.Enabled === false) return { change: false, reason: 'the policy is disabled' };
        if (isSuspended(group, 'AlarmNotification')) return { change: false, reason: 'suspended' };
      }
      const now = Date.now();
      const members = await this.ctx.instances.ofGroup(scope, p.group_name);
      const warmup = warmupSeconds(c.EstimatedInstanceWarmup, group.settings.DefaultInstanceWarmup, group.settings.DefaultCooldown);
      const cap: GroupCapacity = {
        desired: row.desired_capacity,
        min: row.min_size,
        max: row.max_size,
        ...countWarm(members.map((m) => ({ state: m.lifecycle_state, inServiceAt: m.in_service_at })), warmup, now),
      };
      const inCooldown = row.cooldown_until !== null && Date.parse(row.cooldown_until) > now;
      const d = decide(c, cap, trigger, inCooldown);
      if (!d.change) return d;
      const cause =
        trigger.by === 'alarm'
          ? `${at()} a monitor alarm ${trigger.alarmName} in state ${trigger.alarmState} triggered policy ${p.policy_name} changing the desired capacity from ${d.from} to ${d.to}.`
          : causes.policy(p.policy_name, d.from, d.to);
      await this.ctx.groups.update(scope, p.group_name, {
        desired_capacity: d.to,
        capacity_cause: cause,
        ...(c.PolicyType === 'SimpleScaling' ? { cooldown_until: new Date(now + (c.Cooldown ?? group.settings.DefaultCooldown) * 1000).toISOString() } : {}),
      });
      return d;
    });
    if (decision.change) {
      await this.ctx.groups.updatePolicy(scope, p.group_name, p.policy_name, { last_executed_at: new Date().toISOString() });
      this.ctx.kick(scope, p.group_name);
    }
    return decision;
  }
}

function decide(c: PolicyConfig, cap: GroupCapacity, t: PolicyTrigger, inCooldown: boolean): Decision {
  const minMagnitude = c.MinAdjustmentMagnitude ?? c.MinAdjustmentStep;
  switch (c.PolicyType) {
    case 'SimpleScaling':
      // alarms always wait for the cooldown; ExecutePolicy only with HonorCooldown
      return simpleDecision(cap, c.AdjustmentType!, c.ScalingAdjustment ?? 0, minMagnitude, inCooldown && (t.by === 'alarm' || t.honorCooldown));
    case 'StepScaling': {
      const values = t.by === 'alarm' ? t.values : [t.metricValue!];
      const threshold = t.by === 'alarm' ? t.threshold : t.breachThreshold;
      if (values.length === 0 || threshold === undefined) return { change: false, reason: 'no step' };
      const step = findStep(c.StepAdjustments ?? [], aggregate(values, (c.MetricAggregationType ?? 'Average') as AggregationType), threshold);
      if (!step) return { change: false, reason: 'no step' };
      return stepDecision(cap, c.AdjustmentType!, step.ScalingAdjustment, minMagnitude);
    }
    case 'TargetTrackingScaling': {
      const tt = c.TargetTrackingConfiguration!;
      // the latest datapoint is the metric now
      const metric = t.by === 'alarm' ? t.values.at(-1) : undefined;
      if (metric === undefined) return { change: false, reason: 'no datapoint' };
      return targetDecision(cap, metric, tt.TargetValue, tt.DisableScaleIn ?? false);
    }
    default:
      return { change: false, reason: `policies of type ${c.PolicyType} do not act on alarms` };
  }
}

/** StateReasonData's recentDatapoints and threshold. */
function parseReasonData(reasonData: string | undefined): { values: number[]; threshold?: number } {
  if (!reasonData) return { values: [] };
  try {
    const d = JSON.parse(reasonData) as { recentDatapoints?: unknown[]; threshold?: unknown };
    return {
      values: (d.recentDatapoints ?? []).filter((v): v is number => typeof v === 'number'),
      threshold: typeof d.threshold === 'number' ? d.threshold : undefined,
    };
  } catch {
    return { values: [] };
  }
}

/** AWS's text: "No step adjustment found for metric value [0.14, 0.15] and breach threshold 85.0". */
const noStep = (values: readonly number[], threshold: number | undefined) =>
  `No step adjustment found for metric value [${values.join(', ')}] and breach threshold ${threshold === undefined ? 'null' : Number.isInteger(threshold) ? threshold.toFixed(1) : String(threshold)}`;
