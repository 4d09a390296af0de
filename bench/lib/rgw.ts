// A throwaway Ceph RGW for a benchmark (scripts/test-servers/rgw.sh, bluestore on a sparse
// file: the realistic store), or the one named by IMAGO_BENCH_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/blocks/backends/s3/s3-objects.js';
import { ROOT } from './peers.js';

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** env for an Imago server using it */
  env: Record<string, string>;
  stop(): void;
}

export function startRgw(): S3Server {
  const given = process.env.IMAGO_BENCH_S3_ENDPOINT;
  let stop = () => {};
  let out: Record<string, string>;
  if (given) {
    out = { S3_ENDPOINT: given, S3_ACCESS_KEY: process.env.IMAGO_BENCH_S3_ACCESS_KEY ?? '', S3_SECRET_KEY: process.env.IMAGO_BENCH_S3_SECRET_KEY ?? '' };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'imago-bench-rgw-'));
    const script = join(ROOT, 'scripts/test-servers/rgw.sh');
    const stdout = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8', env: { ...process.env, OSD_STORE: 'bluestore' } });
    out = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split('=', 2)));
    stop = () => void execFileSync('bash', [script, 'stop', dir], { stdio: 'inherit' });
  }
  return {
    endpoint: out.S3_ENDPOINT,
    accessKeyId: out.S3_ACCESS_KEY,
    secretAccessKey: out.S3_SECRET_KEY,
    env: { AWS_ACCESS_KEY_ID: out.S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: out.S3_SECRET_KEY, AWS_ENDPOINT_URL_S3: out.S3_ENDPOINT, AWS_REGION: 'us-east-1' },
    stop,
  };
}

export function s3Client(s: S3Server) {
  return createS3Client({ endpoint: s.endpoint, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } });
}

export async function createBucket(s: S3Server, bucket: string): Promise<void> {
  await s3Client(s)
    .send(new CreateBucketCommand({ Bucket: bucket }))
    .catch((e: { name?: string }) => {
      if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
    });
}
