// Instance refresh API: StartInstanceRefresh (preferences checked and defaulted, the instances
// to replace chosen — all of them, or with SkipMatching those not already on the desired
// template version), DescribeInstanceRefreshes, CancelInstanceRefresh and
// RollbackInstanceRefresh. The replacing itself is done by the reconciler (refresh-step.ts).
import { isTerminating, isWarm } from './member-states.js';
import { randomUUID } from 'node:crypto';
import type { DescribeInstanceRefreshesType, InstanceRefresh, StartInstanceRefreshType } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { RefreshRow } from '../../store/repos/instance-refreshes.js';
import { ServiceError } from '../../protocol/service-error.js';
import { SSM_PREFIX } from '../ec2/launch-templates/template-data.js';
import type { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import { checkRange, validationError } from './asg-errors.js';
import { groupKey, type AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { sourceTemplate, type Group, type LaunchSource } from './group-model.js';
import { checkSource, sameVersion } from './launch-source.js';
import { page } from './paging.js';
import { isActive, parsePlan, refreshOut, type Prefs, type RefreshPlan } from './refresh-model.js';
import { startRollback } from './refresh-step.js';

const noActive = (group: string) => new ServiceError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${group}`, 400);
const irreversible = (why: string) => new ServiceError('IrreversibleInstanceRefresh', `The instance refresh cannot be rolled back: ${why}`, 400);

export class RefreshService {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  private prefs(group: Group, input: StartInstanceRefreshType): Prefs {
    const p = input.Preferences ?? {};
    checkRange('preferences.minHealthyPercentage', p.MinHealthyPercentage, 0, 100);
    checkRange('preferences.maxHealthyPercentage', p.MaxHealthyPercentage, 100, 200);
    checkRange('preferences.instanceWarmup', p.InstanceWarmup, 0);
    checkRange('preferences.checkpointDelay', p.CheckpointDelay, 0, 172800);
    checkRange('preferences.bakeTime', p.BakeTime, 0, 172800);
    if (p.MaxHealthyPercentage !== undefined && p.MinHealthyPercentage === undefined) {
      throw validationError('MinHealthyPercentage must be specified together with MaxHealthyPercentage.');
    }
    const policy = group.settings.InstanceMaintenancePolicy;
    const min = p.MinHealthyPercentage ?? policy?.MinHealthyPercentage ?? 90;
    const max = p.MaxHealthyPercentage ?? (p.MinHealthyPercentage === undefined ? policy?.MaxHealthyPercentage : undefined) ?? 100;
    if (max - min > 100) throw validationError('The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.');
    const checkpoints = p.CheckpointPercentages;
    if (p.CheckpointDelay !== undefined && !checkpoints?.length) throw validationError('CheckpointDelay can only be specified together with CheckpointPercentages.');
    for (const [i, c] of (checkpoints ?? []).entries()) {
      checkRange(`preferences.checkpointPercentages.${i + 1}.member`, c, 1, 100);
      if (i > 0 && c <= checkpoints![i - 1]) throw validationError('CheckpointPercentages must be unique and in ascending order.');
    }
    return {
      ...p,
      MinHealthyPercentage: min,
      MaxHealthyPercentage: max,
      InstanceWarmup: p.InstanceWarmup ?? group.settings.DefaultInstanceWarmup ?? group.settings.HealthCheckGracePeriod,
      SkipMatching: p.SkipMatching ?? false,
      AutoRollback: p.AutoRollback ?? false,
      ScaleInProtectedInstances: p.ScaleInProtectedInstances ?? 'Wait',
      StandbyInstances: p.StandbyInstances ?? 'Wait',
      ...(checkpoints?.length ? { CheckpointDelay: p.CheckpointDelay ?? 3600 } : {}),
    };
  }

  /** Why a refresh back to `previous` could not be rolled back (the RefreshPreferences rules), or undefined. */
  private async irreversibility(caller: Scope, previous: LaunchSource, target: LaunchSource | undefined): Promise<string | undefined> {
    if (!target) return 'the instance refresh has no desired configuration.';
    const { spec } = sourceTemplate(previous);
    if (!spec) return 'the Auto Scaling group has no launch template to return to.';
    if (spec.Version === '$Latest' || spec.Version === '$Default') return `the Auto Scaling group uses the launch template's ${spec.Version} version.`;
    try {
      const resolved = await this.ctx.templates.resolve(caller, spec);
      if (resolved.data.ImageId?.startsWith(SSM_PREFIX)) return 'the launch template uses a Systems Manager parameter instead of an AMI ID for ImageId.';
    } catch (e) {
      return `the previous launch template cannot be used: ${(e as Error).message}`;
    }
    return undefined;
  }

  async start(caller: Scope, input: StartInstanceRefreshType): Promise<string> {
    const name = input.AutoScalingGroupName;
    const strategy = input.Strategy ?? 'Rolling';
    if (strategy !== 'Rolling') throw validationError(`The ${strategy} strategy is not supported: use Rolling.`);
    const desired = input.DesiredConfiguration;
    const id = await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      if ((await this.ctx.refreshes.ofGroup(caller, name)).some(isActive)) {
        throw new ServiceError('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.', 400);
      }
      const prefs = this.prefs(group, input);
      let target: LaunchSource | undefined;
      if (desired && (desired.LaunchTemplate || desired.MixedInstancesPolicy)) {
        target = await checkSource(caller, this.ctx.templates, this.ctx.images, { LaunchTemplate: desired.LaunchTemplate, MixedInstancesPolicy: desired.MixedInstancesPolicy });
      }
      if (prefs.AutoRollback) {
        const why = await this.irreversibility(caller, group.source, target);
        if (why) throw validationError(`AutoRollback is not supported for this instance refresh: ${why}`);
      }
      const members = (await this.ctx.instances.ofGroup(caller, name)).filter((m) => !isTerminating(m) && !isWarm(m));
      let resolvedTarget: Awaited<ReturnType<LaunchTemplateService['resolve']>> | undefined;
      if (prefs.SkipMatching) {
        const { spec } = sourceTemplate(target ?? group.source);
        resolvedTarget = spec ? await this.ctx.templates.resolve(caller, spec).catch(() => undefined) : undefined;
      }
      const toReplace = members
        .filter((m) => !(m.lifecycle_state === 'Standby' && prefs.StandbyInstances === 'Ignore'))
        .filter((m) => !(m.protected_from_scale_in === 1 && prefs.ScaleInProtectedInstances === 'Ignore'))
        .filter((m) => !(prefs.SkipMatching && sameVersion(m.launch_template ? JSON.parse(m.launch_template) : undefined, resolvedTarget)))
        .map((m) => m.instance_id);
      const plan: RefreshPlan = {
        phase: 'forward',
        total: toReplace.length,
        toReplace,
        previous: group.source,
        target,
        checkpointIndex: 0,
        failures: 0,
        percentage: 0,
        instancesToUpdate: toReplace.length,
      };
      const row: RefreshRow = {
        refresh_id: randomUUID(),
        account_id: caller.accountId,
        region: caller.region,
        group_name: name,
        status: 'Pending',
        status_reason: null,
        start_time: new Date().toISOString(),
        end_time: null,
        strategy,
        preferences: JSON.stringify(prefs),
        desired_configuration: desired ? JSON.stringify(desired) : null,
        plan: JSON.stringify(plan),
      };
      await this.ctx.refreshes.insert(row);
      return row.refresh_id;
    });
    this.ctx.kick(caller, name);
    return id;
  }

  async describe(caller: Scope, input: DescribeInstanceRefreshesType): Promise<{ refreshes: InstanceRefresh[]; nextToken?: string }> {
    let rows = await this.ctx.refreshes.ofGroup(caller, input.AutoScalingGroupName);
    if (input.InstanceRefreshIds?.length) rows = rows.filter((r) => input.InstanceRefreshIds!.includes(r.refresh_id));
    // newest first; the paging key follows that order
    const keyed = rows.map((r) => ({ r, key: `${String(9e15 - Date.parse(r.start_time)).padStart(16, '0')}${r.refresh_id}` }));
    const { items, nextToken } = page(keyed, (k) => k.key, input, { binding: [caller.accountId, caller.region, input.AutoScalingGroupName, input.InstanceRefreshIds], max: 100, defaultSize: 50 });
    return { refreshes: items.map((k) => refreshOut(k.r)), nextToken };
  }

  async cancel(caller: Scope, name: string): Promise<string> {
    const id = await this.ctx.lock.run(groupKey(caller, name), async () => {
      await this.groups.get(caller, name);
      const r = (await this.ctx.refreshes.ofGroup(caller, name)).find((x) => isActive(x) && x.status !== 'Cancelling');
      if (!r) throw noActive(name);
      const now = new Date().toISOString();
      if (r.status === 'Pending') await this.ctx.refreshes.update(r.refresh_id, { status: 'Cancelled', end_time: now });
      else await this.ctx.refreshes.update(r.refresh_id, { status: 'Cancelling' });
      return r.refresh_id;
    });
    this.ctx.kick(caller, name);
    return id;
  }

  async rollback(caller: Scope, name: string): Promise<string> {
    const id = await this.ctx.lock.run(groupKey(caller, name), async () => {
      await this.groups.get(caller, name);
      const r = (await this.ctx.refreshes.ofGroup(caller, name)).find((x) => ['Pending', 'InProgress', 'Baking'].includes(x.status));
      if (!r) throw noActive(name);
      const plan = parsePlan(r);
      const why = await this.irreversibility(caller, plan.previous, plan.target);
      if (why) throw irreversible(why);
      const members = await this.ctx.instances.ofGroup(caller, name);
      startRollback(plan, members, r, 'Rollback requested by user (RollbackInstanceRefresh).', Date.now());
      await this.ctx.refreshes.update(r.refresh_id, { status: 'RollbackInProgress', status_reason: null, plan: JSON.stringify(plan) });
      return r.refresh_id;
    });
    this.ctx.kick(caller, name);
    return id;
  }
}
