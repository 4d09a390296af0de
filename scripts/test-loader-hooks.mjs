// The load hook of scripts/test-loader.mjs: TypeScript modules outside node_modules through
// esbuild as tsx transforms them (same target, the project's tsconfig, inline source map, names
// kept) but without minifyWhitespace, so raw stack positions are lines of the module.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const tsconfigRaw = await readFile(new URL('../tsconfig.json', import.meta.url), 'utf8');

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || url.includes('/node_modules/') || !/\.m?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: path,
    keepNames: true,
    tsconfigRaw,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
