// Loaded after tsx by the test command (`--import tsx --import ./scripts/test-loader.mjs`): the
// project's own TypeScript is transformed with its lines kept (tsx prints every module on one
// line). Node 20's assert.ok(value) without a message reads the caller's source at the raw
// line and column to quote the expression; on line 1 of a file longer than the column plus 2500
// bytes that search never ends (internal/assert/utils findColumn reads 0 more bytes and
// recurses), so a failing assertion hung its test file instead of failing it. Resolution, and
// every other file, stay tsx's.
import { register } from 'node:module';

register('./test-loader-hooks.mjs', import.meta.url);
