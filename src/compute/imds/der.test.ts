import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { base64Lines, bitString, children, explicit, implicit, integer, nullValue, octetString, oid, pem, read, sequence, setOf, time, tlv, utf8String } from './der.js';

const hex = (b: Buffer) => b.toString('hex');

test('lengths: short form below 128, then the fewest big-endian bytes', () => {
  assert.equal(hex(tlv(0x04, Buffer.alloc(0))), '0400');
  assert.equal(hex(tlv(0x04, Buffer.alloc(127)).subarray(0, 2)), '047f');
  assert.equal(hex(tlv(0x04, Buffer.alloc(128)).subarray(0, 3)), '048180');
  assert.equal(hex(tlv(0x04, Buffer.alloc(300)).subarray(0, 4)), '0482012c');
  assert.equal(hex(tlv(0x04, Buffer.alloc(70000)).subarray(0, 5)), '0483011170');
});

test('INTEGER: minimal two-complement form of non-negative values', () => {
  assert.equal(hex(integer(0)), '020100');
  assert.equal(hex(integer(127)), '02017f');
  assert.equal(hex(integer(128)), '02020080');
  assert.equal(hex(integer(256)), '02020100');
  assert.equal(hex(integer(65537)), '0203010001');
  assert.equal(hex(integer(2n ** 64n)), '0209010000000000000000');
  assert.equal(hex(integer(Buffer.from([0, 0, 0x80, 1]))), '0203008001', 'leading zeros dropped, sign byte added');
  assert.equal(hex(integer(Buffer.from([0, 0]))), '020100');
  assert.throws(() => integer(-1));
});

test('OBJECT IDENTIFIER: first two arcs folded, base-128 arcs', () => {
  assert.equal(hex(oid('1.2.840.113549')), '06062a864886f70d');
  assert.equal(hex(oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  assert.equal(hex(oid('2.16.840.1.101.3.4.2.1')), '0609608648016503040201');
  assert.equal(hex(oid('2.5.4.3')), '0603550403');
  assert.equal(hex(oid('2.999.3')), '0603883703', 'a first subidentifier above 127');
  assert.throws(() => oid('1'));
  assert.throws(() => oid('3.1'));
  assert.throws(() => oid('1.2.x'));
});

test('strings, NULL, BIT STRING, context tags', () => {
  assert.equal(hex(nullValue()), '0500');
  assert.equal(hex(octetString(Buffer.from('ab'))), '04026162');
  assert.equal(hex(bitString(Buffer.from([0x84]), 2)), '03020284');
  assert.equal(hex(utf8String('é')), '0c02c3a9');
  assert.equal(hex(explicit(0, integer(2))), 'a003020102');
  assert.equal(hex(implicit(0, setOf(integer(1), integer(2)))), 'a006020101020102', 'the SET tag replaced, contents kept');
});

test('SET OF sorts its elements by encoding; SEQUENCE keeps their order', () => {
  const a = integer(2);
  const b = integer(1);
  assert.equal(hex(setOf(a, b)), '3106020101020102');
  assert.equal(hex(sequence(a, b)), '3006020102020101');
});

test('times: UTCTime through 2049, GeneralizedTime from 2050, whole seconds', () => {
  assert.equal(time(new Date('2026-01-02T03:04:05.678Z')).toString('latin1', 2), '260102030405Z');
  assert.equal(time(new Date('2026-01-02T03:04:05Z'))[0], 0x17);
  const late = time(new Date('2126-12-31T23:59:59Z'));
  assert.equal(late[0], 0x18);
  assert.equal(late.toString('latin1', 2), '21261231235959Z');
});

test('read and children walk what the writers wrote', () => {
  const inner = sequence(integer(1), octetString(Buffer.alloc(200, 7)), nullValue());
  const outer = sequence(inner, oid('2.5.4.3'));
  const [first, second] = children(outer);
  assert.equal(first.tag, 0x30);
  assert.deepEqual(first.encoded, inner);
  assert.equal(hex(second.encoded), '0603550403');
  const parts = children(first.encoded);
  assert.deepEqual(parts.map((p) => p.tag), [0x02, 0x04, 0x05]);
  assert.equal(parts[1].content.length, 200);
  assert.throws(() => read(Buffer.from([0x30, 0x05, 0x01]), 0), /truncated/);
  assert.throws(() => read(Buffer.from([0x30, 0x80]), 0), /length/);
});

test('openssl parses a nested structure as written', () => {
  const der = sequence(integer(65537), oid('1.2.840.113549.1.1.1'), nullValue(), setOf(utf8String('x')), explicit(3, octetString(Buffer.from('hi'))), time(new Date('2060-05-05T00:00:00Z')));
  const out = execFileSync('openssl', ['asn1parse', '-inform', 'PEM'], { input: pem('DATA', der) }).toString();
  for (const expected of ['INTEGER           :010001', 'OBJECT            :rsaEncryption', 'NULL', 'UTF8STRING        :x', 'cont [ 3 ]', 'OCTET STRING      :hi', 'GENERALIZEDTIME   :20600505000000Z']) {
    assert.ok(out.includes(expected), `${expected} in\n${out}`);
  }
});

test('PEM and base64 lines are 64 columns', () => {
  const lines = base64Lines(Buffer.alloc(100, 1)).split('\n');
  assert.deepEqual(lines.map((l) => l.length), [64, 64, 8]);
  assert.match(pem('X', Buffer.alloc(3)), /^-----BEGIN X-----\nAAAA\n-----END X-----\n$/);
});
