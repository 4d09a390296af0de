#!/usr/bin/env node
// Entry point for `imago` and `npm start`: loads the TypeScript sources through tsx's
// loader (esbuild, cached), so a fresh clone runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
