#!/usr/bin/env node
// Entry point for `imago` and `npm start`. Runs the build (dist/, made by `npm run build`, which
// `npm ci` runs as `prepare`): plain JavaScript, no TypeScript loader at run time, stack traces
// mapped back to src/ through the source maps. Falls back to the TypeScript sources through tsx
// when there is no build or the build is older than src/ (a developer's edit since the last
// build: tests started with `node --import tsx --test` then run what was edited).
// IMAGO_RUNTIME=dist | source forces one (dist fails when there is no build).
// Start-up (issue 15): the freshness check is one walk of src/ in this file (no module to load
// for it; a stat per file, ~10 ms), and source maps are read when a stack trace is first
// formatted, not at start: Node's own source-map support (--enable-source-maps) parses the
// 1.4 MB map of dist/imago.js while loading it, ~20 ms of every start.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const src = new URL('../src/', import.meta.url);

/** dist/build-stamp.json (scripts/build.mjs) against src/ now: the same count of files, none newer. */
function buildIsCurrent() {
  if (!existsSync(new URL('imago.js', dist))) return false;
  if (!existsSync(src)) return true; // an installed copy without sources
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('build-stamp.json', dist), 'utf8'));
  } catch {
    return false;
  }
  // the files scripts/source-tree.mjs counts (every file but *.test.ts), checked the same way
  let count = 0;
  let stale = false;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (stale) return;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) {
        count++;
        if (statSync(path).mtimeMs > stamp.newestMs) stale = true;
      }
    }
  };
  walk(fileURLToPath(src).replace(/\/$/, ''));
  return !stale && count === stamp.count;
}

/**
 * Stack frames in dist/ shown at their place in src/ (as --enable-source-maps shows them): each
 * file's map is read and parsed on the first stack trace that passes through it.
 */
function mapStackTraces() {
  const maps = new Map();
  const mapOf = (url) => {
    if (!maps.has(url)) {
      let map = null;
      try {
        map = { base: new URL(`${url}.map`), sourceMap: new SourceMap(JSON.parse(readFileSync(new URL(`${url}.map`), 'utf8'))) };
      } catch {
        // no map: the frame stays as it is
      }
      maps.set(url, map);
    }
    return maps.get(url);
  };
  const frame = (site) => {
    const text = String(site);
    const file = site.getFileName();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (!file?.startsWith(dist.href) || !file.endsWith('.js') || !line || !column) return text;
    const map = mapOf(file);
    const entry = map?.sourceMap.findEntry(line - 1, column - 1);
    if (!entry?.originalSource) return text;
    const original = fileURLToPath(new URL(entry.originalSource, map.base));
    const at = `${file}:${line}:${column}`;
    return text.includes(at) ? text.replace(at, `${original}:${entry.originalLine + 1}:${entry.originalColumn + 1}`) : text;
  };
  Error.prepareStackTrace = (error, sites) => {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    return head + sites.map((site) => `\n    at ${frame(site)}`).join('');
  };
}

const runtime = process.env.IMAGO_RUNTIME ?? (buildIsCurrent() ? 'dist' : 'source');
let main;
if (runtime === 'dist') {
  mapStackTraces();
  ({ main } = await import('../dist/imago.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
