// The files under src/ with the newest modification time among them (the sources and assets
// dist/ is built from): scripts/build.mjs stamps the build with it, bin/imago.mjs compares.
// *.test.ts files are left out: editing a test does not make the build stale.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sourceTree(dir) {
  const files = [];
  let newestMs = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) {
        files.push(path);
        newestMs = Math.max(newestMs, statSync(path).mtimeMs);
      }
    }
  };
  walk(dir);
  return { files, newestMs };
}
