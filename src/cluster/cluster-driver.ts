// The instance driver when several nodes share the database: a VM lives on one node (the
// instance's node_id), so each hook runs where the VM is. Launches and starts run on the node
// that placed them (their jobs are pinned there, see jobs.node_id), so `start` is always local;
// every other hook goes to the owner through a cluster call. When the owner is dead its VMs
// died with it (a node that loses its heartbeat fences itself, see node-registry.ts): stop and
// terminate are done, the guest has nothing to quiesce or re-network, its console is gone, and
// both status checks fail — an instance on a failed host, as EC2 reports one.
import { randomUUID } from 'node:crypto';
import type { DriverInstance, DriverListener, DriverVolume, InstanceDriver, InstanceHealth, PlacedInstance } from '../compute/instance-driver.js';
import type { ClusterCalls } from './cluster-calls.js';
import type { VmCounters } from '../compute/vm-counters.js';

/** How long a guest quiesced for another node's CreateImage may stay held before it is let go. */
const QUIESCE_HOLD_MS = 10 * 60_000;

type Where = 'here' | 'dead' | { node: string };

export class ClusterDriver implements InstanceDriver {
  readonly name: string;
  readonly publicNetwork: boolean;
  readonly memoryBudgetMiB?: number;
  private readonly held = new Map<string, { resume: () => Promise<void>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly local: InstanceDriver,
    private readonly calls: ClusterCalls,
    /** the instance as this node's driver needs it (undefined: no such instance) */
    private readonly resolve: (instanceId: string) => Promise<DriverInstance | undefined>,
    /** the node an instance runs on, read from the store */
    private readonly nodeOf: (instanceId: string) => Promise<string | null | undefined>,
  ) {
    this.name = local.name;
    this.publicNetwork = local.publicNetwork;
    this.memoryBudgetMiB = local.memoryBudgetMiB;
    this.serve();
  }

  private where(nodeId: string | null | undefined): Where {
    if (!nodeId || nodeId === this.calls.nodeId) return 'here';
    return this.calls.isAlive(nodeId) ? { node: nodeId } : 'dead';
  }

  start(instance: DriverInstance): Promise<void> {
    return this.local.start(instance);
  }

  async stop(instance: DriverInstance, options: { force: boolean }): Promise<boolean> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.stop(instance, options);
    if (at === 'dead') return true;
    return this.calls.call<boolean>(at.node, 'driver.stop', { instanceId: instance.instanceId, force: options.force });
  }

  async terminate(instance: DriverInstance): Promise<boolean> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.terminate(instance);
    if (at === 'dead') return true;
    return this.calls.call<boolean>(at.node, 'driver.terminate', { instanceId: instance.instanceId });
  }

  async reboot(instance: DriverInstance): Promise<void> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.reboot(instance);
    if (at !== 'dead') await this.calls.call(at.node, 'driver.reboot', { instanceId: instance.instanceId });
  }

  async consoleOutput(instanceId: string): Promise<Buffer> {
    const at = this.where(await this.nodeOf(instanceId));
    if (at === 'here') return this.local.consoleOutput(instanceId);
    if (at === 'dead') return Buffer.alloc(0);
    return Buffer.from(await this.calls.call<string>(at.node, 'driver.console', { instanceId }), 'base64');
  }

  health(instanceId: string): InstanceHealth | undefined {
    return this.local.health(instanceId);
  }

  /** Each node samples its own VMs: only this node's are measured here. */
  counters(instanceId: string): Promise<VmCounters | undefined> {
    return this.local.counters ? this.local.counters(instanceId) : Promise.resolve(undefined);
  }

  /** The checks of instances wherever they run (one call per owning peer). */
  async healthOf(instances: readonly PlacedInstance[]): Promise<Map<string, InstanceHealth | undefined>> {
    const out = new Map<string, InstanceHealth | undefined>();
    const remote = new Map<string, string[]>();
    for (const i of instances) {
      const at = this.where(i.nodeId);
      if (at === 'here') out.set(i.instanceId, this.local.health(i.instanceId));
      else if (at === 'dead') out.set(i.instanceId, { system: 'impaired', instance: 'impaired', impairedSince: i.runningSince ? new Date(i.runningSince) : undefined });
      else remote.set(at.node, [...(remote.get(at.node) ?? []), i.instanceId]);
    }
    await Promise.all(
      [...remote].map(async ([node, ids]) => {
        try {
          const got = await this.calls.call<Record<string, { system: InstanceHealth['system']; instance: InstanceHealth['instance']; impairedSince?: string } | null>>(node, 'driver.health', { instanceIds: ids }, 10_000);
          for (const id of ids) {
            const h = got[id];
            out.set(id, h ? { system: h.system, instance: h.instance, impairedSince: h.impairedSince ? new Date(h.impairedSince) : undefined } : undefined);
          }
        } catch {
          // alive by its heartbeat but not answering: its VMs cannot be vouched for
          for (const id of ids) out.set(id, { system: 'impaired', instance: 'impaired' });
        }
      }),
    );
    return out;
  }

  async quiesce(instance: DriverInstance, options: { clean: boolean; timeoutMs: number }): Promise<() => Promise<void>> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.quiesce(instance, options);
    if (at === 'dead') return async () => undefined; // nothing runs: the volumes are as the crash left them
    const token = await this.calls.call<string>(at.node, 'driver.quiesce', { instanceId: instance.instanceId, ...options }, options.timeoutMs + 30_000);
    return async () => {
      await this.calls.call(at.node, 'driver.resume', { token });
    };
  }

  async networkChanged(instance: DriverInstance): Promise<void> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.networkChanged(instance);
    if (at !== 'dead') await this.calls.call(at.node, 'driver.network', { instanceId: instance.instanceId });
  }

  async volumeAttached(instance: DriverInstance, volume: DriverVolume): Promise<void> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.volumeAttached(instance, volume);
    if (at !== 'dead') await this.calls.call(at.node, 'driver.volumeAttached', { instanceId: instance.instanceId, volumeId: volume.volumeId });
  }

  async volumeDetached(instance: DriverInstance, volumeId: string): Promise<void> {
    const at = this.where(instance.nodeId);
    if (at === 'here') return this.local.volumeDetached(instance, volumeId);
    if (at !== 'dead') await this.calls.call(at.node, 'driver.volumeDetached', { instanceId: instance.instanceId, volumeId });
  }

  listen(listener: DriverListener): void {
    this.local.listen(listener);
  }

  async forget(instanceIds: readonly string[]): Promise<void> {
    await this.local.forget(instanceIds);
  }

  async close(): Promise<void> {
    for (const { resume, timer } of this.held.values()) {
      clearTimeout(timer);
      await resume().catch(() => undefined);
    }
    this.held.clear();
    await this.local.close();
  }

  /** The owner's side of the calls above. */
  private serve(): void {
    const { calls, local } = this;
    const instance = async (args: Record<string, unknown>) => this.resolve(String(args.instanceId));
    calls.register('driver.stop', async (a) => {
      const i = await instance(a);
      return i ? local.stop(i, { force: a.force === true }) : true;
    });
    calls.register('driver.terminate', async (a) => {
      const i = await instance(a);
      return i ? local.terminate(i) : true;
    });
    calls.register('driver.reboot', async (a) => {
      const i = await instance(a);
      if (i) await local.reboot(i);
    });
    calls.register('driver.console', async (a) => (await local.consoleOutput(String(a.instanceId))).toString('base64'));
    calls.register('driver.health', async (a) => {
      const ids = Array.isArray(a.instanceIds) ? a.instanceIds.map(String) : [];
      return Object.fromEntries(ids.map((id) => [id, local.health(id) ?? null]));
    });
    calls.register('driver.quiesce', async (a) => {
      const i = await instance(a);
      if (!i) return null;
      const resume = await local.quiesce(i, { clean: a.clean === true, timeoutMs: Number(a.timeoutMs) || 45_000 });
      const token = randomUUID();
      // a caller that dies before resuming must not leave the guest held for ever
      const timer = setTimeout(() => void this.release(token), QUIESCE_HOLD_MS);
      timer.unref();
      this.held.set(token, { resume, timer });
      return token;
    });
    calls.register('driver.resume', async (a) => this.release(String(a.token)));
    calls.register('driver.network', async (a) => {
      const i = await instance(a);
      if (i) await local.networkChanged(i);
    });
    calls.register('driver.volumeAttached', async (a) => {
      const i = await instance(a);
      const v = i && (await i.volumes()).find((x) => x.volumeId === a.volumeId);
      if (i && v) await local.volumeAttached(i, v);
    });
    calls.register('driver.volumeDetached', async (a) => {
      const i = await instance(a);
      if (i) await local.volumeDetached(i, String(a.volumeId));
    });
  }

  private async release(token: string): Promise<void> {
    const h = this.held.get(token);
    if (!h) return;
    this.held.delete(token);
    clearTimeout(h.timer);
    await h.resume();
  }
}
