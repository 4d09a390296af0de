// Several nodes' store handles on one fresh database, for tests of what nodes share.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { createDatabase } from './test-database.js';

/**
 * Store handles on one fresh database of `engine`, as several nodes open it: on PostgreSQL each
 * node has its own data dir; on SQLite the database lives in the data dir, so all nodes share the
 * first one. `close()` closes every handle and removes the data dirs.
 */
export async function storeNodes(engine: 'sqlite' | 'postgres'): Promise<{
  node(name?: string): Promise<{ dataDir: string; store: Store }>;
  close(): Promise<void>;
}> {
  const root = mkdtempSync(join(tmpdir(), `imago-nodes-${engine}-`));
  const databaseUrl = engine === 'postgres' ? await createDatabase() : undefined;
  const stores: Store[] = [];
  return {
    async node(name = 'a') {
      const dataDir = join(root, engine === 'postgres' ? name : 'a');
      const store = await Store.open({ dataDir, durability: 'normal', databaseUrl });
      stores.push(store);
      return { dataDir, store };
    },
    async close() {
      for (const store of stores) await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` over fresh store nodes of `engine`, closed and removed after. */
export async function withStoreNodes(engine: 'sqlite' | 'postgres', fn: (nodes: Awaited<ReturnType<typeof storeNodes>>) => Promise<void>): Promise<void> {
  const nodes = await storeNodes(engine);
  try {
    await fn(nodes);
  } finally {
    await nodes.close();
  }
}

/** Both engines. PostgreSQL is the test cluster: a file that uses it says `// test-servers: postgres` (npm test then sets IMAGO_TEST_PG_URL). */
export function bothEngines(): ('sqlite' | 'postgres')[] {
  if (!process.env.IMAGO_TEST_PG_URL) throw new Error('this test needs PostgreSQL: IMAGO_TEST_PG_URL is not set (npm test starts one: scripts/test-servers/postgres.sh)');
  return ['sqlite', 'postgres'];
}
