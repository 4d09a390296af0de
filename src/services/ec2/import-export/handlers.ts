// EC2's import/export task operations over ImportExportService: requests to domain calls, tasks
// to AWS's shapes (Progress and StatusMessage only while a task is active, as AWS shows them).
import type { ImageDiskContainer, ImportImageTask, Operations, SnapshotDetail, SnapshotTaskDetail, TagSpecification } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { paginate } from '../pagination.js';
import type { DiskSource, DiskState, ImportExportService, Task } from './import-export-service.js';

const tagsOf = (specs: TagSpecification[] | undefined, type: string) => (specs ?? []).filter((s) => !s.ResourceType || s.ResourceType === type).flatMap((s) => (s.Tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })));
const tagsOut = (t: Task) => (t.detail.tags ?? []).map((x) => ({ Key: x.key, Value: x.value }));
const pct = (n: number | undefined) => (n === undefined ? undefined : String(Math.max(0, Math.min(100, Math.round(n)))));

function source(c: ImageDiskContainer | undefined): DiskSource | undefined {
  if (!c) return undefined;
  return { url: c.Url, bucket: c.UserBucket?.S3Bucket, key: c.UserBucket?.S3Key, format: c.Format, description: c.Description, deviceName: c.DeviceName, snapshotId: c.SnapshotId };
}

function diskOut(d: DiskState): SnapshotTaskDetail & SnapshotDetail {
  return {
    Description: d.description,
    DeviceName: d.deviceName,
    DiskImageSize: d.sizeBytes,
    Format: d.format?.toUpperCase(),
    Progress: d.status === 'active' ? pct(d.progress) : undefined,
    SnapshotId: d.snapshotId,
    Status: d.status,
    StatusMessage: d.statusMessage,
    Url: d.url,
    UserBucket: d.bucket ? { S3Bucket: d.bucket, S3Key: d.key } : undefined,
  };
}

function snapshotTask(t: Task) {
  const d = t.detail.disks?.[0];
  const detail = d ? diskOut({ ...d, status: t.status, statusMessage: t.detail.statusMessage, progress: t.detail.progress }) : {};
  delete detail.DeviceName;
  return { Description: t.detail.description, ImportTaskId: t.id, SnapshotTaskDetail: { ...detail, Description: t.detail.description, Encrypted: Boolean(t.detail.encrypted), KmsKeyId: t.detail.kmsKeyId }, Tags: tagsOut(t) };
}

function imageTask(t: Task): ImportImageTask {
  const active = t.status === 'active';
  return {
    Architecture: t.detail.architecture,
    Description: t.detail.description,
    Encrypted: Boolean(t.detail.encrypted),
    KmsKeyId: t.detail.kmsKeyId,
    Hypervisor: t.detail.hypervisor,
    ImageId: t.detail.imageId,
    ImportTaskId: t.id,
    LicenseType: t.detail.licenseType,
    Platform: t.detail.platform,
    Progress: active ? pct(t.detail.progress) : undefined,
    SnapshotDetails: (t.detail.disks ?? []).map(diskOut),
    Status: t.status,
    StatusMessage: t.detail.statusMessage,
    Tags: tagsOut(t),
    BootMode: t.detail.bootMode as ImportImageTask['BootMode'],
  };
}

function exportTask(t: Task) {
  return {
    Description: t.detail.description,
    ExportImageTaskId: t.id,
    ImageId: t.detail.imageId,
    Progress: t.status === 'active' ? pct(t.detail.progress) : undefined,
    S3ExportLocation: { S3Bucket: t.detail.bucket, S3Prefix: t.detail.prefix },
    Status: t.status,
    StatusMessage: t.detail.statusMessage,
    Tags: tagsOut(t),
  };
}

export function importExportHandlers(tasks: ImportExportService): HandlerMap<Operations> {
  return {
    async ImportSnapshot(ctx, input) {
      const t = await tasks.importSnapshot(
        ctx,
        { disk: source(input.DiskContainer), description: input.Description, encrypted: input.Encrypted, kmsKeyId: input.KmsKeyId, clientToken: input.ClientToken, tags: tagsOf(input.TagSpecifications, 'import-snapshot-task') },
        () => dryRunCheckpoint(ctx),
      );
      return snapshotTask(t);
    },

    async ImportImage(ctx, input) {
      const t = await tasks.importImage(
        ctx,
        {
          disks: (input.DiskContainers ?? []).map((c) => source(c)!),
          description: input.Description,
          architecture: input.Architecture,
          platform: input.Platform,
          bootMode: input.BootMode,
          licenseType: input.LicenseType,
          hypervisor: input.Hypervisor,
          encrypted: input.Encrypted,
          kmsKeyId: input.KmsKeyId,
          clientToken: input.ClientToken,
          tags: tagsOf(input.TagSpecifications, 'import-image-task'),
        },
        () => dryRunCheckpoint(ctx),
      );
      const { BootMode: _b, ...out } = imageTask(t);
      return out;
    },

    async ExportImage(ctx, input) {
      const t = await tasks.exportImage(
        ctx,
        { imageId: input.ImageId, format: input.DiskImageFormat, bucket: input.S3ExportLocation?.S3Bucket, prefix: input.S3ExportLocation?.S3Prefix, description: input.Description, clientToken: input.ClientToken, tags: tagsOf(input.TagSpecifications, 'export-image-task') },
        () => dryRunCheckpoint(ctx),
      );
      return { ...exportTask(t), DiskImageFormat: input.DiskImageFormat, RoleName: input.RoleName ?? 'vmimport' };
    },

    async CancelImportTask(ctx, input) {
      const r = await tasks.cancel(ctx, input.ImportTaskId, input.CancelReason, () => dryRunCheckpoint(ctx));
      return { ImportTaskId: input.ImportTaskId, PreviousState: r.previous, State: r.state };
    },

    async DescribeImportSnapshotTasks(ctx, input) {
      const all = await tasks.describe(ctx, 'import-snapshot', input.ImportTaskIds, input.Filters);
      const { page, nextToken } = paginate(all, (t) => t.id, input, { binding: [ctx.accountId, ctx.region, 'DescribeImportSnapshotTasks', input.Filters ?? null], min: 1, max: 500 });
      return { ImportSnapshotTasks: page.map(snapshotTask), NextToken: nextToken };
    },

    async DescribeImportImageTasks(ctx, input) {
      const all = await tasks.describe(ctx, 'import-image', input.ImportTaskIds, input.Filters);
      const { page, nextToken } = paginate(all, (t) => t.id, input, { binding: [ctx.accountId, ctx.region, 'DescribeImportImageTasks', input.Filters ?? null], min: 1, max: 500 });
      return { ImportImageTasks: page.map(imageTask), NextToken: nextToken };
    },

    async DescribeExportImageTasks(ctx, input) {
      const all = await tasks.describe(ctx, 'export-image', input.ExportImageTaskIds, input.Filters);
      const { page, nextToken } = paginate(all, (t) => t.id, input, { binding: [ctx.accountId, ctx.region, 'DescribeExportImageTasks', input.Filters ?? null], min: 1, max: 500 });
      return { ExportImageTasks: page.map(exportTask), NextToken: nextToken };
    },

    async CreateStoreImageTask(ctx, input) {
      const ObjectKey = await tasks.createStoreTask(ctx, input.ImageId, input.Bucket, () => dryRunCheckpoint(ctx));
      return { ObjectKey };
    },

    async CreateRestoreImageTask(ctx, input) {
      const ImageId = await tasks.createRestoreTask(ctx, { bucket: input.Bucket, key: input.ObjectKey, name: input.Name, tags: tagsOf(input.TagSpecifications, 'image') }, () => dryRunCheckpoint(ctx));
      return { ImageId };
    },

    async DescribeStoreImageTasks(ctx, input) {
      // the latest task of each image (AWS: tasks of the last 31 days)
      const latest = new Map<string, Task>();
      for (const t of await tasks.describe(ctx, 'store-image', undefined, input.Filters)) {
        const id = t.detail.imageId ?? '';
        if (input.ImageIds?.length && !input.ImageIds.includes(id)) continue;
        const seen = latest.get(id);
        if (!seen || seen.createdAt <= t.createdAt) latest.set(id, t);
      }
      const all = [...latest.values()].sort((a, b) => (a.detail.imageId ?? '').localeCompare(b.detail.imageId ?? ''));
      const { page, nextToken } = paginate(all, (t) => t.detail.imageId ?? '', input, { binding: [ctx.accountId, ctx.region, 'DescribeStoreImageTasks', input.Filters ?? null], min: 1, max: 200, hasIds: Boolean(input.ImageIds?.length), idsParameter: 'ImageIds' });
      return {
        StoreImageTaskResults: page.map((t) => ({
          AmiId: t.detail.imageId,
          TaskStartTime: new Date(t.createdAt),
          Bucket: t.detail.bucket,
          S3objectKey: t.detail.key,
          ProgressPercentage: Math.round(t.detail.progress ?? 0),
          StoreTaskState: t.status,
          StoreTaskFailureReason: t.detail.failureReason,
        })),
        NextToken: nextToken,
      };
    },
  };
}
