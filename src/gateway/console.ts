// The web console's static assets under /console/ (the app itself lives in console/ at the root).
//   GET /console            -> 301 /console/
//   GET /console/           index.html
//   GET /console/app.js     console/src/main.ts bundled by esbuild (once, in memory, on first use)
//   GET /console/style.css  console/style.css
//   GET /console/config.json  {devMode, defaultAccount?}: whether the sign-in page offers the
//                             dev-mode account picker (dev mode has no secrets to reveal)
// Every answer carries a Content-Security-Policy that allows only this origin: the console
// fetches nothing from elsewhere, runs no inline script, and calls the public APIs like any client.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { RawResponse } from '../protocol/protocol.js';

const ROOT = fileURLToPath(new URL('../../console/', import.meta.url));

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface ConsoleOptions {
  devMode: boolean;
  /** dev mode's account for access keys that are not 12 digits */
  defaultAccount?: string;
}

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

/** Bundles console/src/main.ts with esbuild (a dependency: tsx's own bundler, pinned); ES2022, minified. */
export async function bundleConsole(): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [`${ROOT}src/main.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

export class ConsoleAssets {
  private readonly assets = new Map<string, Promise<Asset>>();

  constructor(private readonly options: ConsoleOptions) {}

  async handle(method: string, path: string, acceptEncoding: string | undefined, ifNoneMatch: string | undefined): Promise<RawResponse> {
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    if (path === '/console') return { status: 301, headers: { location: '/console/', ...securityHeaders() }, body: '' };
    const name = path.slice('/console/'.length) || 'index.html';
    const load = this.loader(name);
    if (!load) return text(404, 'Not Found');
    let asset = this.assets.get(name);
    if (!asset) {
      asset = load().then(toAsset);
      this.assets.set(name, asset);
      asset.catch(() => this.assets.delete(name)); // a failed build is retried on the next request
    }
    const a = await asset;
    const headers: Record<string, string> = { 'content-type': a.type, etag: a.etag, 'cache-control': 'no-cache', ...securityHeaders() };
    if (ifNoneMatch === a.etag) return { status: 304, headers, body: '' };
    const gzip = /\bgzip\b/.test(acceptEncoding ?? '');
    if (gzip) headers['content-encoding'] = 'gzip';
    headers.vary = 'accept-encoding';
    return { status: 200, headers, body: method === 'HEAD' ? '' : gzip ? a.gzip : a.body };
  }

  private loader(name: string): (() => Promise<[string, Buffer]>) | undefined {
    switch (name) {
      case 'index.html':
        return async () => ['text/html; charset=utf-8', await readFile(`${ROOT}index.html`)];
      case 'style.css':
        return async () => ['text/css; charset=utf-8', await readFile(`${ROOT}style.css`)];
      case 'app.js':
        return async () => ['text/javascript; charset=utf-8', Buffer.from(await bundleConsole())];
      case 'config.json':
        return async () => ['application/json', Buffer.from(JSON.stringify({ devMode: this.options.devMode, ...(this.options.devMode ? { defaultAccount: this.options.defaultAccount } : {}) }))];
      default:
        return undefined;
    }
  }
}

function toAsset([type, body]: [string, Buffer]): Asset {
  const gzip = gzipSync(body, { level: 9 });
  return { type, body, gzip, etag: `"${body.length.toString(16)}-${hash(body)}"` };
}

function hash(b: Buffer): string {
  return createHash('sha256').update(b).digest('base64url').slice(0, 16);
}

function securityHeaders(): Record<string, string> {
  return { 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
}

function text(status: number, body: string, extra: Record<string, string> = {}): RawResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders(), ...extra }, body };
}
