#!/usr/bin/env node
// Entry point for `imago` and `npm start`. Runs the build (dist/, made by `npm run build`, which
// `npm ci` runs as `prepare`): plain JavaScript, no TypeScript loader at run time, stack traces
// mapped back to src/ through the source maps. Falls back to the TypeScript sources through tsx
// when there is no build or the build is older than src/ (a developer's edit since the last
// build: tests started with `node --import tsx --test` then run what was edited).
// IMAGO_RUNTIME=dist | source forces one (dist fails when there is no build).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const src = new URL('../src/', import.meta.url);

async function buildIsCurrent() {
  if (!existsSync(new URL('imago.js', dist))) return false;
  if (!existsSync(src)) return true; // an installed copy without sources
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('build-stamp.json', dist), 'utf8'));
  } catch {
    return false;
  }
  const { sourceTree } = await import('../scripts/source-tree.mjs');
  const tree = sourceTree(fileURLToPath(src));
  return tree.files.length === stamp.count && tree.newestMs <= stamp.newestMs;
}

const runtime = process.env.IMAGO_RUNTIME ?? ((await buildIsCurrent()) ? 'dist' : 'source');
let main;
if (runtime === 'dist') {
  process.setSourceMapsEnabled(true);
  ({ main } = await import('../dist/imago.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
