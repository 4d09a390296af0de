// CloudWatch's wire pinned from both sides by the real SDK in each of the three protocols the
// service answers (services/cloudwatch/cloudwatch-protocol.ts): the JS SDK's own awsJson1.0, and
// the same client switched to Smithy RPC v2 CBOR (what botocore sends) and to awsQuery (what
// older CLIs send). Every member type of the metric operations goes through and comes back —
// strings, doubles, integers, timestamps, enums, lists, maps (ExtendedStatistics), nested
// structures — errors come back with their modeled class, code and fault, and a body over
// 10 KiB arrives gzip-compressed (the SDK's request compression) and is read whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { startServer, type TestServer } from '../helpers/server.js';
import { signedRequest } from '../helpers/signed-fetch.js';
import { gzipSync } from 'node:zlib';
import { decodeCbor, encodeCbor } from '../../src/protocol/cbor.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const PROTOCOLS = { json: undefined, cbor: AwsSmithyRpcV2CborProtocol, query: AwsQueryProtocol } as const;
const MINUTE = 60_000;
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;

for (const [name, protocol] of Object.entries(PROTOCOLS)) {
  describe(`${name} through @aws-sdk/client-cloudwatch`, () => {
    const client = () => {
      const seen: string[] = [];
      const c = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: `AKID${name}`, secretAccessKey: 'x' }, maxAttempts: 1, ...(protocol ? { protocol } : {}),
        // the JS SDK's CBOR protocol sets content-length before the compression middleware shrinks
        // the body (the request then hangs): CBOR's gzip path is tested at the wire below
        ...(name === 'cbor' ? { disableRequestCompression: true } : {}) });
      c.middlewareStack.add((next) => async (args) => {
        const req = args.request as { headers: Record<string, string>; path: string };
        seen.push(`${req.path} ${req.headers['content-type'] ?? ''} ${req.headers['content-encoding'] ?? ''}`.trim());
        return next(args);
      }, { step: 'finalizeRequest', name: 'spy' });
      return { c, seen };
    };
    const ns = `Proto/${name}`;

    test('every member type round trips', async () => {
      const { c, seen } = client();
      await c.send(new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: 'Lat', Dimensions: [{ Name: 'Host', Value: 'h é <&>' }], Timestamp: new Date(base + 1500), Value: 0.25, Unit: 'Seconds', StorageResolution: 1 },
          { MetricName: 'Lat', Dimensions: [{ Name: 'Host', Value: 'h é <&>' }], Timestamp: new Date(base + 2500), Values: [1, 2.5, -3e-7], Counts: [2, 1, 1], Unit: 'Seconds' },
          { MetricName: 'Lat', Dimensions: [{ Name: 'Host', Value: 'h é <&>' }], Timestamp: new Date(base + 3000), StatisticValues: { SampleCount: 3, Sum: 30, Minimum: 10, Maximum: 10 }, Unit: 'Seconds' },
        ],
      }));
      if (name === 'cbor') assert.match(seen[0]!, /^\/service\/GraniteServiceVersion20100801\/operation\/PutMetricData application\/cbor/);
      if (name === 'query') assert.match(seen[0]!, /x-www-form-urlencoded/);
      if (name === 'json') assert.match(seen[0]!, /^\/ application\/x-amz-json-1\.0/);
      const dims = [{ Name: 'Host', Value: 'h é <&>' }];
      const stats = await c.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: 'Lat', Dimensions: dims, StartTime: new Date(base), EndTime: new Date(base + MINUTE), Period: 60, Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum', 'Average'] }));
      const sum = 0.25 + (1 * 2 + 2.5 + -3e-7) + 30; // in the order the server adds them
      assert.deepEqual(stats.Datapoints, [{ Timestamp: new Date(base), SampleCount: 8, Sum: sum, Minimum: -3e-7, Maximum: 10, Average: sum / 8, Unit: 'Seconds' }]);
      const ext = await c.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: 'Lat', Dimensions: dims, StartTime: new Date(base), EndTime: new Date(base + MINUTE), Period: 60, ExtendedStatistics: ['p10', 'p99.9'] }));
      assert.deepEqual(ext.Datapoints?.[0]?.ExtendedStatistics, { p10: -3e-7, 'p99.9': 10 });
      const data = await c.send(new GetMetricDataCommand({
        StartTime: new Date(base),
        EndTime: new Date(base + MINUTE),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [{ Id: 'm', MetricStat: { Metric: { Namespace: ns, MetricName: 'Lat', Dimensions: dims }, Period: 1, Stat: 'Maximum' }, Label: 'max «1s»' }],
      }));
      assert.deepEqual(data.MetricDataResults, [{ Id: 'm', Label: 'max «1s»', Timestamps: [new Date(base + 1000)], Values: [0.25], StatusCode: 'Complete', Messages: [] }]);
      assert.deepEqual(data.Messages, []);
      const listed = await c.send(new ListMetricsCommand({ Namespace: ns }));
      assert.deepEqual(listed.Metrics, [{ Namespace: ns, MetricName: 'Lat', Dimensions: dims }]);
    });

    test('errors arrive as their modeled classes with the awsQuery code and fault', async () => {
      const { c } = client();
      const e1 = await c.send(new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'x', Value: 1 }] })).catch((e: unknown) => e);
      assert.ok(e1 instanceof InvalidParameterValueException, String(e1));
      assert.equal(e1.message, 'The value AWS/EC2 for parameter Namespace is invalid.');
      assert.equal(e1.$fault, 'client');
      assert.equal(e1.$metadata.httpStatusCode, 400);
      if (name !== 'query') assert.equal((e1 as unknown as { Code?: string }).Code, 'InvalidParameterValue');
      const e2 = await c.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: 'Lat', StartTime: new Date(base), EndTime: new Date(base + MINUTE), Period: 60 })).catch((e: unknown) => e);
      assert.ok(e2 instanceof InvalidParameterCombinationException, String(e2));
    });

    test('a large PutMetricData (gzip-compressed by the SDK) is read whole', async () => {
      const { c, seen } = client();
      const MetricData = Array.from({ length: 1000 }, (_, i) => ({ MetricName: 'Big', Dimensions: [{ Name: 'N', Value: String(i % 10) }], Timestamp: new Date(base + 7000), Value: i }));
      await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData }));
      if (name !== 'cbor') assert.match(seen[0]!, /gzip$/);
      const out = await c.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: 'Big', Dimensions: [{ Name: 'N', Value: '3' }], StartTime: new Date(base), EndTime: new Date(base + MINUTE), Period: 60, Statistics: ['SampleCount'] }));
      assert.deepEqual(out.Datapoints?.map((p) => p.SampleCount), [100]);
    });
  });
}

describe('Smithy RPC v2 CBOR at the wire', () => {
  const call = async (path: string, body: Buffer, headers: Record<string, string> = {}) => {
    const { url, init } = await signedRequest(server.url, { service: 'monitoring', path, body, headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', ...headers } });
    const res = await fetch(url, { ...init, headers: Object.fromEntries(Object.entries(init.headers as Record<string, string>).filter(([k]) => k !== 'host')) });
    return { status: res.status, headers: res.headers, body: decodeCbor(Buffer.from(await res.arrayBuffer())) as Record<string, unknown> };
  };
  const op = (o: string) => `/service/GraniteServiceVersion20100801/operation/${o}`;

  test('answers carry the protocol header; timestamps are tag 1', async () => {
    const r = await call(op('ListMetrics'), encodeCbor({}));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('smithy-protocol'), 'rpc-v2-cbor');
    assert.equal(r.headers.get('content-type'), 'application/cbor');
    assert.ok(Array.isArray(r.body.Metrics));
  });

  test('errors: __type the shape id, x-amzn-query-error the awsQuery code; hostile bodies are 4xx', async () => {
    const r = await call(op('PutMetricData'), encodeCbor({ Namespace: 'AWS/X', MetricData: [{ MetricName: 'x', Value: 1 }] }));
    assert.equal(r.status, 400);
    assert.equal(r.body.__type, 'com.amazonaws.cloudwatch#InvalidParameterValueException');
    assert.equal(r.headers.get('x-amzn-query-error'), 'InvalidParameterValue;Sender');
    const bad = await call(op('PutMetricData'), Buffer.from('9bffffffffffffffff', 'hex'));
    assert.deepEqual([bad.status, bad.body.__type], [400, 'SerializationException']);
    const unknown = await call(op('Nope'), encodeCbor({}));
    assert.deepEqual([unknown.status, unknown.body.__type], [404, 'UnknownOperationException']);
    const field = await call(op('ListMetrics'), encodeCbor({ Bogus: 1 }));
    assert.deepEqual([field.status, field.body.__type], [400, 'SerializationException']);
    const gz = await call(op('ListMetrics'), Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    assert.deepEqual([gz.status, gz.body.__type], [400, 'SerializationException']);
  });

  test('a gzip-compressed CBOR body, as botocore sends a large PutMetricData', async () => {
    const MetricData = Array.from({ length: 1000 }, (_, i) => ({ MetricName: 'Zipped', Dimensions: [{ Name: 'N', Value: String(i % 4) }], Timestamp: new Date(base + 9000), Value: i }));
    const r = await call(op('PutMetricData'), gzipSync(encodeCbor({ Namespace: 'Wire', MetricData })), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 200);
    const stats = await call(op('GetMetricStatistics'), encodeCbor({ Namespace: 'Wire', MetricName: 'Zipped', Dimensions: [{ Name: 'N', Value: '1' }], StartTime: new Date(base), EndTime: new Date(base + MINUTE), Period: 60, Statistics: ['SampleCount'] }));
    assert.deepEqual((stats.body.Datapoints as { SampleCount: number; Timestamp: Date }[]).map((p) => [p.SampleCount, p.Timestamp.getTime()]), [[250, base]]);
  });
});
