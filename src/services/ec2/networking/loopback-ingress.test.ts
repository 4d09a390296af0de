import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FORWARDS, forwardedPorts } from './loopback-ingress.js';

const rule = (ip_protocol: string, from_port: number | null, to_port: number | null, cidr_ipv4: string | null, is_egress = 0) => ({ ip_protocol, from_port, to_port, cidr_ipv4, is_egress });

test('TCP ports from CIDRs that hold a loopback client are forwarded', () => {
  assert.deepEqual(forwardedPorts([rule('tcp', 22, 22, '0.0.0.0/0'), rule('tcp', 80, 81, '127.0.0.0/8'), rule('6', 443, 443, '127.0.0.1/32')]), [22, 80, 81, 443]);
});

test('other sources, protocols, egress and references admit nothing', () => {
  assert.deepEqual(forwardedPorts([rule('tcp', 22, 22, '10.0.0.0/8'), rule('udp', 53, 53, '0.0.0.0/0'), rule('tcp', 25, 25, '0.0.0.0/0', 1), rule('tcp', 8080, 8080, null)]), []);
});

test('wide rules forward the well-known ports inside them, bounded', () => {
  const all = forwardedPorts([rule('-1', null, null, '0.0.0.0/0')]);
  assert.ok(all.includes(22) && all.includes(443) && all.includes(3389));
  assert.ok(all.length <= MAX_FORWARDS);
  assert.deepEqual(forwardedPorts([rule('tcp', 1024, 65535, '0.0.0.0/0')]).slice(0, 3), [3000, 3306, 3389]);
  const many = forwardedPorts(Array.from({ length: 50 }, (_, i) => rule('tcp', 2000 + i, 2000 + i, '0.0.0.0/0')));
  assert.equal(many.length, MAX_FORWARDS);
  assert.equal(many[0], 2000);
});
