// Scaling policies: stored as given (PutScalingPolicy / DescribePolicies / DeletePolicy);
// ExecutePolicy applies simple and step scaling adjustments to the desired capacity (clamped to
// the group's bounds, as a policy's change is). Target tracking and predictive policies need
// CloudWatch metrics, which Imago does not have: they are stored but not executed.
import { randomUUID } from 'node:crypto';
import type { DescribePoliciesType, ExecutePolicyType, PutScalingPolicyType, ScalingPolicy } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { PolicyRow } from '../../store/repos/autoscaling-groups.js';
import { causes } from './activities.js';
import { validationError } from './asg-errors.js';
import type { AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { page } from './paging.js';
import { applyAdjustment } from './scaling-math.js';

const TYPES = ['SimpleScaling', 'StepScaling', 'TargetTrackingScaling', 'PredictiveScaling'];
const ADJUSTMENTS = ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'];

const policyArn = (p: PolicyRow) => `arn:aws:autoscaling:${p.region}:${p.account_id}:scalingPolicy:${p.policy_id}:autoScalingGroupName/${p.group_name}:policyName/${p.policy_name}`;

const notFound = (name: string) => validationError(`The scaling policy ${name} was not found.`);

export class PolicyService {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  async put(caller: Scope, input: PutScalingPolicyType): Promise<{ PolicyARN: string; Alarms: [] }> {
    await this.groups.get(caller, input.AutoScalingGroupName);
    const type = input.PolicyType ?? 'SimpleScaling';
    if (!TYPES.includes(type)) throw validationError(`Invalid policy type ${type}. Valid values are ${TYPES.join(', ')}.`);
    if (input.AdjustmentType !== undefined && !ADJUSTMENTS.includes(input.AdjustmentType)) {
      throw validationError(`Invalid adjustment type ${input.AdjustmentType}. Valid values are ${ADJUSTMENTS.join(', ')}.`);
    }
    if (type === 'SimpleScaling' && (input.ScalingAdjustment === undefined || input.AdjustmentType === undefined)) {
      throw validationError('ScalingAdjustment and AdjustmentType are required for policies of type SimpleScaling.');
    }
    if (type === 'StepScaling' && (!input.StepAdjustments?.length || input.AdjustmentType === undefined)) {
      throw validationError('StepAdjustments and AdjustmentType are required for policies of type StepScaling.');
    }
    if (type === 'TargetTrackingScaling' && !input.TargetTrackingConfiguration) throw validationError('TargetTrackingConfiguration is required for policies of type TargetTrackingScaling.');
    if (type === 'PredictiveScaling' && !input.PredictiveScalingConfiguration) throw validationError('PredictiveScalingConfiguration is required for policies of type PredictiveScaling.');
    if (input.MinAdjustmentMagnitude !== undefined && input.AdjustmentType !== 'PercentChangeInCapacity') {
      throw validationError('MinAdjustmentMagnitude may only be specified with AdjustmentType PercentChangeInCapacity.');
    }
    const existing = (await this.ctx.groups.policies(caller, input.AutoScalingGroupName)).find((p) => p.policy_name === input.PolicyName);
    const row: PolicyRow = {
      account_id: caller.accountId,
      region: caller.region,
      group_name: input.AutoScalingGroupName,
      policy_name: input.PolicyName,
      policy_id: existing?.policy_id ?? randomUUID(),
      config: JSON.stringify({ ...input, PolicyType: type }),
      last_executed_at: existing?.last_executed_at ?? null,
    };
    await this.ctx.groups.putPolicy(row);
    return { PolicyARN: policyArn(row), Alarms: [] };
  }

  async describe(caller: Scope, input: DescribePoliciesType): Promise<{ policies: ScalingPolicy[]; nextToken?: string }> {
    let rows = await this.ctx.groups.policies(caller, input.AutoScalingGroupName);
    if (input.PolicyNames?.length) rows = rows.filter((p) => input.PolicyNames!.includes(p.policy_name) || input.PolicyNames!.includes(policyArn(p)));
    const out = rows.map((p) => ({ row: p, policy: this.out(p) }));
    const filtered = input.PolicyTypes?.length ? out.filter((p) => input.PolicyTypes!.includes(p.policy.PolicyType!)) : out;
    const { items, nextToken } = page(filtered, (p) => `${p.row.group_name}\u0000${p.row.policy_name}`, input, { binding: [caller.accountId, caller.region, input.AutoScalingGroupName, input.PolicyNames, input.PolicyTypes], max: 100, defaultSize: 50 });
    return { policies: items.map((p) => p.policy), nextToken };
  }

  private out(p: PolicyRow): ScalingPolicy {
    const c = JSON.parse(p.config) as PutScalingPolicyType;
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
      Alarms: [],
      TargetTrackingConfiguration: c.TargetTrackingConfiguration,
      Enabled: c.Enabled ?? true,
      PredictiveScalingConfiguration: c.PredictiveScalingConfiguration,
    };
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
  }

  async execute(caller: Scope, input: ExecutePolicyType): Promise<void> {
    if (input.AutoScalingGroupName !== undefined) await this.groups.get(caller, input.AutoScalingGroupName);
    const p = await this.find(caller, input.AutoScalingGroupName, input.PolicyName);
    const c = JSON.parse(p.config) as PutScalingPolicyType;
    if (c.PolicyType === 'TargetTrackingScaling' || c.PolicyType === 'PredictiveScaling') {
      throw validationError(`ExecutePolicy is not supported for policies of type ${c.PolicyType}.`);
    }
    if (c.Enabled === false) throw validationError(`The scaling policy ${p.policy_name} is disabled.`);
    let adjustment = c.ScalingAdjustment ?? 0;
    if (c.PolicyType === 'StepScaling') {
      if (input.MetricValue === undefined || input.BreachThreshold === undefined) {
        throw validationError('MetricValue and BreachThreshold are required to execute a policy of type StepScaling.');
      }
      const diff = input.MetricValue - input.BreachThreshold;
      const step = c.StepAdjustments!.find((s) => (s.MetricIntervalLowerBound === undefined || diff >= s.MetricIntervalLowerBound) && (s.MetricIntervalUpperBound === undefined || diff < s.MetricIntervalUpperBound));
      if (!step) throw validationError(`No step adjustment covers the metric value ${input.MetricValue} against the breach threshold ${input.BreachThreshold}.`);
      adjustment = step.ScalingAdjustment;
    }
    const group = await this.groups.get(caller, p.group_name);
    const current = group.row.desired_capacity;
    const next = Math.min(group.row.max_size, Math.max(group.row.min_size, applyAdjustment(current, c.AdjustmentType!, adjustment, c.MinAdjustmentMagnitude ?? c.MinAdjustmentStep)));
    // a simple policy's own cooldown wins over the group's default
    await this.groups.setDesired(caller, p.group_name, next, input.HonorCooldown ?? false, (from, to) => causes.policy(p.policy_name, from, to));
    await this.ctx.groups.updatePolicy(caller, p.group_name, p.policy_name, { last_executed_at: new Date().toISOString() });
  }
}
