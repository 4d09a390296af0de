// CBOR codec: round trips of every type Smithy RPC v2 CBOR uses, the encodings other encoders
// choose (indefinite lengths, half and single floats, 64-bit integers), and hostile input —
// truncation, lengths beyond the data, deep nesting, bad UTF-8, unknown tags, trailing bytes,
// non-text map keys, `__proto__` keys — always a CborError, never a crash or a huge allocation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CborError, decodeCbor, encodeCbor } from './cbor.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

test('round trip', () => {
  const value = { s: 'héllo', n: 42, neg: -7, big: 2 ** 40, f: 1.5, tiny: -0.000123, t: true, f0: false, nil: null, bytes: new Uint8Array([1, 2, 3]), when: new Date(1_700_000_000_500), list: [1, 'two', [3]], nested: { a: { b: [] } } };
  assert.deepEqual(decodeCbor(encodeCbor(value)), value);
  assert.deepEqual(decodeCbor(encodeCbor(new Date(-1500))), new Date(-1500));
});

test('what other encoders send', () => {
  assert.equal(decodeCbor(hex('f93e00')), 1.5); // half float
  assert.equal(decodeCbor(hex('fa47c35000')), 100000); // single float
  assert.equal(decodeCbor(hex('1b000000e8d4a51000')), 1e12);
  assert.equal(decodeCbor(hex('3bffffffffffffffff')), -(2 ** 64));
  assert.deepEqual(decodeCbor(hex('9f0102ff')), [1, 2]);
  assert.deepEqual(decodeCbor(hex('bf6161 01 ff')), { a: 1 });
  assert.equal(decodeCbor(hex('7f 6161 6162 ff')), 'ab');
  assert.deepEqual(decodeCbor(hex('5f 4101 4102 ff')), new Uint8Array([1, 2]));
  assert.deepEqual(decodeCbor(hex('c1 fb41d954fc40000000')), new Date(1_700_000_000_000));
});

test('hostile input is refused with CborError', () => {
  const bad = [
    '', // nothing
    '1a0000', // truncated argument
    '5affffffff', // byte string longer than the data
    '9bffffffffffffffff', // array count beyond the data
    'baffffffff', // map count beyond the data
    '62c328', // invalid UTF-8
    'c2 41 01', // tag 2 (bignum): unsupported
    'c1 6161', // tag 1 of a string
    '01 02', // trailing bytes
    'a1 01 02', // integer map key
    'ff', // break outside an indefinite item
    'f8 20', // simple value 32
    '1c', // reserved additional information
    '7f 4101 ff', // byte chunk inside a text string
    '9f 01', // unterminated indefinite array
  ];
  for (const h of bad) assert.throws(() => decodeCbor(hex(h)), CborError, h);
  assert.throws(() => decodeCbor(Buffer.alloc(200, 0x81)), /nested too deeply/);
});

test('__proto__ is a key, not the prototype', () => {
  const v = decodeCbor(hex('a1 69 5f5f70726f746f5f5f a1 61 78 01')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(Object.keys(v), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).x, undefined);
});
