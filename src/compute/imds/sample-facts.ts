// One instance's metadata facts for tests (of the tree and of the service serving it).
import type { MetadataFacts } from '../instance-metadata.js';

export function sampleFacts(overrides: Partial<MetadataFacts> = {}): MetadataFacts {
  return {
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
    ...overrides,
  };
}
