import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kek, KEK_FILE } from './kek.js';
import { KeyMaterialError, keyFingerprint } from './key-file.js';

test('wrap and unwrap: a random nonce, bound to the name, only under the same KEK', () => {
  const key = randomBytes(32);
  const kek = new Kek(key, 'test');
  const secret = randomBytes(32);
  const a = kek.wrap('master-key', secret);
  const b = kek.wrap('master-key', secret);
  assert.notDeepEqual(a, b, 'a fresh nonce each time');
  assert.ok(!a.includes(secret) && !a.includes(key));
  assert.deepEqual(kek.unwrap('master-key', a), secret);
  assert.deepEqual(new Kek(Buffer.from(key), 'copy').unwrap('master-key', b), secret, 'the same KEK elsewhere');
  assert.equal(kek.unwrap('instance-identity', a), undefined, 'moved to another name');
  assert.equal(new Kek(randomBytes(32), 'other').unwrap('master-key', a), undefined, 'another KEK');
  const altered = Buffer.from(a);
  altered[altered.length - 1] ^= 1;
  assert.equal(kek.unwrap('master-key', altered), undefined, 'altered');
  assert.equal(kek.id, keyFingerprint(key));
});

test('the default KEK is <data-dir>/kek.key, made on first use; an explicit --kek-file must exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-kek-'));
  try {
    const first = Kek.load(join(dir, 'data'));
    assert.equal(statSync(join(dir, 'data', KEK_FILE)).mode & 0o777, 0o600);
    assert.equal(Kek.load(join(dir, 'data')).id, first.id);
    const missing = join(dir, 'shared.kek');
    assert.throws(() => Kek.load(join(dir, 'data'), missing), (e) => e instanceof KeyMaterialError && /--kek-file .*shared\.kek does not exist/.test(e.message));
    assert.ok(!existsSync(missing), 'never made up');
    const key = randomBytes(32);
    writeFileSync(missing, `${key.toString('base64')}\n`);
    assert.equal(Kek.load(join(dir, 'data'), missing).id, keyFingerprint(key));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
