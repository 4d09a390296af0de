// This node among the nodes sharing the database: it registers, sends a heartbeat every
// `failoverMs / 6`, and keeps a view of which peers are alive (heard from within `failoverMs`)
// and where they answer. A node that cannot send its heartbeat for `failoverMs` is presumed dead
// by its peers, who take over its jobs and its instances' bookkeeping; so it fences itself:
// `onFenced` runs (its VMs are shut down, so no VM runs twice) and `onRecovered` once its
// heartbeat gets through again.
import type { Store } from '../store/store.js';
import type { NodeRow } from '../store/repos/nodes.js';
import type { Placement } from '../store/repos/jobs.js';

export interface NodeInfo {
  nodeId: string;
  url: string;
  compute: string;
  blocks: string;
}

export interface RegistryOptions {
  failoverMs: number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  onFenced?: () => Promise<void>;
  onRecovered?: () => Promise<void>;
}

export class NodeRegistry {
  private timer: NodeJS.Timeout | undefined;
  private peers = new Map<string, NodeRow>();
  private lastBeat: number;
  private fenced = false;
  private beating: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    readonly self: NodeInfo,
    private readonly options: RegistryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.lastBeat = this.now();
  }

  get nodeId(): string {
    return this.self.nodeId;
  }

  get failoverMs(): number {
    return this.options.failoverMs;
  }

  /** Registers with the URL peers reach this node at, and starts the heartbeat. */
  async start(url: string): Promise<void> {
    this.self.url = url;
    const now = new Date(this.now());
    await this.store.nodes.register({ node_id: this.self.nodeId, url: this.self.url, compute: this.self.compute, blocks: this.self.blocks, started_at: now.toISOString() }, now);
    this.lastBeat = now.getTime();
    await this.refresh();
    this.timer = setInterval(() => {
      this.beating = this.beat();
    }, Math.max(100, Math.floor(this.options.failoverMs / 6)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  /** The peers heard from within the failover time, this node included. */
  alive(): NodeRow[] {
    const since = new Date(this.now() - this.options.failoverMs).toISOString();
    return [...this.peers.values()].filter((n) => n.node_id === this.self.nodeId || n.heartbeat_at >= since);
  }

  isAlive(nodeId: string): boolean {
    return nodeId === this.self.nodeId || this.alive().some((n) => n.node_id === nodeId);
  }

  urlOf(nodeId: string): string | undefined {
    return this.peers.get(nodeId)?.url;
  }

  /** Which pinned jobs this node may run: its own and dead nodes'. */
  placement(): Placement {
    return { node: this.self.nodeId, liveSince: new Date(this.now() - this.options.failoverMs) };
  }

  /** Re-reads the nodes table (every heartbeat; also on demand before a cluster call). */
  async refresh(): Promise<void> {
    this.peers = new Map((await this.store.nodes.all()).map((n) => [n.node_id, n]));
  }

  private async beat(): Promise<void> {
    const log = this.options.log ?? (() => undefined);
    try {
      const t = this.now();
      if (!(await this.store.nodes.heartbeat(this.self.nodeId, new Date(t)))) {
        // the row went (an admin reset wipes every table): register again
        await this.store.nodes.register({ node_id: this.self.nodeId, url: this.self.url, compute: this.self.compute, blocks: this.self.blocks, started_at: new Date(t).toISOString() }, new Date(t));
      }
      this.lastBeat = t;
      await this.refresh();
      if (this.fenced) {
        this.fenced = false;
        log('info', 'node heartbeat restored; resuming its instances', { node: this.self.nodeId });
        await this.options.onRecovered?.();
      }
    } catch (e) {
      if (!this.fenced && this.now() - this.lastBeat >= this.options.failoverMs) {
        this.fenced = true;
        log('error', 'node heartbeat lost for the failover time: shutting down its VMs (peers now take over)', { node: this.self.nodeId, err: String(e) });
        await this.options.onFenced?.().catch(() => undefined);
      } else {
        log('warn', 'node heartbeat failed', { err: String(e) });
      }
    }
  }
}
