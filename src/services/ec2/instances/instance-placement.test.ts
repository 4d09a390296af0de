// Instances on several nodes, in one process: two compute domains over one store, each a node
// with a driver that runs VMs (a witness of where its hooks ran) behind the cluster driver, and
// each its own job runner that takes only its node's pinned jobs (and dead nodes'). An instance
// is placed on the node that accepted RunInstances or StartInstances; its jobs run there whichever
// node took the call; a stopped instance belongs to no node; a node's instances fail both status
// checks when it is dead or does not answer, and terminate without it when it is dead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launchableImage, openDomain, type DomainHarness } from '../../../../test/helpers/storage-domain.js';
import { createComputeDomain, type ComputeDomain } from '../compute-domain.js';
import { JobRunner } from '../../../jobs/job-runner.js';
import { Logger } from '../../../logger.js';
import { NoneDriver } from '../../../compute/none-driver.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import { NodeRegistry } from '../../../cluster/node-registry.js';
import { ClusterCalls } from '../../../cluster/cluster-calls.js';
import { ClusterDriver } from '../../../cluster/cluster-driver.js';

/** A driver that runs VMs as far as the EC2 side can tell (not `none`), noting its hooks. */
class WitnessDriver extends NoneDriver implements InstanceDriver {
  override readonly name: string = 'witness';
  readonly ran: string[] = [];
  override async start(...[i]: Parameters<InstanceDriver['start']>): Promise<void> {
    this.ran.push(`start ${i.instanceId}`);
  }
  override async stop(...[i]: Parameters<InstanceDriver['stop']>): Promise<boolean> {
    this.ran.push(`stop ${i.instanceId}`);
    return true;
  }
  override async terminate(...[i]: Parameters<InstanceDriver['terminate']>): Promise<boolean> {
    this.ran.push(`terminate ${i.instanceId}`);
    return true;
  }
  override health() {
    return { system: 'ok' as const, instance: 'ok' as const };
  }
}

interface Node {
  id: string;
  witness: WitnessDriver;
  registry: NodeRegistry;
  runner: JobRunner;
  compute: ComputeDomain;
  skewMs: number;
}

const caller = { accountId: '111111111111', region: 'us-east-1' };
let h: DomainHarness;
let imageId: string;
const nodes: Record<string, Node> = {};

before(async () => {
  h = await openDomain();
  const { images, imageId: id } = await launchableImage(h, caller, 'placed');
  imageId = id;
  const masterKey = randomBytes(32);
  for (const id of ['n1', 'n2']) {
    const n = { id, skewMs: 0, witness: new WitnessDriver() } as Node;
    n.registry = new NodeRegistry(h.store, { nodeId: id, url: 'http://127.0.0.1:9', compute: 'witness', blocks: 'fs' }, { failoverMs: 1000, now: () => Date.now() + n.skewMs });
    await n.registry.start('http://127.0.0.1:9');
    n.runner = new JobRunner(h.store.jobs, new Logger('silent'), { owner: `${id}/test`, placement: () => n.registry.placement() });
    const calls = new ClusterCalls(masterKey, n.registry);
    const driver = new ClusterDriver(n.witness, calls, async () => undefined, async (iid) => (await h.store.instances.get(iid))?.node_id);
    n.compute = createComputeDomain({ store: h.store, kms: h.kms, blocks: h.blocks, jobs: n.runner, storage: h, images: images.images, settleMs: 0, driver, node: id });
    nodes[id] = n;
  }
});

after(async () => {
  for (const n of Object.values(nodes)) await n.registry.stop();
  await h.close();
});

const row = async (id: string) => (await h.store.instances.get(id))!;
const pinned = async (kind: string) => (await h.store.jobs.due(new Date(Date.now() + 3600_000), 100)).filter((j) => j.kind === kind).map((j) => j.node_id);

test('an instance runs on the node that launched it; its stop runs there, whichever node took the call', async () => {
  const { n1, n2 } = nodes;
  const launched = await n1.compute.instances.run(caller, { ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' });
  const id = launched.instances[0].instance_id;
  assert.equal((await row(id)).node_id, 'n1');
  assert.deepEqual(await pinned('instance.launch'), ['n1']);
  await n2.runner.drain();
  assert.equal((await row(id)).state, 'pending', 'n2 does not take n1’s launch');
  await n1.runner.drain();
  assert.equal((await row(id)).state, 'running');
  assert.deepEqual(n1.witness.ran, [`start ${id}`]);

  await n2.compute.instances.stop(caller, [id]);
  assert.deepEqual(await pinned('instance.stop'), ['n1'], 'the stop goes to the instance’s node');
  await n2.runner.drain();
  assert.equal((await row(id)).state, 'stopping');
  await n1.runner.drain();
  const stopped = await row(id);
  assert.equal(stopped.state, 'stopped');
  assert.equal(stopped.node_id, null, 'a stopped instance belongs to no node');
  assert.deepEqual(n2.witness.ran, []);

  // StartInstances on n2: it runs on n2 now
  await n2.compute.instances.start(caller, [id]);
  assert.equal((await row(id)).node_id, 'n2');
  await n2.runner.drain();
  assert.equal((await row(id)).state, 'running');
  assert.deepEqual(n2.witness.ran, [`start ${id}`]);
});

test('a dead node’s instances fail both status checks and terminate without it', async () => {
  const { n1, n2 } = nodes;
  const [running] = await h.store.instances.allRunning('n2');
  const statusOn = async (n: Node) => (await n.compute.instances.query.status(caller, { InstanceIds: [running.instance_id] })).statuses[0];
  const status = () => statusOn(n1);
  assert.equal((await statusOn(n2)).InstanceStatus?.Status, 'ok', 'its own node sees it up');
  // n2 is alive by its heartbeat but does not answer n1's call (nothing listens at its URL here)
  assert.equal((await status()).InstanceStatus?.Status, 'impaired');
  n1.skewMs = 5000; // n1's clock on: n2's last heartbeat is older than the failover time
  try {
    const s = await status();
    assert.equal(s.SystemStatus?.Status, 'impaired');
    assert.equal(s.InstanceStatus?.Status, 'impaired');
    assert.deepEqual(await n1.compute.instances.impaired(caller, [running.instance_id]), new Set([running.instance_id]));
    await n1.compute.instances.terminate(caller, [running.instance_id]);
    assert.deepEqual(await pinned('instance.terminate'), ['n2']);
    await n1.runner.drain(); // n2 is dead: n1 takes its job
    assert.equal((await row(running.instance_id)).state, 'terminated');
    assert.deepEqual(n2.witness.ran, [`start ${running.instance_id}`], 'n2 was not asked');
    assert.equal(n1.witness.ran.includes(`terminate ${running.instance_id}`), false);
  } finally {
    n1.skewMs = 0;
  }
});
