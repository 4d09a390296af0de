// The enforcer over the real authorization reference, policy engine, SQLite store and EC2 / KMS /
// Auto Scaling resolvers: which (action, resource) pairs a request is decided on, and the error
// each service answers when one is not allowed. The SDK tests (test/sdk/iam-enforcement.test.ts)
// run the same rules through real clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/store.js';
import { image } from '../../store/store.conformance.js';
import { Ec2Resources } from '../../services/ec2/ec2-authorization.js';
import { AutoscalingResources } from '../../services/autoscaling/autoscaling-authorization.js';
import { KmsResources } from '../../services/kms/kms-authorization.js';
import type { CallerIdentity, PrincipalPolicies } from '../principal.js';
import { Enforcer, type AuthorizationCall, type ServiceResources } from './enforcer.js';
import { ServiceError } from '../../protocol/service-error.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const alice: CallerIdentity = { kind: 'user', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/alice`, userId: 'AIDAALICE0000000000', accessKeyId: 'AKIAALICE', userName: 'alice' };
const root: CallerIdentity = { kind: 'root', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, userId: ACCOUNT, accessKeyId: 'root' };

const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let dir: string;
let store: Store;
let policies: PrincipalPolicies;
let enforcer: Enforcer;

function call(service: string, operation: string, input: Record<string, unknown> = {}, identity = alice): AuthorizationCall {
  return { identity, service, operation, input, region: REGION, sourceIp: '127.0.0.1', now: new Date('2026-12-06T10:00:00Z') };
}

async function denied(c: AuthorizationCall): Promise<ServiceError> {
  const e = await enforcer.authorize(c).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof ServiceError, `${c.operation} should be denied`);
  return e;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imago-enforcer-'));
  store = await Store.open({ dataDir: dir, durability: 'normal' });
  const services = new Map<string, ServiceResources>([
    ['ec2', new Ec2Resources(store)],
    ['autoscaling', new AutoscalingResources(store)],
    ['kms', new KmsResources(store)],
  ]);
  enforcer = new Enforcer({ policiesFor: async () => policies, services, encodeMessage: (json) => Buffer.from(json).toString('base64') });
  for (const [id, name] of [['ami-0000000000000web', 'web'], ['ami-00000000000000db', 'db']]) await store.images.insert(image(id, name, { account_id: ACCOUNT, region: REGION }), []);
  await store.tags.put({ accountId: ACCOUNT, region: REGION }, [
    { resourceId: 'ami-0000000000000web', resourceType: 'image', key: 'team', value: 'web' },
    { resourceId: 'ami-00000000000000db', resourceType: 'image', key: 'team', value: 'db' },
  ]);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('who is evaluated', () => {
  test('an account root is allowed everything without a policy', async () => {
    policies = { identity: [] };
    await enforcer.authorize(call('ec2', 'DeregisterImage', { ImageId: 'ami-0000000000000web' }, root));
  });

  test('a user with no policy may do nothing, Describe* included; GetCallerIdentity needs no permission', async () => {
    policies = { identity: [] };
    const e = await denied(call('ec2', 'DescribeImages'));
    assert.equal(e.code, 'UnauthorizedOperation');
    assert.equal(e.httpStatus, 403);
    assert.match(e.message, /^You are not authorized to perform this operation\. User: arn:aws:iam::111122223333:user\/alice is not authorized to perform: ec2:DescribeImages because no identity-based policy allows the ec2:DescribeImages action\. Encoded authorization failure message: \S+$/);
    await enforcer.authorize(call('sts', 'GetCallerIdentity'));
  });
});

describe('EC2', () => {
  test('read-only: Describe* allowed, DeregisterImage denied with a message that decodes to what was asked', async () => {
    policies = { identity: [{ id: 'arn:aws:iam::aws:policy/ReadOnlyEc2', document: doc({ Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:Get*'], Resource: '*' }) }] };
    await enforcer.authorize(call('ec2', 'DescribeImages', { ImageIds: ['ami-0000000000000web'] }));
    const e = await denied(call('ec2', 'DeregisterImage', { ImageId: 'ami-0000000000000web' }));
    assert.match(e.message, /on resource: arn:aws:ec2:us-east-1::image\/ami-0000000000000web because no identity-based policy allows the ec2:DeregisterImage action/);
    const decoded = JSON.parse(Buffer.from(e.message.split('Encoded authorization failure message: ')[1], 'base64').toString()) as {
      allowed: boolean;
      explicitDeny: boolean;
      context: { principal: { arn: string }; action: string; resource: string; conditions: { items: { key: string; values: { items: { value: string }[] } }[] } };
    };
    assert.equal(decoded.allowed, false);
    assert.equal(decoded.explicitDeny, false);
    assert.equal(decoded.context.principal.arn, alice.arn);
    assert.equal(decoded.context.action, 'ec2:DeregisterImage');
    assert.equal(decoded.context.resource, 'arn:aws:ec2:us-east-1::image/ami-0000000000000web');
    const tag = decoded.context.conditions.items.find((c) => c.key === 'ec2:ResourceTag/team');
    assert.deepEqual(tag?.values.items, [{ value: 'web' }]);
  });

  test('resource tags: DeregisterImage only on images tagged team=web', async () => {
    policies = { identity: [{ id: 'web', document: doc({ Effect: 'Allow', Action: 'ec2:DeregisterImage', Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/team': 'web' } } }) }] };
    await enforcer.authorize(call('ec2', 'DeregisterImage', { ImageId: 'ami-0000000000000web' }));
    await denied(call('ec2', 'DeregisterImage', { ImageId: 'ami-00000000000000db' }));
    await denied(call('ec2', 'DeregisterImage', { ImageId: 'ami-000000000missing' }));
  });

  test('tag on create: CreateImage with TagSpecifications also needs ec2:CreateTags with ec2:CreateAction', async () => {
    const createImage = { Effect: 'Allow', Action: 'ec2:CreateImage', Resource: 'arn:aws:ec2:*::image/*', Condition: { StringEquals: { 'aws:RequestTag/team': 'web' } } };
    const onInstances = { Effect: 'Allow', Action: 'ec2:CreateImage', Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*::snapshot/*'] };
    const tagOnCreate = { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateAction': 'CreateImage' } } };
    const input = { InstanceId: 'i-0123456789abcdef0', Name: 'x', TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'team', Value: 'web' }] }] };
    policies = { identity: [{ id: 'p', document: doc(createImage, onInstances) }] };
    const e = await denied(call('ec2', 'CreateImage', input));
    assert.match(e.message, /perform: ec2:CreateTags on resource: arn:aws:ec2:us-east-1::image\/\*/);
    policies = { identity: [{ id: 'p', document: doc(createImage, onInstances, tagOnCreate) }] };
    await enforcer.authorize(call('ec2', 'CreateImage', input));
    // the same policy refuses an image tagged for another team (and one without tags)
    await denied(call('ec2', 'CreateImage', { ...input, TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'team', Value: 'db' }] }] }));
    await denied(call('ec2', 'CreateImage', { InstanceId: 'i-0123456789abcdef0', Name: 'x' }));
  });

  test('RunInstances is decided on each resource it touches; iam:PassRole only with an instance profile', async () => {
    const pairs = [];
    policies = { identity: [{ id: 'all', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }] };
    for await (const p of enforcer.decide(call('ec2', 'RunInstances', { ImageId: 'ami-0000000000000web', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: 'k' }))) pairs.push(p);
    const resources = pairs.map((p) => `${p.action} ${p.resource}`);
    for (const r of [
      'ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-0000000000000web',
      `ec2:RunInstances arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`,
      `ec2:RunInstances arn:aws:ec2:us-east-1:${ACCOUNT}:volume/*`,
      `ec2:RunInstances arn:aws:ec2:us-east-1:${ACCOUNT}:key-pair/k`,
    ]) assert.ok(resources.includes(r), `${r} in ${resources.join('\n')}`);
    assert.ok(!pairs.some((p) => p.action === 'iam:PassRole'));
    const instance = pairs.find((p) => p.resource.endsWith(':instance/*'))!;
    assert.equal(instance.context['ec2:InstanceType'], 't3.micro');
    // a policy limiting instance types
    policies = { identity: [{ id: 'small', document: doc({ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' }, { Effect: 'Deny', Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*:*:instance/*', Condition: { StringNotLike: { 'ec2:InstanceType': 't3.*' } } }) }] };
    await enforcer.authorize(call('ec2', 'RunInstances', { ImageId: 'ami-0000000000000web', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }));
    const e = await denied(call('ec2', 'RunInstances', { ImageId: 'ami-0000000000000web', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1 }));
    assert.match(e.message, /with an explicit deny in an identity-based policy/);
  });

  test('explicit deny beats allow; a permissions boundary caps an admin; session policies too', async () => {
    const admin = { id: 'admin', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) };
    policies = { identity: [admin, { id: 'no-deregister', document: doc({ Effect: 'Deny', Action: 'ec2:DeregisterImage', Resource: '*' }) }] };
    assert.match((await denied(call('ec2', 'DeregisterImage', { ImageId: 'ami-0000000000000web' }))).message, /with an explicit deny in an identity-based policy/);
    policies = { identity: [admin], boundary: { id: 'boundary', document: doc({ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }) } };
    await enforcer.authorize(call('ec2', 'DescribeImages'));
    assert.match((await denied(call('ec2', 'DeregisterImage', { ImageId: 'ami-0000000000000web' }))).message, /because no permissions boundary allows the ec2:DeregisterImage action/);
    policies = { identity: [admin], session: [{ id: 'session', document: doc({ Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' }) }] };
    await enforcer.authorize(call('ec2', 'DescribeImages'));
    assert.match((await denied(call('ec2', 'DescribeInstances'))).message, /because no session policy allows the ec2:DescribeInstances action/);
  });
});

describe('other services', () => {
  test('Auto Scaling answers AccessDenied; KMS AccessDeniedException (400) and its key policy must allow', async () => {
    policies = { identity: [] };
    const asg = await denied(call('autoscaling', 'CreateAutoScalingGroup', { AutoScalingGroupName: 'web', MinSize: 0, MaxSize: 1 }));
    assert.equal(asg.code, 'AccessDenied');
    assert.equal(asg.httpStatus, 403);
    assert.match(asg.message, /^User: arn:aws:iam::111122223333:user\/alice is not authorized to perform: autoscaling:CreateAutoScalingGroup on resource: arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:\*:autoScalingGroupName\/web because no identity-based policy allows/);
    const kms = await denied(call('kms', 'Encrypt', { KeyId: 'alias/nothing', Plaintext: 'x' }));
    assert.equal(kms.code, 'AccessDeniedException');
    assert.equal(kms.httpStatus, 400);
  });
});
