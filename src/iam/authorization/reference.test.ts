import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadServiceModel } from '../../protocol/model.js';
import {
  authorizationFor,
  authorizationReference,
  conditionKeyType,
  loadAuthorizationReference,
  AuthorizationReferenceError,
  UnknownOperationError,
  DEFAULT_DIR,
  type ActionRequirement,
} from './reference.js';

// The served-operation registry: every service whose generated model is in src/api/.
const API_DIR = fileURLToPath(new URL('../../api/', import.meta.url));
const served = Object.fromEntries(
  readdirSync(API_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => [d.name, Object.keys(loadServiceModel(d.name).operations)]),
);

const action = (service: string, operation: string, name: string): ActionRequirement => {
  const a = authorizationFor(service, operation).actions.find((x) => x.action === name);
  assert.ok(a, `${service}:${operation} authorizes ${name}`);
  return a;
};
const resource = (a: ActionRequirement, type: string) => {
  const r = a.resources.find((x) => x.type === type);
  assert.ok(r, `${a.action} names resource type ${type}`);
  return r;
};

test('every served operation of every service resolves', () => {
  assert.deepEqual(Object.keys(served).sort(), ['autoscaling', 'cloudtrail', 'cloudwatch', 'ebs', 'ec2', 'iam', 'kms', 'ssm', 'sts']);
  assert.deepEqual(authorizationReference().missingOperations(served), []);
  for (const [service, ops] of Object.entries(served)) {
    for (const op of ops) {
      const auth = authorizationFor(service, op);
      assert.ok(auth.noPermissionRequired || auth.actions.length > 0, `${service}:${op} needs an action`);
      for (const a of auth.actions) {
        for (const r of a.resources) assert.match(r.arnTemplate, /^arn:\$\{Partition\}:/, `${a.action} ${r.type}`);
        for (const k of [...a.conditionKeys, ...a.resources.flatMap((r) => [...r.conditionKeys, ...r.resourceConditionKeys])]) {
          assert.ok(conditionKeyType(k), `${a.action}: ${k} has a type`);
        }
      }
    }
  }
});

test('an operation the data lacks is an error, and missingOperations names it', () => {
  assert.throws(() => authorizationFor('ec2', 'NoSuchOperation'), UnknownOperationError);
  assert.deepEqual(authorizationReference().missingOperations({ ec2: ['RunInstances', 'NoSuchOperation'] }), ['ec2:NoSuchOperation']);
});

test('RunInstances: the resource types and required flags of the reference, tag-on-create and PassRole when asked', () => {
  const auth = authorizationFor('ec2', 'RunInstances');
  const run = auth.actions[0]!;
  assert.equal(run.action, 'ec2:RunInstances');
  assert.equal(run.accessLevel, 'Write');
  const required = run.resources.filter((r) => r.required).map((r) => r.type).sort();
  assert.deepEqual(required, ['image', 'instance', 'network-interface', 'security-group', 'subnet']);
  for (const t of ['volume', 'key-pair', 'launch-template', 'placement-group', 'snapshot', 'capacity-reservation']) {
    assert.equal(resource(run, t).required, false, t);
  }
  assert.equal(resource(run, 'image').arnTemplate, 'arn:${Partition}:ec2:${Region}::image/${ImageId}');
  assert.ok(resource(run, 'image').conditionKeys.includes('ec2:Owner'));
  assert.ok(resource(run, 'instance').conditionKeys.includes('ec2:InstanceType'));
  assert.ok(resource(run, 'instance').conditionKeys.includes('aws:RequestTag/${TagKey}'));
  assert.ok(run.conditionKeys.includes('ec2:Region'));
  assert.equal(run.source, 'reference');

  const tags = action('ec2', 'RunInstances', 'ec2:CreateTags');
  assert.deepEqual(tags.when, { present: ['TagSpecifications'] });
  assert.deepEqual(tags.context, { 'ec2:CreateAction': 'RunInstances' });
  assert.equal(tags.accessLevel, 'Tagging');
  assert.ok(tags.conditionKeys.includes('ec2:CreateAction'));
  const pass = action('ec2', 'RunInstances', 'iam:PassRole');
  assert.deepEqual(pass.when, { present: ['IamInstanceProfile'] });
  assert.equal(pass.source, 'inferred');
});

test('images: CreateImage, DeregisterImage, CopyImage, DescribeImages, ModifyImageAttribute', () => {
  const create = action('ec2', 'CreateImage', 'ec2:CreateImage');
  assert.deepEqual(create.resources.map((r) => `${r.type}${r.required ? '*' : ''}`).sort(), ['image*', 'instance*', 'snapshot*']);
  assert.deepEqual(action('ec2', 'CreateImage', 'ec2:CreateTags').context, { 'ec2:CreateAction': 'CreateImage' });

  const dereg = authorizationFor('ec2', 'DeregisterImage').actions;
  assert.deepEqual(dereg.map((a) => a.action), ['ec2:DeregisterImage']);
  assert.deepEqual(dereg[0]!.resources.map((r) => `${r.type}${r.required ? '*' : ''}`), ['image*']);

  const copy = action('ec2', 'CopyImage', 'ec2:CopyImage');
  assert.deepEqual(copy.resources.map((r) => `${r.type}${r.required ? '*' : ''}`).sort(), ['image*', 'snapshot*']);
  assert.deepEqual(action('ec2', 'CopyImage', 'ec2:CreateTags').context, { 'ec2:CreateAction': 'CopyImage' });

  const describe = action('ec2', 'DescribeImages', 'ec2:DescribeImages');
  assert.equal(describe.accessLevel, 'List');
  assert.deepEqual(describe.resources, []);

  // The reference gives ModifyImageAttribute ec2:Attribute and ec2:Attribute/${AttributeName} on the
  // image; the ec2:Add/… and ec2:Remove/… keys are ModifySnapshotAttribute's.
  const modify = resource(action('ec2', 'ModifyImageAttribute', 'ec2:ModifyImageAttribute'), 'image');
  assert.equal(modify.required, true);
  assert.ok(modify.conditionKeys.includes('ec2:Attribute/${AttributeName}'));
  assert.ok(modify.conditionKeys.includes('ec2:Owner'));
  const snap = resource(action('ec2', 'ModifySnapshotAttribute', 'ec2:ModifySnapshotAttribute'), 'snapshot');
  for (const k of ['ec2:Add/userId', 'ec2:Add/group', 'ec2:Remove/userId', 'ec2:Remove/group']) assert.ok(snap.conditionKeys.includes(k), k);
  assert.equal(action('ec2', 'ModifySnapshotAttribute', 'ec2:ModifySnapshotAttribute').accessLevel, 'Permissions management');
});

test('CreateTags: Tagging, ec2:CreateAction, every taggable resource optional', () => {
  const tags = action('ec2', 'CreateTags', 'ec2:CreateTags');
  assert.deepEqual(tags.accessLevels, ['Tagging', 'Write']);
  assert.ok(tags.conditionKeys.includes('ec2:CreateAction'));
  for (const t of ['image', 'snapshot', 'volume', 'instance', 'launch-template', 'key-pair', 'security-group']) assert.equal(resource(tags, t).required, false);
  assert.equal(tags.when, undefined);
});

test('operations that map to other or several actions', () => {
  const alias = authorizationFor('kms', 'CreateAlias').actions;
  assert.deepEqual(alias.map((a) => a.action), ['kms:CreateAlias']);
  assert.deepEqual(alias[0]!.resources.map((r) => `${r.type}${r.required ? '*' : ''}`), ['alias*', 'key*']);

  assert.deepEqual(authorizationFor('kms', 'ReEncrypt').actions.map((a) => a.action), ['kms:ReEncryptFrom', 'kms:ReEncryptTo']);
  const createKey = authorizationFor('kms', 'CreateKey').actions;
  assert.deepEqual(createKey.map((a) => [a.action, a.when?.present.join() ?? '']), [
    ['kms:CreateKey', ''],
    ['kms:PutKeyPolicy', 'Policy'],
    ['kms:TagResource', 'Tags'],
  ]);

  const start = authorizationFor('ebs', 'StartSnapshot').actions;
  assert.deepEqual(start.map((a) => a.action), ['ebs:StartSnapshot', 'ec2:CreateTags']);
  assert.equal(resource(start[0]!, 'snapshot').arnTemplate, 'arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}');

  const caller = authorizationFor('sts', 'GetCallerIdentity');
  assert.equal(caller.noPermissionRequired, true);
  assert.deepEqual(caller.actions, []);
  assert.equal(authorizationFor('sts', 'GetSessionToken').noPermissionRequired, true);
  const assume = authorizationFor('sts', 'AssumeRole').actions;
  assert.equal(assume[0]!.action, 'sts:AssumeRole');
  assert.equal(resource(assume[0]!, 'role').required, true);
  assert.deepEqual(assume.find((a) => a.action === 'sts:TagSession')?.when, { present: ['Tags', 'TransitiveTagKeys'] });

  assert.deepEqual(authorizationFor('cloudtrail', 'LookupEvents').actions.map((a) => [a.action, a.accessLevel]), [['cloudtrail:LookupEvents', 'Read']]);
  const asg = action('autoscaling', 'CreateAutoScalingGroup', 'autoscaling:CreateAutoScalingGroup');
  assert.equal(resource(asg, 'autoScalingGroup').required, true);
  assert.ok(asg.conditionKeys.includes('autoscaling:LaunchTemplateVersionSpecified'));
  assert.equal(resource(action('ssm', 'GetParameter', 'ssm:GetParameter'), 'parameter').required, true);
});

test('rows the reference lacks are marked inferred', () => {
  for (const [service, op, name] of [
    ['kms', 'Encapsulate', 'kms:Encapsulate'],
    ['kms', 'Decapsulate', 'kms:Decapsulate'],
    ['iam', 'AcquireRole', 'iam:AcquireRole'],
    ['iam', 'UpdateDelegationRequest', 'iam:UpdateDelegationRequest'],
  ] as const) {
    assert.equal(action(service, op, name).source, 'inferred', name);
  }
  assert.equal(action('ec2', 'DescribeImages', 'ec2:DescribeImages').source, 'reference');
});

test('condition key types: exact, templated, global, unknown', () => {
  assert.equal(conditionKeyType('ec2:Add/userId'), 'String');
  assert.equal(conditionKeyType('EC2:ADD/USERID'), 'String');
  assert.equal(conditionKeyType('ec2:Encrypted'), 'Bool');
  assert.equal(conditionKeyType('ec2:VolumeSize'), 'Numeric');
  assert.equal(conditionKeyType('aws:TagKeys'), 'ArrayOfString');
  assert.equal(conditionKeyType('aws:ResourceTag/Project'), 'String');
  assert.equal(conditionKeyType('ec2:Attribute/launchPermission'), 'String');
  assert.equal(conditionKeyType('kms:EncryptionContext:purpose'), 'String');
  assert.equal(conditionKeyType('aws:SourceIp'), 'IPAddress');
  assert.equal(conditionKeyType('aws:PrincipalArn'), 'ARN');
  assert.equal(conditionKeyType('aws:MultiFactorAuthPresent'), 'Bool');
  assert.equal(conditionKeyType('aws:CurrentTime'), 'Date');
  assert.equal(conditionKeyType('aws:PrincipalTag/team'), 'String');
  assert.equal(conditionKeyType('iam:PassedToService'), 'String');
  assert.equal(conditionKeyType('nope:Nothing'), undefined);
});

test('validation at load: a row naming an undefined action, resource type or key type fails the whole load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'authz-'));
  for (const f of readdirSync(DEFAULT_DIR)) if (f.endsWith('.json')) copyFileSync(join(DEFAULT_DIR, f), join(dir, f));
  assert.doesNotThrow(() => loadAuthorizationReference(dir));

  const path = join(dir, 'ebs.json');
  const ebs = JSON.parse(readFileSync(path, 'utf8'));
  ebs.operations.CompleteSnapshot.actions = [{ action: 'ebs:NoSuchAction' }];
  ebs.actions.GetSnapshotBlock.resources.push({ type: 'no-such-type', required: true, conditionKeys: [] });
  ebs.conditionKeys['ebs:VolumeSize'].type = 'Colour';
  writeFileSync(path, JSON.stringify(ebs));
  assert.throws(
    () => loadAuthorizationReference(dir),
    (e: unknown) =>
      e instanceof AuthorizationReferenceError &&
      e.problems.some((p) => p.includes('ebs:NoSuchAction')) &&
      e.problems.some((p) => p.includes('no-such-type')) &&
      e.problems.some((p) => p.includes('Colour')),
  );
});
