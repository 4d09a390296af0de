import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, ftruncateSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { buildBaseDisk, guidBytes, type BaseDisk } from './base-disk.js';

const SECTOR = 512;

/** Reads `length` bytes at `offset` of the (sparse) disk. */
function read(disk: BaseDisk, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; ) {
    const index = Math.floor((offset + at) / BLOCK_SIZE);
    const within = (offset + at) % BLOCK_SIZE;
    const n = Math.min(length - at, BLOCK_SIZE - within);
    disk.blocks.get(index)?.copy(out, at, within, within + n);
    at += n;
  }
  return out;
}

test('the base disk is a valid GPT disk: protective MBR, both headers and arrays with good CRCs', () => {
  const disk = buildBaseDisk('x86_64');
  assert.equal(disk.sizeBytes, 8 * 1024 ** 3);
  assert.deepEqual([...disk.blocks.keys()].sort((a, b) => a - b), [0, 2, disk.sizeBytes / BLOCK_SIZE - 1]);
  const mbr = read(disk, 0, SECTOR);
  assert.equal(mbr.readUInt16LE(510), 0xaa55);
  assert.equal(mbr[450], 0xee, 'protective partition type');
  const lastLba = disk.sizeBytes / SECTOR - 1;
  for (const [lba, other] of [
    [1, lastLba],
    [lastLba, 1],
  ]) {
    const h = read(disk, lba * SECTOR, 92);
    assert.equal(h.toString('latin1', 0, 8), 'EFI PART');
    const stored = h.readUInt32LE(16);
    const zeroed = Buffer.from(h);
    zeroed.writeUInt32LE(0, 16);
    assert.equal(crc32(zeroed), stored, 'header CRC');
    assert.equal(Number(h.readBigUInt64LE(24)), lba);
    assert.equal(Number(h.readBigUInt64LE(32)), other);
    const entries = read(disk, Number(h.readBigUInt64LE(72)) * SECTOR, 128 * 128);
    assert.equal(crc32(entries), h.readUInt32LE(88), 'partition array CRC');
    assert.deepEqual(entries.subarray(0, 16), guidBytes('C12A7328-F81F-11D2-BA4B-00A0C93EC93B'));
    assert.equal(Number(entries.readBigUInt64LE(32)), 2048);
  }
});

test('the EFI System Partition holds a FAT16 file system with the README', () => {
  const disk = buildBaseDisk('arm64');
  const part = 2048 * SECTOR;
  const boot = read(disk, part, SECTOR);
  assert.equal(boot.toString('latin1', 54, 62), 'FAT16   ');
  assert.equal(boot.toString('latin1', 43, 54), 'IMAGO      ');
  const reserved = boot.readUInt16LE(14);
  const fatSectors = boot.readUInt16LE(22);
  const rootStart = part + (reserved + 2 * fatSectors) * SECTOR;
  const entry = read(disk, rootStart + 32, 32);
  assert.equal(entry.toString('latin1', 0, 11), 'README  TXT');
  const cluster = entry.readUInt16LE(26);
  const size = entry.readUInt32LE(28);
  const dataStart = rootStart + 32 * SECTOR;
  const text = read(disk, dataStart + (cluster - 2) * SECTOR, size).toString('utf8');
  assert.match(text, /^Imago catalog base disk \(arm64\)/);
  // the FAT chains the file's clusters and ends it
  const fat = read(disk, part + reserved * SECTOR, 2 * (cluster + Math.ceil(size / SECTOR)));
  assert.equal(fat.readUInt16LE(0), 0xfff8);
  assert.equal(fat.readUInt16LE((cluster + Math.ceil(size / SECTOR) - 1) * 2), 0xffff);
});

test('base disks are deterministic per architecture', () => {
  assert.equal(buildBaseDisk('x86_64').digest, buildBaseDisk('x86_64').digest);
  assert.notEqual(buildBaseDisk('x86_64').digest, buildBaseDisk('arm64').digest);
});

test('util-linux reads the disk as GPT with a vfat partition (when blkid and partx are installed)', (t) => {
  if (spawnSync('blkid', ['--version']).status !== 0 || spawnSync('partx', ['--version']).status !== 0) {
    t.diagnostic('blkid/partx not installed: checked by the parsers above only');
    return;
  }
  const disk = buildBaseDisk('x86_64');
  const dir = mkdtempSync(join(tmpdir(), 'imago-disk-'));
  try {
    const file = join(dir, 'disk.raw');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, disk.sizeBytes);
    for (const [index, block] of disk.blocks) writeSync(fd, block, 0, block.length, index * BLOCK_SIZE);
    closeSync(fd);
    const parts = spawnSync('partx', ['--show', '--output', 'NR,START,SECTORS,TYPE,NAME', '--noheadings', file], { encoding: 'utf8' });
    assert.equal(parts.status, 0, parts.stderr);
    assert.match(parts.stdout.trim(), /^1\s+2048\s+16384\s+c12a7328-f81f-11d2-ba4b-00a0c93ec93b\s+EFI System Partition$/);
    const probe = spawnSync('blkid', ['-p', '-O', String(2048 * SECTOR), '-o', 'export', file], { encoding: 'utf8' });
    assert.match(probe.stdout, /^TYPE=vfat$/m);
    assert.match(probe.stdout, /^LABEL=IMAGO$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
