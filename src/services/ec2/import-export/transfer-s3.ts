// The S3-compatible endpoint import and export tasks read disk images from and write exports to:
// the block store's settings (--s3-endpoint, --s3-region, --s3-profile; the same environment
// variables) unless --import-s3-endpoint names another. Objects move as streams or in 16 MiB
// multipart parts read from a file: never a whole image in memory.
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { createS3Client } from '../../../blocks/backends/s3/s3-objects.js';
import { MAX_HEADER, parseHeader, type ArchiveHeader } from './image-archive.js';

export interface TransferS3Options {
  endpoint?: string;
  region?: string;
  profile?: string;
}

const PART = 16 * 1024 * 1024;

import { TaskFailure } from './task-failure.js';

export { TaskFailure };

export class TransferS3 {
  private client: S3Client | undefined;

  constructor(
    private readonly o: TransferS3Options,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private s3(): S3Client {
    const env = this.env;
    this.client ??= createS3Client({
      endpoint: this.o.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
      region: this.o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      credentials: env.AWS_ACCESS_KEY_ID
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN }
        : fromIni({ profile: this.o.profile ?? env.AWS_PROFILE }),
      maxSockets: 16,
      requestTimeoutMs: 300_000,
    });
    return this.client;
  }

  /** Whether the bucket exists and answers (false too for a malformed name, missing credentials or an unreachable endpoint, within 5 s). */
  async bucketExists(bucket: string): Promise<boolean> {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return false;
    try {
      await this.s3().send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(5000) });
      return true;
    } catch {
      return false;
    }
  }

  /** The first bytes of a stored AMI (image-archive.ts), parsed. */
  async readHeader(bucket: string, key: string): Promise<ArchiveHeader> {
    let body: Uint8Array;
    try {
      const got = await this.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${MAX_HEADER - 1}` }));
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
    try {
      const got = await this.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
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
    const s3 = this.s3();
    if (size <= PART) {
      const fh = await open(path, 'r');
      try {
        const body = Buffer.alloc(size);
        if (size) await fh.read(body, 0, size, 0);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }));
        onBytes(size);
      } finally {
        await fh.close();
      }
      return;
    }
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const fh = await open(path, 'r');
    try {
      const parts: { PartNumber: number; ETag?: string }[] = [];
      for (let at = 0, n = 1; at < size; at += PART, n++) {
        const len = Math.min(PART, size - at);
        const body = Buffer.allocUnsafe(len);
        await fh.read(body, 0, len, at);
        const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body, ContentLength: len }));
        parts.push({ PartNumber: n, ETag: r.ETag });
        onBytes(len);
      }
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
      throw e;
    } finally {
      await fh.close();
    }
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
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
