// Suspend/ResumeProcesses and Enable/DisableMetricsCollection: switches stored on the group row
// (suspended_processes, enabled_metrics) under the group's lock. The reconciler, the policies
// and the scheduled actions ask `isSuspended(group, process)`; the group metrics are emitted
// for `enabledMetrics(group)` (group-model.ts).
import type { EnabledMetric, SuspendedProcess } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import { at } from './activities.js';
import { groupKey, type AsgContext } from './asg-context.js';
import { validationError } from './asg-errors.js';
import { DELETING, enabledMetrics, SCALING_PROCESSES, suspendedProcesses, type ScalingProcess } from './group-model.js';
import type { GroupService } from './group-service.js';

/** The group metrics AWS collects (DescribeMetricCollectionTypes), at the one granularity it offers. */
export const GROUP_METRICS = [
  'GroupMinSize',
  'GroupMaxSize',
  'GroupDesiredCapacity',
  'GroupInServiceInstances',
  'GroupPendingInstances',
  'GroupStandbyInstances',
  'GroupTerminatingInstances',
  'GroupTotalInstances',
  'GroupInServiceCapacity',
  'GroupPendingCapacity',
  'GroupStandbyCapacity',
  'GroupTerminatingCapacity',
  'GroupTotalCapacity',
  'WarmPoolDesiredCapacity',
  'WarmPoolWarmedCapacity',
  'WarmPoolPendingCapacity',
  'WarmPoolTerminatingCapacity',
  'WarmPoolTotalCapacity',
  'GroupAndWarmPoolDesiredCapacity',
  'GroupAndWarmPoolTotalCapacity',
];
export const METRIC_GRANULARITY = '1Minute';

function checkProcesses(names: readonly string[] | undefined): ScalingProcess[] {
  if (names === undefined || names.length === 0) return [...SCALING_PROCESSES];
  for (const n of names) {
    if (!(SCALING_PROCESSES as readonly string[]).includes(n)) {
      throw validationError(`Process ${n} is not a valid process name. Valid processes are: ${SCALING_PROCESSES.join(', ')}.`);
    }
  }
  return names as ScalingProcess[];
}

function checkMetrics(names: readonly string[] | undefined): string[] {
  if (names === undefined || names.length === 0) return GROUP_METRICS;
  for (const n of names) if (!GROUP_METRICS.includes(n)) throw validationError(`Metric ${n} is not a valid metric. Valid metrics are: ${GROUP_METRICS.join(', ')}.`);
  return [...names];
}

export class ProcessControl {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  /** SuspendProcesses: the named processes (all when none is named) join the suspended ones. */
  async suspend(caller: Scope, name: string, processes?: readonly string[]): Promise<void> {
    const wanted = checkProcesses(processes);
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      if (group.row.status === DELETING) throw validationError('Processes may not be suspended while the AutoScaling group is pending delete');
      const current = suspendedProcesses(group);
      const reason = `User suspended at ${at().slice(3)}`;
      const added: SuspendedProcess[] = wanted.filter((p) => !current.some((c) => c.ProcessName === p)).map((p) => ({ ProcessName: p, SuspensionReason: reason }));
      if (added.length) await this.ctx.groups.update(caller, name, { suspended_processes: JSON.stringify(order([...current, ...added])) });
    });
  }

  /** ResumeProcesses: the named processes (all when none is named) run again. */
  async resume(caller: Scope, name: string, processes?: readonly string[]): Promise<void> {
    const wanted = checkProcesses(processes);
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      const left = suspendedProcesses(group).filter((p) => !wanted.includes(p.ProcessName as ScalingProcess));
      await this.ctx.groups.update(caller, name, { suspended_processes: left.length ? JSON.stringify(left) : null });
    });
    this.ctx.kick(caller, name);
  }

  async enableMetrics(caller: Scope, name: string, granularity: string, metrics?: readonly string[]): Promise<void> {
    if (granularity !== METRIC_GRANULARITY) throw validationError(`Valid granularity values: ${METRIC_GRANULARITY}`);
    const wanted = checkMetrics(metrics);
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      const current = enabledMetrics(group);
      const added: EnabledMetric[] = wanted.filter((m) => !current.some((c) => c.Metric === m)).map((m) => ({ Metric: m, Granularity: granularity }));
      if (added.length) await this.ctx.groups.update(caller, name, { enabled_metrics: JSON.stringify(metricOrder([...current, ...added])) });
    });
  }

  /** Never fails on a group that collects nothing (Ansible disables on every update). */
  async disableMetrics(caller: Scope, name: string, metrics?: readonly string[]): Promise<void> {
    const wanted = checkMetrics(metrics);
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      const left = enabledMetrics(group).filter((m) => !wanted.includes(m.Metric ?? ''));
      await this.ctx.groups.update(caller, name, { enabled_metrics: left.length ? JSON.stringify(left) : null });
    });
  }
}

const order = (ps: SuspendedProcess[]) => [...ps].sort((a, b) => SCALING_PROCESSES.indexOf(a.ProcessName as ScalingProcess) - SCALING_PROCESSES.indexOf(b.ProcessName as ScalingProcess));
const metricOrder = (ms: EnabledMetric[]) => [...ms].sort((a, b) => GROUP_METRICS.indexOf(a.Metric ?? '') - GROUP_METRICS.indexOf(b.Metric ?? ''));
