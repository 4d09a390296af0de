import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServiceModel } from './model.js';
import { QueryParser } from './query-parser.js';
import { parseFormString } from './form.js';
import { ValidationFailure } from './validate.js';
import { QueryProtocol } from './query-protocol.js';

const ec2 = loadServiceModel('ec2');
const asg = loadServiceModel('autoscaling');

test('EC2 names: capitalised locationName, flattened .N lists, nested structures', () => {
  const p = new QueryParser(ec2, 'ec2');
  const input = p.parse(
    'DescribeImagesRequest',
    parseFormString('ExecutableBy.1=self&ImageId.1=ami-1&ImageId.2=ami-2&Owner.1=self&Filter.1.Name=name&Filter.1.Value.1=a*&Filter.1.Value.2=b%3F&IncludeDeprecated=true&MaxResults=50'),
  );
  assert.deepEqual(input, {
    ExecutableUsers: ['self'],
    ImageIds: ['ami-1', 'ami-2'],
    Owners: ['self'],
    Filters: [{ Name: 'name', Values: ['a*', 'b?'] }],
    IncludeDeprecated: true,
    MaxResults: 50,
  });
});

test('EC2 list indexes are ordered numerically, not lexically, and sparse indexes are kept in order', () => {
  const p = new QueryParser(ec2, 'ec2');
  const params: [string, string][] = [];
  for (let i = 12; i >= 1; i--) params.push([`ImageId.${i}`, `ami-${i}`]);
  const input = p.parse('DescribeImagesRequest', params) as { ImageIds: string[] };
  assert.deepEqual(input.ImageIds, Array.from({ length: 12 }, (_, i) => `ami-${i + 1}`));
});

test('the CLI block-device-mapping capture parses, with NoDevice present but empty', () => {
  const p = new QueryParser(ec2, 'ec2');
  const input = p.parse(
    'CreateImageRequest',
    parseFormString('InstanceId=i-0abc&Name=app+v1.2+(build)+[x]&NoReboot=true&BlockDeviceMapping.1.DeviceName=/dev/sdf&BlockDeviceMapping.1.NoDevice=&BlockDeviceMapping.2.DeviceName=/dev/xvda&BlockDeviceMapping.2.Ebs.VolumeSize=20&BlockDeviceMapping.2.Ebs.DeleteOnTermination=true&TagSpecification.1.ResourceType=image&TagSpecification.1.Tag.1.Key=Version&TagSpecification.1.Tag.1.Value='),
  );
  assert.deepEqual(input, {
    InstanceId: 'i-0abc',
    Name: 'app v1.2 (build) [x]',
    NoReboot: true,
    BlockDeviceMappings: [
      { DeviceName: '/dev/sdf', NoDevice: '' },
      { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, DeleteOnTermination: true } },
    ],
    TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Version', Value: '' }] }],
  });
});

test('awsQuery: .member.N lists, and `Name=` is an empty list', () => {
  const p = new QueryParser(asg, 'query');
  const input = p.parse(
    'UpdateAutoScalingGroupType',
    parseFormString('AutoScalingGroupName=g&AvailabilityZones.member.1=us-east-1a&AvailabilityZones.member.2=us-east-1b&TerminationPolicies='),
  );
  assert.deepEqual(input, { AutoScalingGroupName: 'g', AvailabilityZones: ['us-east-1a', 'us-east-1b'], TerminationPolicies: [] });
});

test('type errors name the wire parameter', () => {
  const p = new QueryParser(ec2, 'ec2');
  assert.throws(
    () => p.parse('RunInstancesRequest', parseFormString('MinCount=one&MaxCount=1')),
    (e: unknown) => e instanceof ValidationFailure && e.violation.kind === 'type' && e.violation.wirePath === 'MinCount',
  );
});

test('EC2 renders model violations as MissingParameter / InvalidParameterValue', () => {
  const proto = new QueryProtocol(ec2, 'ec2');
  const req = (body: string) => ({ method: 'POST', path: '/', query: [], headers: {}, body: Buffer.from(body) });
  assert.throws(() => proto.decode('RunInstances', req('Action=RunInstances&Version=2016-11-15&MinCount=1')), {
    code: 'MissingParameter',
    message: 'The request must contain the parameter MaxCount',
  });
  assert.throws(() => proto.decode('RunInstances', req('Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=1&InstanceType=t9.huge')), {
    code: 'InvalidParameterValue',
  });
});

test('awsQuery renders model violations as ValidationError with the Coral message', () => {
  const proto = new QueryProtocol(asg, 'query');
  const req = { method: 'POST', path: '/', query: [], headers: {}, body: Buffer.from('Action=SetDesiredCapacity&Version=2011-01-01&DesiredCapacity=2') };
  assert.throws(() => proto.decode('SetDesiredCapacity', req), {
    code: 'ValidationError',
    message: "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null",
  });
});
