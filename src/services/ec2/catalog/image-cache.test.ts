import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir } from '../../../../test/helpers/server.js';
import { cachedImage, defaultImageCacheDir, recipeHash, withCachedImage } from './image-cache.js';

test('the default cache dir: $IMAGO_IMAGE_CACHE, else XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(defaultImageCacheDir({ IMAGO_IMAGE_CACHE: '/srv/cache', XDG_CACHE_HOME: '/x', HOME: '/home/a' }), '/srv/cache');
  assert.equal(defaultImageCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/home/a' }), '/x/imago/images');
  assert.equal(defaultImageCacheDir({ HOME: '/home/a' }), '/home/a/.cache/imago/images');
});

test('the recipe hash follows every file, its content and executable bit, nothing else', () => {
  const dir = tempDir('imago-recipe-');
  try {
    writeFileSync(join(dir, 'build.sh'), 'echo one\n');
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'a.cfg'), 'a: 1\n');
    const first = recipeHash(dir);
    assert.match(first, /^[0-9a-f]{16}$/);
    assert.equal(recipeHash(dir), first, 'stable');
    writeFileSync(join(dir, 'conf', 'a.cfg'), 'a: 2\n');
    const edited = recipeHash(dir);
    assert.notEqual(edited, first);
    chmodSync(join(dir, 'build.sh'), 0o755);
    const executable = recipeHash(dir);
    assert.notEqual(executable, edited);
    writeFileSync(join(dir, 'conf', 'b.cfg'), '');
    assert.notEqual(recipeHash(dir), executable, 'a new file');
  } finally {
    removeDir(dir);
  }
});

test('a build is made once under a temporary name, reused, and replaces older versions', async () => {
  const dir = tempDir('imago-cache-');
  try {
    writeFileSync(join(dir, 'img-00000000000000aa.raw'), 'old version');
    writeFileSync(join(dir, 'other-00000000000000aa.raw'), 'another recipe');
    let builds = 0;
    const build = async (temp: string) => {
      builds++;
      assert.match(temp, /\/\.img-00000000000000bb\.raw\.\d+\.tmp$/);
      assert.ok(existsSync(join(dir, 'img-00000000000000bb.lock')), 'built under the lock');
      writeFileSync(temp, 'image bytes');
    };
    const first = await withCachedImage(dir, 'img', '00000000000000bb', build);
    assert.deepEqual([first.path, readFileSync(first.path, 'utf8'), first.sizeBytes, builds], [join(dir, 'img-00000000000000bb.raw'), 'image bytes', 11, 1]);
    const again = await withCachedImage(dir, 'img', '00000000000000bb', build);
    assert.deepEqual([again.path, builds], [first.path, 1]);
    assert.deepEqual(readdirSync(dir).sort(), ['img-00000000000000bb.raw', 'other-00000000000000aa.raw']);
  } finally {
    removeDir(dir);
  }
});

test('a failed build leaves no image, temporary file or lock', async () => {
  const dir = tempDir('imago-cache-');
  try {
    await assert.rejects(
      withCachedImage(dir, 'img', '00000000000000cc', async (temp) => {
        writeFileSync(temp, 'half');
        throw new Error('mirror went away');
      }),
      /mirror went away/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    removeDir(dir);
  }
});

test("a live builder's lock is waited for; a dead builder's lock is broken", async () => {
  const dir = tempDir('imago-cache-');
  try {
    const lock = join(dir, 'img-00000000000000dd.lock');
    writeFileSync(lock, String(process.ppid)); // a live process that is not us
    const waits: number[] = [];
    const waiting = withCachedImage(dir, 'img', '00000000000000dd', async () => assert.fail('the other builder builds'), { onWait: (pid) => waits.push(pid), pollMs: 20 });
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(dir, 'img-00000000000000dd.raw'), 'built elsewhere');
    const got = await waiting;
    assert.equal(readFileSync(got.path, 'utf8'), 'built elsewhere');
    assert.ok(waits.length > 0 && waits.every((p) => p === process.ppid));

    const dead = spawnSync('true').pid!;
    writeFileSync(join(dir, 'img-00000000000000ee.lock'), String(dead));
    const built = await withCachedImage(dir, 'img', '00000000000000ee', async (temp) => writeFileSync(temp, 'mine'), { pollMs: 20 });
    assert.equal(readFileSync(built.path, 'utf8'), 'mine');
    assert.equal(cachedImage(dir, 'img', '00000000000000ee')?.path, built.path);
  } finally {
    removeDir(dir);
  }
});
