// CloudWatch metrics through @aws-sdk/client-cloudwatch against a real server with two accounts:
// PutMetricData (values, value lists with counts, statistic sets, units, high resolution, the
// 1000-datum batch the SDK sends gzip-compressed), GetMetricStatistics (statistics, percentiles,
// unit filter, period rules, the 1,440-datapoint limit), GetMetricData (MetricStat, metric math,
// ScanBy, MaxDatapoints paging), ListMetrics (filters, RecentlyActive, paging), every error path
// with AWS's code and text, accounts kept apart, and the data across a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { awsError, cloudwatch, expectAwsError, iam } from '../helpers/clients.js';

let dir: string;
let credentials: string;
let server: TestServer;
let alice: CloudWatchClient;
let bob: CloudWatchClient;

async function start(dataDir?: string) {
  server = await startServer({ credentials, dataDir });
  alice = cloudwatch(server.url, { account: ALICE });
  bob = cloudwatch(server.url, { account: BOB });
}

before(async () => {
  dir = tempDir();
  credentials = writeCredentials(dir);
  await start();
});

after(async () => {
  await server?.stop();
  removeDir(dir);
});

const MINUTE = 60_000;
/** a whole minute a few minutes ago: every datum of a test lands in known periods */
const base = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE);
const at = (minutes: number, seconds = 0) => new Date(base.getTime() + minutes * MINUTE + seconds * 1000);
const host = (h: string) => [{ Name: 'Host', Value: h }];

const put = (client: CloudWatchClient, Namespace: string, MetricData: MetricDatum[]) => client.send(new PutMetricDataCommand({ Namespace, MetricData }));

describe('PutMetricData and GetMetricStatistics', () => {
  before(async () => {
    await put(alice, 'App', [
      { MetricName: 'Latency', Dimensions: host('a'), Timestamp: at(0, 5), Value: 10, Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: host('a'), Timestamp: at(0, 30), Values: [20, 30, 40], Counts: [1, 2, 1], Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: host('a'), Timestamp: at(1, 10), StatisticValues: { SampleCount: 4, Sum: 100, Minimum: 5, Maximum: 50 }, Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: host('a'), Timestamp: at(1, 20), Value: 7, Unit: 'Seconds' },
      // the same name with another dimension set is another metric
      { MetricName: 'Latency', Dimensions: [...host('a'), { Name: 'Az', Value: 'z1' }], Timestamp: at(0, 5), Value: 1000, Unit: 'Milliseconds' },
    ]);
  });

  const stats = (extra: Partial<ConstructorParameters<typeof GetMetricStatisticsCommand>[0]> = {}) =>
    alice.send(new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Latency', Dimensions: host('a'), StartTime: at(0), EndTime: at(5), Period: 60, Statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'], ...extra }));

  test('statistics per period and unit, from values, value lists with counts and statistic sets', async () => {
    const out = await stats();
    assert.equal(out.Label, 'Latency');
    const points = (out.Datapoints ?? []).sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime() || a.Unit!.localeCompare(b.Unit!));
    assert.deepEqual(
      points.map((p) => ({ t: p.Timestamp!.toISOString(), n: p.SampleCount, s: p.Sum, avg: p.Average, min: p.Minimum, max: p.Maximum, u: p.Unit })),
      [
        { t: at(0).toISOString(), n: 5, s: 130, avg: 26, min: 10, max: 40, u: 'Milliseconds' },
        { t: at(1).toISOString(), n: 4, s: 100, avg: 25, min: 5, max: 50, u: 'Milliseconds' },
        { t: at(1).toISOString(), n: 1, s: 7, avg: 7, min: 7, max: 7, u: 'Seconds' },
      ],
    );
  });

  test('the dimension set is the exact identity: order does not matter, a subset is another metric', async () => {
    const two = await alice.send(new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Latency', Dimensions: [{ Name: 'Az', Value: 'z1' }, ...host('a')], StartTime: at(0), EndTime: at(5), Period: 60, Statistics: ['Sum'] }));
    assert.deepEqual(two.Datapoints?.map((p) => p.Sum), [1000]);
    const none = await alice.send(new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Latency', StartTime: at(0), EndTime: at(5), Period: 60, Statistics: ['Sum'] }));
    assert.deepEqual(none.Datapoints, []);
  });

  test('Unit filters; a longer period sums its minutes', async () => {
    const ms = await stats({ Unit: 'Milliseconds', Period: 300, Statistics: ['SampleCount', 'Sum'] });
    assert.deepEqual(ms.Datapoints?.map((p) => [p.SampleCount, p.Sum, p.Unit]), [[9, 230, 'Milliseconds']]);
    const s = await stats({ Unit: 'Seconds', Statistics: ['Maximum'] });
    assert.deepEqual(s.Datapoints?.map((p) => [p.Maximum, p.Unit]), [[7, 'Seconds']]);
    const none = await stats({ Unit: 'Bytes' });
    assert.deepEqual(none.Datapoints, []);
  });

  test('percentiles from the raw values; none for a period with a statistic set of several values', async () => {
    const out = await stats({ Statistics: undefined, ExtendedStatistics: ['p50', 'p99', 'tm75', 'tc50', 'PR(15:35)'], Unit: 'Milliseconds' });
    const points = (out.Datapoints ?? []).sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    assert.deepEqual(points[0]!.ExtendedStatistics, { p50: 30, p99: 40, tm75: 22.5, tc50: 4, 'PR(15:35)': 60 });
    assert.deepEqual(points[1]!.ExtendedStatistics ?? {}, {});
  });

  test('high resolution: 1-second periods for StorageResolution 1', async () => {
    const t = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000);
    await put(alice, 'HiRes', [
      { MetricName: 'Q', Timestamp: t, Value: 1, StorageResolution: 1 },
      { MetricName: 'Q', Timestamp: new Date(t.getTime() + 1000), Value: 2, StorageResolution: 1 },
      { MetricName: 'Q', Timestamp: new Date(t.getTime() + 1500), Value: 4, StorageResolution: 1 },
    ]);
    const out = await alice.send(new GetMetricStatisticsCommand({ Namespace: 'HiRes', MetricName: 'Q', StartTime: t, EndTime: new Date(t.getTime() + 10_000), Period: 1, Statistics: ['Sum'] }));
    assert.deepEqual(out.Datapoints?.map((p) => [p.Timestamp!.getTime() - t.getTime(), p.Sum]).sort((a, b) => a[0]! - b[0]!), [[0, 1], [1000, 6]]);
    // standard-resolution data has no second periods
    const std = await stats({ StartTime: at(0), EndTime: at(1), Period: 10, Statistics: ['Sum'] });
    assert.deepEqual(std.Datapoints, []);
  });

  test('a batch of 1000 data (sent gzip-compressed by the SDK) is stored whole', async () => {
    const data: MetricDatum[] = Array.from({ length: 1000 }, (_, i) => ({ MetricName: 'Batch', Dimensions: [{ Name: 'Shard', Value: String(i % 50) }], Timestamp: at(2, i % 60), Value: i, Unit: 'Count' }));
    await put(alice, 'Bulk', data);
    const out = await alice.send(new GetMetricStatisticsCommand({ Namespace: 'Bulk', MetricName: 'Batch', Dimensions: [{ Name: 'Shard', Value: '7' }], StartTime: at(0), EndTime: at(5), Period: 300, Statistics: ['SampleCount', 'Sum'] }));
    const expected = Array.from({ length: 20 }, (_, k) => 7 + 50 * k);
    assert.deepEqual(out.Datapoints?.map((p) => [p.SampleCount, p.Sum]), [[20, expected.reduce((a, b) => a + b, 0)]]);
  });

  test('PutMetricData errors, as AWS words them', async () => {
    await expectAwsError(put(alice, 'AWS/EC2', [{ MetricName: 'X', Value: 1 }]), 'InvalidParameterValueException', /^The value AWS\/EC2 for parameter Namespace is invalid\.$/);
    await expectAwsError(put(alice, 'App', Array.from({ length: 1001 }, () => ({ MetricName: 'X', Value: 1 }))), 'InvalidParameterValueException', /The collection MetricData must not have a size greater than 1000\./);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 1, Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) }]), 'InvalidParameterValueException', /MetricData\.member\.1\.Dimensions must not have a size greater than 30/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 1, Dimensions: [...host('a'), ...host('b')] }]), 'InvalidParameterValueException', /^No metric may specify the same dimension name twice\.$/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 1, Timestamp: new Date(Date.now() - 15 * 86_400_000) }]), 'InvalidParameterValueException', /^The parameter MetricData\.member\.1\.Timestamp must specify a time within the past two weeks\.$/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 1 }, { MetricName: 'X', Value: 1, Timestamp: new Date(Date.now() + 3 * 3_600_000) }]), 'InvalidParameterValueException', /MetricData\.member\.2\.Timestamp must specify a time no more than two hours in the future/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }]), 'InvalidParameterCombinationException', /^The parameters MetricData\.member\.1\.Value and MetricData\.member\.1\.StatisticValues are mutually exclusive and you have specified both\.$/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Values: [1, 2], Counts: [1] }]), 'InvalidParameterValueException', /Values and MetricData\.member\.1\.Counts must be of the same size/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Values: Array.from({ length: 151 }, (_, i) => i) }]), 'InvalidParameterValueException', /Values must not have a size greater than 150/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 1, StorageResolution: 5 }]), 'InvalidParameterValueException', /The value 5 for parameter MetricData\.member\.1\.StorageResolution is invalid\./);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', StatisticValues: { SampleCount: 2, Sum: 1, Minimum: 3, Maximum: 1 } }]), 'InvalidParameterValueException', /StatisticValues\.Maximum must be greater than/);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X' }]), 'MissingRequiredParameterException', /The parameter MetricData\.member\.1\.Value is required\./);
    await expectAwsError(put(alice, 'App', [{ MetricName: 'X', Value: 2 ** 400 }]), 'InvalidParameterValueException', /for parameter MetricData\.member\.1\.Value is invalid/);
    await expectAwsError(put(alice, 'App', []), 'MissingRequiredParameterException', /The parameter MetricData is required\./);
  });

  test('GetMetricStatistics errors', async () => {
    await expectAwsError(stats({ Period: 45 }), 'InvalidParameterValueException', /^The parameter Period must be a multiple of 60\.$/);
    await expectAwsError(stats({ Period: 90 }), 'InvalidParameterValueException', /multiple of 60/);
    await expectAwsError(stats({ StartTime: at(5), EndTime: at(5) }), 'InvalidParameterValueException', /^The parameter StartTime must be less than the parameter EndTime\.$/);
    await expectAwsError(stats({ StartTime: new Date(Date.now() - 2 * 86_400_000), EndTime: new Date() }), 'InvalidParameterCombinationException', /^You have requested up to 28\d\d datapoints, which exceeds the limit of 1440\. You may reduce the datapoints requested by increasing Period, or decreasing the time range\.$/);
    await expectAwsError(stats({ ExtendedStatistics: ['p90'] }), 'InvalidParameterCombinationException', /mutually exclusive/);
    await expectAwsError(stats({ Statistics: undefined }), 'InvalidParameterCombinationException', /^Must specify either Statistics or ExtendedStatistics\.$/);
    await expectAwsError(stats({ Statistics: undefined, ExtendedStatistics: ['p101'] }), 'InvalidParameterValueException', /The value p101 for parameter ExtendedStatistics is not supported\./);
  });
});

describe('GetMetricData', () => {
  const metric = (h: string, MetricName = 'Req') => ({ Namespace: 'Web', MetricName, Dimensions: host(h) });
  before(async () => {
    const data: MetricDatum[] = [];
    for (let m = 0; m < 5; m++) {
      data.push({ MetricName: 'Req', Dimensions: host('a'), Timestamp: at(m, 1), Value: 10 * (m + 1), Unit: 'Count' });
      if (m !== 2) data.push({ MetricName: 'Req', Dimensions: host('b'), Timestamp: at(m, 1), Value: m + 1, Unit: 'Count' });
    }
    await put(alice, 'Web', data);
  });

  const query = (queries: NonNullable<ConstructorParameters<typeof GetMetricDataCommand>[0]>['MetricDataQueries'], extra: Partial<ConstructorParameters<typeof GetMetricDataCommand>[0]> = {}) =>
    alice.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(5), MetricDataQueries: queries, ...extra }));
  const stat = (Id: string, h: string, Stat = 'Sum', ReturnData?: boolean) => ({ Id, MetricStat: { Metric: metric(h), Period: 60, Stat }, ...(ReturnData === undefined ? {} : { ReturnData }) });
  const values = (r: { Timestamps?: Date[]; Values?: number[] } | undefined) => (r?.Timestamps ?? []).map((t, i) => [(t.getTime() - base.getTime()) / MINUTE, r!.Values![i]]);

  test('MetricStat results, newest first by default, labels', async () => {
    const out = await query([stat('a', 'a'), { ...stat('b', 'b'), Label: 'host b' }]);
    assert.equal(out.MetricDataResults?.length, 2);
    const [a, b] = out.MetricDataResults!;
    assert.equal(a!.Label, 'Req');
    assert.equal(a!.StatusCode, 'Complete');
    assert.deepEqual(values(a), [[4, 50], [3, 40], [2, 30], [1, 20], [0, 10]]);
    assert.equal(b!.Label, 'host b');
    assert.deepEqual(values(b), [[4, 5], [3, 4], [1, 2], [0, 1]]);
    const asc = await query([stat('a', 'a')], { ScanBy: 'TimestampAscending' });
    assert.deepEqual(values(asc.MetricDataResults![0]).map(([m]) => m), [0, 1, 2, 3, 4]);
  });

  test('metric math: arithmetic on the common timestamps, SUM(METRICS()), FILL, RATE, DIFF, scalars', async () => {
    const out = await query(
      [
        stat('a', 'a', 'Sum', false),
        stat('b', 'b', 'Sum', false),
        { Id: 'ratio', Expression: 'a / b' },
        { Id: 'total', Expression: 'SUM(METRICS())', Label: 'all hosts' },
        { Id: 'filled', Expression: 'FILL(b, 0)' },
        { Id: 'rep', Expression: 'FILL(b, REPEAT)' },
        { Id: 'rate', Expression: 'RATE(a)' },
        { Id: 'diff', Expression: 'DIFF(a)' },
        { Id: 'scaled', Expression: '(a + 2 * b) ^ 1 - -1' },
        { Id: 'avgall', Expression: 'AVG(a)' },
      ],
      { ScanBy: 'TimestampAscending' },
    );
    const r = Object.fromEntries(out.MetricDataResults!.map((x) => [x.Id!, x]));
    assert.deepEqual(Object.keys(r).sort(), ['avgall', 'diff', 'filled', 'rate', 'ratio', 'rep', 'scaled', 'total']);
    assert.deepEqual(values(r.ratio), [[0, 10], [1, 10], [3, 10], [4, 10]]);
    assert.equal(r.ratio!.Label, 'ratio');
    assert.equal(r.total!.Label, 'all hosts');
    assert.deepEqual(values(r.total), [[0, 11], [1, 22], [2, 30], [3, 44], [4, 55]]);
    assert.deepEqual(values(r.filled), [[0, 1], [1, 2], [2, 0], [3, 4], [4, 5]]);
    assert.deepEqual(values(r.rep), [[0, 1], [1, 2], [2, 2], [3, 4], [4, 5]]);
    assert.deepEqual(values(r.rate), [[1, 10 / 60], [2, 10 / 60], [3, 10 / 60], [4, 10 / 60]]);
    assert.deepEqual(values(r.diff), [[1, 10], [2, 10], [3, 10], [4, 10]]);
    assert.deepEqual(values(r.scaled), [[0, 13], [1, 25], [3, 49], [4, 61]]);
    assert.deepEqual(values(r.avgall).map(([, v]) => v), [30, 30, 30, 30, 30]);
  });

  test('MaxDatapoints pages over all results with NextToken; PartialData marks a cut result', async () => {
    const all: [string, number][] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await query([stat('a', 'a'), stat('b', 'b')], { MaxDatapoints: 3, NextToken: token });
      pages++;
      for (const r of out.MetricDataResults ?? []) for (const v of r.Values ?? []) all.push([r.Id!, v]);
      // a: cut by the page; b: none of its data given yet
      if (pages === 1) assert.deepEqual(out.MetricDataResults?.map((r) => r.StatusCode), ['PartialData', 'PartialData']);
      token = out.NextToken;
    } while (token && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(all, [['a', 50], ['a', 40], ['a', 30], ['a', 20], ['a', 10], ['b', 5], ['b', 4], ['b', 2], ['b', 1]]);
    await expectAwsError(query([stat('a', 'a')], { NextToken: 'bogus' }), 'InvalidNextToken', /next token is invalid/);
  });

  test('percentile stats and units in MetricStat', async () => {
    const out = await query([{ Id: 'p', MetricStat: { Metric: metric('a'), Period: 300, Stat: 'p50', Unit: 'Count' } }]);
    assert.deepEqual(out.MetricDataResults![0]!.Values, [30]);
    const none = await query([{ Id: 'p', MetricStat: { Metric: metric('a'), Period: 300, Stat: 'Sum', Unit: 'Bytes' } }]);
    assert.deepEqual(none.MetricDataResults![0]!.Values, []);
  });

  test('GetMetricData errors', async () => {
    await expectAwsError(query([{ ...stat('a', 'a'), Id: 'A1' }]), 'ValidationException', /^The value A1 for parameter MetricDataQueries\.member\.1\.Id is not matching the expected pattern \^\[a-z\]\[a-zA-Z0-9_\]\*\$\.$/);
    await expectAwsError(query([stat('a', 'a'), stat('a', 'b')]), 'ValidationException', /MetricDataQueries\.member\.2\.Id is duplicated/);
    await expectAwsError(query([stat('a', 'a'), { Id: 'e', Expression: 'a + zz' }]), 'ValidationException', /^Error in expression e: Unrecognized metric identifier zz$/);
    await expectAwsError(query([{ Id: 'e', Expression: 'SUM(' }]), 'ValidationException', /^Error in expression e: unexpected end of expression/);
    await expectAwsError(query([{ Id: 'e', Expression: 'NOPE(1)' }]), 'ValidationException', /unsupported function NOPE/);
    await expectAwsError(query([{ Id: 'e', Expression: 'f' }, { Id: 'f', Expression: 'e' }]), 'ValidationException', /Circular dependency/);
    await expectAwsError(query([{ Id: 'e', Expression: 'x', MetricStat: stat('x', 'a').MetricStat }]), 'InvalidParameterCombinationException', /mutually exclusive/);
    await expectAwsError(query([{ Id: 'e' }]), 'InvalidParameterCombinationException', /Exactly one of the parameters/);
    await expectAwsError(query([{ Id: 'p', MetricStat: { Metric: metric('a'), Period: 61, Stat: 'Sum' } }]), 'InvalidParameterValueException', /MetricDataQueries\.member\.1\.MetricStat\.Period must be a multiple of 60/);
    await expectAwsError(query([{ Id: 'p', MetricStat: { Metric: metric('a'), Period: 60, Stat: 'Median' } }]), 'InvalidParameterValueException', /The value Median for parameter MetricDataQueries\.member\.1\.MetricStat\.Stat is not supported/);
    await expectAwsError(query([stat('a', 'a')], { StartTime: at(5), EndTime: at(0) }), 'InvalidParameterValueException', /StartTime must be less than/);
  });
});

describe('ListMetrics', () => {
  before(async () => {
    const data: MetricDatum[] = [];
    for (let i = 0; i < 520; i++) data.push({ MetricName: `M${String(i).padStart(3, '0')}`, Dimensions: [{ Name: 'Fleet', Value: i % 2 ? 'odd' : 'even' }], Value: i });
    await put(alice, 'Many', data.slice(0, 500));
    await put(alice, 'Many', data.slice(500));
  });

  test('pages of 500 with NextToken, ordered by name', async () => {
    const first = await alice.send(new ListMetricsCommand({ Namespace: 'Many' }));
    assert.equal(first.Metrics?.length, 500);
    assert.ok(first.NextToken);
    const second = await alice.send(new ListMetricsCommand({ Namespace: 'Many', NextToken: first.NextToken }));
    assert.equal(second.Metrics?.length, 20);
    assert.equal(second.NextToken, undefined);
    assert.equal(second.Metrics![19]!.MetricName, 'M519');
    await expectAwsError(alice.send(new ListMetricsCommand({ Namespace: 'Other', NextToken: first.NextToken })), 'InvalidNextToken');
  });

  test('filters: name, dimension with and without a value, RecentlyActive', async () => {
    const byName = await alice.send(new ListMetricsCommand({ Namespace: 'Many', MetricName: 'M007' }));
    assert.deepEqual(byName.Metrics, [{ Namespace: 'Many', MetricName: 'M007', Dimensions: [{ Name: 'Fleet', Value: 'odd' }] }]);
    let count = 0;
    let token: string | undefined;
    do {
      const page = await alice.send(new ListMetricsCommand({ Namespace: 'Many', Dimensions: [{ Name: 'Fleet', Value: 'even' }], NextToken: token }));
      count += page.Metrics?.length ?? 0;
      token = page.NextToken;
    } while (token);
    assert.equal(count, 260);
    const anyValue = await alice.send(new ListMetricsCommand({ Namespace: 'Many', MetricName: 'M001', Dimensions: [{ Name: 'Fleet' }] }));
    assert.equal(anyValue.Metrics?.length, 1);
    const absent = await alice.send(new ListMetricsCommand({ Namespace: 'Many', Dimensions: [{ Name: 'Nope' }] }));
    assert.deepEqual(absent.Metrics, []);
    const recent = await alice.send(new ListMetricsCommand({ Namespace: 'App', RecentlyActive: 'PT3H' }));
    assert.ok((recent.Metrics?.length ?? 0) >= 2);
  });

  test('accounts are apart', async () => {
    const theirs = await bob.send(new ListMetricsCommand({}));
    assert.deepEqual(theirs.Metrics, []);
    await put(bob, 'App', [{ MetricName: 'Latency', Dimensions: host('a'), Timestamp: at(0, 5), Value: 1 }]);
    const out = await bob.send(new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Latency', Dimensions: host('a'), StartTime: at(0), EndTime: at(5), Period: 300, Statistics: ['Sum'] }));
    assert.deepEqual(out.Datapoints?.map((p) => p.Sum), [1]);
  });
});

describe('IAM', () => {
  test('a user allowed PutMetricData on one namespace (cloudwatch:namespace) and nothing else', async () => {
    const admin = iam(server.url, { account: ALICE });
    await admin.send(new CreateUserCommand({ UserName: 'metrics-writer' }));
    const PolicyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'Allowed' } } }] });
    await admin.send(new PutUserPolicyCommand({ UserName: 'metrics-writer', PolicyName: 'put-allowed', PolicyDocument }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'metrics-writer' }))).AccessKey!;
    const writer = cloudwatch(server.url, { account: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
    await put(writer, 'Allowed', [{ MetricName: 'X', Value: 1 }]);
    const denied = await awsError(put(writer, 'Other', [{ MetricName: 'X', Value: 1 }]));
    assert.equal(denied.status, 403);
    assert.match(denied.message, /^User: arn:aws:iam::111111111111:user\/metrics-writer is not authorized to perform: cloudwatch:PutMetricData because no identity-based policy allows the cloudwatch:PutMetricData action$/);
    const read = await awsError(writer.send(new ListMetricsCommand({})));
    assert.equal(read.status, 403);
    assert.match(read.message, /cloudwatch:ListMetrics/);
  });
});

describe('durability', () => {
  test('metrics and their data survive a restart', async () => {
    const dataDir = server.dataDir;
    await server.stop();
    await start(dataDir);
    const out = await alice.send(new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Latency', Dimensions: host('a'), StartTime: at(0), EndTime: at(5), Period: 300, Unit: 'Milliseconds', Statistics: ['SampleCount'] }));
    assert.deepEqual(out.Datapoints?.map((p) => p.SampleCount), [9]);
    const listed = await alice.send(new ListMetricsCommand({ Namespace: 'App', MetricName: 'Latency' }));
    assert.equal(listed.Metrics?.length, 2);
  });
});
