import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PublicAddressPool, publicDnsName } from './public-addresses.js';

test('hands out the lowest free loopback address, skipping .0 and .255', () => {
  const pool = new PublicAddressPool('127.100.0.0/16');
  assert.equal(pool.pick(new Set()), '127.100.0.1');
  assert.equal(pool.pick(new Set(['127.100.0.1', '127.100.0.2'])), '127.100.0.3');
  const used = new Set(Array.from({ length: 254 }, (_, i) => `127.100.0.${i + 1}`));
  assert.equal(pool.pick(used), '127.100.1.1');
  assert.ok(pool.has('127.100.3.4'));
  assert.ok(!pool.has('127.0.0.1'));
});

test('a small pool runs out', () => {
  const pool = new PublicAddressPool('127.5.5.0/30');
  assert.equal(pool.pick(new Set()), '127.5.5.1');
  assert.equal(pool.pick(new Set(['127.5.5.1', '127.5.5.2'])), undefined);
});

test('only loopback pools are accepted', () => {
  assert.throws(() => new PublicAddressPool('10.0.0.0/24'), /inside 127.0.0.0\/8/);
  assert.throws(() => new PublicAddressPool('0.0.0.0/0'), /inside 127.0.0.0\/8/);
  assert.throws(() => new PublicAddressPool('127.0.0.1/32'), /at least 4/);
  assert.throws(() => new PublicAddressPool('nonsense'), /CIDR/);
});

test('public DNS names as EC2 writes them', () => {
  assert.equal(publicDnsName('us-east-1', '127.100.0.5'), 'ec2-127-100-0-5.compute-1.amazonaws.com');
  assert.equal(publicDnsName('eu-west-1', '127.100.0.5'), 'ec2-127-100-0-5.eu-west-1.compute.amazonaws.com');
});
