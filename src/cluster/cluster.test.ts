// Nodes sharing one store, in one process: two registries with real HTTP between their cluster
// calls. A call reaches its peer and brings back its answer or its ServiceError; an unsigned or
// forged call is refused; the cluster driver runs a VM hook on the instance's own node, and for
// a node that stopped sending heartbeats it reports both checks failed and completes stops
// without asking; a node that cannot reach the store for the failover time fences itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store } from '../store/store.js';
import { NoneDriver } from '../compute/none-driver.js';
import type { DriverInstance, InstanceHealth } from '../compute/instance-driver.js';
import { ServiceError } from '../protocol/service-error.js';
import { NodeRegistry } from './node-registry.js';
import { CLUSTER_CALL_PATH, ClusterCalls, PeerUnavailable } from './cluster-calls.js';
import { ClusterDriver } from './cluster-driver.js';

/** The none driver, remembering which hooks ran here (to see where a hook ran). */
class WitnessDriver extends NoneDriver {
  readonly ran: string[] = [];
  constructor(
    private readonly checks: InstanceHealth,
    private readonly node: string,
  ) {
    super();
  }
  override async stop(): Promise<boolean> {
    this.ran.push('stop');
    return false; // still shutting down: proves the answer came from here
  }
  override async consoleOutput(): Promise<Buffer> {
    return Buffer.from(`${this.node} login: `);
  }
  override health(): InstanceHealth {
    return this.checks;
  }
}

interface Node {
  store: Store;
  registry: NodeRegistry;
  calls: ClusterCalls;
  http: Server;
  local: WitnessDriver;
  driver: ClusterDriver;
  skewMs: number;
}

const instance = (id: string, nodeId: string): DriverInstance => ({ instanceId: id, nodeId }) as DriverInstance;

describe('cluster: calls between nodes, the cluster driver, fencing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-cluster-'));
  const masterKey = randomBytes(32);
  const nodes: Node[] = [];

  async function node(nodeId: string, checks: InstanceHealth, key = masterKey): Promise<Node> {
    const store = await Store.open({ dataDir: dir, durability: 'normal' });
    const n = { skewMs: 0 } as Node;
    n.store = store;
    n.registry = new NodeRegistry(store, { nodeId, url: '', compute: 'qemu', blocks: 'fs' }, { failoverMs: 1000, now: () => Date.now() + n.skewMs });
    n.calls = new ClusterCalls(key, n.registry);
    n.local = new WitnessDriver(checks, nodeId);
    // instance i-0X runs on node X
    n.driver = new ClusterDriver(n.local, n.calls, async (id) => instance(id, id.slice(-1)), async (id) => id.slice(-1));
    n.calls.register('echo', async (a) => a);
    n.calls.register('refuse', async () => {
      throw new ServiceError('InvalidAMIID.NotFound', "The image id '[ami-0]' does not exist", 400);
    });
    n.http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void n.calls.handle(req.headers, Buffer.concat(chunks)).then((out) => {
          res.writeHead(out.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(out.body));
        });
      });
    });
    await new Promise<void>((r) => n.http.listen(0, '127.0.0.1', r));
    await n.registry.start(`http://127.0.0.1:${(n.http.address() as AddressInfo).port}`);
    nodes.push(n);
    return n;
  }

  let a: Node;
  let b: Node;
  before(async () => {
    a = await node('a', { system: 'ok', instance: 'ok' });
    b = await node('b', { system: 'ok', instance: 'initializing' });
    await a.registry.refresh();
  });
  after(async () => {
    for (const n of nodes) {
      await n.registry.stop();
      await new Promise((r) => n.http.close(r));
      await n.store.close().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('a call runs on its peer and brings back its answer, or its ServiceError as such', async () => {
    assert.deepEqual(await a.calls.call('b', 'echo', { x: 1, s: 'é' }), { x: 1, s: 'é' });
    await assert.rejects(a.calls.call('b', 'refuse', {}), (e: unknown) => e instanceof ServiceError && e.code === 'InvalidAMIID.NotFound' && e.httpStatus === 400);
    await assert.rejects(a.calls.call('nobody', 'echo', {}), PeerUnavailable);
    // on itself: no HTTP at all
    assert.deepEqual(await a.calls.call('a', 'echo', { y: 2 }), { y: 2 });
  });

  test('unsigned, forged, stale and other-cluster calls are refused', async () => {
    const url = `${a.registry.urlOf('b')}${CLUSTER_CALL_PATH}`;
    const body = JSON.stringify({ op: 'echo', args: {} });
    const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers, body });
    assert.equal((await post({})).status, 403);
    assert.equal((await post({ 'x-imago-node': 'a', 'x-imago-time': String(Date.now()), 'x-imago-signature': '00'.repeat(32) })).status, 403);
    const stranger = await node('stranger', { system: 'ok', instance: 'ok' }, randomBytes(32));
    await stranger.registry.refresh();
    await assert.rejects(stranger.calls.call('b', 'echo', {}), PeerUnavailable); // another master key: not of this cluster
  });

  test('VM hooks run on the instance’s node; health of several nodes in one go', async () => {
    assert.equal(await a.driver.stop(instance('i-0b', 'b'), { force: false }), false);
    assert.deepEqual(b.local.ran, ['stop']);
    assert.deepEqual(a.local.ran, []);
    assert.equal((await a.driver.consoleOutput('i-0b')).toString(), 'b login: ');
    assert.equal((await a.driver.consoleOutput('i-0a')).toString(), 'a login: ');
    const checks = await a.driver.healthOf([
      { instanceId: 'i-0a', nodeId: 'a' },
      { instanceId: 'i-0b', nodeId: 'b' },
    ]);
    assert.deepEqual(checks.get('i-0a'), { system: 'ok', instance: 'ok' });
    assert.deepEqual(checks.get('i-0b'), { system: 'ok', instance: 'initializing', impairedSince: undefined });
  });

  test('a node silent for the failover time is dead: its instances fail both checks, stops complete at once', async () => {
    a.skewMs = 5000; // a's clock five seconds on: b's last heartbeat is older than the failover time
    try {
      assert.equal(a.registry.isAlive('b'), false);
      assert.equal(a.registry.isAlive('a'), true);
      const since = '2026-01-01T00:00:00.000Z';
      const checks = await a.driver.healthOf([{ instanceId: 'i-0b', nodeId: 'b', runningSince: since }]);
      assert.deepEqual(checks.get('i-0b'), { system: 'impaired', instance: 'impaired', impairedSince: new Date(since) });
      b.local.ran.length = 0;
      assert.equal(await a.driver.stop(instance('i-0b', 'b'), { force: false }), true);
      assert.deepEqual(b.local.ran, [], 'b was not asked');
      assert.equal((await a.driver.consoleOutput('i-0b')).length, 0);
      // its pinned jobs are others' now
      assert.equal(a.registry.placement().liveSince.getTime() > Date.now(), true);
    } finally {
      a.skewMs = 0;
    }
  });

  test('a node that cannot reach the store for the failover time fences itself, and recovers', async () => {
    let fenced = 0;
    let recovered = 0;
    const store = await Store.open({ dataDir: dir, durability: 'normal' });
    let broken = false;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'nodes' && broken) return new Proxy(target.nodes, { get: () => () => Promise.reject(new Error('database unreachable')) });
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const r = new NodeRegistry(flaky, { nodeId: 'c', url: 'http://127.0.0.1:1', compute: 'qemu', blocks: 'fs' }, {
      failoverMs: 1000,
      onFenced: async () => void fenced++,
      onRecovered: async () => void recovered++,
    });
    await r.start('http://127.0.0.1:1');
    try {
      broken = true;
      for (let i = 0; i < 40 && fenced === 0; i++) await new Promise((x) => setTimeout(x, 50));
      assert.equal(fenced, 1, 'fenced after the failover time');
      assert.equal(recovered, 0);
      broken = false;
      for (let i = 0; i < 40 && recovered === 0; i++) await new Promise((x) => setTimeout(x, 50));
      assert.equal(recovered, 1, 'resumed once its heartbeat got through');
    } finally {
      await r.stop();
      await store.close();
    }
  });
});
