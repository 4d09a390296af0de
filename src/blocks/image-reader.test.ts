// ImageReader: every byte of a sparse file with data at unaligned places and a short last
// piece, in order, through O_DIRECT (where the temp filesystem has it) or ordinary reads.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ImageReader } from './image-reader.js';

const MiB = 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'imago-image-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sparseFile(name: string, size: number, data: [number, Buffer][]): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (const [at, bytes] of data) writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
  return path;
}

async function readAll(path: string, size: number, piece: number, ahead: number): Promise<{ bytes: Buffer; direct: boolean }> {
  const reader = await ImageReader.open(path);
  const parts: Buffer[] = [];
  let expected = 0;
  try {
    for await (const p of reader.pieces(size, piece, ahead)) {
      assert.equal(p.offset, expected, 'in order');
      parts.push(Buffer.from(p.data)); // the buffer is reused for later pieces
      expected += p.data.length;
    }
  } finally {
    await reader.close();
  }
  return { bytes: Buffer.concat(parts), direct: reader.bypassesCache };
}

describe('ImageReader', () => {
  test('a sparse file with data here and there reads back exactly, holes as zeros', async () => {
    const size = 13 * MiB + 12345; // a short last piece, not a multiple of 4 KiB
    const data: [number, Buffer][] = [
      [0, randomBytes(100)],
      [3 * MiB - 7, randomBytes(MiB + 9)],
      [9 * MiB, randomBytes(4096)],
      [size - 5000, randomBytes(5000)],
    ];
    const path = sparseFile('sparse.raw', size, data);
    const expected = Buffer.alloc(size);
    for (const [at, bytes] of data) bytes.copy(expected, at);
    for (const [piece, ahead] of [
      [2 * MiB, 2],
      [MiB, 0],
      [4 * MiB, 3],
    ]) {
      const got = await readAll(path, size, piece, ahead);
      assert.equal(got.bytes.length, size);
      assert.ok(got.bytes.equals(expected), `piece ${piece}, ahead ${ahead} (direct: ${got.direct})`);
    }
  });

  test('a file that is all holes, and an empty one', async () => {
    const holes = await readAll(sparseFile('holes.raw', 8 * MiB, []), 8 * MiB, 2 * MiB, 2);
    assert.ok(holes.bytes.equals(Buffer.alloc(8 * MiB)));
    assert.equal((await readAll(sparseFile('empty.raw', 0, []), 0, 2 * MiB, 2)).bytes.length, 0);
  });

  test('stopping early leaves nothing running', async () => {
    const path = sparseFile('stop.raw', 16 * MiB, [[5 * MiB, randomBytes(MiB)]]);
    const reader = await ImageReader.open(path);
    for await (const p of reader.pieces(16 * MiB, 2 * MiB, 3)) if (p.offset >= 4 * MiB) break;
    await reader.close();
  });
});
