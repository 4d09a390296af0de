import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeClientFlags,
  decodeExportName,
  decodeExportNameReply,
  decodeGreeting,
  decodeInfo,
  decodeInfoRequest,
  decodeOptionHeader,
  decodeOptionReplyHeader,
  decodeRequest,
  decodeServerEntry,
  decodeSimpleReply,
  decodeBlockStatusPayload,
  decodeErrorPayload,
  decodeMetaContext,
  decodeMetaContextRequest,
  decodeStructuredHeader,
  encodeBlockStatusChunk,
  encodeErrorChunk,
  encodeMetaContext,
  encodeMetaContextRequest,
  encodeOffsetDataHeader,
  encodeStructuredHeader,
  encodeClientFlags,
  encodeExportNameReply,
  encodeGreeting,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeInfoName,
  encodeInfoRequest,
  encodeOption,
  encodeOptionError,
  encodeOptionReply,
  encodeRequest,
  encodeServerEntry,
  encodeSimpleReply,
  isOptionError,
  NbdProtocolError,
} from './codec.js';
import { CMD, CMD_FLAG, INFO, OPT, REP, REPLY_FLAG_DONE, REPLY_TYPE } from './constants.js';

const hex = (b: Buffer) => b.toString('hex');

test('greeting: the spec bytes, fixed newstyle + no zeroes', () => {
  const g = encodeGreeting();
  assert.equal(hex(g), '4e42444d41474943' + '49484156454f5054' + '0003');
  assert.deepEqual(decodeGreeting(g), { flags: 3 });
  assert.throws(() => decodeGreeting(Buffer.concat([Buffer.from('NBDMAGIC'), Buffer.from('\0\0\x42\x02\x81\x86\x12\x53'), Buffer.alloc(2)])), NbdProtocolError);
});

test('client flags: known bits decode, unknown bits are a protocol error', () => {
  assert.deepEqual(decodeClientFlags(encodeClientFlags(3)), { fixedNewstyle: true, noZeroes: true });
  assert.deepEqual(decodeClientFlags(encodeClientFlags(0)), { fixedNewstyle: false, noZeroes: false });
  assert.throws(() => decodeClientFlags(encodeClientFlags(4)), NbdProtocolError);
  assert.throws(() => decodeClientFlags(encodeClientFlags(0x80000001)), NbdProtocolError);
  assert.throws(() => decodeClientFlags(Buffer.alloc(3)), NbdProtocolError);
});

test('option header and option replies', () => {
  const opt = encodeOption(OPT.GO, Buffer.from('abc'));
  assert.equal(hex(opt.subarray(0, 16)), '49484156454f5054' + '00000007' + '00000003');
  assert.deepEqual(decodeOptionHeader(opt.subarray(0, 16)), { option: OPT.GO, length: 3 });
  const bad = Buffer.from(opt.subarray(0, 16));
  bad[0] ^= 1;
  assert.throws(() => decodeOptionHeader(bad), /bad option magic/);

  const ack = encodeOptionReply(OPT.GO, REP.ACK);
  assert.equal(hex(ack), '0003e889045565a9' + '00000007' + '00000001' + '00000000');
  assert.deepEqual(decodeOptionReplyHeader(ack), { option: OPT.GO, type: REP.ACK, length: 0 });
  const err = encodeOptionError(OPT.INFO, REP.ERR_UNKNOWN, 'no export named x');
  const h = decodeOptionReplyHeader(err.subarray(0, 20));
  assert.equal(h.type, 0x80000006);
  assert.ok(isOptionError(h.type) && !isOptionError(REP.ACK) && !isOptionError(REP.INFO));
  assert.equal(err.subarray(20).toString(), 'no export named x');
  assert.equal(encodeOptionError(1, REP.ERR_INVALID, 'x'.repeat(10_000)).length, 20 + 4096);
});

test('info requests: round trip and every malformation refused', () => {
  const req = { name: 'vol-0123456789abcdef0', infos: [INFO.BLOCK_SIZE, INFO.NAME] };
  const buf = encodeInfoRequest(req);
  assert.equal(buf.length, 4 + 21 + 2 + 4);
  assert.deepEqual(decodeInfoRequest(buf), req);
  assert.deepEqual(decodeInfoRequest(encodeInfoRequest({ name: '', infos: [] })), { name: '', infos: [] });
  assert.deepEqual(decodeInfoRequest(encodeInfoRequest({ name: 'é', infos: [] })), { name: 'é', infos: [] });
  assert.throws(() => decodeInfoRequest(buf.subarray(0, 5)), NbdProtocolError); // too short
  assert.throws(() => decodeInfoRequest(buf.subarray(0, buf.length - 1)), /does not match/); // info list cut
  assert.throws(() => decodeInfoRequest(Buffer.concat([buf, Buffer.alloc(1)])), /does not match/); // trailing byte
  const long = Buffer.from(buf);
  long.writeUInt32BE(0xffffffff, 0); // name length past the end
  assert.throws(() => decodeInfoRequest(long), /name length/);
  assert.throws(() => decodeInfoRequest(encodeInfoRequest({ name: 'x'.repeat(4097), infos: [] })), /name length/);
  const invalid = encodeInfoRequest({ name: 'ab', infos: [] });
  invalid[4] = 0xff; // not UTF-8
  assert.throws(() => decodeInfoRequest(invalid), /UTF-8/);
  assert.throws(() => decodeInfoRequest(encodeInfoRequest({ name: 'a\0b', infos: [] })), /NUL/);
});

test('export names, list entries, infos', () => {
  assert.equal(decodeExportName(Buffer.from('snap-1')), 'snap-1');
  assert.throws(() => decodeExportName(Buffer.alloc(4097, 0x61)), /too long/);
  assert.equal(decodeServerEntry(encodeServerEntry('vol-1')), 'vol-1');
  assert.throws(() => decodeServerEntry(Buffer.from([0, 0, 0, 9, 0x61])), /overruns/);

  const size = 17 * 2 ** 40 + 5; // beyond 32 bits
  assert.equal(hex(encodeInfoExport(size, 0x16d)), '0000' + '0000110000000005' + '016d');
  assert.deepEqual(decodeInfo(encodeInfoExport(size, 0x16d)), { type: INFO.EXPORT, size, flags: 0x16d });
  assert.deepEqual(decodeInfo(encodeInfoName('vol-x')), { type: INFO.NAME, name: 'vol-x' });
  const bs = { minimum: 1, preferred: 524288, maximum: 33554432 };
  assert.equal(hex(encodeInfoBlockSize(bs)), '0003' + '00000001' + '00080000' + '02000000');
  assert.deepEqual(decodeInfo(encodeInfoBlockSize(bs)), { type: INFO.BLOCK_SIZE, ...bs });
  assert.deepEqual(decodeInfo(Buffer.from([0, 9, 1])), { type: 9 });
  assert.throws(() => decodeInfo(Buffer.from([0, 0, 1])), NbdProtocolError);
});

test('export name reply: 134 bytes with the reserved zeroes, 10 without', () => {
  const full = encodeExportNameReply(1 << 30, 0x0103, false);
  assert.equal(full.length, 134);
  assert.ok(full.subarray(10).every((b) => b === 0));
  assert.equal(encodeExportNameReply(1 << 30, 0x0103, true).length, 10);
  assert.deepEqual(decodeExportNameReply(full), { size: 1 << 30, flags: 0x0103 });
});

test('requests: layout, handle kept verbatim, offsets beyond 2^53 clamped', () => {
  const handle = Buffer.from('0102030405060708', 'hex');
  const req = { flags: CMD_FLAG.FUA, type: CMD.WRITE, handle, offset: 3 * 2 ** 32 + 7, length: 65536 };
  const buf = encodeRequest(req);
  assert.equal(hex(buf), '25609513' + '0001' + '0001' + '0102030405060708' + '0000000300000007' + '00010000');
  assert.deepEqual(decodeRequest(buf), req);
  const huge = decodeRequest(encodeRequest({ ...req, offset: 0xffffffffffffffffn }));
  assert.equal(huge.offset, Number.MAX_SAFE_INTEGER);
  const bad = Buffer.from(buf);
  bad[3] = 0;
  assert.throws(() => decodeRequest(bad), /bad request magic/);
  assert.throws(() => decodeRequest(buf.subarray(0, 27)), NbdProtocolError);
});

test('simple replies', () => {
  const handle = Buffer.from('ffeeddccbbaa9988', 'hex');
  const buf = encodeSimpleReply(22, handle);
  assert.equal(hex(buf), '67446698' + '00000016' + 'ffeeddccbbaa9988');
  assert.deepEqual(decodeSimpleReply(buf), { error: 22, handle });
  assert.throws(() => decodeSimpleReply(Buffer.alloc(16)), /bad reply magic/);
});

test('meta context requests: round trip and malformations', () => {
  const req = { name: 'vol-1', queries: ['base:allocation', 'qemu:dirty-bitmap:x'] };
  const buf = encodeMetaContextRequest(req);
  assert.equal(hex(buf.subarray(0, 13)), '00000005' + Buffer.from('vol-1').toString('hex') + '00000002');
  assert.deepEqual(decodeMetaContextRequest(buf), req);
  assert.deepEqual(decodeMetaContextRequest(encodeMetaContextRequest({ name: '', queries: [] })), { name: '', queries: [] });
  assert.throws(() => decodeMetaContextRequest(buf.subarray(0, buf.length - 1)), NbdProtocolError);
  assert.throws(() => decodeMetaContextRequest(Buffer.concat([buf, Buffer.alloc(1)])), /does not match/);
  assert.throws(() => decodeMetaContextRequest(buf.subarray(0, 9)), /query count missing/);
  const many = Buffer.from(buf);
  many.writeUInt32BE(0xffffffff, 9);
  assert.throws(() => decodeMetaContextRequest(many), /overruns/);
  assert.deepEqual(decodeMetaContext(encodeMetaContext(1, 'base:allocation')), { id: 1, name: 'base:allocation' });
});

test('structured chunks: header, data, error, block status', () => {
  const handle = Buffer.from('0001020304050607', 'hex');
  const h = encodeStructuredHeader(REPLY_FLAG_DONE, REPLY_TYPE.NONE, handle, 0);
  assert.equal(hex(h), '668e33ef' + '0001' + '0000' + '0001020304050607' + '00000000');
  assert.deepEqual(decodeStructuredHeader(h), { flags: 1, type: 0, handle, length: 0 });
  assert.throws(() => decodeStructuredHeader(Buffer.alloc(20)), /magic/);

  const data = encodeOffsetDataHeader(handle, 2 ** 33, 4096);
  assert.deepEqual(decodeStructuredHeader(data.subarray(0, 20)), { flags: 1, type: REPLY_TYPE.OFFSET_DATA, handle, length: 8 + 4096 });
  assert.equal(data.readBigUInt64BE(20), 2n ** 33n);

  const err = encodeErrorChunk(handle, 22, 'bad range');
  assert.deepEqual(decodeStructuredHeader(err.subarray(0, 20)), { flags: 1, type: 0x8001, handle, length: 6 + 9 });
  assert.deepEqual(decodeErrorPayload(err.subarray(20)), { error: 22, message: 'bad range' });
  assert.throws(() => decodeErrorPayload(Buffer.from([0, 0, 0, 22, 0, 9])), /overruns/);

  const extents = [{ length: 1 << 20, flags: 3 }, { length: 4096, flags: 0 }];
  const bs = encodeBlockStatusChunk(handle, 1, extents);
  assert.deepEqual(decodeStructuredHeader(bs.subarray(0, 20)), { flags: 1, type: REPLY_TYPE.BLOCK_STATUS, handle, length: 4 + 16 });
  assert.deepEqual(decodeBlockStatusPayload(bs.subarray(20)), { contextId: 1, extents });
  assert.throws(() => decodeBlockStatusPayload(Buffer.alloc(8)), NbdProtocolError);
});
