// Every in-scope operation of every service, both directions, judged by the real SDK:
//  - the SDK serializes a sample input; our protocol parser must recover it exactly;
//  - our serializer renders a sample output; the SDK's deserializer must recover it exactly.
// This pins the generated models, the parsers and the serializers to what clients do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as EC2 from '@aws-sdk/client-ec2';
import * as AutoScaling from '@aws-sdk/client-auto-scaling';
import * as KMS from '@aws-sdk/client-kms';
import * as EBS from '@aws-sdk/client-ebs';
import * as SSM from '@aws-sdk/client-ssm';
import * as CloudWatch from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { cloudWatchProtocol } from '../../src/services/cloudwatch/cloudwatch-protocol.js';
import { loadServiceModel } from '../../src/protocol/model.js';
import type { ProtocolAdapter, RawRequest } from '../../src/protocol/protocol.js';
import { QueryProtocol } from '../../src/protocol/query-protocol.js';
import { JsonProtocol } from '../../src/protocol/json-protocol.js';
import { RestJsonProtocol } from '../../src/protocol/rest-json-protocol.js';
import { parseFormString } from '../../src/protocol/form.js';
import { sampleStructure, normalise } from '../helpers/sample.js';

type Sdk = Record<string, unknown>;

interface Case {
  service: string;
  sdk: Sdk;
  client: new (config: object) => { send(cmd: unknown): Promise<unknown>; destroy(): void };
  protocol: (m: ReturnType<typeof loadServiceModel>) => ProtocolAdapter;
  /** the client's own settings (CloudWatch: the same client speaking CBOR or awsQuery) */
  config?: object;
  label?: string;
  /** how deep samples go (default 4): deeper where a required member sits below that */
  depth?: number;
}

const CASES: Case[] = [
  { service: 'ec2', sdk: EC2 as unknown as Sdk, client: EC2.EC2Client as never, protocol: (m) => new QueryProtocol(m, 'ec2') },
  { service: 'autoscaling', sdk: AutoScaling as unknown as Sdk, client: AutoScaling.AutoScalingClient as never, protocol: (m) => new QueryProtocol(m, 'query') },
  { service: 'kms', sdk: KMS as unknown as Sdk, client: KMS.KMSClient as never, protocol: (m) => new JsonProtocol(m) },
  { service: 'ssm', sdk: SSM as unknown as Sdk, client: SSM.SSMClient as never, protocol: (m) => new JsonProtocol(m) },
  { service: 'ebs', sdk: EBS as unknown as Sdk, client: EBS.EBSClient as never, protocol: (m) => new RestJsonProtocol(m) },
  // CloudWatch answers each request in its protocol: the JS SDK's awsJson1.0, and the same client
  // made to speak Smithy RPC v2 CBOR (botocore's) and awsQuery (older CLIs')
  { service: 'cloudwatch', label: 'cloudwatch (awsJson1.0)', sdk: CloudWatch as unknown as Sdk, client: CloudWatch.CloudWatchClient as never, protocol: cloudWatchProtocol, depth: 6 },
  { service: 'cloudwatch', label: 'cloudwatch (rpcv2Cbor)', sdk: CloudWatch as unknown as Sdk, client: CloudWatch.CloudWatchClient as never, protocol: cloudWatchProtocol, config: { protocol: AwsSmithyRpcV2CborProtocol, disableRequestCompression: true }, depth: 6 },
  { service: 'cloudwatch', label: 'cloudwatch (awsQuery)', sdk: CloudWatch as unknown as Sdk, client: CloudWatch.CloudWatchClient as never, protocol: cloudWatchProtocol, config: { protocol: AwsQueryProtocol }, depth: 6 },
];

async function listen(handler: (raw: RawRequest) => { status: number; headers: Record<string, string>; body: string | Buffer }): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const raw: RawRequest = {
        method: req.method ?? 'GET',
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? [] : parseFormString(url.slice(q + 1)),
        headers,
        body: Buffer.concat(chunks),
      };
      try {
        const r = handler(raw);
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      } catch (e) {
        res.writeHead(599);
        res.end(String((e as Error).stack));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function readStreams(v: unknown): Promise<unknown> {
  if (v && typeof v === 'object' && 'transformToByteArray' in v) {
    return (v as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  }
  if (Array.isArray(v)) return Promise.all(v.map(readStreams));
  if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await readStreams(x);
    return out;
  }
  return v;
}

for (const c of CASES) {
  test(`${c.label ?? c.service}: SDK inputs parse and our outputs deserialize for every in-scope operation`, async () => {
    const model = loadServiceModel(c.service);
    const protocol = c.protocol(model);
    const seen = new Map<string, Record<string, unknown>>();
    const outputs = new Map<string, Record<string, unknown>>();
    const server = await listen((raw) => {
      const wire = protocol.forRequest?.(raw) ?? protocol;
      const op = wire.operationOf(raw);
      seen.set(op, wire.decode(op, raw));
      return wire.encode(op, outputs.get(op) ?? {}, 'req-1');
    });
    const port = (server.address() as AddressInfo).port;
    const client = new c.client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      maxAttempts: 1,
      ...c.config,
    });
    const failures: string[] = [];
    try {
      for (const [op, def] of Object.entries(model.operations)) {
        const Command = c.sdk[`${op}Command`] as (new (input: object) => unknown) | undefined;
        if (!Command) {
          failures.push(`${op}: the SDK has no command`);
          continue;
        }
        const input = def.input ? sampleStructure(model, def.input, { maxDepth: c.depth }) : {};
        const output = def.output ? sampleStructure(model, def.output, { skip: (_s, _m, ref) => Boolean(ref.httpResponseCode) }) : {};
        outputs.set(op, output);
        try {
          const got = (await readStreams(await client.send(new Command(input)))) as Record<string, unknown>;
          const parsed = seen.get(op);
          assert.deepEqual(normalise(parsed), normalise(input), `${op} input`);
          assert.deepEqual(normalise(got), normalise(output), `${op} output`);
        } catch (e) {
          failures.push(`${op}: ${(e as Error).message.split('\n').slice(0, 12).join('\n')}`);
        }
      }
    } finally {
      client.destroy();
      server.close();
    }
    assert.equal(failures.length, 0, `${failures.length} operations failed:\n${failures.join('\n\n')}`);
  });
}
