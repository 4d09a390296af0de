// The S3-compatible endpoint import and export tasks read disk images from and write exports to:
// the block store's settings (--s3-endpoint, --s3-region, --s3-profile; the same environment
// variables) unless --import-s3-endpoint names another. Objects move as streams or in 16 MiB
// multipart parts read from a file: never a whole image in memory.
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_HEADER, parseHeader, type ArchiveHeader } from './image-archive.js';

export interface TransferS3Options {
  endpoint?: string;
  region?: string;
  profile?: string;
}

const PART = 16 * 1024 * 1024;

import { TaskFailure } from './task-failure.js';

export { TaskFailure };

type Sdk = typeof import('@aws-sdk/client-s3');

export class TransferS3 {
  private client: S3Client | undefined;
  private loading: Promise<{ client: S3Client; sdk: Sdk }> | undefined;

  constructor(
    private readonly o: TransferS3Options,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The client and the SDK's commands, loaded at the first transfer (start-up is shorter without the SDK). */
  private s3(): Promise<{ client: S3Client; sdk: Sdk }> {
    return (this.loading ??= this.load());
  }

  private async load(): Promise<{ client: S3Client; sdk: Sdk }> {
    const [sdk, { fromIni }, { createS3Client }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/credential-provider-ini'), import('../../../blocks/backends/s3/s3-objects.js')]);
    const env = this.env;
    this.client = createS3Client({
      endpoint: this.o.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
      region: this.o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      credentials: env.AWS_ACCESS_KEY_ID
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN }
        : fromIni({ profile: this.o.profile ?? env.AWS_PROFILE }),
      maxSockets: 16,
      requestTimeoutMs: 300_000,
    });
    return { client: this.client, sdk };
  }

  /** Whether the bucket exists and answers (false too for a malformed name, missing credentials or an unreachable endpoint, within 5 s). */
  async bucketExists(bucket: string): Promise<boolean> {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return false;
    try {
      const { client, sdk } = await this.s3();
      await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(5000) });
      return true;
    } catch {
      return false;
    }
  }

  /** The first bytes of a stored AMI (image-archive.ts), parsed. */
  async readHeader(bucket: string, key: string): Promise<ArchiveHeader> {
    let body: Uint8Array;
    const { client, sdk } = await this.s3();
    try {
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${MAX_HEADER - 1}` }));
      body = await got.Body!.transformToByteArray();
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'NoSuchKey' || name === 'InvalidRange') throw new TaskFailure(`ClientError: The object s3://${bucket}/${key} does not exist.`);
      throw e;
    }
    return parseHeader(Buffer.from(body));
  }

  /** The object into `path`, streamed; at most `maxBytes`. Returns its size. */
  async download(bucket: string, key: string, path: string, maxBytes: number, onBytes: (n: number) => void, signal?: AbortSignal): Promise<number> {
    let body: Readable;
    const { client, sdk } = await this.s3();
    try {
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
      body = got.Body as Readable;
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'AccessDenied') throw new TaskFailure(`ClientError: Unable to read the S3 object s3://${bucket}/${key} (${name})`);
      throw e;
    }
    return toFile(body, path, maxBytes, onBytes, signal);
  }

  /** A file as one object (multipart above 16 MiB). */
  async upload(bucket: string, key: string, path: string, size: number, onBytes: (n: number) => void): Promise<void> {
    const { client: s3, sdk } = await this.s3();
    if (size <= PART) {
      const fh = await open(path, 'r');
      try {
        const body = Buffer.alloc(size);
        if (size) await fh.read(body, 0, size, 0);
        await s3.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }));
        onBytes(size);
      } finally {
        await fh.close();
      }
      return;
    }
    const { UploadId } = await s3.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const fh = await open(path, 'r');
    try {
      const parts: { PartNumber: number; ETag?: string }[] = [];
      for (let at = 0, n = 1; at < size; at += PART, n++) {
        const len = Math.min(PART, size - at);
        const body = Buffer.allocUnsafe(len);
        await fh.read(body, 0, len, at);
        const r = await s3.send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body, ContentLength: len }));
        parts.push({ PartNumber: n, ETag: r.ETag });
        onBytes(len);
      }
      await s3.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      await s3.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
      throw e;
    } finally {
      await fh.close();
    }
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
    this.loading = undefined;
  }
}

/** A stream into a file, refusing more than `maxBytes`. */
export async function toFile(body: Readable, path: string, maxBytes: number, onBytes: (n: number) => void, signal?: AbortSignal): Promise<number> {
  let total = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > maxBytes) return done(new TaskFailure(`ClientError: Disk validation failed [the disk image is larger than ${maxBytes} bytes]`));
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(body, count, createWriteStream(path), signal ? { signal } : {});
  return total;
}
