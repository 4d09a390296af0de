import { test } from 'node:test';
import assert from 'node:assert/strict';
import { payloadSha256, rememberPayloadSha256 } from './payload-digests.js';

test('a digest is kept for a body owning its buffer, and found only for that whole buffer', () => {
  const body = Buffer.allocUnsafeSlow(1024).fill(1);
  rememberPayloadSha256(body, 'ab');
  assert.equal(payloadSha256(body), 'ab');
  assert.equal(payloadSha256(Buffer.from(body.buffer, 0, 1024)), 'ab'); // another view of all of it
  assert.equal(payloadSha256(body.subarray(1)), undefined); // a part of it is other bytes
  assert.equal(payloadSha256(Buffer.allocUnsafeSlow(1024)), undefined);
});

test('a view into a larger buffer (a pooled small body) is never remembered', () => {
  const pool = Buffer.alloc(8192);
  const view = pool.subarray(100, 200);
  rememberPayloadSha256(view, 'cd');
  assert.equal(payloadSha256(view), undefined);
  assert.equal(payloadSha256(pool), undefined);
  rememberPayloadSha256(Buffer.alloc(0), 'ef');
  assert.equal(payloadSha256(Buffer.alloc(0)), undefined);
});

test('a buffer moved away (to a worker) and back is another buffer: its old digest is gone', () => {
  const body = Buffer.allocUnsafeSlow(64).fill(2);
  rememberPayloadSha256(body, '12');
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(body.buffer, [body.buffer as ArrayBuffer]);
  return new Promise<void>((resolve) => {
    port2.once('message', (back: ArrayBuffer) => {
      assert.equal(payloadSha256(Buffer.from(back)), undefined);
      port1.close();
      resolve();
    });
    port2.start();
  });
});
