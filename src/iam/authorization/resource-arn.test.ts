import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceArn, fillArnTemplate, ArnTemplateError } from './resource-arn.js';

const at = { region: 'eu-west-1', account: '123456789012' };

test('EC2: images and snapshots carry no account; instances, volumes, key pairs and launch templates do', () => {
  assert.equal(resourceArn('ec2', 'image', { ...at, ImageId: 'ami-0abc' }), 'arn:aws:ec2:eu-west-1::image/ami-0abc');
  assert.equal(resourceArn('ec2', 'snapshot', { ...at, SnapshotId: 'snap-1' }), 'arn:aws:ec2:eu-west-1::snapshot/snap-1');
  assert.equal(resourceArn('ebs', 'snapshot', { ...at, SnapshotId: 'snap-1' }), 'arn:aws:ec2:eu-west-1::snapshot/snap-1');
  assert.equal(resourceArn('ec2', 'instance', { ...at, InstanceId: 'i-1' }), 'arn:aws:ec2:eu-west-1:123456789012:instance/i-1');
  assert.equal(resourceArn('ec2', 'volume', { ...at, VolumeId: 'vol-1' }), 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-1');
  assert.equal(resourceArn('ec2', 'key-pair', { ...at, KeyPairName: 'deploy' }), 'arn:aws:ec2:eu-west-1:123456789012:key-pair/deploy');
  assert.equal(
    resourceArn('ec2', 'launch-template', { ...at, LaunchTemplateId: 'lt-1' }),
    'arn:aws:ec2:eu-west-1:123456789012:launch-template/lt-1',
  );
  assert.equal(resourceArn('ec2', 'image', { partition: 'aws-cn', region: 'cn-north-1', ImageId: 'ami-1' }), 'arn:aws-cn:ec2:cn-north-1::image/ami-1');
});

test('Auto Scaling groups, KMS keys and aliases, SSM parameters, IAM roles', () => {
  assert.equal(
    resourceArn('autoscaling', 'autoScalingGroup', { ...at, GroupId: 'uuid-1', GroupFriendlyName: 'web' }),
    'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:uuid-1:autoScalingGroupName/web',
  );
  assert.equal(resourceArn('kms', 'key', { ...at, KeyId: 'k-1' }), 'arn:aws:kms:eu-west-1:123456789012:key/k-1');
  assert.equal(resourceArn('kms', 'alias', { ...at, Alias: 'app' }), 'arn:aws:kms:eu-west-1:123456789012:alias/app');
  assert.equal(
    resourceArn('ssm', 'parameter', { ...at, ParameterNameWithoutLeadingSlash: 'aws/service/ami' }),
    'arn:aws:ssm:eu-west-1:123456789012:parameter/aws/service/ami',
  );
  assert.equal(resourceArn('iam', 'role', { account: '123456789012', RoleNameWithPath: 'ops/deployer' }), 'arn:aws:iam::123456789012:role/ops/deployer');
});

test('a missing part or an unknown resource type is an error', () => {
  assert.throws(() => resourceArn('ec2', 'instance', { region: 'eu-west-1', InstanceId: 'i-1' }), ArnTemplateError);
  assert.throws(() => resourceArn('ec2', 'image', { ...at }), /ImageId/);
  assert.throws(() => resourceArn('ec2', 'no-such-type', at), ArnTemplateError);
  assert.throws(() => fillArnTemplate('arn:${Partition}:x:${Region}:${Account}:y/${Id}', { region: '', account: '1', Id: 'a' }), /Region/);
});
