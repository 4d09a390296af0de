import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMetadata, lookup } from './instance-metadata.js';

const facts = {
  instanceId: 'i-0123456789abcdef0',
  accountId: '111111111111',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  availabilityZoneId: 'use1-az1',
  imageId: 'ami-0123456789abcdef0',
  instanceType: 't3.micro',
  architecture: 'x86_64',
  launchIndex: 2,
  reservationId: 'r-0123456789abcdef0',
  launchTime: '2026-01-01T00:00:00.000Z',
  privateIp: '172.31.0.4',
  privateDnsName: 'ip-172-31-0-4.ec2.internal',
  macAddress: '0e:01:02:03:04:05',
  interfaceId: 'eni-0123456789abcdef0',
  subnetId: 'subnet-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  subnetCidr: '172.31.0.0/20',
  vpcCidr: '172.31.0.0/16',
  securityGroups: [{ id: 'sg-0123456789abcdef0', name: 'default' }],
  blockDevices: { ami: '/dev/xvda', root: '/dev/xvda', ebs1: '/dev/sdf' },
  publicKeys: [{ name: 'k1', openssh: 'ssh-ed25519 AAAA k1' }],
  tags: { Name: 'web' },
  userData: Buffer.from('#!/bin/sh\n'),
};

test('IMDS paths answer values; directories list their children, subdirectories with a slash', () => {
  const md = buildMetadata(facts);
  assert.equal(lookup(md, 'instance-id'), facts.instanceId);
  assert.equal(lookup(md, '/ami-launch-index'), '2');
  assert.equal(lookup(md, 'placement/availability-zone-id'), 'use1-az1');
  const root = lookup(md, '')!.split('\n');
  for (const entry of ['ami-id', 'block-device-mapping/', 'instance-id', 'network/', 'placement/', 'public-keys/', 'tags/']) assert.ok(root.includes(entry), entry);
  assert.equal(lookup(md, 'block-device-mapping/'), 'ami\nebs1\nroot');
  assert.equal(lookup(md, 'public-keys'), '0=k1');
  assert.equal(lookup(md, 'public-keys/0/openssh-key'), 'ssh-ed25519 AAAA k1');
  assert.equal(lookup(md, `network/interfaces/macs/${facts.macAddress}/subnet-id`), facts.subnetId);
  assert.equal(lookup(md, 'tags/instance/Name'), 'web');
  assert.equal(lookup(md, 'nothing/here'), undefined);
  assert.equal(md.userData!.toString(), '#!/bin/sh\n');
  assert.equal(md.identityDocument.instanceId, facts.instanceId);
});

test('without metadata tags there is no tags/ directory', () => {
  const md = buildMetadata({ ...facts, tags: undefined, publicKeys: [] });
  assert.equal(lookup(md, 'tags/instance'), undefined);
  assert.equal(lookup(md, 'public-keys'), undefined);
});
