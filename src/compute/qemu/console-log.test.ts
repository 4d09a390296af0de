import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_BYTES, ConsoleLog } from './console-log.js';

test('keeps the most recent 64 KB, across reopening, with a bounded file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'console-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'console.log');
  const log = new ConsoleLog(path);
  log.append(Buffer.from('SeaBIOS\r\n'));
  assert.equal(log.text().toString(), 'SeaBIOS\r\n');
  const line = Buffer.from(`${'x'.repeat(1023)}\n`);
  for (let i = 0; i < 3000; i++) log.append(line);
  log.append(Buffer.from('login: '));
  assert.equal(log.text().length, CONSOLE_BYTES);
  assert.ok(log.text().toString().endsWith('login: '));
  assert.ok(statSync(path).size <= 1024 * 1024 + line.length, 'the file is cut back');
  log.close();
  const again = new ConsoleLog(path);
  assert.ok(again.text().toString().endsWith('login: '));
  assert.equal(again.text().length, CONSOLE_BYTES);
  again.close();
});
