import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeyMaterialError, decodeKey, keyFingerprint, loadOrCreateKeyFile, readKeyFile } from './key-file.js';

const withDir = (f: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-keyfile-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('a key file is created once (0600, 32 random bytes in base64) and read back', () =>
  withDir((dir) => {
    const path = join(dir, 'data', 'kek.key');
    const k1 = loadOrCreateKeyFile(path);
    assert.equal(k1.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'), k1);
    assert.deepEqual(loadOrCreateKeyFile(path), k1);
    assert.deepEqual(readdirSync(join(dir, 'data')), ['kek.key'], 'no temp files left behind');
    assert.equal(readKeyFile(join(dir, 'absent.key')), undefined);
  }));

test('a malformed key is refused, naming where it came from', () =>
  withDir((dir) => {
    assert.throws(() => decodeKey(randomBytes(16).toString('base64'), 'IMAGO_MASTER_KEY'), KeyMaterialError);
    assert.throws(() => decodeKey('not base64 at all!', 'X'), /X must be the base64 encoding of exactly 32 bytes/);
    writeFileSync(join(dir, 'master.key'), 'short\n');
    assert.throws(() => readKeyFile(join(dir, 'master.key')), /master\.key must be the base64 encoding of exactly 32 bytes/);
  }));

test('a fingerprint tells keys apart and shows nothing of them', () => {
  const key = randomBytes(32);
  assert.equal(keyFingerprint(key), keyFingerprint(Buffer.from(key)));
  assert.notEqual(keyFingerprint(key), keyFingerprint(randomBytes(32)));
  assert.match(keyFingerprint(key), /^[0-9a-f]{16}$/);
  assert.ok(!key.toString('hex').includes(keyFingerprint(key)));
});
