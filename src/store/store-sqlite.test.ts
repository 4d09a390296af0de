// The store's contract on SQLite (the embedded default).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformance } from './store.conformance.js';
import { Store } from './store.js';

storeConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-store-'));
  const open = () => Store.open({ dataDir: dir, durability: 'normal' });
  return { open, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
