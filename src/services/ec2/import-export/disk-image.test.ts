// Untrusted disk images: formats from the bytes, declared formats checked, backing files, VMDK
// descriptors and OVAs refused with AWS's ClientError texts; the store task's header parser
// refuses what it did not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffFormat, toRaw } from './disk-image.js';
import { MAGIC, parseHeader } from './image-archive.js';
import { TaskFailure } from './task-failure.js';

const dir = mkdtempSync(join(tmpdir(), 'imago-disk-image-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const qemu = (...args: string[]) => assert.equal(spawnSync('qemu-img', args).status, 0, `qemu-img ${args.join(' ')}`);

test('a raw image is itself; qcow2 is converted to the same bytes', async () => {
  const data = Buffer.concat([Buffer.alloc(4096, 7), Buffer.alloc(1024 * 1024 - 4096)]);
  writeFileSync(join(dir, 'a.raw'), data);
  assert.equal(await sniffFormat(join(dir, 'a.raw')), 'raw');
  assert.deepEqual(await toRaw(join(dir, 'a.raw'), join(dir, 'unused'), 'RAW'), { path: join(dir, 'a.raw'), virtualBytes: data.length, format: 'raw' });
  qemu('convert', '-f', 'raw', '-O', 'qcow2', join(dir, 'a.raw'), join(dir, 'a.qcow2'));
  assert.equal(await sniffFormat(join(dir, 'a.qcow2')), 'qcow2');
  const raw = await toRaw(join(dir, 'a.qcow2'), join(dir, 'a.out'));
  assert.equal(raw.format, 'qcow2');
  assert.ok(readFileSync(raw.path).equals(data));
});

test('refusals read as AWS reports them', async () => {
  qemu('create', '-f', 'qcow2', '-b', '/etc/hostname', '-F', 'raw', join(dir, 'b.qcow2'), '1M');
  await assert.rejects(toRaw(join(dir, 'b.qcow2'), join(dir, 'b.out')), (e: Error) => e instanceof TaskFailure && /^ClientError: Disk validation failed \[.*backing file/.test(e.message));
  // a declared format the bytes do not bear out
  await assert.rejects(toRaw(join(dir, 'a.raw'), join(dir, 'c.out'), 'VMDK'), { message: /^ClientError: Disk validation failed \[Unsupported specified file format/ });
  await assert.rejects(toRaw(join(dir, 'a.raw'), join(dir, 'c.out'), 'ISO'), { message: 'ClientError: Unsupported format' });
  // a VMDK descriptor names extent files of this host
  writeFileSync(join(dir, 'd.vmdk'), '# Disk DescriptorFile\nversion=1\nRW 2048 FLAT "/etc/hostname" 0\n');
  await assert.rejects(toRaw(join(dir, 'd.vmdk'), join(dir, 'd.out')), /descriptor naming extent files/);
  // an OVA is a tar archive
  const tar = Buffer.alloc(1024);
  tar.write('ustar', 257, 'latin1');
  writeFileSync(join(dir, 'e.ova'), tar);
  await assert.rejects(toRaw(join(dir, 'e.ova'), join(dir, 'e.out')), { message: 'ClientError: Unsupported format' });
  writeFileSync(join(dir, 'empty.raw'), '');
  await assert.rejects(toRaw(join(dir, 'empty.raw'), join(dir, 'f.out')), /Disk validation failed \[the disk image is empty\]/);
});

test('the store task header parser refuses what it did not write', () => {
  const json = Buffer.from(JSON.stringify({ format: 'imago-ami-1', image: { name: 'x' }, devices: [{ deviceName: '/dev/xvda', volumeSize: 1, volumeType: 'gp3', deleteOnTermination: true }] }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  assert.equal(parseHeader(Buffer.concat([MAGIC, len, json])).devices[0].deviceName, '/dev/xvda');
  assert.throws(() => parseHeader(Buffer.from('not an archive')), TaskFailure);
  len.writeUInt32BE(0xfffffff0);
  assert.throws(() => parseHeader(Buffer.concat([MAGIC, len, json])), TaskFailure);
  const huge = Buffer.from(JSON.stringify({ format: 'imago-ami-1', image: { name: 'x' }, devices: [{ deviceName: '/dev/xvda', volumeSize: 1e9 }] }));
  len.writeUInt32BE(huge.length);
  assert.throws(() => parseHeader(Buffer.concat([MAGIC, len, huge])), TaskFailure);
});
