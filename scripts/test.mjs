#!/usr/bin/env node
// `npm test`: type-check, then unit (including codegen freshness) + SDK round-trip tests (node:test, each file
// in its own process against real server processes; the VM tests in a stream of their own beside them), then
// the aws CLI end-to-end scripts (with the compat-moto pytest among them; the case study alone, last).
// `npm test -- <pattern>` runs only the test files whose path contains <pattern>.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serversNeeded, startServers } from './test-servers/index.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** how node:test runs TypeScript: tsx, then scripts/test-loader.mjs (modules keep their lines, so a failing assert.ok cannot hang) */
const TS = ['--import', 'tsx', '--import', new URL('./test-loader.mjs', import.meta.url).href];
// Node 20's --test-timeout bounds each test file: a file that hangs fails the run with its name
// instead of holding it until CI's limit. Far above the longest file under load (a VM file ~10
// min on a loaded 2-core machine, any other ~2 min).
const FILE_TIMEOUT_MS = 15 * 60_000;
const VM_FILE_TIMEOUT_MS = 30 * 60_000;
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

// what the tests need on the host (packages, the Debian image): installed when missing
step('test host set-up', 'bash', [join(root, 'scripts/setup-test-host.sh')]);
// the build (dist/) the servers under test run: bin/imago.mjs takes it while it is current
step('build', process.execPath, [join(root, 'scripts/build.mjs')]);
if (!filter) {
  step('typecheck', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  step('typecheck (console, DOM)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'console']);
}
// the tests that boot VMs (test/vm) take longest and mostly wait on their guests: they run one after the
// other in a stream of their own, beside the rest (two files at a time), so their waits cost no wall time
const vmTests = files(join(root, 'test/vm'), (n) => n.endsWith('.test.ts')).filter((f) => !filter || f.includes(filter));
const tests = files(join(root, 'src'), (n) => n.endsWith('.test.ts'))
  .concat(files(join(root, 'test'), (n) => n.endsWith('.test.ts')).filter((f) => !f.startsWith('test/vm/')))
  .filter((f) => !filter || f.includes(filter));
if (tests.length || vmTests.length) {
  // servers some tests ask for (`// test-servers: s3`): up once for the whole phase, then down
  const servers = startServers(serversNeeded([...vmTests, ...tests], root));
  const nodeTest = (concurrency, reporter, list, timeout) => [process.execPath, [...TS, '--test', `--test-concurrency=${concurrency}`, `--test-reporter=${reporter}`, `--test-timeout=${timeout}`, ...list]];
  const [vmOk, restOk] = await Promise.all([
    vmTests.length ? stepAsync(`node:test, VMs (${vmTests.length} files)`, ...nodeTest(1, 'spec', vmTests, VM_FILE_TIMEOUT_MS), servers.env, { buffered: true }) : true,
    tests.length ? stepAsync(`node:test (${tests.length} files)`, ...nodeTest(2, 'spec', tests, FILE_TIMEOUT_MS), servers.env) : true,
  ]);
  servers.stop();
  if (!vmOk || !restOk) process.exit(1);
}
// the API suites again with metadata in PostgreSQL (each test server gets a database of its own)
const onPostgres = files(join(root, 'test'), (n) => n.endsWith('.test.ts'))
  .filter((f) => f.startsWith('test/sdk/') || f.startsWith('test/protocol/'))
  .filter((f) => !filter || f.includes(filter));
if (onPostgres.length) {
  const servers = startServers([...new Set(['postgres', ...serversNeeded(onPostgres, root)])]);
  step(`node:test on PostgreSQL (${onPostgres.length} files)`, process.execPath, [...TS, '--test', '--test-concurrency=2', '--test-reporter=dot', `--test-timeout=${FILE_TIMEOUT_MS}`, ...onPostgres], { ...servers.env, IMAGO_TEST_DATABASE: 'postgres' });
  servers.stop();
}
const e2e = files(join(root, 'test/e2e'), (n) => n.endsWith('.sh') && n !== 'lib.sh').filter((f) => !filter || f.includes(filter));
const source = (f) => readFileSync(join(root, f), 'utf8');
// a script marked `# e2e: alone` judges the host's real CPU (the case study scales on its VMs'
// measured CPU): it runs after the others, with the machine to itself
const alone = e2e.filter((f) => /^# e2e: alone$/m.test(source(f)));
// the scripts that boot VMs take minutes, the API ones seconds: the VM ones start first and the
// others (and the compat-moto pytest) fill the second slot beside them, so no slot idles at the end
const shared = e2e.filter((f) => !alone.includes(f));
const boots = (f) => / --compute qemu /.test(source(f));
const script = (f) => ({ title: `e2e ${f}`, run: () => runScript(f) });
const moto = !filter || 'test/compat-moto'.includes(filter) || filter.includes('compat-moto') ? [{ title: 'compat-moto (pytest)', run: compatMoto }] : [];
const jobs = [...shared.filter(boots).map(script), ...moto, ...shared.filter((f) => !boots(f)).map(script)];
await runJobs(jobs, 2);
await runJobs(alone.map(script), 1);
console.log('\nall tests passed');

/** Like step, run beside other work: resolves with whether it passed (buffered: its output is printed when it ends). */
function stepAsync(title, cmd, args, env = {}, { buffered = false } = {}) {
  if (!buffered) console.log(`\n== ${title}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const output = [];
    const child = spawn(cmd, args, { cwd: root, stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: { ...process.env, ...env } });
    if (buffered) for (const s of [child.stdout, child.stderr]) s.on('data', (d) => output.push(d));
    child.on('close', (code) => {
      if (buffered) {
        console.log(`\n== ${title}`);
        process.stdout.write(Buffer.concat(output));
      }
      console.log(`== ${title}: ${code === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      resolve(code === 0);
    });
  });
}

/**
 * A boto3 suite in moto's server-mode style against `imago serve --compat moto` (test/compat-moto):
 * its pass rate is reported; the bar is 90%, and any unexpected failure (a known gap is an xfail)
 * fails the job.
 */
async function compatMoto() {
  const { code, output } = await runCollecting('python3', ['-m', 'pytest', '-q', '-rfEX', 'test/compat-moto'], { PYTHONDONTWRITEBYTECODE: '1' });
  const text = output.toString('utf8');
  const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(text)?.[1] ?? 0);
  const passed = count('passed');
  const total = passed + count('failed') + count('error') + count('xfailed') + count('xpassed');
  const rate = total ? (100 * passed) / total : 0;
  const ok = code === 0 && rate >= 90;
  return { ok, output: Buffer.concat([output, Buffer.from(`${passed}/${total} passed (${rate.toFixed(1)}%, bar 90%)\n`)]) };
}

/** An e2e script: each starts its own servers on free ports, in its own temp dir. */
async function runScript(path) {
  const { code, output } = await runCollecting('bash', [path]);
  return { ok: code === 0, output };
}

function runCollecting(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const output = [];
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env } });
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    child.on('close', (code) => resolve({ code, output: Buffer.concat(output) }));
  });
}

/**
 * Independent jobs (the CLI scripts mostly wait on the CLI's Python start-up and on VMs), `parallel`
 * at a time, in the given order, each one's output printed when it finishes; the first failure
 * stops the queue and, once the running ones end, the run.
 */
async function runJobs(jobs, parallel) {
  const queue = [...jobs];
  let failed = false;
  const worker = async () => {
    for (let job = queue.shift(); job && !failed; job = queue.shift()) {
      const started = Date.now();
      const { ok, output } = await job.run();
      console.log(`\n== ${job.title}`);
      process.stdout.write(output);
      console.log(`== ${job.title}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (!ok) failed = true;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  if (failed) process.exit(1);
}
