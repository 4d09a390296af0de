import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MASTER_KEY_ENV, MasterKeyError, loadMasterKey } from './master-key.js';

const withDir = (f: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-mk-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('creates master.key (0600, 32 random bytes) once and reads it back', () =>
  withDir((dir) => {
    const data = join(dir, 'data');
    const k1 = loadMasterKey(data, {});
    assert.equal(k1.length, 32);
    const file = join(data, 'master.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), k1);
    assert.deepEqual(loadMasterKey(data, {}), k1);
    assert.deepEqual(readdirSync(data), ['master.key'], 'no temp files left behind');
  }));

test('the environment variable wins and writes nothing', () =>
  withDir((dir) => {
    const key = randomBytes(32);
    assert.deepEqual(loadMasterKey(dir, { [MASTER_KEY_ENV]: key.toString('base64') }), key);
    assert.deepEqual(readdirSync(dir), []);
  }));

test('a malformed key is refused', () =>
  withDir((dir) => {
    assert.throws(() => loadMasterKey(dir, { [MASTER_KEY_ENV]: randomBytes(16).toString('base64') }), MasterKeyError);
    assert.throws(() => loadMasterKey(dir, { [MASTER_KEY_ENV]: 'not base64 at all!' }), MasterKeyError);
    writeFileSync(join(dir, 'master.key'), 'short\n');
    assert.throws(() => loadMasterKey(dir, {}), /master\.key must be the base64 encoding of exactly 32 bytes/);
  }));
