#!/usr/bin/env node
// `npm run build` (also `prepare`, so `npm ci` builds) writes dist/:
// - dist/imago.js: src/cli/main.ts and everything it imports in one ES module, the pure-JavaScript
//   npm packages included (kysely, prom-client…: MIT or Apache-2.0; dist/ is built on the machine
//   from node_modules, where their licence files stay), with a linked source map. What src/ loads
//   with `await import()` (pg, the AWS SDK's S3 client: only for --database-url or S3) lands in
//   dist/chunk-*.js, read on first use. One file instead of ~530 modules and hundreds of
//   node_modules files cut the module loading that dominated start-up to about a quarter
//   (bench/workloads/startup.ts); minified whitespace makes it fewer bytes to compile and fewer
//   lines for Node to index for the source map. Each module's `import.meta.url`
//   is rewritten to the URL its own file has in the per-module tree below, so every
//   `new URL('…', import.meta.url)` resolves exactly as it does from src/.
// - dist/**/*.js: every module on its own, the tree's shape kept (the codec pool's worker loads
//   dist/blocks/codec-worker.js), and copies of src/'s non-TypeScript files read at run time (the
//   API models, regions.json, the catalog, the managed policies). Paths that leave src/
//   (../../console/, images/, model/) land on the checkout's own directories.
// esbuild, not tsc: it is already a runtime dependency (the console's bundler), so the build also
// works under `npm ci --omit=dev`, and it transpiles the ~560 modules in well under a second;
// type-checking stays `npm run typecheck` (tsc --noEmit). Tests (*.test.ts) are not built.
// dist/build-stamp.json records the sources built (count, newest mtime): bin/imago.mjs runs
// dist/ only while it matches the tree (see there). The build is written beside dist/ and swapped
// in by two renames: dist/ is never half-written, and a server running from it meanwhile finds its
// lazily loaded chunks again as long as the sources are the same (chunk names are content hashes).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceTree } from './source-tree.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const final = join(root, 'dist');
const dist = join(root, `dist.building-${process.pid}`);
const started = Date.now();
const tree = sourceTree(src);
const modules = tree.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
const assets = tree.files.filter((f) => !f.endsWith('.ts'));

process.on('exit', () => rmSync(dist, { recursive: true, force: true })); // a failed build's leftovers
await build({
  entryPoints: modules,
  outdir: dist,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
/** Each module's import.meta.url becomes its per-module file's URL, relative to dist/imago.js. */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      const own = `./${relative(src, args.path).replace(/\.ts$/, '.js')}`;
      if (args.path.startsWith(src) && contents.includes('import.meta.url')) contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`);
      return { contents, loader: 'ts' };
    });
  },
};
await build({
  entryPoints: [{ in: join(src, 'cli/main.ts'), out: 'imago' }],
  outdir: dist,
  bundle: true,
  // npm packages are bundled too (one file to load, not hundreds); native addons, esbuild (the
  // console's bundler runs its binary) and optional peers stay imports of node_modules
  external: ['better-sqlite3', 'zstd-napi', 'esbuild', 'tsx', 'pg-native', 'pg-cloudflare'],
  mainFields: ['module', 'main'],
  // what src/ loads with `await import()` becomes a chunk of its own, read on first use
  splitting: true,
  chunkNames: 'chunk-[hash]',
  // (names stay as written: stack traces, class names)
  minifyWhitespace: true,
  minifySyntax: true,
  // the bundled CommonJS packages' require() of node: modules
  banner: { js: "import { createRequire as __imagoCreateRequire } from 'node:module'; const require = __imagoCreateRequire(import.meta.url);" },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  plugins: [moduleUrls],
  logLevel: 'warning',
});
for (const file of assets) {
  const to = join(dist, relative(src, file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
}
writeFileSync(join(dist, 'build-stamp.json'), JSON.stringify({ count: tree.files.length, newestMs: tree.newestMs }) + '\n');
const old = `${final}.old-${process.pid}`;
if (existsSync(final)) renameSync(final, old);
renameSync(dist, final);
rmSync(old, { recursive: true, force: true });
console.log(`built dist/imago.js, ${modules.length} modules and copied ${assets.length} assets into dist/ in ${Date.now() - started} ms`);
