// `imago images`: what each image costs in storage — logical size, data, bytes only it holds and
// bytes it shares — on a stopped server's data dir or through a running server
// (GET /_imago/images).
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/config.js';
import type { ImageUsage } from '../services/ec2/catalog/image-usage.js';
import { imageUsage } from '../services/ec2/catalog/image-usage.js';
import { callAdmin } from './admin-client.js';
import { openOffline } from './offline.js';

export const IMAGES_USAGE = `  images    storage per image: logical size, data, unique and shared bytes
            --account ID  --region R   only that account / region
            --catalog           include the public catalog's images
            --json              print JSON instead of a table
            (on a stopped server's --data-dir DIR, or a running one with --endpoint URL)
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
