// The collector of the metrics instances publish (instance-datapoints.ts says which): a loop on
// every node over the running instances placed there (each node samples its own VMs: the
// counters are the driver's, in memory) — and, on one node (the first live one by id), over
// those no live node runs (the `none` driver's, a dead node's: status checks only) — ticking on wall-clock multiples of the period —
// `--metrics-period-seconds`, 60 by default: detailed monitoring's minute; basic monitoring
// publishes every fifth tick; under a minute, as high-resolution data. A tick samples each VM once (compute/vm-counters.ts), turns the
// difference with the previous tick's sample into the period's values, stamped with the
// period's start, and writes them through the CloudWatch metric store, one put per account and
// region. An instance's first tick after it (or the server) started has no previous sample: it
// publishes its status checks only. Nothing is kept across restarts: the VMs do not survive one
// either.
import type { InstanceDriver, InstanceHealth } from '../../../compute/instance-driver.js';
import { vmPeriod, type VmCounters } from '../../../compute/vm-counters.js';
import type { Logger } from '../../../logger.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { Store } from '../../../store/store.js';
import type { MetricDatum, MetricStore } from '../../cloudwatch/metrics/metric-store.js';
import { addTo } from '../../../group-by.js';
import { selectInChunks } from '../../../store/id-chunks.js';
import { specOf } from '../instances/instance-row.js';
import { FivePeriods, instanceData, statusValues, usageValues, volumeData, type InstanceFacts } from './instance-datapoints.js';

export interface InstanceMetricsDeps {
  store: Store;
  driver: InstanceDriver;
  metrics: Pick<MetricStore, 'put'>;
  /** this node, when its driver runs VMs here: only the instances placed here are measured */
  node?: string;
  /**
   * Whether this node publishes for running instances no live node runs (the `none` driver's,
   * a dead node's: their status checks) — one node of the cluster; default: this one.
   */
  leads?: () => boolean;
  /** whether a node is alive (default: all are) */
  isAlive?: (nodeId: string) => boolean;
  periodSeconds: number;
  /** running instances' status checks, as DescribeInstanceStatus reports them */
  health: (rows: InstanceRow[]) => Promise<Map<string, InstanceHealth | undefined>>;
  log?: Logger;
}

/** Basic monitoring publishes every this many periods. */
export const BASIC_PERIODS = 5;

export class InstanceMetrics {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  private readonly previous = new Map<string, VmCounters>();
  private readonly basic = new Map<string, FivePeriods>();
  private failure: string | undefined;

  constructor(private readonly deps: InstanceMetricsDeps) {}

  private get periodMs(): number {
    return this.deps.periodSeconds * 1000;
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    const boundary = Math.floor(now / this.periodMs) * this.periodMs + this.periodMs;
    this.timer = setTimeout(() => {
      this.running = this.tick(boundary).then(
        () => (this.failure = undefined),
        (e: unknown) => {
          // once per distinct failure, not every period
          if (String(e) !== this.failure) this.deps.log?.warn('instance metrics not published', { err: (this.failure = String(e)) });
        },
      );
      void this.running.then(() => this.schedule());
    }, boundary - now);
    this.timer.unref();
  }

  /** One period ending at `boundary` (ms): samples, publishes, remembers the samples. */
  async tick(boundary: number): Promise<void> {
    const { store, driver } = this.deps;
    const rows = await this.instances();
    const start = new Date(boundary - this.periodMs);
    const fifth = Math.round(boundary / this.periodMs) % BASIC_PERIODS === 0;
    const [groups, health] = await Promise.all([this.groupNames(rows), this.deps.health(rows)]);
    const byScope = new Map<string, MetricDatum[]>();
    const seen = new Set<string>();
    for (const row of rows) {
      const id = row.instance_id;
      seen.add(id);
      const facts: InstanceFacts = { instanceId: id, imageId: row.image_id, instanceType: row.instance_type, detailed: specOf(row).monitoring, autoScalingGroupName: groups.get(id) };
      const data: MetricDatum[] = instanceData(facts, statusValues(health.get(id)), start);
      const counters = driver.counters ? await driver.counters(id) : undefined;
      const before = this.previous.get(id);
      if (counters) this.previous.set(id, counters);
      else this.previous.delete(id);
      const period = before && counters ? vmPeriod(before, counters) : undefined;
      if (period) {
        const usage = usageValues(period);
        data.push(...volumeData(period, start));
        if (facts.detailed) {
          this.basic.delete(id);
          data.push(...instanceData(facts, usage, start));
        } else {
          let five = this.basic.get(id);
          if (!five) this.basic.set(id, (five = new FivePeriods()));
          five.add(usage);
        }
      }
      const five = this.basic.get(id);
      if (fifth && five) data.push(...instanceData(facts, five.take(), new Date(boundary - BASIC_PERIODS * this.periodMs)));
      const key = `${row.account_id}/${row.region}`;
      const list = byScope.get(key);
      if (list) list.push(...data);
      else byScope.set(key, data);
    }
    for (const id of [...this.previous.keys()]) if (!seen.has(id)) this.previous.delete(id);
    for (const id of [...this.basic.keys()]) if (!seen.has(id)) this.basic.delete(id);
    // a shortened period (the demo/test knob) publishes high-resolution data, which alarms with
    // periods under a minute can read (standard-resolution data is kept per minute only)
    const highResolution = this.deps.periodSeconds < 60;
    const failed: unknown[] = [];
    for (const [key, data] of byScope) {
      const [accountId, region] = key.split('/');
      // one account's refusal does not cost the others their datapoints
      await this.deps.metrics.put({ accountId, region }, highResolution ? data.map((d) => ({ ...d, storageResolution: 1 as const })) : data).catch((e: unknown) => failed.push(e));
    }
    if (failed.length) throw failed[0];
  }

  /** The running instances this node publishes for: its own VMs, and what no live node runs when it leads. */
  private async instances(): Promise<InstanceRow[]> {
    const { store, node, leads = () => true, isAlive = () => true } = this.deps;
    if (node === undefined) return leads() ? store.instances.allRunning() : [];
    const own = await store.instances.allRunning(node);
    if (!leads()) return own;
    const orphans = (await store.instances.allRunning()).filter((r) => r.node_id !== node && (!r.node_id || !isAlive(r.node_id)));
    return [...own, ...orphans];
  }

  /** The Auto Scaling group each instance is a member of. */
  private async groupNames(rows: readonly InstanceRow[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byScope = new Map<string, InstanceRow[]>();
    for (const r of rows) addTo(byScope, `${r.account_id}/${r.region}`, r);
    for (const list of byScope.values()) {
      const { account_id: accountId, region } = list[0];
      const members = await selectInChunks(
        list.map((r) => r.instance_id),
        (ids) => this.deps.store.autoscalingInstances.list({ accountId, region }, ids),
      );
      for (const m of members) out.set(m.instance_id, m.group_name);
    }
    return out;
  }
}
