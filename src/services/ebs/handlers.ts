// The EBS direct APIs' wire handlers: generated request/response types to the domain services
// and back. Domain logic lives in direct-snapshots.ts (writes) and snapshot-reads.ts (reads).
import { BLOCK_SIZE } from '../../blocks/block-size.js';
import type { HandlerMap, RequestContext } from '../../protocol/dispatch.js';
import type { Operations, StatusEnum } from '../../api/ebs/types.js';
import type { Scope } from '../../store/scope.js';
import type { DirectSnapshots } from './direct-snapshots.js';
import type { SnapshotReads } from './snapshot-reads.js';

const scope = (ctx: RequestContext): Scope => ({ accountId: ctx.accountId, region: ctx.region });

export function ebsHandlers(writes: DirectSnapshots, reads: SnapshotReads): HandlerMap<Operations> {
  return {
    StartSnapshot: async (ctx, input) => {
      const s = await writes.start(scope(ctx), {
        volumeSizeGib: input.VolumeSize,
        parentSnapshotId: input.ParentSnapshotId,
        tags: (input.Tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
        description: input.Description,
        clientToken: input.ClientToken,
        encrypted: input.Encrypted,
        kmsKeyArn: input.KmsKeyArn,
        timeoutMinutes: input.Timeout,
      });
      return {
        SnapshotId: s.snapshotId,
        OwnerId: s.ownerId,
        Status: s.status as StatusEnum,
        StartTime: new Date(s.startTime),
        VolumeSize: s.volumeSizeGib,
        BlockSize: BLOCK_SIZE,
        Tags: s.tags.length ? s.tags.map((t) => ({ Key: t.key, Value: t.value })) : undefined,
        Description: s.description,
        ParentSnapshotId: s.parentSnapshotId,
        KmsKeyArn: s.kmsKeyArn,
        SseType: s.kmsKeyArn ? 'sse-kms' : 'none',
      };
    },

    PutSnapshotBlock: async (ctx, input) => {
      await writes.putBlock(scope(ctx), {
        snapshotId: input.SnapshotId,
        index: input.BlockIndex,
        data: Buffer.from(input.BlockData.buffer, input.BlockData.byteOffset, input.BlockData.byteLength),
        dataLength: input.DataLength,
        checksum: input.Checksum,
        progress: input.Progress,
      });
      return { Checksum: input.Checksum, ChecksumAlgorithm: 'SHA256' };
    },

    CompleteSnapshot: async (ctx, input) => {
      const { status } = await writes.complete(scope(ctx), {
        snapshotId: input.SnapshotId,
        changedBlocksCount: input.ChangedBlocksCount,
        checksum: input.Checksum,
        checksumAlgorithm: input.ChecksumAlgorithm,
        aggregationMethod: input.ChecksumAggregationMethod,
      });
      return { Status: status as StatusEnum };
    },

    ListSnapshotBlocks: async (ctx, input) => {
      const page = await reads.listBlocks(scope(ctx), input.SnapshotId, {
        nextToken: input.NextToken,
        maxResults: input.MaxResults,
        startingBlockIndex: input.StartingBlockIndex,
      });
      return {
        Blocks: page.items.map((b) => ({ BlockIndex: b.index, BlockToken: b.token })),
        ExpiryTime: page.expiryTime,
        VolumeSize: page.volumeSizeGib,
        BlockSize: BLOCK_SIZE,
        NextToken: page.nextToken,
      };
    },

    ListChangedBlocks: async (ctx, input) => {
      const page = await reads.listChanged(scope(ctx), input.FirstSnapshotId, input.SecondSnapshotId, {
        nextToken: input.NextToken,
        maxResults: input.MaxResults,
        startingBlockIndex: input.StartingBlockIndex,
      });
      return {
        ChangedBlocks: page.items.map((c) => ({ BlockIndex: c.index, FirstBlockToken: c.firstToken, SecondBlockToken: c.secondToken })),
        ExpiryTime: page.expiryTime,
        VolumeSize: page.volumeSizeGib,
        BlockSize: BLOCK_SIZE,
        NextToken: page.nextToken,
      };
    },

    GetSnapshotBlock: async (ctx, input) => {
      const block = await reads.getBlock(scope(ctx), input.SnapshotId, input.BlockIndex, input.BlockToken);
      return { DataLength: block.data.length, BlockData: block.data, Checksum: block.checksum, ChecksumAlgorithm: 'SHA256' };
    },
  };
}
