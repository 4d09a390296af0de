import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';

async function withStore(f: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-store-'));
  const store = await Store.open({ dataDir: dir, durability: 'normal' });
  try {
    await f(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const scope = { accountId: '111111111111', region: 'us-east-1' };
const tag = (id: string, key: string) => ({ resourceId: id, resourceType: 'image', key, value: 'v' });

test('a unit of work commits every repo it wrote through, together', () =>
  withStore(async (store) => {
    await store.transaction(async (tx) => {
      await tx.tags.put(scope, [tag('ami-00000000000000001', 'a')]);
      await tx.accountAttributes.set(scope, 'some-setting', 'on');
      // nested: runs inline, in the same transaction
      await tx.transaction((inner) => inner.tags.put(scope, [tag('ami-00000000000000001', 'b')]));
    });
    const tags = (await store.tags.forResources(scope, ['ami-00000000000000001'])).get('ami-00000000000000001') ?? [];
    assert.deepEqual(tags.map((t) => t.Key).sort(), ['a', 'b']);
    assert.equal(await store.accountAttributes.get(scope, 'some-setting'), 'on');
  }));

test('an error between two writes leaves nothing of the unit written, repo transactions included', () =>
  withStore(async (store) => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.tags.put(scope, [tag('ami-00000000000000002', 'a')]);
        // a repo method with its own multi-statement transaction joins the unit of work
        await tx.securityGroups.insert({ group_id: 'sg-00000000000000001', account_id: scope.accountId, region: scope.region, vpc_id: 'vpc-1', group_name: 'g', description: 'd', created_at: new Date().toISOString() }, []);
        throw new Error('injected failure after two writes');
      }),
      /injected failure/,
    );
    assert.equal((await store.tags.forResources(scope, ['ami-00000000000000002'])).size, 0);
    assert.equal(await store.securityGroups.get('sg-00000000000000001'), undefined);
  }));

test('units of work from concurrent callers do not interleave', () =>
  withStore(async (store) => {
    const order: string[] = [];
    await Promise.all(
      ['x', 'y'].map((name) =>
        store.transaction(async (tx) => {
          order.push(`${name}-begin`);
          await tx.accountAttributes.set(scope, 'counter', name);
          await new Promise((r) => setTimeout(r, 20));
          order.push(`${name}-end`);
        }),
      ),
    );
    // the second begins only after the first ended
    assert.equal(order.indexOf('x-end') < order.indexOf('y-begin') || order.indexOf('y-end') < order.indexOf('x-begin'), true);
  }));
