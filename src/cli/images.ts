// `imago images`: what each image costs in storage — logical size, data, bytes only it holds and
// bytes it shares — on a stopped server's data dir or through a running server
// (GET /_imago/images). `imago images build NAME`: a bootable image built from its recipe into
// the image cache and published in the public catalog of a data dir or of a running server
// (POST /_imago/images/build, then polled).
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/config.js';
import { REGIONS } from '../config/regions.js';
import { Logger } from '../logger.js';
import type { ImageUsage } from '../services/ec2/catalog/image-usage.js';
import { imageUsage } from '../services/ec2/catalog/image-usage.js';
import type { BuildStatus } from '../services/ec2/catalog/built-image-admin.js';
import { importBuiltImage, publishedImage } from '../services/ec2/catalog/built-images.js';
import { buildImage, recipe, RECIPES, type BuildProgress } from '../services/ec2/catalog/image-build.js';
import { defaultImageCacheDir } from '../services/ec2/catalog/image-cache.js';
import { callAdmin, type AdminTarget } from './admin-client.js';
import { openOffline } from './offline.js';

export const IMAGES_USAGE = `  images    storage per image: logical size, data, unique and shared bytes
            --account ID  --region R   only that account / region
            --catalog           include the public catalog's images
            --json              print JSON instead of a table
            (on a stopped server's --data-dir DIR, or a running one with --endpoint URL)
  images build NAME   build a bootable image (${Object.keys(RECIPES).join(', ')}) from its recipe in
            images/ and publish it in the public catalog; needs root and Debian's mirror (~2 min)
            --cache-only        only build into the image cache (reused while the recipe is
                                unchanged)
            --image-cache DIR   (default $IMAGO_IMAGE_CACHE, else ~/.cache/imago/images)
            (into a stopped server's --data-dir DIR, listed from its next start, or through a
             running one with --endpoint URL, which builds into its own cache)
`;

export class ImagesUsageError extends Error {}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${bytes} B`;
}

export function formatImages(images: readonly ImageUsage[]): string {
  const headers = ['IMAGE', 'ACCOUNT', 'REGION', 'STATE', 'LOGICAL', 'DATA', 'UNIQUE', 'SHARED', 'NAME'];
  const rows = images.map((i) => [i.imageId, i.accountId, i.region, i.state, size(i.logicalBytes), size(i.dataBytes), size(i.uniqueBytes), size(i.sharedBytes), i.name]);
  const sum = (f: (i: ImageUsage) => number) => images.reduce((n, i) => n + f(i), 0);
  rows.push([`${images.length} image(s)`, '', '', '', size(sum((i) => i.logicalBytes)), size(sum((i) => i.dataBytes)), size(sum((i) => i.uniqueBytes)), size(sum((i) => i.sharedBytes)), '']);
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export async function imagesCommand(args: string[]): Promise<void> {
  if (args[0] === 'build') return buildCommand(args.slice(1));
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      endpoint: { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      catalog: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) throw new ImagesUsageError('--account must be a 12-digit account id');
  const scope = { accountId: values.account, region: values.region, catalog: values.catalog };
  let images: ImageUsage[];
  if (values.endpoint) {
    const target = { endpoint: values.endpoint, accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
    images = (await callAdmin(target, 'GET', '/_imago/images', { accountId: scope.accountId, region: scope.region, catalog: scope.catalog ? 'true' : undefined })) as ImageUsage[];
  } else {
    const ctx = await openOffline(values['data-dir'] ?? DEFAULTS.dataDir);
    try {
      images = await imageUsage(ctx, scope);
    } finally {
      await ctx.close();
    }
  }
  process.stdout.write(values.json ? `${JSON.stringify(images, null, 2)}\n` : formatImages(images));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const showProgress = (p: BuildProgress) => process.stderr.write(`${p.image}: ${p.phase} (${seconds(p.elapsedMs)})\n`);

async function buildCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      endpoint: { type: 'string' },
      'cache-only': { type: 'boolean' },
      'image-cache': { type: 'string' },
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new ImagesUsageError(`usage: imago images build NAME (one of ${Object.keys(RECIPES).join(', ')})`);
  if ([values['data-dir'], values.endpoint, values['cache-only']].filter((v) => v !== undefined).length > 1) {
    throw new ImagesUsageError('--data-dir, --endpoint and --cache-only exclude each other');
  }
  if (values.endpoint && values['image-cache']) throw new ImagesUsageError('--image-cache does not go with --endpoint: the server builds into its own cache');
  const name = positionals[0];
  let result: unknown;
  if (values.endpoint) {
    result = await buildThroughServer({ endpoint: values.endpoint, accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }, name);
  } else {
    const cached = await buildImage(recipe(name), {
      cacheDir: values['image-cache'] ?? defaultImageCacheDir(),
      onProgress: showProgress,
      onWait: (pid) => process.stderr.write(`${name}: waiting for the build of process ${pid}\n`),
    });
    process.stderr.write(`${name}: ${cached.path}\n`);
    if (values['cache-only']) {
      result = { image: name, path: cached.path, hash: cached.hash, builtAt: cached.builtAt.toISOString(), sizeBytes: cached.sizeBytes };
    } else {
      const ctx = await openOffline(values['data-dir'] ?? DEFAULTS.dataDir);
      try {
        const { record, imported } = await importBuiltImage({ store: ctx.store, blocks: ctx.blocks, log: new Logger('info', (line) => process.stderr.write(line)) }, cached);
        result = publishedImage(name, record, REGIONS.map((r) => r.name), imported);
      } finally {
        await ctx.close();
      }
    }
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** Starts (or joins) the server's build and polls it, showing its phases. */
async function buildThroughServer(target: AdminTarget, name: string): Promise<unknown> {
  let status = (await callAdmin(target, 'POST', '/_imago/images/build', {}, { name })) as BuildStatus;
  let phase: string | undefined;
  while (status.state === 'building') {
    if (status.phase !== phase) showProgress({ image: name, phase: (phase = status.phase) ?? '', elapsedMs: status.elapsedMs ?? 0 });
    await new Promise((r) => setTimeout(r, 2000));
    status = (await callAdmin(target, 'GET', '/_imago/images/build', { name })) as BuildStatus;
  }
  if (status.state === 'failed') throw new Error(status.error);
  return status.result;
}
