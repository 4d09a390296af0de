// The S3-compatible server the tests use: started once per `npm test` run by scripts/test.mjs
// (scripts/test-servers/: a throwaway Ceph RGW) when a selected test file carries the line
// `// test-servers: s3`, and handed over in IMAGO_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY.
// A test that needs it fails (it does not skip) when those are missing.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, SdkObjectStore, type ObjectStore } from '../../src/blocks/backends/s3/s3-objects.js';

export interface S3Target {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** the bucket every test shares (each takes its own prefix) */
  bucket: string;
}

export const TEST_BUCKET = 'imago-tests';

export function s3Target(): S3Target {
  const endpoint = process.env.IMAGO_TEST_S3_ENDPOINT;
  const accessKeyId = process.env.IMAGO_TEST_S3_ACCESS_KEY;
  const secretAccessKey = process.env.IMAGO_TEST_S3_SECRET_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    throw new Error(
      'this test needs an S3-compatible server: IMAGO_TEST_S3_ENDPOINT, IMAGO_TEST_S3_ACCESS_KEY and IMAGO_TEST_S3_SECRET_KEY are not set. ' +
        '`npm test` starts one (Ceph RGW, scripts/test-servers/rgw.sh); to run this file alone: ' +
        'eval "$(bash scripts/test-servers/rgw.sh start /tmp/rgw | sed "s/^S3_/export IMAGO_TEST_S3_/")" (and rgw.sh stop /tmp/rgw after)',
    );
  }
  return { endpoint, accessKeyId, secretAccessKey, region: 'us-east-1', bucket: TEST_BUCKET };
}

export function s3TestClient(t: S3Target = s3Target()): S3Client {
  return createS3Client({ endpoint: t.endpoint, region: t.region, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } });
}

let bucketReady: Promise<void> | undefined;

/** Creates the shared test bucket once per process (an existing one is fine). */
export function ensureTestBucket(t: S3Target = s3Target()): Promise<void> {
  bucketReady ??= s3TestClient(t)
    .send(new CreateBucketCommand({ Bucket: t.bucket }))
    .then(
      () => undefined,
      (e: { name?: string }) => {
        if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
      },
    );
  return bucketReady;
}

/** A prefix no other test (or earlier run) uses. */
export function freshPrefix(label: string): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/`;
}

/** An object store over a fresh prefix of the test bucket. */
export async function testObjects(label: string, t: S3Target = s3Target()): Promise<{ objects: SdkObjectStore; prefix: string; url: string }> {
  await ensureTestBucket(t);
  return objectsAt(freshPrefix(label), t);
}

/** An object store over a given prefix of the test bucket (another process's, say). */
export function objectsAt(prefix: string, t: S3Target = s3Target()): { objects: SdkObjectStore; prefix: string; url: string } {
  return { objects: new SdkObjectStore(s3TestClient(t), { bucket: t.bucket, prefix }, t.endpoint), prefix, url: `s3://${t.bucket}/${prefix}` };
}

/** Deletes every object under a store's prefix (a test's cleanup: RGW's memstore is small). */
export async function removeAll(objects: ObjectStore): Promise<void> {
  const keys: string[] = [];
  for await (const o of objects.list('')) keys.push(o.key);
  await objects.deleteMany(keys);
}

/** The environment variables a server process needs to reach the test server. */
export function s3Env(t: S3Target = s3Target()): Record<string, string> {
  return { AWS_ENDPOINT_URL_S3: t.endpoint, AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_REGION: t.region };
}
