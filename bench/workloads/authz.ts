// What authorization costs (issue 11): an IAM user's DescribeImages by id with 0, 10 and 100
// policy statements attached, next to the same request by the account root (which skips
// authorization), at one connection over HTTP; and the enforcer alone, in process, on the same
// request and on a DeregisterImage decided on the image's tags (a store read). Target: at 10
// statements the enforcer's p50 is ≤ 10% of DescribeImages-by-id's p50.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { Store } from '../../src/store/store.js';
import { image as imageRow } from '../../src/store/store.conformance.js';
import { createEnforcer } from '../../src/iam/enforcement/create-enforcer.js';
import type { CallerIdentity, PrincipalPolicies } from '../../src/iam/principal.js';
import { emptySnapshot, registerImage } from '../lib/ec2-fixtures.js';
import { imageAvailable } from '../lib/ec2-waits.js';
import { runLoad } from '../lib/http-load.js';
import { BENCH_KEY, startImago } from '../lib/peers.js';
import { table } from '../lib/report.js';
import { signedRawRequest } from '../lib/signed-request.js';
import { judge } from '../lib/targets.js';

const COUNTS = [0, 10, 100];

/** `n` statements, none of which allows the request but the last one; as documents of at most 25 (IAM's size quota). */
function policiesOf(n: number): string[] {
  const statements: object[] = [];
  for (let i = 0; i < n - 1; i++) {
    statements.push({ Effect: 'Allow', Action: [`ec2:Create${i}*`, 'autoscaling:Describe*'], Resource: `arn:aws:ec2:*:*:volume/vol-${i}*`, Condition: { StringEquals: { 'aws:RequestTag/n': String(i) } } });
  }
  if (n > 0) statements.push({ Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:DeregisterImage'], Resource: '*', Condition: { StringEqualsIfExists: { 'ec2:ResourceTag/team': 'web' } } });
  const docs: string[] = [];
  for (let i = 0; i < statements.length; i += 25) docs.push(JSON.stringify({ Version: '2012-10-17', Statement: statements.slice(i, i + 25) }));
  return docs;
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)], p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] };
}

/** The enforcer alone: µs per authorize() over the real store and resolvers. */
async function inProcess(iterations: number): Promise<Map<string, { p50: number; p99: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-authz-'));
  const store = await Store.open({ dataDir: dir, durability: 'normal' });
  const account = '123456789012';
  const id = 'ami-0000000000000beef';
  await store.images.insert(imageRow(id, 'bench', { account_id: account, region: 'us-east-1' }), []);
  await store.tags.put({ accountId: account, region: 'us-east-1' }, [{ resourceId: id, resourceType: 'image', key: 'team', value: 'web' }]);
  let policies: PrincipalPolicies = { identity: [] };
  const enforcer = createEnforcer(store, { policies: { policiesFor: async () => policies } } as never);
  const who: CallerIdentity = { kind: 'user', accountId: account, arn: `arn:aws:iam::${account}:user/bench`, userId: 'AIDABENCH', accessKeyId: 'AKIABENCH', userName: 'bench' };
  const out = new Map<string, { p50: number; p99: number }>();
  try {
    for (const n of COUNTS) {
      policies = { identity: policiesOf(n).map((document, i) => ({ id: `p${n}-${i}`, document })) };
      for (const [operation, input] of [['DescribeImages', { ImageIds: [id] }], ['DeregisterImage', { ImageId: id }]] as const) {
        const samples: number[] = [];
        for (let i = 0; i < iterations; i++) {
          const t = performance.now();
          await enforcer.authorize({ identity: who, service: 'ec2', operation, input, region: 'us-east-1', sourceIp: '127.0.0.1', now: new Date() }).catch(() => undefined);
          samples.push((performance.now() - t) * 1000);
        }
        out.set(`${operation}@${n}`, percentiles(samples.slice(iterations / 10)));
      }
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export async function authzCost(options: { seconds: number }): Promise<void> {
  const alone = await inProcess(3000);
  const imago = await startImago();
  const endpoint = `http://127.0.0.1:${imago.port}`;
  const config = { endpoint, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 };
  const ec2 = new EC2Client(config);
  const iam = new IAMClient(config);
  const rows: (string | number)[][] = [];
  try {
    const snapshot = await emptySnapshot(ec2);
    const imageId = (await ec2.send(registerImage('authz-bench', snapshot))).ImageId!;
    await imageAvailable(ec2, imageId);
    const body = `Action=DescribeImages&Version=2016-11-15&ImageId.1=${imageId}`;
    const keys = new Map<string, { accessKeyId: string; secretAccessKey: string }>([['root (no authorization)', BENCH_KEY]]);
    for (const n of COUNTS) {
      const name = `user${n}`;
      await iam.send(new CreateUserCommand({ UserName: name }));
      for (const [i, document] of policiesOf(n).entries()) {
        const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: `p${n}-${i}`, PolicyDocument: document }))).Policy!.Arn!;
        await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
      }
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      keys.set(`user, ${n} statements`, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    }
    const results = new Map<string, { p50: number; p99: number; rps: number }>();
    // two rounds, alternating, so a drift in the machine's load falls on each alike
    for (let round = 0; round < 2; round++) {
      for (const [label, credentials] of keys) {
        const r = await runLoad(imago.port, await signedRawRequest(imago.port, 'ec2', 'us-east-1', body, {}, credentials), 1, options.seconds / 2);
        const prev = results.get(label);
        results.set(label, prev ? { p50: (prev.p50 + r.p50ms) / 2, p99: Math.max(prev.p99, r.p99ms), rps: (prev.rps + r.rps) / 2 } : { p50: r.p50ms, p99: r.p99ms, rps: r.rps });
      }
    }
    const base = results.get('root (no authorization)')!;
    for (const [label, r] of results) rows.push([label, r.rps.toFixed(0), r.p50.toFixed(3), r.p99.toFixed(3), label.startsWith('root') ? '-' : `${(((r.p50 - base.p50) / base.p50) * 100).toFixed(1)}%`]);
    // judged on the enforcer's own time (measured alone: the HTTP difference between callers is
    // within this machine's noise) against the whole request's
    const enforcer = alone.get('DescribeImages@10')!.p50 / 1000;
    judge('authorization at 10 statements vs DescribeImages by id (p50)', `${enforcer.toFixed(3)} ms of ${base.p50.toFixed(3)} ms = ${((enforcer / base.p50) * 100).toFixed(1)}%`, '≤ 10%', enforcer / base.p50 <= 0.1);
  } finally {
    await imago.stop();
  }
  console.log('\nDescribeImages by id over HTTP, 1 connection (the user with 0 statements is refused: UnauthorizedOperation)');
  console.log(table(['caller', 'req/s', 'p50 ms', 'p99 ms', 'p50 vs root'], rows));
  console.log('\nthe enforcer alone (in process, real store and resolvers), µs per call');
  console.log(table(['request', ...COUNTS.map((n) => `${n} stmts p50/p99`)], ['DescribeImages', 'DeregisterImage'].map((op) => [op, ...COUNTS.map((n) => { const r = alone.get(`${op}@${n}`)!; return `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)}`; })])));
}
