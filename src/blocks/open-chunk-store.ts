// Builds the chunk store a server or an operator command uses: the fs store under the data dir
// (the default), or an S3-compatible bucket (`--blocks s3://bucket/prefix`) wrapped in retries,
// a concurrency limit and, optionally, a local read cache. A data dir remembers its store in
// `blocks.json`, so a later start (or `imago gc`/`fsck`) without --blocks finds the same one,
// and pointing it at another store is refused: its metadata names chunks that live there.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsChunkStore } from './backends/fs.js';
import type { S3ChunkStore } from './backends/s3.js';
import { parseS3Url, s3Url } from './backends/s3/s3-location.js';
import type { BlocksOptions } from '../config/config.js';
import type { DedupArbiter } from './chunk-arbiter.js';
import type { ChunkStore } from './chunk-store.js';
import { ConcurrencyLimitedChunkStore } from './wrappers/concurrency-limit.js';
import { DiskChunkCache } from './wrappers/disk-cache.js';
import { ReadCachingChunkStore } from './wrappers/read-cache.js';
import { RetryingChunkStore, withRetries, type RetryPolicy } from './wrappers/retrying.js';

/** The command line's options (config.ts), plus seams for tests and benchmarks. */
export interface OpenChunkStoreOptions extends BlocksOptions {
  /** requests to a remote store at once (default 32) */
  maxRequests?: number;
  retry?: RetryPolicy;
  packBytes?: number;
  /**
   * the server's --durability: with 'full' every acknowledged write was flushed, so the S3
   * store keeps no local spool; otherwise (and by default) it does, so that a write answered
   * before its flush survives a crash of the process
   */
  durability?: 'full' | 'normal';
  /** the shared metadata database's side of dedup hits against GC on other nodes (S3 only: chunk-arbiter.ts) */
  arbiter?: DedupArbiter;
}

interface Recorded {
  url: string;
  endpoint?: string;
}

export const DEFAULT_READ_CACHE_MIB = 1024;

/** The block store a data dir recorded, as nodes sharing a database compare it: fs, or the bucket at its endpoint. */
export function recordedBlockStore(dataDir: string): string {
  const path = join(dataDir, 'blocks.json');
  const r = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Recorded) : { url: 'fs' };
  return r.url === 'fs' ? 'fs' : `${r.url} at ${r.endpoint ?? 'aws'}`;
}

export class BlocksConfigError extends Error {}

/** The store for a data dir (see the header). */
export async function openChunkStore(dataDir: string, o: OpenChunkStoreOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<ChunkStore> {
  const recordPath = join(dataDir, 'blocks.json');
  const recorded: Recorded | undefined = existsSync(recordPath) ? (JSON.parse(readFileSync(recordPath, 'utf8')) as Recorded) : undefined;
  const url = normalize(o.url ?? recorded?.url ?? 'fs');
  if (recorded && normalize(recorded.url) !== url) {
    throw new BlocksConfigError(`${dataDir} keeps its blocks in ${recorded.url}, not ${url}: its snapshots name chunks stored there (moving them is not supported)`);
  }
  if (!recorded && url !== 'fs' && existsSync(join(dataDir, 'blocks', 'index.sqlite'))) {
    throw new BlocksConfigError(`${dataDir} keeps its blocks in its blocks/ directory (fs), not ${url}`);
  }
  if (url === 'fs') {
    const store = new FsChunkStore(join(dataDir, 'blocks'));
    if (!recorded) writeFileSync(recordPath, `${JSON.stringify({ url: 'fs' })}\n`);
    return store;
  }
  const location = parseS3Url(url);
  // the S3 backend and the AWS SDK are loaded only for a store in S3 (start-up is shorter without them)
  const [{ fromIni }, { S3ChunkStore }, { createS3Client, SdkObjectStore }] = await Promise.all([
    import('@aws-sdk/credential-provider-ini'),
    import('./backends/s3.js'),
    import('./backends/s3/s3-objects.js'),
  ]);
  const endpoint = o.s3Endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? recorded?.endpoint;
  const client = createS3Client({
    endpoint,
    region: o.s3Region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // env, else a profile: never the instance-metadata or container endpoints of the SDK's default chain
    credentials: env.AWS_ACCESS_KEY_ID
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN }
      : fromIni({ profile: o.s3Profile ?? env.AWS_PROFILE }),
    maxSockets: (o.maxRequests ?? 32) * 2,
  });
  const objects = new SdkObjectStore(client, location, endpoint);
  let s3: S3ChunkStore;
  try {
    s3 = await withRetries('open', () => S3ChunkStore.open({ objects, cacheDir: join(dataDir, 'blocks-s3'), identity: `${endpoint ?? 'aws'} ${url}`, packBytes: o.packBytes, spool: o.durability !== 'full', arbiter: o.arbiter }), o.retry);
  } catch (e) {
    client.destroy();
    throw new BlocksConfigError(`cannot open the block store ${objects.description}: ${(e as Error).message}`);
  }
  const record: Recorded = { url, endpoint };
  if (JSON.stringify(record) !== JSON.stringify(recorded)) writeFileSync(recordPath, `${JSON.stringify(record)}\n`);
  let store: ChunkStore = new RetryingChunkStore(new ConcurrencyLimitedChunkStore(s3, o.maxRequests ?? 32), o.retry);
  const cacheMiB = o.readCacheMiB ?? DEFAULT_READ_CACHE_MIB;
  if (cacheMiB > 0) store = new ReadCachingChunkStore(store, new DiskChunkCache(join(dataDir, 'blocks-s3', 'read-cache'), cacheMiB * 1024 * 1024));
  return withClose(store, () => client.destroy());
}

function normalize(url: string): string {
  if (url === 'fs') return url;
  try {
    return s3Url(parseS3Url(url));
  } catch (e) {
    throw new BlocksConfigError(`block store ${url}: ${(e as Error).message} (expected fs or s3://bucket/prefix)`);
  }
}

/** The store, with `after` run once it is closed. */
function withClose(store: ChunkStore, after: () => void): ChunkStore {
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      try {
        await close();
      } finally {
        after();
      }
    },
  });
}
