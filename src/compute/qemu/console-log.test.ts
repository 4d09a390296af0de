import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_BYTES, ConsoleLog, readConsoleLog } from './console-log.js';
import { which } from './qemu-probe.js';

const setup = (t: { after(fn: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'console-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'console.log');
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** QEMU's side: the file opened once with O_APPEND, as `-chardev file,append=on` does. */
const writer = (path: string) => {
  const fd = openSync(path, 'a');
  return { write: (s: string | Buffer) => writeSync(fd, Buffer.from(s)), close: () => closeSync(fd) };
};

test('follows what another writer appends, in order, with Imago’s marks whole between its writes', async (t) => {
  const path = setup(t);
  const log = new ConsoleLog(path);
  log.mark('starting i-1');
  const seen: Buffer[] = [];
  const unfollow = log.follow((b) => seen.push(b), 5);
  const qemu = writer(path);
  let expected = '';
  for (let i = 0; i < 200; i++) {
    const line = `[    ${i}.000000] usable [mem 0x${i.toString(16)}]\n`;
    qemu.write(line);
    expected += line;
    if (i % 50 === 0) await sleep(7);
  }
  await sleep(30);
  log.mark('the VM stopped unexpectedly (SIGKILL)');
  qemu.close();
  unfollow();
  const followed = Buffer.concat(seen).toString();
  assert.equal(followed, `${expected}\r\n[imago] the VM stopped unexpectedly (SIGKILL)\r\n`, 'every byte, once, in order; not what was there before');
  const text = log.text().toString();
  assert.ok(text.startsWith('\r\n[imago] starting i-1\r\n[    0.000000] usable'));
  assert.equal(readConsoleLog(path).toString(), text);
});

test('the last 64 KB, while the writer writes, after it stopped and from a new ConsoleLog (a restarted server)', async (t) => {
  const path = setup(t);
  assert.equal(new ConsoleLog(path).text().length, 0, 'no file yet: no output');
  const qemu = writer(path);
  const line = `${'x'.repeat(1023)}\n`;
  for (let i = 0; i < 100; i++) qemu.write(line);
  qemu.write('login: ');
  const live = new ConsoleLog(path).text();
  assert.equal(live.length, CONSOLE_BYTES);
  assert.ok(live.toString().endsWith('\nlogin: '));
  qemu.close();
  const again = new ConsoleLog(path);
  assert.deepEqual(again.text(), live);
  const seen: Buffer[] = [];
  const unfollow = again.follow((b) => seen.push(b), 5);
  await sleep(20);
  unfollow();
  assert.equal(seen.length, 0, 'following starts at the end: old output does not replay into the health watch');
});

test('compact() cuts a stopped VM’s log back to its last 64 KB once it passed 1 MB, not before', (t) => {
  const path = setup(t);
  const log = new ConsoleLog(path);
  log.compact(); // no file: nothing to do
  writeFileSync(path, Buffer.alloc(1024 * 1024, 'a'));
  log.compact();
  assert.equal(statSync(path).size, 1024 * 1024, 'up to 1 MB stays whole');
  const qemu = writer(path);
  qemu.write('the end');
  qemu.close();
  const tail = log.text();
  log.compact();
  assert.equal(statSync(path).size, CONSOLE_BYTES);
  assert.deepEqual(log.text(), tail);
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('a running VM’s log keeps its disk use bounded: the blocks before the last 64 KB are punched out', { skip: !which('fallocate') && 'no fallocate' }, async (t) => {
  const path = setup(t);
  const log = new ConsoleLog(path);
  log.mark('starting');
  let bytes = 0;
  const unfollow = log.follow((b) => (bytes += b.length), 5);
  const qemu = writer(path);
  const chunk = Buffer.alloc(256 * 1024, 'y');
  for (let i = 0; i < 12; i++) {
    qemu.write(chunk);
    await sleep(15);
  }
  qemu.write('login: ');
  await sleep(30);
  const disk = () => statSync(path).blocks * 512;
  for (let i = 0; i < 100 && disk() > 1.5 * 1024 * 1024; i++) await sleep(20);
  assert.equal(statSync(path).size, 12 * chunk.length + 7 + '\r\n[imago] starting\r\n'.length, 'offsets unchanged: QEMU appends where it did');
  assert.ok(disk() <= 1.5 * 1024 * 1024, `disk use ${disk()} bytes`);
  assert.ok(log.text().toString().endsWith('y'.repeat(1000) + 'login: '), 'the last 64 KB intact');
  assert.equal(bytes, 12 * chunk.length + 7, 'the follower saw every byte');
  qemu.close();
  unfollow();
  log.compact();
  assert.equal(statSync(path).size, CONSOLE_BYTES);
});
