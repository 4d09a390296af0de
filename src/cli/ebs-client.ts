// A small client for the EBS direct APIs (what `imago import` / `imago export` speak to a
// running server): SigV4 with Imago's own signer over kept-alive HTTP/1.1 connections
// (http-connections.ts), no SDK dependency. Not fetch nor node:http: a block goes out as the
// caller's buffer (fetch copies every body into a web stream), and node:http's streams cost more
// CPU per 512 KiB block than everything else the client does but the checksum — the client
// usually shares the machine with the server.
import { createHash } from 'node:crypto';
import { signRequest } from '../protocol/sigv4.js';
import { HttpConnections, type HttpAnswer } from './http-connections.js';

export interface EbsClientOptions {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export class EbsApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(`${code} (${status}): ${message}`);
  }
}

export interface StartedSnapshot {
  SnapshotId: string;
  VolumeSize: number;
  BlockSize: number;
  Status: string;
}

type Reply = HttpAnswer;

export class EbsClient {
  private readonly connections: HttpConnections;

  constructor(private readonly o: EbsClientOptions) {
    this.connections = new HttpConnections(o.endpoint);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.connections.close();
  }

  private async call(method: string, path: string, query: Record<string, string | undefined>, headers: Record<string, string>, body?: Buffer, unsignedPayload = false): Promise<Reply> {
    const url = new URL(path, this.o.endpoint);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const signed = signRequest(
      { method, path: url.pathname, rawQuery: url.searchParams.toString(), headers: { host: url.host, ...headers }, body: body ?? Buffer.alloc(0) },
      { accessKeyId: this.o.accessKeyId, secretAccessKey: this.o.secretAccessKey, region: this.o.region, service: 'ebs' },
      new Date(),
      unsignedPayload,
    );
    const target = url.search ? `${url.pathname}${url.search}` : url.pathname;
    const res = await this.connections.request(method, target, { ...signed, 'content-length': String(body?.length ?? 0) }, body);
    if (res.status >= 400) {
      const text = res.body.toString('utf8');
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* not JSON */
      }
      const type = res.headers['x-amzn-errortype']?.split(',')[0].trim();
      throw new EbsApiError(type || 'Error', res.status, message);
    }
    return res;
  }

  async startSnapshot(input: { VolumeSize: number; Description?: string; ClientToken?: string; Encrypted?: boolean; KmsKeyArn?: string; ParentSnapshotId?: string }): Promise<StartedSnapshot> {
    const body = Buffer.from(JSON.stringify(input));
    const res = await this.call('POST', '/snapshots', {}, { 'content-type': 'application/json' }, body);
    return JSON.parse(res.body.toString('utf8')) as StartedSnapshot;
  }

  async putBlock(snapshotId: string, index: number, data: Buffer): Promise<void> {
    const checksum = createHash('sha256').update(data).digest('base64');
    await this.call(
      'PUT',
      `/snapshots/${snapshotId}/blocks/${index}`,
      {},
      { 'x-amz-data-length': String(data.length), 'x-amz-checksum': checksum, 'x-amz-checksum-algorithm': 'SHA256', 'content-type': 'application/octet-stream' },
      data,
      true, // as the AWS SDKs sign PutSnapshotBlock: the checksum covers the block, one hash instead of two
    );
  }

  async completeSnapshot(snapshotId: string, changedBlocksCount: number): Promise<string> {
    const res = await this.call('POST', `/snapshots/completion/${snapshotId}`, {}, { 'x-amz-changedblockscount': String(changedBlocksCount) });
    return (JSON.parse(res.body.toString('utf8')) as { Status: string }).Status;
  }

  /** Every written block of a snapshot: index -> block token. */
  async listBlocks(snapshotId: string): Promise<{ volumeSize: number; blocks: Map<number, string> }> {
    const blocks = new Map<number, string>();
    let volumeSize = 0;
    let pageToken: string | undefined;
    do {
      const res = await this.call('GET', `/snapshots/${snapshotId}/blocks`, { maxResults: '10000', pageToken }, {});
      const page = JSON.parse(res.body.toString('utf8')) as { Blocks?: { BlockIndex: number; BlockToken: string }[]; NextToken?: string; VolumeSize?: number };
      for (const b of page.Blocks ?? []) blocks.set(b.BlockIndex, b.BlockToken);
      volumeSize = page.VolumeSize ?? volumeSize;
      pageToken = page.NextToken;
    } while (pageToken);
    return { volumeSize, blocks };
  }

  async getBlock(snapshotId: string, index: number, token: string): Promise<Buffer> {
    const res = await this.call('GET', `/snapshots/${snapshotId}/blocks/${index}`, { blockToken: token }, {});
    const data = res.body;
    const expected = res.headers['x-amz-checksum'];
    if (expected && createHash('sha256').update(data).digest('base64') !== expected) {
      throw new Error(`block ${index} of ${snapshotId} arrived corrupted (checksum mismatch)`);
    }
    return data;
  }
}
