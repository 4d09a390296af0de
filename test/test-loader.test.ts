// The test command's loader (scripts/test-loader.mjs, after tsx): a failing assert.ok without a
// message in a long module fails its test at once. Under tsx alone (every module on one line)
// Node 20 searched the source for the expression without end and the test file hung until CI's
// time ran out. Run as the test command runs node:test, on a module written for the purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOADER = new URL('../scripts/test-loader.mjs', import.meta.url).href;

/** ~45 KB of declarations, a test whose assert.ok fails far along the module, more declarations. */
function longModule(): string {
  const filler = (from: number) => Array.from({ length: 200 }, (_, i) => `export const filler${from + i}: { a: number; b: string } = { a: ${i}, b: 'text to make the module long ${i}' };`);
  return [
    "import assert from 'node:assert/strict';",
    "import { test } from 'node:test';",
    ...filler(0),
    "test('fails', async () => {",
    '  await new Promise((r) => setTimeout(r, 1));',
    '  const found: number[] = [1, 2].filter((x) => x > 5);',
    '  assert.ok(found.length > 0);',
    '});',
    ...filler(200),
  ].join('\n');
}

test('a failing assert.ok without a message in a long module fails its test, at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-loader-'));
  try {
    const file = join(dir, 'long.test.ts');
    writeFileSync(file, longModule());
    // not a child of this run: node:test would skip a nested run
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', LOADER, '--test', '--test-reporter=tap', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    // the hang this guards against never ends: a bound far above the ~1 s a run takes
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    assert.equal(code, 1, `the test run fails rather than hangs:\n${out}`);
    assert.match(out, /^# fail 1$/m);
    assert.match(out, /code: 'ERR_ASSERTION'/);
    assert.match(out, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:206:\\d+`), 'the stack names the source line of the assertion');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
