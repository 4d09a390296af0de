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

/** Running instances sampled and published at a time. */
const BATCH = 250;

export class InstanceMetrics {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  private readonly previous = new Map<string, VmCounters>();
  private readonly basic = new Map<string, FivePeriods>();
  /** instance id -> the last tick (generation) that saw it running */
  private readonly seen = new Map<string, number>();
  private generation = 0;
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

  /**
   * One period ending at `boundary` (ms): samples, publishes, remembers the samples. The running
   * instances are read, sampled and published a page at a time (BATCH), the event loop served
   * between pages: 10k instances' data at once held the main thread for seconds and ~100 MiB.
   * A batch's put adds to the periods an earlier one wrote (the store's upserts add), so the
   * aggregates (ImageId, InstanceType, all instances) come out as from one put.
   */
  async tick(boundary: number): Promise<void> {
    const start = new Date(boundary - this.periodMs);
    const fifth = Math.round(boundary / this.periodMs) % BASIC_PERIODS === 0;
    const generation = ++this.generation;
    const failed: unknown[] = [];
    for await (const rows of this.instances()) {
      await this.publish(rows, boundary, start, fifth, generation, failed);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // what was not seen this tick (stopped, terminated, moved) is forgotten
    for (const [id, seen] of this.seen) {
      if (seen === generation) continue;
      this.seen.delete(id);
      this.previous.delete(id);
      this.basic.delete(id);
    }
    if (failed.length) throw failed[0];
  }

  /** One batch's datapoints, put per account and region (a refusal is noted in `failed`). */
  private async publish(rows: InstanceRow[], boundary: number, start: Date, fifth: boolean, generation: number, failed: unknown[]): Promise<void> {
    const { driver } = this.deps;
    const [groups, health] = await Promise.all([this.groupNames(rows), this.deps.health(rows)]);
    const byScope = new Map<string, MetricDatum[]>();
    for (const row of rows) {
      const id = row.instance_id;
      this.seen.set(id, generation);
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
    // a shortened period (the demo/test knob) publishes high-resolution data, which alarms with
    // periods under a minute can read (standard-resolution data is kept per minute only)
    const highResolution = this.deps.periodSeconds < 60;
    for (const [key, data] of byScope) {
      const [accountId, region] = key.split('/');
      if (highResolution) for (const d of data) d.storageResolution = 1;
      // one account's refusal does not cost the others their datapoints
      await this.deps.metrics.put({ accountId, region }, data).catch((e: unknown) => failed.push(e));
    }
  }

  /** The running instances this node publishes for, a page at a time: its own VMs, and what no live node runs when it leads. */
  private async *instances(): AsyncGenerator<InstanceRow[]> {
    const { store, node, leads = () => true, isAlive = () => true } = this.deps;
    const pages = async function* (placedOn?: string): AsyncGenerator<InstanceRow[]> {
      for (let afterSeq = -1; ; ) {
        const rows = await store.instances.allRunning(placedOn, { afterSeq, limit: BATCH });
        if (rows.length) yield rows;
        if (rows.length < BATCH) return;
        afterSeq = rows[rows.length - 1].seq;
      }
    };
    if (node === undefined) {
      if (leads()) yield* pages();
      return;
    }
    yield* pages(node);
    if (!leads()) return;
    for await (const rows of pages()) {
      const orphans = rows.filter((r) => r.node_id !== node && (!r.node_id || !isAlive(r.node_id)));
      if (orphans.length) yield orphans;
    }
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
