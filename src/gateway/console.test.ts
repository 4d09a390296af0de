import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { CONSOLE_CSP, ConsoleAssets, isConsolePath } from './console.js';

const devConsole = new ConsoleAssets({ devMode: true, defaultAccount: '000000000000' });

test('console paths: /console and below, nothing else', () => {
  assert.ok(isConsolePath('/console') && isConsolePath('/console/') && isConsolePath('/console/app.js'));
  assert.ok(!isConsolePath('/consoles') && !isConsolePath('/') && !isConsolePath('/_imago/console'));
});

test('index, bundle and config answer with the CSP; gzip when accepted; 304 on a matching ETag', async () => {
  const index = await devConsole.handle('GET', '/console/', undefined, undefined);
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-security-policy'], CONSOLE_CSP);
  assert.match(String(index.body), /<script type="module" src="app.js">/);
  const js = await devConsole.handle('GET', '/console/app.js', 'gzip, deflate', undefined);
  assert.equal(js.headers['content-encoding'], 'gzip');
  assert.match(gunzipSync(js.body as Buffer).toString(), /DescribeImages/);
  assert.equal((await devConsole.handle('GET', '/console/app.js', undefined, js.headers.etag)).status, 304);
  const head = await devConsole.handle('HEAD', '/console/style.css', undefined, undefined);
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const config = await devConsole.handle('GET', '/console/config.json', undefined, undefined);
  assert.deepEqual(JSON.parse(String(config.body)), { devMode: true, defaultAccount: '000000000000' });
  const verifying = await new ConsoleAssets({ devMode: false, defaultAccount: '000000000000' }).handle('GET', '/console/config.json', undefined, undefined);
  assert.deepEqual(JSON.parse(String(verifying.body)), { devMode: false });
});

test('a redirect to /console/, 404 for anything else, 405 for other methods', async () => {
  const moved = await devConsole.handle('GET', '/console', undefined, undefined);
  assert.deepEqual([moved.status, moved.headers.location], [301, '/console/']);
  assert.equal((await devConsole.handle('GET', '/console/../package.json', undefined, undefined)).status, 404);
  assert.equal((await devConsole.handle('GET', '/console/src/main.ts', undefined, undefined)).status, 404);
  const post = await devConsole.handle('POST', '/console/', undefined, undefined);
  assert.deepEqual([post.status, post.headers.allow], [405, 'GET, HEAD']);
});
