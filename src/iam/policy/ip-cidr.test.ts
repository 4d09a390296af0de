import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, parseCidr, parseIp } from './ip-cidr.js';

const inRange = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);

test('IPv4 ranges and single addresses', () => {
  assert.ok(inRange('203.0.113.0/24', '203.0.113.255'));
  assert.ok(!inRange('203.0.113.0/24', '203.0.114.1'));
  assert.ok(inRange('203.0.113.7', '203.0.113.7'));
  assert.ok(!inRange('203.0.113.7', '203.0.113.8'));
  assert.ok(inRange('0.0.0.0/0', '8.8.8.8'));
  assert.ok(inRange('10.0.0.0/9', '10.127.0.1'));
  assert.ok(!inRange('10.0.0.0/9', '10.128.0.1'));
});

test('IPv6 ranges, :: compression, mapped IPv4', () => {
  assert.ok(inRange('2001:DB8:1234:5678::/64', '2001:db8:1234:5678:ffff::1'));
  assert.ok(!inRange('2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1'));
  assert.ok(inRange('::1', '0:0:0:0:0:0:0:1'));
  assert.ok(inRange('203.0.113.0/24', '::ffff:203.0.113.9'));
  assert.ok(!inRange('2001:db8::/32', '203.0.113.9'));
});

test('malformed addresses', () => {
  for (const bad of ['256.1.1.1', '1.2.3', 'x', '1:2:3', '2001:db8::1::2', '1.2.3.4/33', '::/129']) {
    assert.equal(bad.includes('/') ? parseCidr(bad) : parseIp(bad), undefined, bad);
  }
});
