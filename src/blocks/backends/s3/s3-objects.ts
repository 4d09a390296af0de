// The few object operations the S3 chunk store needs, over any S3-compatible API
// (@aws-sdk/client-s3, path-style for custom endpoints). An interface, so tests can put a
// failing or counting layer in between. Errors come out typed: a missing object is
// ObjectNotFoundError, a transient failure ChunkStoreUnavailableError (retryable), anything
// else a plain Error naming the operation, status and code.
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { crc32 } from 'node:zlib';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ChunkStoreUnavailableError } from '../../chunk-store.js';
import { isRetryable } from '../../wrappers/retryable.js';
import type { S3Location } from './s3-location.js';

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** a description for messages, e.g. s3://bucket/prefix/ at http://127.0.0.1:7480 */
  readonly description: string;
  /** Fails unless the bucket exists and answers. */
  checkBucket(): Promise<void>;
  /**
   * Writes an object. With `ifAbsent`, only if no object has the key (If-None-Match: *):
   * 'exists' when one has. Keys are relative to the store's prefix.
   */
  put(key: string, body: Buffer, options?: { ifAbsent?: boolean; metadata?: Record<string, string> }): Promise<'created' | 'exists'>;
  /** The whole object, or the inclusive byte range [start, end]. */
  get(key: string, range?: { start: number; end: number }): Promise<Buffer>;
  /** The last `bytes` bytes (all of a smaller object) and the object's size. */
  getTail(key: string, bytes: number): Promise<{ data: Buffer; size: number }>;
  head(key: string): Promise<{ size: number; metadata: Record<string, string> } | undefined>;
  /** Every object under `prefix` (relative), in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes objects (missing ones are fine), in batches. */
  deleteMany(keys: readonly string[]): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} not found`);
  }
}

export interface S3ConnectionOptions {
  /** e.g. http://127.0.0.1:7480; undefined: AWS's own endpoint for the region */
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  /** sockets kept per host (default 64) */
  maxSockets?: number;
  /** per-request timeout, ms (default 60 s) */
  requestTimeoutMs?: number;
}

/** An S3 client with the settings every S3-compatible server here needs (see docs/blocks.md). */
export function createS3Client(o: S3ConnectionOptions): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: o.maxSockets ?? 64 };
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region ?? 'us-east-1',
    credentials: o.credentials,
    // custom endpoints (Ceph RGW, MinIO, …) rarely have per-bucket DNS names
    forcePathStyle: o.endpoint !== undefined,
    // checksums only where the API requires them: streamed bodies with aws-chunked trailers
    // fail on RGW (411) and Swift (501); our bodies are Buffers and pack records carry crc32s
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // retries are the retry wrapper's (blocks/wrappers/retrying.ts), not the SDK's as well
    maxAttempts: 1,
    requestHandler: {
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      requestTimeout: o.requestTimeoutMs ?? 60_000,
      connectionTimeout: 10_000,
    },
  });
}

export class SdkObjectStore implements ObjectStore {
  readonly description: string;

  constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
    endpoint?: string,
  ) {
    this.description = `s3://${location.bucket}/${location.prefix}${endpoint ? ` at ${endpoint}` : ''}`;
  }

  async checkBucket(): Promise<void> {
    await this.call('HeadBucket', '', () => this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket })));
  }

  async put(key: string, body: Buffer, options: { ifAbsent?: boolean; metadata?: Record<string, string> } = {}): Promise<'created' | 'exists'> {
    try {
      await this.call('PutObject', key, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.location.prefix + key,
            Body: body,
            ContentLength: body.length,
            IfNoneMatch: options.ifAbsent ? '*' : undefined,
            Metadata: options.metadata,
          }),
        ),
      );
      return 'created';
    } catch (e) {
      if (options.ifAbsent && (e as { status?: number }).status === 412) return 'exists';
      throw e;
    }
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Buffer> {
    return (await this.getObject(key, range && `bytes=${range.start}-${range.end}`)).data;
  }

  async getTail(key: string, bytes: number): Promise<{ data: Buffer; size: number }> {
    return this.getObject(key, `bytes=-${bytes}`);
  }

  async head(key: string): Promise<{ size: number; metadata: Record<string, string> } | undefined> {
    try {
      const out = await this.call('HeadObject', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.location.prefix + key })));
      return { size: out.ContentLength ?? 0, metadata: out.Metadata ?? {} };
    } catch (e) {
      if (e instanceof ObjectNotFoundError) return undefined;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    const strip = this.location.prefix.length;
    do {
      const page = await this.call('ListObjectsV2', prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.location.prefix + prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key.slice(strip), size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.call('DeleteObjects', batch[0], () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.location.bucket,
            Delete: { Objects: batch.map((k) => ({ Key: this.location.prefix + k })), Quiet: true },
          }),
        ),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) {
        const first = failed[0];
        const message = `S3 DeleteObjects: ${failed.length} of ${batch.length} failed, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`;
        throw first.Code && ['InternalError', 'SlowDown', 'ServiceUnavailable'].includes(first.Code) ? new ChunkStoreUnavailableError(message) : new Error(message);
      }
    }
  }

  private async getObject(key: string, range: string | undefined): Promise<{ data: Buffer; size: number }> {
    return this.call('GetObject', key, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.location.prefix + key, Range: range }));
      const data = Buffer.from(await out.Body!.transformToByteArray());
      // Content-Range: bytes 0-99/1234 (a range) or nothing (the whole object)
      const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
      return { data, size: total === undefined ? data.length : Number(total) };
    });
  }

  /** Runs one request and types its failure. */
  private async call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.typed(operation, key, e);
    }
  }

  private typed(operation: string, key: string, e: unknown): Error {
    if (e instanceof ObjectNotFoundError) return e;
    const err = e as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    const code = err.Code ?? err.name ?? 'Error';
    if (operation === 'HeadBucket' && status === 404) return Object.assign(new Error(`bucket ${this.location.bucket} does not exist (${this.description})`), { status });
    if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) return new ObjectNotFoundError(key);
    const where = `S3 ${operation} ${this.description}${key}`;
    const detail = `${status ?? 'no response'} ${code}: ${err.message ?? String(e)}`;
    if (isRetryable(e)) return new ChunkStoreUnavailableError(`${where}: ${detail}`, { cause: e });
    return Object.assign(new Error(`${where}: ${detail}`, { cause: e }), { status });
  }
}

/** crc32 of a body as stored in an object's metadata, so a conditional put that found its own
 * earlier attempt (a retry after a lost answer) can tell it from a collision. */
export function bodyCrc(body: Buffer): string {
  return crc32(body).toString(16);
}
