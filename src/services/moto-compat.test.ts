import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceDefinition } from '../protocol/dispatch.js';
import { ServiceError } from '../protocol/service-error.js';
import { MotoCompat, mapStrings } from './moto-compat.js';
import { motoImageAliases } from './ec2/catalog/moto-catalog.js';

const ctx = (region: string, operation: string) => ({ requestId: 'r', accountId: '123456789012', region, accessKeyId: 'testing', service: 'ec2', operation, dryRun: false });

test('mapStrings maps every string of plain objects and arrays, keeps dates and bytes, and __proto__ stays a member', () => {
  const when = new Date(0);
  const bytes = Buffer.from('ami-12c6146b');
  const input = JSON.parse('{"a": "x", "b": ["x", {"c": "x"}], "n": 1, "__proto__": "x"}') as Record<string, unknown>;
  const out = mapStrings({ ...input, when, bytes }, (s) => s.toUpperCase()) as Record<string, unknown>;
  assert.deepEqual([out.a, out.b, out.n], ['X', ['X', { c: 'X' }], 1]);
  assert.equal(out.when, when);
  assert.equal(out.bytes, bytes);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 'X');
});

test("moto's example ids answer in every region; the stored ids never show", async () => {
  const stored = motoImageAliases('eu-west-1').get('ami-12c6146b')!;
  assert.match(stored, /^ami-0[0-9a-f]{16}$/);
  assert.equal(motoImageAliases('us-east-1').size, 0);
  const seen: unknown[] = [];
  const def = {
    handlers: {
      DescribeImages: async (_c: unknown, input: unknown) => {
        seen.push(input);
        return { Images: [{ ImageId: stored, Description: `copy of ${stored}` }] };
      },
      DeregisterImage: async () => {
        throw new ServiceError('InvalidAMIID.Unavailable', `The image '${stored}' is no longer available`);
      },
    },
  } as unknown as ServiceDefinition;
  let drained = 0;
  const wrapped = new MotoCompat({ drain: async () => void drained++, nextDue: async () => undefined }).wrap(def);
  const out = await wrapped.handlers.DescribeImages!(ctx('eu-west-1', 'DescribeImages'), { ImageIds: ['ami-12c6146b', 'ami-0123456789abcdef0'] });
  assert.deepEqual(seen, [{ ImageIds: [stored, 'ami-0123456789abcdef0'] }]);
  assert.deepEqual(out, { Images: [{ ImageId: 'ami-12c6146b', Description: 'copy of ami-12c6146b' }] });
  assert.equal(drained, 0, 'reads do not settle');
  await assert.rejects(wrapped.handlers.DeregisterImage!(ctx('eu-west-1', 'DeregisterImage'), {}), (e: ServiceError) => e.code === 'InvalidAMIID.Unavailable' && e.message === "The image 'ami-12c6146b' is no longer available");
});

test('a state-changing call runs the jobs due before it answers, and those falling due within the horizon', async () => {
  const due = [Date.now() + 20, Date.now() + 60_000];
  let drained = 0;
  const compat = new MotoCompat({ drain: async () => void drained++, nextDue: async () => (due.length ? new Date(due.shift()!).toISOString() : undefined) });
  const def = { handlers: { RunInstances: async () => ({ Instances: [] }) } } as unknown as ServiceDefinition;
  await compat.wrap(def).handlers.RunInstances!(ctx('us-east-1', 'RunInstances'), {});
  assert.equal(drained, 2, 'the job due in 20 ms is waited for, the one in a minute is not');
});
