// Scaling policies: PutScalingPolicy / DescribePolicies / DeletePolicy / ExecutePolicy. A target
// tracking policy gets the CloudWatch alarms AWS manages for it (policy-alarms.ts): created with
// the policy, changed in place when it changes, deleted with it and with its group; they are
// listed in PutScalingPolicy's and DescribePolicies' Alarms. Step and simple policies are set
// off by the user's alarms whose actions name the policy's ARN (DescribePolicies lists those).
// Executing a policy, by alarm or ExecutePolicy, is policy-actions.ts.
import { randomUUID } from 'node:crypto';
import type { Alarm, DescribePoliciesType, ExecutePolicyType, PutScalingPolicyType, ScalingPolicy } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { AutoscalingGroupsRepo, PolicyRow } from '../../store/repos/autoscaling-groups.js';
import { checkRange, validationError } from './asg-errors.js';
import type { AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { page } from './paging.js';
import { alarmOut, managedAlarms, trackedMetric, type ScalingAlarms } from './policy-alarms.js';
import type { PolicyActions } from './policy-actions.js';
import { parseConfig, policyArn, type PolicyConfig } from './policy-model.js';
import { ADJUSTMENT_TYPES, AGGREGATION_TYPES, checkSteps } from './scaling-math.js';

const TYPES = ['SimpleScaling', 'StepScaling', 'TargetTrackingScaling', 'PredictiveScaling'];

/** The parameters each policy type takes (PutScalingPolicy reference: "Valid only if the policy type is …"). */
const ALLOWED: Record<string, readonly (keyof PutScalingPolicyType)[]> = {
  SimpleScaling: ['AdjustmentType', 'ScalingAdjustment', 'MinAdjustmentMagnitude', 'MinAdjustmentStep', 'Cooldown'],
  StepScaling: ['AdjustmentType', 'StepAdjustments', 'MinAdjustmentMagnitude', 'MinAdjustmentStep', 'MetricAggregationType', 'EstimatedInstanceWarmup'],
  TargetTrackingScaling: ['TargetTrackingConfiguration', 'EstimatedInstanceWarmup'],
  PredictiveScaling: ['PredictiveScalingConfiguration'],
};
const TYPED: readonly (keyof PutScalingPolicyType)[] = [...new Set(Object.values(ALLOWED).flat())];

const notFound = (name: string) => validationError(`The scaling policy ${name} was not found.`);

export class PolicyService {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
    private readonly actions: PolicyActions,
    /** CloudWatch's alarms (absent when the server runs without CloudWatch: target tracking then has no alarms) */
    private readonly alarms?: ScalingAlarms,
  ) {}

  async put(caller: Scope, input: PutScalingPolicyType): Promise<{ PolicyARN: string; Alarms: Alarm[] }> {
    const group = await this.groups.get(caller, input.AutoScalingGroupName);
    const type = input.PolicyType ?? 'SimpleScaling';
    checkPolicy(type, input);
    const existing = (await this.ctx.groups.policies(caller, input.AutoScalingGroupName)).find((p) => p.policy_name === input.PolicyName);
    const config: PolicyConfig = { ...input, PolicyType: type };
    const row: PolicyRow = {
      account_id: caller.accountId,
      region: caller.region,
      group_name: input.AutoScalingGroupName,
      policy_name: input.PolicyName,
      policy_id: existing?.policy_id ?? randomUUID(),
      config: '',
      last_executed_at: existing?.last_executed_at ?? null,
    };
    const arn = policyArn(row);
    const before = existing ? (parseConfig(existing).managedAlarms ?? []) : [];
    let alarms: Alarm[] = [];
    if (type === 'TargetTrackingScaling') {
      const tt = input.TargetTrackingConfiguration!;
      const metric = trackedMetric(group.name, group.settings.TargetGroupARNs, tt, this.alarms?.periodSeconds);
      if (this.alarms) {
        const defs = managedAlarms(group.name, arn, tt, metric, before);
        for (const d of defs) alarms.push(alarmOut({ name: d.name, arn: (await this.alarms.putMetricAlarm(caller, d)).arn }));
        config.managedAlarms = defs.map((d) => d.name);
      }
    }
    row.config = JSON.stringify(config);
    await this.ctx.groups.putPolicy(row);
    const gone = before.filter((n) => !config.managedAlarms?.includes(n));
    if (gone.length && this.alarms) await this.alarms.deleteAlarms(caller, gone);
    if (type !== 'TargetTrackingScaling') alarms = [];
    return { PolicyARN: arn, Alarms: alarms };
  }

  async describe(caller: Scope, input: DescribePoliciesType): Promise<{ policies: ScalingPolicy[]; nextToken?: string }> {
    let rows = await this.ctx.groups.policies(caller, input.AutoScalingGroupName);
    if (input.PolicyNames?.length) rows = rows.filter((p) => input.PolicyNames!.includes(p.policy_name) || input.PolicyNames!.includes(policyArn(p)));
    if (input.PolicyTypes?.length) rows = rows.filter((p) => input.PolicyTypes!.includes(parseConfig(p).PolicyType));
    const { items, nextToken } = page(rows, (p) => `${p.group_name}\u0000${p.policy_name}`, input, { binding: [caller.accountId, caller.region, input.AutoScalingGroupName, input.PolicyNames, input.PolicyTypes], max: 100, defaultSize: 50 });
    const policies: ScalingPolicy[] = [];
    for (const p of items) policies.push(policyOut(p, await this.alarmsOf(caller, p)));
    return { policies, nextToken };
  }

  /** A target tracking policy's managed alarms; for others, the alarms whose actions name the policy. */
  private async alarmsOf(caller: Scope, p: PolicyRow): Promise<Alarm[]> {
    if (!this.alarms) return [];
    const c = parseConfig(p);
    if (c.managedAlarms?.length) return (await this.alarms.describeAlarms(caller, c.managedAlarms)).map(alarmOut);
    return ((await this.alarms.alarmsWithAction?.(caller, policyArn(p))) ?? []).map(alarmOut);
  }

  private async find(caller: Scope, group: string | undefined, name: string): Promise<PolicyRow> {
    const rows = await this.ctx.groups.policies(caller, group);
    const p = rows.find((r) => r.policy_name === name || policyArn(r) === name);
    if (!p) throw notFound(name);
    return p;
  }

  async delete(caller: Scope, group: string | undefined, name: string): Promise<void> {
    if (group !== undefined) await this.groups.get(caller, group);
    const p = await this.find(caller, group, name);
    await this.ctx.groups.deletePolicy(caller, p.group_name, p.policy_name);
    const managed = parseConfig(p).managedAlarms ?? [];
    if (managed.length && this.alarms) await this.alarms.deleteAlarms(caller, managed);
  }

  /** A group is going away: its policies' managed alarms go with it. */
  async forgetGroup(scope: Scope, group: string): Promise<void> {
    if (!this.alarms) return;
    const names = (await this.ctx.groups.policies(scope, group)).flatMap((p) => parseConfig(p).managedAlarms ?? []);
    if (names.length) await this.alarms.deleteAlarms(scope, names);
  }

  async execute(caller: Scope, input: ExecutePolicyType): Promise<void> {
    if (input.AutoScalingGroupName !== undefined) await this.groups.get(caller, input.AutoScalingGroupName);
    const p = await this.find(caller, input.AutoScalingGroupName, input.PolicyName);
    await this.actions.execute(caller, p, input);
  }
}

/** PutScalingPolicy's rules beyond the model's. */
function checkPolicy(type: string, input: PutScalingPolicyType): void {
  if (!TYPES.includes(type)) throw validationError(`Invalid policy type ${type}. Valid values are ${TYPES.join(', ')}.`);
  for (const field of TYPED) {
    if (input[field] !== undefined && !ALLOWED[type]!.includes(field)) throw validationError(`${field} is not supported for policy type ${type}.`);
  }
  if (input.AdjustmentType !== undefined && !(ADJUSTMENT_TYPES as readonly string[]).includes(input.AdjustmentType)) {
    throw validationError(`Invalid adjustment type ${input.AdjustmentType}. Valid values are ${ADJUSTMENT_TYPES.join(', ')}.`);
  }
  if (type === 'SimpleScaling' && (input.ScalingAdjustment === undefined || input.AdjustmentType === undefined)) {
    throw validationError('ScalingAdjustment and AdjustmentType are required for policies of type SimpleScaling.');
  }
  if (type === 'StepScaling') {
    if (!input.StepAdjustments?.length || input.AdjustmentType === undefined) throw validationError('StepAdjustments and AdjustmentType are required for policies of type StepScaling.');
    const problem = checkSteps(input.StepAdjustments);
    if (problem) throw validationError(problem);
    if (input.MetricAggregationType !== undefined && !(AGGREGATION_TYPES as readonly string[]).includes(input.MetricAggregationType)) {
      throw validationError(`Invalid metric aggregation type ${input.MetricAggregationType}. Valid values are ${AGGREGATION_TYPES.join(', ')}.`);
    }
  }
  if (type === 'TargetTrackingScaling' && !input.TargetTrackingConfiguration) throw validationError('TargetTrackingConfiguration is required for policies of type TargetTrackingScaling.');
  if (type === 'PredictiveScaling' && !input.PredictiveScalingConfiguration) throw validationError('PredictiveScalingConfiguration is required for policies of type PredictiveScaling.');
  if ((input.MinAdjustmentMagnitude !== undefined || input.MinAdjustmentStep !== undefined) && input.AdjustmentType !== 'PercentChangeInCapacity') {
    throw validationError('MinAdjustmentMagnitude may only be specified with AdjustmentType PercentChangeInCapacity.');
  }
  const exactNegative = input.AdjustmentType === 'ExactCapacity' && [input.ScalingAdjustment, ...(input.StepAdjustments ?? []).map((s) => s.ScalingAdjustment)].some((a) => a !== undefined && a < 0);
  if (exactNegative) throw validationError('ScalingAdjustment cannot be negative with the specified adjustment type.');
  checkRange('cooldown', input.Cooldown, 0);
  checkRange('estimatedInstanceWarmup', input.EstimatedInstanceWarmup, 0);
  checkRange('minAdjustmentMagnitude', input.MinAdjustmentMagnitude, 1);
}

function policyOut(p: PolicyRow, alarms: Alarm[]): ScalingPolicy {
  const c = parseConfig(p);
  return {
    AutoScalingGroupName: p.group_name,
    PolicyName: p.policy_name,
    PolicyARN: policyArn(p),
    PolicyType: c.PolicyType,
    AdjustmentType: c.AdjustmentType,
    MinAdjustmentStep: c.MinAdjustmentStep,
    MinAdjustmentMagnitude: c.MinAdjustmentMagnitude,
    ScalingAdjustment: c.ScalingAdjustment,
    Cooldown: c.Cooldown,
    StepAdjustments: c.StepAdjustments,
    MetricAggregationType: c.PolicyType === 'StepScaling' ? (c.MetricAggregationType ?? 'Average') : c.MetricAggregationType,
    EstimatedInstanceWarmup: c.EstimatedInstanceWarmup,
    Alarms: alarms,
    TargetTrackingConfiguration: c.TargetTrackingConfiguration,
    Enabled: c.Enabled ?? true,
    PredictiveScalingConfiguration: c.PredictiveScalingConfiguration,
  };
}

/** The groups repo with a delete that first lets the policies forget the group (their managed alarms). */
export function withPolicyCleanup(repo: AutoscalingGroupsRepo, forget: (scope: Scope, group: string) => Promise<void>): AutoscalingGroupsRepo {
  const wrapped = Object.create(repo) as AutoscalingGroupsRepo;
  wrapped.delete = async (scope, name) => {
    await forget(scope, name);
    await repo.delete(scope, name);
  };
  return wrapped;
}
