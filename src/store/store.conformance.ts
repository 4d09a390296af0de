// What the metadata store must do alike on every engine (SQLite, PostgreSQL): a test file per
// engine calls `storeConformance` with a way to open a fresh store. Only `Store` and its repos
// are used, as services use them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ImageNameTaken, type ImageRow } from './repos/images.js';
import type { Store } from './store.js';

export interface StoreHarness {
  /** a fresh, empty, migrated store */
  open(): Promise<Store>;
  /** the same store again after close() (a restart) */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

const scope = { accountId: '111111111111', region: 'us-east-1' };

/** An available image row of the conformance account in us-east-1 (also for other tests' stores). */
export function image(id: string, name: string, fields: Partial<ImageRow> = {}): ImageRow {
  return {
    image_id: id,
    account_id: scope.accountId,
    region: scope.region,
    name,
    description: null,
    state: 'available',
    state_reason_code: null,
    state_reason_message: null,
    architecture: 'x86_64',
    virtualization_type: 'hvm',
    hypervisor: 'xen',
    root_device_name: '/dev/xvda',
    root_device_type: 'ebs',
    image_type: 'machine',
    platform: null,
    platform_details: 'Linux/UNIX',
    usage_operation: 'RunInstances',
    ena_support: 1,
    sriov_net_support: null,
    boot_mode: null,
    tpm_support: null,
    uefi_data: null,
    imds_support: null,
    kernel_id: null,
    ramdisk_id: null,
    image_location: `${scope.accountId}/${name}`,
    owner_alias: null,
    creation_date: '2026-01-01T00:00:00.000Z',
    deprecation_time: null,
    last_launched_time: null,
    source_instance_id: null,
    source_image_id: null,
    source_image_region: null,
    deregistration_protection: 'disabled',
    protection_cooldown_until: null,
    public: 0,
    free_tier_eligible: 0,
    deregistered_at: null,
    recycle_bin_until: null,
    client_token: null,
    recycled_state: null,
    ...fields,
  };
}

/** DescribeImages' query for the caller's own images, with name patterns. */
const byName = (patterns: string[], extra: { after?: string; limit?: number } = {}) => ({
  region: scope.region,
  caller: scope.accountId,
  callerOrgs: [],
  owners: { accounts: [scope.accountId], aliases: [] },
  includeDeprecated: true,
  includeDisabled: true,
  now: new Date().toISOString(),
  deregisteredSince: new Date().toISOString(),
  columns: patterns.length ? [{ column: 'name' as const, patterns }] : [],
  blockDevices: [],
  tags: [],
  tagKeys: [],
  productCodes: [],
  ...extra,
});

export function storeConformance(label: string, makeHarness: () => Promise<StoreHarness>): void {
  async function withStore(fn: (store: Store, harness: StoreHarness) => Promise<Store | void>) {
    const harness = await makeHarness();
    let store = await harness.open();
    try {
      store = (await fn(store, harness)) ?? store;
    } finally {
      await store.close();
      await harness.cleanup();
    }
  }

  describe(`metadata store: ${label}`, () => {
    test('a unit of work commits every repo it wrote through, or nothing', () =>
      withStore(async (store) => {
        await store.transaction(async (tx) => {
          await tx.tags.put(scope, [{ resourceId: 'ami-00000000000000001', resourceType: 'image', key: 'a', value: '1' }]);
          await tx.transaction((inner) => inner.accountAttributes.set(scope, 'setting', 'on'));
        });
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.tags.put(scope, [{ resourceId: 'ami-00000000000000002', resourceType: 'image', key: 'b', value: '2' }]);
            await tx.images.insert(image('ami-00000000000000002', 'half'), []);
            throw new Error('injected');
          }),
          /injected/,
        );
        assert.equal((await store.tags.forResources(scope, ['ami-00000000000000001'])).size, 1);
        assert.equal(await store.accountAttributes.get(scope, 'setting'), 'on');
        assert.equal((await store.tags.forResources(scope, ['ami-00000000000000002'])).size, 0);
        assert.equal(await store.images.get('ami-00000000000000002'), undefined);
      }));

    test('a live image name is unique per account and region; a deregistered one frees it', () =>
      withStore(async (store) => {
        await store.images.insert(image('ami-0000000000000000a', 'web'), []);
        await assert.rejects(store.images.insert(image('ami-0000000000000000b', 'web'), []), (e) => e instanceof ImageNameTaken);
        await store.images.insert(image('ami-0000000000000000c', 'web', { region: 'eu-west-1' }), []);
        await store.images.update('ami-0000000000000000a', { state: 'deregistered', deregistered_at: new Date().toISOString() });
        await store.images.insert(image('ami-0000000000000000b', 'web'), []);
      }));

    test('filter patterns: * and ?, escapes, case, and characters that mean something to LIKE or GLOB', () =>
      withStore(async (store) => {
        const names = ['web-1', 'web-10', 'Web-2', 'db_1', 'db%1', 'a*b', 'a?b', 'x[1]', 'back\\slash'];
        for (const [i, n] of names.entries()) await store.images.insert(image(`ami-${String(i).padStart(17, '0')}`, n), []);
        const found = async (...patterns: string[]) => (await store.images.describe(byName(patterns))).map((r) => r.name).sort();
        assert.deepEqual(await found('web-*'), ['web-1', 'web-10']);
        assert.deepEqual(await found('web-?'), ['web-1']);
        assert.deepEqual(await found('Web-*'), ['Web-2'], 'case-sensitive');
        assert.deepEqual(await found('db_1'), ['db_1'], '_ is literal');
        assert.deepEqual(await found('db%1'), ['db%1'], '% is literal');
        assert.deepEqual(await found('db?1'), ['db%1', 'db_1']);
        assert.deepEqual(await found('a\\*b'), ['a*b'], 'an escaped * is literal');
        assert.deepEqual(await found('a\\?b', 'x[1]*'), ['a?b', 'x[1]']);
        assert.deepEqual(await found('back\\\\*'), ['back\\slash']);
        assert.deepEqual(await found('nothing*'), []);
      }));

    test('ids order and page by bytes (C collation), as the services compare them', () =>
      withStore(async (store) => {
        const ids = ['ami-0000000000000000a', 'ami-0000000000000000B', 'ami-000000000000000-1', 'ami-00000000000000001'];
        for (const [i, id] of ids.entries()) await store.images.insert(image(id, `n${i}`), []);
        const sorted = [...ids].sort();
        assert.deepEqual((await store.images.describe(byName([]))).map((r) => r.image_id), sorted);
        const page = await store.images.describe(byName([], { after: sorted[1], limit: 10 }));
        assert.deepEqual(page.map((r) => r.image_id), sorted.slice(2));
      }));

    test('sizes beyond 2^31 and counts come back as numbers; data survives a reopen', () =>
      withStore(async (store, harness) => {
        const size = 16 * 1024 ** 4; // 16 TiB in bytes
        await store.blockMaps.create({ map_id: 'map-big', parent_map_id: null, size_bytes: size, lineage_id: null, sealed: 0, depth: 0, lease_until: null });
        await store.blockMaps.putEntries('map-big', [
          [0, 'c0'],
          [131071, null],
        ]);
        assert.equal((await store.blockMaps.get('map-big'))!.size_bytes, size);
        assert.equal(await store.blockMaps.countEntries('map-big'), 2);
        assert.equal(typeof (await store.blockMaps.countEntries('map-big')), 'number');
        await store.close();
        const again = await harness.reopen();
        assert.equal((await again.blockMaps.get('map-big'))!.size_bytes, size);
        return again;
      }));

    test('concurrent units of work each see their own writes and lose none', () =>
      withStore(async (store) => {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.transaction(async (tx) => {
              await tx.tags.put(scope, [{ resourceId: 'ami-0000000000000000f', resourceType: 'image', key: `k${i}`, value: String(i) }]);
              assert.equal((await tx.tags.forResources(scope, ['ami-0000000000000000f'])).get('ami-0000000000000000f')!.some((t) => t.Key === `k${i}`), true);
            }),
          ),
        );
        assert.equal((await store.tags.forResources(scope, ['ami-0000000000000000f'])).get('ami-0000000000000000f')!.length, 20);
      }));

    test('jobs: claimants sharing the queue (two handles) take disjoint jobs, leases hold others off until they end', () =>
      withStore(async (store, harness) => {
        const other = await harness.reopen(); // a second node's handle on the same metadata
        try {
          const t0 = new Date();
          const at = t0.toISOString();
          for (let i = 0; i < 120; i++) await store.jobs.insert({ job_id: `j${String(i).padStart(3, '0')}`, kind: 'k', payload: '{}', run_at: at });
          const taken: string[] = [];
          const drain = async (repo: Store['jobs'], owner: string) => {
            for (;;) {
              const got = await repo.claim(owner, t0, 60_000, 7);
              if (got.length === 0) return;
              assert.ok(got.every((j) => j.lease_owner === owner));
              taken.push(...got.map((j) => j.job_id));
            }
          };
          await Promise.all([drain(store.jobs, 'a'), drain(other.jobs, 'b'), drain(store.jobs, 'a2'), drain(other.jobs, 'b2')]);
          assert.equal(taken.length, 120);
          assert.equal(new Set(taken).size, 120);
          // leased: nobody else may claim until the lease ends, then anyone may
          assert.deepEqual(await other.jobs.claim('c', new Date(t0.getTime() + 59_000), 60_000, 500), []);
          const late = new Date(t0.getTime() + 61_000);
          const expired = await other.jobs.claim('c', late, 60_000, 500);
          assert.equal(expired.length, 120);
          // the old holder can neither finish nor renew what it lost; the new one can
          const lost = expired.find((j) => j.job_id === 'j000')!;
          assert.equal(await store.jobs.finish(lost.job_id, 'a', late), false);
          assert.deepEqual(await store.jobs.renew('a', [lost.job_id], new Date(late.getTime() + 60_000)), []);
          assert.deepEqual(await other.jobs.renew('c', [lost.job_id], new Date(late.getTime() + 60_000)), [lost.job_id]);
          assert.equal(await other.jobs.finish(lost.job_id, 'c', late), true);
          assert.equal(await store.jobs.count('k'), 119);
          // asked again while running: finishing makes it due instead of deleting it
          await store.jobs.upsertDue({ job_id: 'j001', kind: 'k', payload: '{}', run_at: late.toISOString() });
          assert.equal(await other.jobs.finish('j001', 'c', late), true);
          const again = await store.jobs.claim('d', new Date(late.getTime() + 1), 1000, 500);
          assert.deepEqual(again.map((j) => j.job_id), ['j001']);
          // a kind's batch: the due ones and those its owner holds already, nobody else's
          await store.jobs.insert({ job_id: 'b1', kind: 'batch', payload: '{}', run_at: at });
          await store.jobs.insert({ job_id: 'b2', kind: 'batch', payload: '{}', run_at: at });
          await store.jobs.insert({ job_id: 'b3', kind: 'batch', payload: '{}', run_at: at });
          assert.deepEqual((await store.jobs.claim('e', t0, 60_000, 1, 'batch')).map((j) => j.job_id).length, 1);
          assert.equal((await other.jobs.claim('f', t0, 60_000, 1, 'batch')).length, 1);
          const batch = await store.jobs.claimKind('e', t0, 60_000, 'batch');
          assert.equal(batch.length, 2); // its own and the free one; not f's
          assert.ok(batch.every((j) => j.lease_owner === 'e'));
        } finally {
          await other.close();
        }
      }));

    test('wipe empties every table and keeps the schema', () =>
      withStore(async (store) => {
        await store.images.insert(image('ami-0000000000000000e', 'gone'), []);
        await store.wipe();
        assert.equal(await store.images.get('ami-0000000000000000e'), undefined);
        await store.images.insert(image('ami-0000000000000000e', 'gone'), []);
      }));
  });
}
