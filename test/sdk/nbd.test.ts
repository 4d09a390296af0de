// Volumes and snapshots over NBD with the real tools (qemu-io, qemu-img, nbdcopy, nbdinfo from
// Debian's qemu-utils and libnbd-bin; .ci/run installs them): a server started with
// --nbd-port 0, volumes made with the EC2 API, bytes written and read back through NBD.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { removeDir, runToExit, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { NbdClient } from '../../src/blocks/nbd/nbd-client.js';

const run = promisify(execFile);
const MiB = 1 << 20;
const GiB = 1 << 30;

/** Runs a tool; rejects with its stderr when it fails. */
async function tool(cmd: string, ...args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { maxBuffer: 16 * MiB })).stdout;
  } catch (e) {
    const err = e as { code?: string | number; stdout?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new Error(`${cmd} is not installed: apt-get install qemu-utils libnbd-bin (.ci/run does)`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr || err.message}\n${err.stdout ?? ''}`);
  }
}

function nbdPortOf(server: TestServer): number {
  for (const line of server.logs) {
    try {
      const entry = JSON.parse(line) as { msg?: string; nbdPort?: number };
      if (entry.msg === 'listening' && entry.nbdPort) return entry.nbdPort;
    } catch {
      /* not a log line */
    }
  }
  throw new Error('no nbdPort in the listening line');
}

/** Checks a file against expected regions (offset -> bytes); everything else must be zero. */
function assertImage(path: string, size: number, regions: [number, Buffer][]): void {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(16 * MiB);
    for (let pos = 0; pos < size; pos += chunk.length) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      assert.equal(n, Math.min(chunk.length, size - pos), `short read at ${pos}`);
      const expected = Buffer.alloc(n);
      for (const [offset, data] of regions) {
        const from = Math.max(offset, pos);
        const to = Math.min(offset + data.length, pos + n);
        if (from < to) data.copy(expected, from - pos, from - offset, to - offset);
      }
      assert.ok(chunk.subarray(0, n).equals(expected), `image differs in [${pos}, ${pos + n})`);
    }
    assert.equal(readSync(fd, chunk, 0, 1, size), 0, 'image longer than the volume');
  } finally {
    closeSync(fd);
  }
}

async function availableVolume(client: EC2Client, input: { Size?: number; SnapshotId?: string }): Promise<string> {
  const { VolumeId } = await client.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', ...input }));
  return until(`${VolumeId} available`, async () => {
    const { Volumes } = await client.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    return Volumes![0].State === 'available' ? VolumeId! : undefined;
  });
}

async function completedSnapshot(client: EC2Client, volumeId: string): Promise<string> {
  const { SnapshotId } = await client.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
  return until(`${SnapshotId} completed`, async () => {
    const { Snapshots } = await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }));
    return Snapshots![0].State === 'completed' ? SnapshotId! : undefined;
  });
}

describe('NBD exports with qemu and libnbd tools', () => {
  let dir: string;
  let work: string;
  let server: TestServer;
  let client: EC2Client;
  let uri: (name: string) => string;

  const start = async () => {
    server = await startServer({ dataDir: dir, args: ['--nbd-port', '0', '--settle-ms', '0'] });
    client = ec2(server.url);
    const port = nbdPortOf(server);
    uri = (name) => `nbd://127.0.0.1:${port}/${name}`;
  };

  before(async () => {
    dir = tempDir();
    work = tempDir('imago-nbd-work-');
    await start();
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
    removeDir(work);
  });

  // shared by the tests below: the volume written first, and what it holds
  let volumeId: string;
  const regions: [number, Buffer][] = [
    [0, Buffer.alloc(3 * MiB, 0xab)],
    [734_003_201, Buffer.alloc(1_048_699, 0x5a)], // unaligned, crossing 512 KiB blocks
  ];

  test('qemu-io writes; qemu-img reads the whole volume back byte for byte, unwritten areas zero', async () => {
    volumeId = await availableVolume(client, { Size: 1 });
    const info = await tool('nbdinfo', '--json', uri(volumeId));
    const parsed = JSON.parse(info) as { exports: { 'export-size': number; is_read_only: boolean; can_flush: boolean; can_fua: boolean; can_trim: boolean; can_zero: boolean; block_size_preferred: number }[] };
    assert.equal(parsed.exports[0]['export-size'], GiB);
    assert.equal(parsed.exports[0].is_read_only, false);
    assert.ok(parsed.exports[0].can_flush && parsed.exports[0].can_fua && parsed.exports[0].can_trim && parsed.exports[0].can_zero);
    assert.equal(parsed.exports[0].block_size_preferred, 512 * 1024);

    const out = await tool('qemu-io', '-f', 'raw', '-c', 'write -P 0xab 0 3M', '-c', 'write -P 0x5a 734003201 1048699', '-c', 'read -P 0x5a 734003201 1048699', '-c', 'read -P 0 3M 1M', uri(volumeId));
    assert.doesNotMatch(out, /fail|error|mismatch/i);
    const image = join(work, 'vol.raw');
    await tool('qemu-img', 'convert', '-f', 'raw', '-O', 'raw', uri(volumeId), image);
    assertImage(image, GiB, regions);

    // base:allocation: only the 512 KiB blocks written hold data, the rest are holes
    const map = JSON.parse(await tool('qemu-img', 'map', '--output=json', uri(volumeId))) as { start: number; length: number; data: boolean; zero: boolean }[];
    const B = 512 * 1024;
    const dataStart = Math.floor(734_003_201 / B) * B;
    const dataEnd = Math.ceil((734_003_201 + 1_048_699) / B) * B;
    assert.deepEqual(
      map.map((m) => [m.start, m.length, m.data, m.zero]),
      [
        [0, 3 * MiB, true, false],
        [3 * MiB, dataStart - 3 * MiB, false, true],
        [dataStart, dataEnd - dataStart, true, false],
        [dataEnd, GiB - dataEnd, false, true],
      ],
    );
  });

  test('nbdcopy in and out: random data round-trips exactly', async () => {
    const target = await availableVolume(client, { Size: 1 });
    const source = join(work, 'random.raw');
    const data = randomBytes(24 * MiB + 4096);
    writeFileSync(source, data);
    await tool('nbdcopy', source, uri(target));
    const back = join(work, 'random-back.raw');
    await tool('nbdcopy', uri(target), back);
    assertImage(back, GiB, [[0, data]]);
    // and qemu-img's view agrees with the local file over the copied range
    await tool('qemu-img', 'compare', '-f', 'raw', '-F', 'raw', back, uri(target));
  });

  test('a snapshot export is read-only and holds the volume bytes; a volume made from the snapshot too', async () => {
    const snapshotId = await completedSnapshot(client, volumeId);
    const info = JSON.parse(await tool('nbdinfo', '--json', uri(snapshotId))) as { exports: { is_read_only: boolean; 'export-size': number }[] };
    assert.deepEqual([info.exports[0].is_read_only, info.exports[0]['export-size']], [true, GiB]);
    await assert.rejects(tool('qemu-io', '-f', 'raw', '-c', 'write 0 512', uri(snapshotId)), /Permission denied|read-only|Operation not permitted/i);

    const restored = await availableVolume(client, { SnapshotId: snapshotId });
    const image = join(work, 'restored.raw');
    await tool('qemu-img', 'convert', '-f', 'raw', '-O', 'raw', uri(restored), image);
    assertImage(image, GiB, regions);
    await tool('qemu-img', 'compare', uri(snapshotId), uri(restored));

    // writes after the snapshot change the volume, not the snapshot or the restored volume
    await tool('qemu-io', '-f', 'raw', '-c', 'write -P 0x11 0 1M', uri(volumeId));
    await tool('qemu-img', 'compare', uri(snapshotId), uri(restored));
    await assert.rejects(tool('qemu-img', 'compare', uri(snapshotId), uri(volumeId)), /differ|Content mismatch/i);
  });

  test('unknown exports are refused with the protocol error, and the server carries on', async () => {
    // NBD_REP_ERR_UNKNOWN: libnbd reports it as ENOENT, qemu shows the server's message
    await assert.rejects(tool('nbdinfo', uri('vol-0123456789abcdef0')), /No such file or directory for export/);
    await assert.rejects(tool('nbdinfo', uri('something-else')), /No such file or directory for export/);
    await assert.rejects(tool('qemu-io', '-f', 'raw', '-c', 'read 0 1', uri('snap-0123456789abcdef0')), /server reported: no export named 'snap-0123456789abcdef0'/);
    await tool('qemu-io', '-f', 'raw', '-c', 'read -P 0 3M 1M', uri(volumeId));
  });

  test('after a client FLUSH, data survives the server being killed; a graceful stop flushes open exports', async () => {
    const port = Number(new URL(uri('x')).port);
    const c = await NbdClient.open(port, volumeId);
    const flushed = randomBytes(MiB + 17);
    assert.equal((await c.write(5 * MiB + 3, flushed)).error, 0);
    assert.equal((await c.flush()).error, 0);
    await server.kill(); // SIGKILL, connection still open: only what FLUSH made durable counts
    await start();
    const c2 = await NbdClient.open(Number(new URL(uri('x')).port), volumeId);
    assert.ok((await c2.read(5 * MiB + 3, flushed.length)).data!.equals(flushed));
    const unflushed = randomBytes(4096);
    assert.equal((await c2.write(9 * MiB, unflushed)).error, 0);
    assert.equal(await server.stop(), 0); // SIGTERM with the client connected: released, flushed
    await c2.closed();
    await start();
    const c3 = await NbdClient.open(Number(new URL(uri('x')).port), volumeId);
    assert.ok((await c3.read(9 * MiB, unflushed.length)).data!.equals(unflushed));
    await c3.disconnect();
  });
});

describe('NBD start-up rules', () => {
  test('--nbd-port with a non-loopback --host refuses to start; without --nbd-port NBD is off', async () => {
    const dir = tempDir();
    try {
      const r = await runToExit(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir, '--credentials', writeCredentials(dir), '--nbd-port', '0']);
      assert.equal(r.code, 1);
      assert.match(r.output, /refusing to serve NBD on 0\.0\.0\.0: NBD has no authentication/);
      const bad = await runToExit(['serve', '--port', '0', '--data-dir', dir, '--nbd-port', 'x']);
      assert.equal(bad.code, 2);
      assert.match(bad.output, /--nbd-port must be 0\.\.65535/);
      const plain = await startServer({ dataDir: dir });
      try {
        const listening = plain.logs.map((l) => l.trim()).find((l) => l.includes('"listening"'))!;
        assert.equal((JSON.parse(listening) as { nbdPort?: number }).nbdPort, undefined);
      } finally {
        await plain.stop();
      }
    } finally {
      removeDir(dir);
    }
  });
});
