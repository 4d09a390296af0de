// The EC2 volume operations: wire shapes in, VolumeService calls, wire shapes out.
import type { CopyVolumesRequest, CreateVolumeRequest, Filter, Operations, Volume } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { compileFilters, type FilterSpec } from '../filters.js';
import { paginate, type PageRequest } from '../pagination.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { ec2Error, missingParameter } from '../ec2-errors.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { VolumeService } from './volume-service.js';
import { modificationOut, volumeOut, volumeStatusOut } from './volume-output.js';
import { MODIFICATION_FILTERS, VOLUME_FILTERS, VOLUME_STATUS_FILTERS } from './volume-filters.js';

interface ListRequest extends PageRequest {
  VolumeIds?: string[];
  Filters?: Filter[];
}

/** Filters, then one page, of a Describe* result; ids with MaxResults are refused (AWS). */
function page<T>(ctx: RequestContext, input: ListRequest, items: T[], spec: FilterSpec<T>, keyOf: (item: T) => string, opts: { max: number; idsRule: boolean }) {
  const matching = items.filter(compileFilters(input.Filters, spec));
  return paginate(matching, keyOf, input, {
    binding: [ctx.accountId, ctx.region, ctx.operation, input.Filters ?? [], input.VolumeIds ?? []],
    max: opts.max,
    idsParameter: 'volumeSet',
    hasIds: opts.idsRule && Boolean(input.VolumeIds?.length),
  });
}

/** The parameters CreateVolume and CopyVolumes share. */
function common(input: CreateVolumeRequest | CopyVolumesRequest) {
  return {
    sizeGib: input.Size,
    volumeType: input.VolumeType,
    iops: input.Iops,
    throughput: input.Throughput,
    multiAttach: input.MultiAttachEnabled,
    encrypted: input.Encrypted,
    kmsKeyId: input.KmsKeyId,
    clientToken: input.ClientToken,
    tags: tagsFromSpecs(input.TagSpecifications, ['volume']).get('volume'),
  };
}

const byCreation = (v: { CreateTime?: Date; VolumeId?: string }) => `${v.CreateTime!.toISOString()}|${v.VolumeId}`;

export function volumeHandlers(volumes: VolumeService): HandlerMap<Operations> {
  const ids = (list: string[] | undefined) => (list?.length ? list : undefined);
  const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

  async function describe(ctx: RequestContext, rows: VolumeRow[]): Promise<Volume[]> {
    const volumeIds = rows.map((r) => r.volume_id);
    const [tags, attachments] = await Promise.all([volumes.tags(ctx, volumeIds), volumes.attachments(ctx, volumeIds)]);
    return rows.map((r) => volumeOut(r, tags.get(r.volume_id), attachments.get(r.volume_id)));
  }

  return {
    async CreateVolume(ctx, input) {
      const row = await volumes.create(
        ctx,
        {
          ...common(input),
          availabilityZone: input.AvailabilityZone,
          availabilityZoneId: input.AvailabilityZoneId,
          snapshotId: input.SnapshotId,
          initializationRate: input.VolumeInitializationRate,
          outpostArn: input.OutpostArn,
        },
        checkpoint(ctx),
      );
      return (await describe(ctx, [row]))[0];
    },

    async CopyVolumes(ctx, input) {
      const row = await volumes.copy(ctx, { ...common(input), sourceVolumeId: input.SourceVolumeId }, checkpoint(ctx));
      return { Volumes: await describe(ctx, [row]) };
    },

    async DescribeVolumes(ctx, input) {
      const all = await describe(ctx, await volumes.list(ctx, ids(input.VolumeIds)));
      // "This value can be between 5 and 500; if you specify a value larger than 500, only 500 items are returned."
      const { page: Volumes, nextToken } = page(ctx, input, all, VOLUME_FILTERS, byCreation, { max: 500, idsRule: true });
      return { Volumes, NextToken: nextToken };
    },

    async DeleteVolume(ctx, input) {
      await volumes.delete(ctx, input.VolumeId, checkpoint(ctx));
    },

    async ModifyVolume(ctx, input) {
      const { volumeId, record } = await volumes.modifications.modify(
        ctx,
        input.VolumeId,
        { sizeGib: input.Size, volumeType: input.VolumeType, iops: input.Iops, throughput: input.Throughput, multiAttach: input.MultiAttachEnabled },
        checkpoint(ctx),
      );
      return { VolumeModification: modificationOut(volumeId, record) };
    },

    async DescribeVolumesModifications(ctx, input) {
      const all = (await volumes.modifications.list(ctx, ids(input.VolumeIds)))
        .map((m) => modificationOut(m.volumeId, m.record))
        .sort((a, b) => (a.VolumeId! < b.VolumeId! ? -1 : 1));
      const { page: VolumesModifications, nextToken } = page(ctx, input, all, MODIFICATION_FILTERS, (m) => m.VolumeId!, { max: 500, idsRule: false });
      return { VolumesModifications, NextToken: nextToken };
    },

    async DescribeVolumeStatus(ctx, input) {
      const rows = await volumes.list(ctx, ids(input.VolumeIds));
      const attachments = await volumes.attachments(ctx, rows.map((r) => r.volume_id));
      const all = rows.map((r) => volumeStatusOut(r, attachments.get(r.volume_id)));
      const order = new Map(rows.map((r) => [r.volume_id, byCreation({ CreateTime: new Date(r.create_time), VolumeId: r.volume_id })]));
      const { page: VolumeStatuses, nextToken } = page(ctx, input, all, VOLUME_STATUS_FILTERS, (s) => order.get(s.VolumeId!)!, { max: 1000, idsRule: true });
      return { VolumeStatuses, NextToken: nextToken };
    },

    async DescribeVolumeAttribute(ctx, input) {
      const row = await volumes.getOwned(ctx, input.VolumeId);
      if (input.Attribute === 'autoEnableIO') return { VolumeId: row.volume_id, AutoEnableIO: { Value: Boolean(row.auto_enable_io) } };
      // product codes come from Marketplace snapshots, which Imago does not have
      return { VolumeId: row.volume_id, ProductCodes: [] };
    },

    async ModifyVolumeAttribute(ctx, input) {
      const value = input.AutoEnableIO?.Value;
      if (value === undefined) {
        await volumes.getOwned(ctx, input.VolumeId);
        throw input.AutoEnableIO ? ec2Error('MissingParameter', 'The request must contain the parameter AutoEnableIO.Value') : missingParameter('AutoEnableIO');
      }
      await volumes.setAutoEnableIO(ctx, input.VolumeId, value, checkpoint(ctx));
    },
  };
}
