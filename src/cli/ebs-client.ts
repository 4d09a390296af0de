// A small client for the EBS direct APIs (what `imago import` / `imago export` speak to a
// running server): fetch + SigV4 with Imago's own signer, keep-alive, no SDK dependency.
import { createHash } from 'node:crypto';
import { signRequest } from '../protocol/sigv4.js';

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

export class EbsClient {
  constructor(private readonly o: EbsClientOptions) {}

  private async call(method: string, path: string, query: Record<string, string | undefined>, headers: Record<string, string>, body?: Buffer): Promise<Response> {
    const url = new URL(path, this.o.endpoint);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const signed = signRequest(
      { method, path: url.pathname, rawQuery: url.searchParams.toString(), headers: { host: url.host, ...headers }, body: body ?? Buffer.alloc(0) },
      { accessKeyId: this.o.accessKeyId, secretAccessKey: this.o.secretAccessKey, region: this.o.region, service: 'ebs' },
    );
    delete signed.host;
    const res = await fetch(url, { method, headers: signed, body });
    if (res.status >= 400) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* not JSON */
      }
      throw new EbsApiError(res.headers.get('x-amzn-errortype') ?? 'Error', res.status, message);
    }
    return res;
  }

  async startSnapshot(input: { VolumeSize: number; Description?: string; ClientToken?: string; Encrypted?: boolean; KmsKeyArn?: string; ParentSnapshotId?: string }): Promise<StartedSnapshot> {
    const body = Buffer.from(JSON.stringify(input));
    const res = await this.call('POST', '/snapshots', {}, { 'content-type': 'application/json' }, body);
    return (await res.json()) as StartedSnapshot;
  }

  async putBlock(snapshotId: string, index: number, data: Buffer): Promise<void> {
    const checksum = createHash('sha256').update(data).digest('base64');
    const res = await this.call(
      'PUT',
      `/snapshots/${snapshotId}/blocks/${index}`,
      {},
      { 'x-amz-data-length': String(data.length), 'x-amz-checksum': checksum, 'x-amz-checksum-algorithm': 'SHA256', 'content-type': 'application/octet-stream' },
      data,
    );
    await res.arrayBuffer();
  }

  async completeSnapshot(snapshotId: string, changedBlocksCount: number): Promise<string> {
    const res = await this.call('POST', `/snapshots/completion/${snapshotId}`, {}, { 'x-amz-changedblockscount': String(changedBlocksCount) });
    return ((await res.json()) as { Status: string }).Status;
  }

  /** Every written block of a snapshot: index -> block token. */
  async listBlocks(snapshotId: string): Promise<{ volumeSize: number; blocks: Map<number, string> }> {
    const blocks = new Map<number, string>();
    let volumeSize = 0;
    let pageToken: string | undefined;
    do {
      const res = await this.call('GET', `/snapshots/${snapshotId}/blocks`, { maxResults: '10000', pageToken }, {});
      const page = (await res.json()) as { Blocks?: { BlockIndex: number; BlockToken: string }[]; NextToken?: string; VolumeSize?: number };
      for (const b of page.Blocks ?? []) blocks.set(b.BlockIndex, b.BlockToken);
      volumeSize = page.VolumeSize ?? volumeSize;
      pageToken = page.NextToken;
    } while (pageToken);
    return { volumeSize, blocks };
  }

  async getBlock(snapshotId: string, index: number, token: string): Promise<Buffer> {
    const res = await this.call('GET', `/snapshots/${snapshotId}/blocks/${index}`, { blockToken: token }, {});
    const data = Buffer.from(await res.arrayBuffer());
    const expected = res.headers.get('x-amz-checksum');
    if (expected && createHash('sha256').update(data).digest('base64') !== expected) {
      throw new Error(`block ${index} of ${snapshotId} arrived corrupted (checksum mismatch)`);
    }
    return data;
  }
}
