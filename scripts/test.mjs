#!/usr/bin/env node
// `npm test`: type-check, then unit (including codegen freshness) + SDK round-trip tests (node:test, each file
// in its own process against real server processes), then the aws CLI end-to-end scripts.
// `npm test -- <pattern>` runs only the test files whose path contains <pattern>.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2];

function files(dir, test) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, test));
    else if (test(name)) out.push(relative(root, path));
  }
  return out.sort();
}

function step(title, cmd, args, env = {}) {
  console.log(`\n== ${title}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`== ${title}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!filter) {
  step('typecheck', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
}
const tests = files(join(root, 'src'), (n) => n.endsWith('.test.ts'))
  .concat(files(join(root, 'test'), (n) => n.endsWith('.test.ts')))
  .filter((f) => !filter || f.includes(filter));
if (tests.length) {
  step(`node:test (${tests.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...tests]);
}
const e2e = files(join(root, 'test/e2e'), (n) => n.endsWith('.sh') && n !== 'lib.sh').filter((f) => !filter || f.includes(filter));
for (const script of e2e) step(`e2e ${script}`, 'bash', [script]);
console.log('\nall tests passed');
