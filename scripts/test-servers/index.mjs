// Servers the tests need, started once per `npm test` run and stopped after it (on failure and
// on Ctrl-C too). A test file asks for one with a line `// test-servers: s3` (names separated by
// commas) among its first lines; each server hands its address and keys to the tests in
// IMAGO_TEST_* environment variables. Adding one (PostgreSQL, say) = an entry in SERVERS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** start(dir) -> env for the tests (throws with the server's output on failure); stop(dir), synchronous. */
export const SERVERS = {
  // a throwaway PostgreSQL cluster (C collation, trust auth, 127.0.0.1): ~2 s to start; tests
  // make a database each from IMAGO_TEST_PG_URL (test/helpers/test-database.ts)
  postgres: {
    start(dir) {
      const r = spawnSync('bash', [join(here, 'postgres.sh'), 'start', dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`postgres.sh start failed (${r.status}):\n${r.stderr}`);
      const url = /^DATABASE_URL=(.+)$/m.exec(r.stdout)?.[1];
      if (!url) throw new Error(`postgres.sh printed no DATABASE_URL:\n${r.stdout}`);
      return { IMAGO_TEST_PG_URL: url };
    },
    stop(dir) {
      spawnSync('bash', [join(here, 'postgres.sh'), 'stop', dir], { stdio: 'inherit' });
    },
  },
  // a throwaway Ceph RGW; memstore: ~3 s to start, the data in the OSD's memory
  s3: {
    start(dir) {
      const r = spawnSync('bash', [join(here, 'rgw.sh'), 'start', dir], { encoding: 'utf8', env: { ...process.env, OSD_STORE: 'memstore' } });
      if (r.status !== 0) throw new Error(`rgw.sh start failed (${r.status}):\n${r.stderr}`);
      const out = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=', 2)));
      return { IMAGO_TEST_S3_ENDPOINT: out.S3_ENDPOINT, IMAGO_TEST_S3_ACCESS_KEY: out.S3_ACCESS_KEY, IMAGO_TEST_S3_SECRET_KEY: out.S3_SECRET_KEY };
    },
    stop(dir) {
      spawnSync('bash', [join(here, 'rgw.sh'), 'stop', dir], { stdio: 'inherit' });
    },
  },
};

/** The servers the given test files ask for (their first 2 KiB are read). */
export function serversNeeded(files, root) {
  const names = new Set();
  const head = Buffer.alloc(2048);
  for (const file of files) {
    const fd = openSync(join(root, file), 'r');
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const m = /^\/\/ test-servers: (.+)$/m.exec(head.subarray(0, n).toString('utf8'));
    for (const name of m ? m[1].split(',').map((s) => s.trim()) : []) {
      if (!SERVERS[name]) throw new Error(`${file} asks for test server ${name}; known: ${Object.keys(SERVERS).join(', ')}`);
      names.add(name);
    }
  }
  return [...names];
}

/**
 * Starts the named servers; returns the environment for the tests and a synchronous stop()
 * that also runs if the process exits or is interrupted before it is called.
 */
export function startServers(names) {
  const running = [];
  const stop = () => {
    while (running.length) {
      const { name, dir } = running.pop();
      SERVERS[name].stop(dir);
    }
  };
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
  const env = {};
  try {
    for (const name of names) {
      const dir = mkdtempSync(join(tmpdir(), `imago-test-${name}-`));
      running.push({ name, dir });
      const started = Date.now();
      Object.assign(env, SERVERS[name].start(dir));
      console.log(`== test server ${name}: up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } catch (e) {
    stop();
    throw e;
  }
  return { env, stop };
}
