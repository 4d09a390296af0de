// A fake EC2 behind the compute port, for the reconciler's unit tests (test-only): launches
// start pending and the test moves instances along with settle(); stop/start go through
// stopping/pending; ClientToken answers a repeated launch with the first instance. With it, a
// context over a real store in a temporary directory (testContext).
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import { ec2Error } from '../ec2/ec2-errors.js';
import type { ImageLookup } from '../ec2/launch-templates/template-data.js';
import { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import { createContext, type AsgContext } from './asg-context.js';
import type { AsgCompute, InstanceDetails, InstanceState, LaunchRequest } from './compute-port.js';
import { noSubnets } from './placement.js';

/** Opens a store in a temporary directory before the suite and removes it after; returns a getter. */
export function suiteStore(prefix: string): () => Store {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    store = await Store.open({ dataDir: dir, durability: 'normal' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => store;
}

/** An Auto Scaling context over `store` and `ec2` with fast timing and no reconciliation loop (passes are driven by hand). */
export function testContext(store: Store, ec2: AsgCompute, images: ImageLookup = { getVisible: async () => ({}) }): { ctx: AsgContext; templates: LaunchTemplateService } {
  const templates = new LaunchTemplateService({ store, images });
  const ctx = { ...createContext({ store, templates, images, compute: ec2, subnets: noSubnets, timing: { busyMs: 10, idleMs: 100, retryBaseMs: 50, retryMaxMs: 400 } }), kick: () => {} };
  return { ctx, templates };
}

let launched = 0;

export class FakeEc2 implements AsgCompute {
  readonly state = new Map<string, InstanceState>();
  readonly zones = new Map<string, string>();
  readonly launches: (LaunchRequest & { instanceId: string })[] = [];
  readonly byToken = new Map<string, string>();
  failNext = 0;
  /** the next launch happens in EC2 but its answer is lost (the process "crashes") */
  loseNextAnswer = false;

  async launch(_caller: Scope, req: LaunchRequest) {
    if (this.failNext > 0) {
      this.failNext--;
      throw ec2Error('InvalidAMIID.NotFound', `The image id '[${req.imageId ?? 'ami-x'}]' does not exist`);
    }
    // RunInstances' ClientToken: the same token answers the first launch again
    let instanceId = this.byToken.get(req.clientToken);
    if (!instanceId) {
      instanceId = this.add(req.zone);
      this.byToken.set(req.clientToken, instanceId);
      this.launches.push({ ...req, instanceId });
    }
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new Error('connection lost');
    }
    return { instanceId, zone: req.zone, subnetId: req.subnetId, instanceType: 't3.micro' };
  }

  /** An instance launched outside any group (for AttachInstances). */
  add(zone: string, state: InstanceState = 'pending'): string {
    const instanceId = `i-${(++launched).toString(16).padStart(17, '0')}`;
    this.state.set(instanceId, state);
    this.zones.set(instanceId, zone);
    return instanceId;
  }

  async terminate(_caller: Scope, ids: readonly string[]) {
    for (const id of ids) if (this.state.has(id)) this.state.set(id, 'shutting-down');
  }

  async stop(_caller: Scope, ids: readonly string[]) {
    for (const id of ids) if (this.state.get(id) === 'running') this.state.set(id, 'stopping');
  }

  async start(_caller: Scope, ids: readonly string[]) {
    for (const id of ids) if (this.state.get(id) === 'stopped') this.state.set(id, 'pending');
  }

  async states(_caller: Scope, ids: readonly string[]) {
    const out = new Map<string, InstanceState>();
    for (const id of ids) {
      const s = this.state.get(id);
      if (s) out.set(id, s);
    }
    return out;
  }

  async describe(caller: Scope, ids: readonly string[]) {
    const out = new Map<string, InstanceDetails>();
    for (const [id, state] of await this.states(caller, ids)) out.set(id, { state, zone: this.zones.get(id) ?? 'us-east-1a', instanceType: 't3.micro' });
    return out;
  }

  /** EC2 finishes every transition in flight. */
  settle(): void {
    for (const [id, s] of this.state) {
      if (s === 'pending') this.state.set(id, 'running');
      if (s === 'stopping') this.state.set(id, 'stopped');
      if (s === 'shutting-down') this.state.set(id, 'terminated');
    }
  }
}
