// test-servers: postgres
// The metric store on both engines with a fake clock: datapoints rolled up into every tier at put
// time, queries reading the tier their period and start allow, the expiry job deleting each tier
// past its retention (3 hours, 15 days, 63 days, 15 months) and then the metric, merges of
// repeated periods in one batch and across batches, and percentiles where the raw values are kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDatabase } from '../../../../test/helpers/test-database.js';
import { Store } from '../../../store/store.js';
import { MetricService } from './metric-service.js';
import { expire } from './metric-expiry.js';
import { alignedStart, tierFor } from './metric-tiers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const scope = { accountId: '123456789012', region: 'eu-west-1' };
const metric = { namespace: 'Test', metricName: 'Load', dimensions: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] };

test('tierFor: the finest tier that divides the period and reaches back to the start', () => {
  const now = new Date(1_800_000_000_000);
  const ago = (ms: number) => new Date(now.getTime() - ms);
  assert.equal(tierFor(10, ago(HOUR), now), 1);
  assert.equal(tierFor(60, ago(HOUR), now), 60);
  assert.equal(tierFor(300, ago(10 * DAY), now), 60);
  assert.equal(tierFor(300, ago(20 * DAY), now), 300);
  assert.equal(tierFor(3600, ago(100 * DAY), now), 3600);
  assert.equal(tierFor(120, ago(100 * DAY), now), 60, 'no tier reaches back that far: the finest dividing one');
});

test('alignedStart: rounded as AWS rounds by age', () => {
  const now = new Date(Date.UTC(2026, 0, 31, 12));
  const t = (iso: string) => new Date(iso);
  assert.equal(new Date(alignedStart(t('2026-01-31T11:59:07.300Z'), 1, now)).toISOString(), '2026-01-31T11:59:07.000Z');
  assert.equal(new Date(alignedStart(t('2026-01-31T11:59:07.300Z'), 60, now)).toISOString(), '2026-01-31T11:59:00.000Z');
  assert.equal(new Date(alignedStart(t('2026-01-10T11:59:07Z'), 300, now)).toISOString(), '2026-01-10T11:55:00.000Z');
  assert.equal(new Date(alignedStart(t('2025-10-10T11:59:07Z'), 3600, now)).toISOString(), '2025-10-10T11:00:00.000Z');
});

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`metric store on ${engine}`, () => {
    let dir: string;
    let store: Store;
    let now = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
    let metrics: MetricService;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `imago-metrics-${engine}-`));
      let databaseUrl: string | undefined;
      if (engine === 'postgres') {
        if (!process.env.IMAGO_TEST_PG_URL) throw new Error('IMAGO_TEST_PG_URL is not set (npm test starts PostgreSQL: scripts/test-servers/postgres.sh)');
        databaseUrl = await createDatabase();
      }
      store = await Store.open({ dataDir: dir, durability: 'normal', databaseUrl });
      metrics = new MetricService(store, () => now);
    });

    after(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const t0 = new Date(Date.UTC(2026, 5, 1, 11, 0, 0));
    const sum = async (periodSeconds: number, start = t0, end = new Date(t0.getTime() + HOUR)) =>
      (await metrics.statistics(scope, { ...metric, start, end, periodSeconds, statistics: ['Sum', 'SampleCount'] })).map((p) => [p.timestamp.getTime() - start.getTime(), p.sum, p.sampleCount]);

    test('one batch: repeated periods merged, every tier written, dimension order ignored', async () => {
      await metrics.put(scope, [
        { ...metric, timestamp: new Date(t0.getTime() + 1_000), values: [{ value: 1, count: 1 }], storageResolution: 1 },
        { ...metric, timestamp: new Date(t0.getTime() + 1_500), values: [{ value: 2, count: 3 }], storageResolution: 1 },
        { ...metric, dimensions: [...metric.dimensions].reverse(), timestamp: new Date(t0.getTime() + 61_000), values: [{ value: 10, count: 1 }], storageResolution: 60 },
      ]);
      await metrics.put(scope, [{ ...metric, timestamp: new Date(t0.getTime() + 62_000), statisticValues: { sampleCount: 2, sum: 6, minimum: 3, maximum: 3 }, storageResolution: 60 }]);
      assert.deepEqual(await sum(1, t0, new Date(t0.getTime() + 10_000)), [[1000, 7, 4]]);
      assert.deepEqual(await sum(60), [[0, 7, 4], [60_000, 16, 3]]);
      assert.deepEqual(await sum(300), [[0, 23, 7]]);
      assert.deepEqual(await sum(3600), [[0, 23, 7]]);
      const p = await metrics.statistics(scope, { ...metric, start: t0, end: new Date(t0.getTime() + HOUR), periodSeconds: 3600, statistics: [], extended: ['p50', 'p100'] });
      assert.deepEqual(p[0]!.extended, { p50: 2, p100: 10 }, 'values 1, 2×3, 10, 3×2: p50 is 2');
    });

    test('expiry keeps AWS retention, tier by tier, then forgets the metric', async () => {
      const rows = async () => store.db.selectFrom('cw_datapoints').select(['tier']).execute().then((r) => r.map((x) => x.tier).sort((a, b) => a - b));
      assert.deepEqual(await rows(), [1, 60, 60, 300, 3600]);

      now = new Date(t0.getTime() + 4 * HOUR);
      await expire(store.cwMetrics, now.getTime());
      assert.deepEqual(await rows(), [60, 60, 300, 3600], '1-second data kept 3 hours');
      assert.deepEqual(await sum(1, t0, new Date(t0.getTime() + 10_000)), []);
      assert.deepEqual(await sum(60), [[0, 7, 4], [60_000, 16, 3]]);

      now = new Date(t0.getTime() + 16 * DAY);
      await expire(store.cwMetrics, now.getTime());
      assert.deepEqual(await rows(), [300, 3600], '1-minute data kept 15 days');
      assert.deepEqual(await sum(300), [[0, 23, 7]], 'the 5-minute tier answers');
      assert.deepEqual(await sum(60), [], 'no 1-minute data any more');

      now = new Date(t0.getTime() + 64 * DAY);
      await expire(store.cwMetrics, now.getTime());
      assert.deepEqual(await rows(), [3600], '5-minute data kept 63 days');
      assert.deepEqual(await sum(3600), [[0, 23, 7]]);
      const listed = await metrics.list(scope, {});
      assert.deepEqual(listed.metrics, [], 'ListMetrics shows metrics put in the last two weeks');

      now = new Date(t0.getTime() + 456 * DAY);
      await expire(store.cwMetrics, now.getTime());
      assert.deepEqual(await rows(), [], '1-hour data kept 15 months');
      assert.equal((await store.db.selectFrom('cw_metrics').selectAll().execute()).length, 0);
    });

    test('a batch of 1000 values is one unit of work, and a big one keeps its raw values capped', async () => {
      now = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
      const data = Array.from({ length: 1000 }, (_, i) => ({ ...metric, metricName: 'Big', timestamp: new Date(t0.getTime() + i), values: [{ value: i, count: 1 }], storageResolution: 60 as const }));
      await metrics.put(scope, data);
      const [p] = await metrics.statistics(scope, { ...metric, metricName: 'Big', start: t0, end: new Date(t0.getTime() + 60_000), periodSeconds: 60, statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum'], extended: [] });
      assert.deepEqual([p!.sampleCount, p!.sum, p!.minimum, p!.maximum], [1000, 499_500, 0, 999]);
    });
  });
}
