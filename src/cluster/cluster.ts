// This process as one node of several sharing a database (issue 10 §4), built by the composition
// root: its identity and heartbeat (node-registry.ts), the calls its peers make to it and it
// makes to them (cluster-calls.ts), and the instance driver that runs each VM hook where the VM
// is (cluster-driver.ts). A single node is the same code with no peers. What is bound to a
// machine: the VMs of a driver that runs them (qemu), and the volumes their devices hold open;
// everything else lives in the shared database and block store, so any node answers any call.
import { randomBytes } from 'node:crypto';
import type { DriverInstance, InstanceDriver } from '../compute/instance-driver.js';
import type { Placement } from '../store/repos/jobs.js';
import type { Store } from '../store/store.js';
import type { RemoteVolumes } from '../services/ec2/snapshots/snapshot-service.js';
import { ClusterCalls } from './cluster-calls.js';
import { ClusterDriver } from './cluster-driver.js';
import { NodeRegistry } from './node-registry.js';

export interface ClusterOptions {
  nodeId: string;
  /** how long a silent node's work waits before its peers take it over (job leases, liveness) */
  failoverMs: number;
  /** the block store, as nodes compare it (fs, or s3://bucket/prefix at an endpoint) */
  blocks: string;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** What the compute side gives the cluster once it is built. */
export interface ClusterBindings {
  /** the instance as this node's driver needs it */
  resolve(instanceId: string): Promise<DriverInstance | undefined>;
  /** this node's own instances come back (after its heartbeat was restored) */
  resumeRunning(): Promise<void>;
  /** captures a volume this node holds open (another node's CreateSnapshot/CreateImage) */
  capture(volumeId: string): Promise<string>;
}

export class StartupConflict extends Error {}

export class Cluster {
  readonly registry: NodeRegistry;
  readonly calls: ClusterCalls;
  readonly driver: ClusterDriver;
  /** who holds the job leases this process takes (a fresh one per process) */
  readonly jobOwner: string;
  /** what every process of this node puts before its job owner id */
  readonly jobOwnerPrefix: string;
  private bindings: ClusterBindings | undefined;

  constructor(
    private readonly store: Store,
    masterKey: Buffer,
    local: InstanceDriver,
    private readonly options: ClusterOptions,
  ) {
    this.registry = new NodeRegistry(store, { nodeId: options.nodeId, url: '', compute: local.name, blocks: options.blocks }, {
      failoverMs: options.failoverMs,
      log: options.log,
      onFenced: () => local.close(),
      onRecovered: () => this.bindings?.resumeRunning() ?? Promise.resolve(),
    });
    this.calls = new ClusterCalls(masterKey, this.registry);
    this.driver = new ClusterDriver(
      local,
      this.calls,
      (id) => this.bound().resolve(id),
      async (id) => (await store.instances.get(id))?.node_id,
    );
    this.jobOwnerPrefix = `${options.nodeId}/`;
    this.jobOwner = `${this.jobOwnerPrefix}${randomBytes(4).toString('hex')}`;
    this.calls.register('volume.capture', async (a) => this.bound().capture(String(a.volumeId)));
  }

  /** This node's id, when its driver runs VMs here (instances are then placed on nodes). */
  get placementNode(): string | undefined {
    return this.driver.name === 'none' ? undefined : this.options.nodeId;
  }

  placement(): Placement {
    return this.registry.placement();
  }

  bind(bindings: ClusterBindings): void {
    this.bindings = bindings;
  }

  private bound(): ClusterBindings {
    if (!this.bindings) throw new Error('cluster: compute is not bound yet');
    return this.bindings;
  }

  /** Volumes held open by VMs on other live nodes are captured there. */
  readonly remoteVolumes: RemoteVolumes = {
    holder: async (volumeId) => {
      const node = await this.store.instances.nodeOfVolume(volumeId);
      return node && node !== this.options.nodeId && this.registry.isAlive(node) ? node : undefined;
    },
    capture: (node, volumeId) => this.calls.call<string>(node, 'volume.capture', { volumeId }, 300_000),
  };

  /** Refuses a block store other than the live peers' (their chunks would be missing here); warns of separate fs stores. */
  async checkPeers(): Promise<void> {
    await this.registry.refresh();
    const others = this.registry.alive().filter((n) => n.node_id !== this.options.nodeId);
    const differing = others.find((n) => n.blocks !== this.options.blocks);
    if (differing) {
      throw new StartupConflict(`node ${differing.node_id} on this database keeps blocks in ${differing.blocks}, this one in ${this.options.blocks}: nodes sharing a database must share one block store (--blocks s3://…)`);
    }
    if (others.length && this.options.blocks === 'fs') {
      // metadata-only uses (benchmarks, tests of the API) work; data written on one node is not on the others
      this.options.log('warn', `nodes ${others.map((n) => n.node_id).join(', ')} share this database, each with blocks in its own data directory: snapshot data written on one node cannot be read on another; share a bucket (--blocks s3://…)`);
    }
  }

  /** Registers where peers reach this node, and starts the heartbeat. */
  async start(url: string): Promise<void> {
    await this.registry.start(url);
  }

  async stop(): Promise<void> {
    await this.registry.stop();
  }

  /**
   * Runs `fn` while holding the cluster-wide lock `name` (work several nodes starting at once
   * must not each do: seeding the public catalog). The lock is leased for the failover time and
   * renewed while `fn` runs, so a node that dies holding it does not block the others for long.
   */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const { nodes } = this.store;
    const lease = () => new Date(Date.now() + this.options.failoverMs);
    while (!(await nodes.lock(name, this.jobOwner, new Date(), lease()))) await new Promise((r) => setTimeout(r, 200));
    const renew = setInterval(() => void nodes.lock(name, this.jobOwner, new Date(), lease()).catch(() => undefined), Math.max(100, this.options.failoverMs / 3));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await nodes.unlock(name, this.jobOwner).catch(() => undefined);
    }
  }
}
