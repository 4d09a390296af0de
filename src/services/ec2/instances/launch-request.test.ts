import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTemplate } from './launch-request.js';
import { architecturesOf, anyTypeFacts, typeFacts } from './instance-types.js';

test("the request's parameters win over the template's; mappings merge by device, tags by type and key", () => {
  const merged = withTemplate(
    {
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.large',
      BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 9 } }],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'request' }] }],
    },
    {
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      KeyName: 'k',
      RamDiskId: 'ari-1',
      Monitoring: { Enabled: true },
      SecurityGroupIds: ['sg-1'],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }, { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 2 } }],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'template' }, { Key: 'team', Value: 't' }] }],
    },
  );
  assert.equal(merged.ImageId, 'ami-0123456789abcdef0');
  assert.equal(merged.InstanceType, 't3.large');
  assert.deepEqual([merged.KeyName, merged.RamdiskId, merged.Monitoring, merged.SecurityGroupIds], ['k', 'ari-1', { Enabled: true }, ['sg-1']]);
  assert.deepEqual(merged.BlockDeviceMappings, [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }, { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 9 } }]);
  assert.deepEqual(merged.TagSpecifications, [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'request' }, { Key: 'team', Value: 't' }] }]);
});

test("a request naming its own network replaces the template's", () => {
  const merged = withTemplate({ MinCount: 1, MaxCount: 1, SubnetId: 'subnet-1' }, { SecurityGroupIds: ['sg-1'], NetworkInterfaces: [{ DeviceIndex: 0 }] });
  assert.deepEqual([merged.SubnetId, merged.SecurityGroupIds, merged.NetworkInterfaces], ['subnet-1', undefined, undefined]);
});

test('instance types: catalog facts and architectures by family', () => {
  assert.deepEqual([typeFacts('t3.micro')!.vcpus, typeFacts('t3.micro')!.memoryMiB], [2, 1024]);
  assert.deepEqual([typeFacts('m5.2xlarge')!.vcpus, typeFacts('m5.2xlarge')!.memoryMiB], [8, 32768]);
  assert.equal(typeFacts('m5.medium'), undefined, 'x86 families have no medium size');
  assert.deepEqual(architecturesOf('m1.small'), ['i386', 'x86_64']);
  assert.deepEqual(architecturesOf('c7gn.large'), ['arm64']);
  assert.deepEqual(architecturesOf('im4gn.large'), ['arm64']);
  assert.deepEqual(architecturesOf('mac2.metal'), ['arm64_mac']);
  assert.deepEqual(architecturesOf('x2iedn.xlarge'), ['x86_64']);
  assert.equal(anyTypeFacts('x2iedn.32xlarge').vcpus, 128);
});
