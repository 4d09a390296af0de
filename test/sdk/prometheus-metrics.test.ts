// GET /_imago/metrics: a real server with a credentials file, a few SDK calls (one refused by
// authentication, one naming an action no model has), an admin fsck and GC, a snapshot with a
// duplicated block; the exposition is parsed with a Prometheus text-format parser and the
// counters, histograms and block store figures checked — and that no label names an account or
// a resource, which is why the endpoint is open without credentials.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { ALICE, removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { ebs, ec2 } from '../helpers/clients.js';
import { signedFetch } from '../helpers/signed-fetch.js';
import { blockOf, snapshotWithData } from '../helpers/images.js';
import { getMetricsFromIterator } from 'prom2javascript';

// prom2javascript: parse-prometheus-text-format (the more downloaded parser) folds every series
// of a labelled histogram into one, losing the labels, so it cannot check these histograms
interface Family {
  name: string;
  type: string;
  data: { labels: Record<string, string>; value?: number; buckets?: Record<string, number>; count?: number; sum?: number }[];
}
// It also refuses the values NaN and -Inf, which the format allows (Node's event loop lag mean is
// NaN at a scrape that follows another within the lag monitor's 10 ms): those samples are checked
// here — spelled as the format spells them, of a declared family — and kept out of its input.
const SPECIAL = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (NaN|[+-]Inf)$/;
async function parsePrometheus(text: string): Promise<Family[]> {
  const lines = text.split('\n');
  const special = lines.filter((line) => SPECIAL.test(line));
  for (const line of special) {
    const name = SPECIAL.exec(line)![1];
    assert.ok(lines.includes(`# TYPE ${name} gauge`) || lines.some((l) => l.startsWith('# TYPE ') && name.startsWith(l.split(' ')[2])), `${line}: a sample of a declared family`);
  }
  assert.ok(!lines.some((line) => !line.startsWith('#') && / (Nan|nan|inf|Inf)$/.test(line) && !SPECIAL.test(line)), 'special values are spelled NaN, +Inf, -Inf');
  const parsed = await getMetricsFromIterator(lines.filter((line) => !special.includes(line))[Symbol.iterator]());
  return Object.entries(parsed).map(([name, m]) => ({ name, type: m.type, data: m.data as Family['data'] }));
}

const OPS = { profile: 'ops', accessKeyId: 'AKIAOPS0000000000003', secretAccessKey: 'ops-secret', accountId: '333333333333' };
const BLOCK = 512 * 1024;

function family(families: Family[], name: string): Family {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `metric ${name} missing`);
  return f;
}

/** The sample whose labels include `labels` (undefined when none has them). */
function samples(families: Family[], name: string, labels: Record<string, string> = {}): Family['data'] {
  return family(families, name).data.filter((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
}

/** The sum over the series whose labels include `labels`. */
const valueOf = (families: Family[], name: string, labels: Record<string, string> = {}) => samples(families, name, labels).reduce((n, m) => n + (m.value ?? 0), 0);
const countOf = (families: Family[], labels: Record<string, string>) => samples(families, 'imago_request_duration_seconds', labels).reduce((n, m) => n + (m.count ?? 0), 0);

describe('Prometheus metrics at /_imago/metrics', () => {
  let server: TestServer;
  let dir: string;

  const scrape = async (): Promise<{ text: string; families: Family[]; contentType: string | null }> => {
    const res = await fetch(`${server.url}/_imago/metrics`);
    assert.equal(res.status, 200, 'readable without credentials');
    const text = await res.text();
    return { text, families: await parsePrometheus(text), contentType: res.headers.get('content-type') };
  };

  const admin = (path: string, who: typeof OPS) => signedFetch(server.url, { service: 'imago', method: 'POST', path, query: 'graceSeconds=0', accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey });

  before(async () => {
    dir = tempDir();
    const credentials = join(dir, 'credentials');
    writeFileSync(
      credentials,
      [ALICE, OPS].map((a) => `[${a.profile}]\naws_access_key_id = ${a.accessKeyId}\naws_secret_access_key = ${a.secretAccessKey}\naws_account_id = ${a.accountId}\n${a === OPS ? 'imago_admin = true\n' : ''}`).join('\n'),
    );
    server = await startServer({ dataDir: dir, credentials, args: ['--settle-ms', '20'] });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('counters move, histograms are consistent, block store and maintenance figures are real, and no label names an account or a resource', async () => {
    const before = await scrape();
    assert.match(before.contentType ?? '', /^text\/plain; version=0\.0\.4/);
    const regionsBefore = countOf(before.families, { service: 'ec2', action: 'DescribeRegions', code: '200' });

    const client = ec2(server.url, { account: ALICE });
    for (let i = 0; i < 3; i++) await client.send(new DescribeRegionsCommand({}));
    await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    // refused: a wrong secret
    await assert.rejects(ec2(server.url, { account: { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'wrong' } }).send(new DescribeRegionsCommand({})), { name: 'AuthFailure' });
    // an action of the client's own invention: counted, but its name never becomes a label
    const bogus = await signedFetch(server.url, { service: 'ec2', body: 'Action=NoSuchActionXyz&Version=2016-11-15', accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
    assert.equal(bogus.status, 400);
    // two identical blocks: stored once
    await snapshotWithData(ebs(server.url, { account: ALICE }), client, new Map([[0, blockOf('same')], [1, blockOf('same')]]));
    // operator endpoints: refused unsigned, run signed as an admin
    assert.equal((await fetch(`${server.url}/_imago/fsck`, { method: 'POST' })).status, 403);
    assert.equal((await admin('/_imago/fsck', OPS)).status, 200);
    assert.equal((await admin('/_imago/gc', OPS)).status, 200); // also makes the next scrape rescan the block store

    const { text, families } = await scrape();

    // requests: one histogram, by service, action and code
    const requests = family(families, 'imago_request_duration_seconds');
    assert.equal(requests.type, 'histogram');
    assert.equal(countOf(families, { service: 'ec2', action: 'DescribeRegions', code: '200' }) - regionsBefore, 3);
    assert.ok(countOf(families, { service: 'ec2', action: 'DescribeImages', code: '200' }) >= 1);
    assert.ok(countOf(families, { service: 'ebs', action: 'PutSnapshotBlock' }) >= 2, 'EBS direct writes');
    assert.ok(countOf(families, { service: 'ec2', action: 'unknown', code: '401' }) >= 1, 'refused before its action was read');
    assert.ok(countOf(families, { service: 'ec2', action: 'unknown', code: '400' }) >= 1, 'an unknown action collapses to "unknown"');
    assert.ok(!text.includes('NoSuchActionXyz'));
    assert.ok(countOf(families, { service: 'admin', action: '/_imago/fsck', code: '403' }) >= 1);
    assert.ok(requests.data.length >= 5);
    for (const m of requests.data) {
      const bounds = Object.keys(m.buckets!).sort((a, b) => (a === '+Inf' ? 1 : b === '+Inf' ? -1 : Number(a) - Number(b)));
      const counts = bounds.map((b) => Number(m.buckets![b]));
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], `cumulative buckets of ${JSON.stringify(m.labels)}`);
      assert.equal(bounds.at(-1), '+Inf');
      assert.equal(counts.at(-1), Number(m.count), 'the +Inf bucket is the count');
      assert.ok(Number(m.sum) >= 0 && Number(m.sum) <= Number(m.count) * 30);
    }
    assert.ok(valueOf(families, 'imago_request_errors_total', { service: 'ec2', error: 'AuthFailure' }) >= 1);

    // authentication failures by reason (the wrong secret; the unsigned admin call)
    assert.ok(valueOf(families, 'imago_auth_failures_total', { service: 'ec2', reason: 'bad-signature' }) >= 1);
    assert.ok(valueOf(families, 'imago_auth_failures_total', { service: 'admin', reason: 'missing' }) >= 1);

    // jobs: the snapshot's completion ran on this node
    assert.ok(valueOf(families, 'imago_job_runs_total', { outcome: 'done' }) >= 1);
    assert.equal(family(families, 'imago_jobs').type, 'gauge');
    assert.ok(valueOf(families, 'imago_jobs', { state: 'scheduled' }) >= 1, 'the recurring jobs wait in the queue');
    assert.equal(valueOf(families, 'imago_metrics_collection_errors_total'), 0, 'every scrape-time query worked');

    // maintenance: one clean fsck, one GC
    assert.equal(valueOf(families, 'imago_maintenance_runs_total', { operation: 'fsck', outcome: 'clean' }), 1);
    assert.equal(valueOf(families, 'imago_maintenance_runs_total', { operation: 'gc', outcome: 'ok' }), 1);
    assert.equal(valueOf(families, 'imago_fsck_last', { figure: 'ok' }), 1);
    assert.ok(valueOf(families, 'imago_fsck_last', { figure: 'chunks' }) >= 1);
    assert.ok(Math.abs(valueOf(families, 'imago_maintenance_last_run_timestamp_seconds', { operation: 'gc' }) - Date.now() / 1000) < 60);

    // block store: the duplicated block counts twice logically, once deduplicated; stored is encoded
    const logical = valueOf(families, 'imago_blockstore_bytes', { kind: 'logical' });
    const deduplicated = valueOf(families, 'imago_blockstore_bytes', { kind: 'deduplicated' });
    const stored = valueOf(families, 'imago_blockstore_bytes', { kind: 'stored' });
    assert.ok(logical >= deduplicated + BLOCK, `logical ${logical} vs deduplicated ${deduplicated}`);
    assert.ok(deduplicated >= BLOCK);
    assert.ok(stored > 0 && stored < deduplicated, `a repetitive block compresses: stored ${stored}`);
    assert.ok(valueOf(families, 'imago_blockstore_chunks') >= 1);

    // compute: no VMs under --compute none, counts by state exist
    assert.equal(valueOf(families, 'imago_vms_running'), 0);
    assert.equal(valueOf(families, 'imago_instances', { state: 'running' }), 0);
    assert.equal(valueOf(families, 'imago_nbd_connections'), 0);

    // the process: prom-client's default collectors
    assert.ok(valueOf(families, 'process_cpu_seconds_total') > 0);
    assert.ok(valueOf(families, 'nodejs_heap_size_used_bytes') > 0);

    // nothing in any label names an account, a key or a resource
    for (const f of families) {
      for (const m of f.data) {
        for (const v of Object.values(m.labels)) {
          assert.doesNotMatch(v, /\d{12}|AKIA|(ami|snap|vol|i|vpc|subnet)-[0-9a-f]{8}/, `${f.name} label ${v}`);
        }
      }
    }
  });

  test('the scrape endpoint answers only GET; unknown admin paths are one label', async () => {
    assert.equal((await fetch(`${server.url}/_imago/metrics`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${server.url}/_imago/no-such-endpoint-4711`)).status, 404);
    const { text, families } = await scrape();
    assert.ok(!text.includes('no-such-endpoint-4711'));
    assert.ok(countOf(families, { service: 'admin', action: 'unknown' }) >= 1);
  });

  test('scrapes at the same moment both parse (the second sees an event loop lag with no sample: NaN)', async () => {
    const [a, b] = await Promise.all([scrape(), scrape()]);
    for (const { families } of [a, b]) assert.ok(valueOf(families, 'process_cpu_seconds_total') > 0);
    assert.ok(/^nodejs_eventloop_lag_mean_seconds (NaN|[0-9.e+-]+)$/m.test(a.text + '\n' + b.text));
  });
});
