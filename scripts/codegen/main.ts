// `npm run codegen`: regenerates src/api/** from the pinned SDK models and model/.
// `npm run codegen -- --check`: exits 1 if the checked-in files differ from a fresh run.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateAll, ROOT } from './generate.js';

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [rel, content] of generateAll()) {
  const path = join(ROOT, rel);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === content) continue;
  if (check) {
    stale.push(rel);
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${rel} (${content.length} bytes)`);
  }
}
if (check && stale.length) {
  console.error(`generated files are stale (run npm run codegen): ${stale.join(', ')}`);
  process.exit(1);
}
