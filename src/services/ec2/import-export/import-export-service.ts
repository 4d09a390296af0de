// EC2's import and export tasks (issue 12 §2): ImportSnapshot and ImportImage read a disk image
// from an http(s) URL or an S3 object of the configured endpoint, ExportImage writes an image's
// root disk to S3 as RAW, VHD or VMDK, and the store/restore tasks keep a whole AMI as one S3
// object and bring it back. Each task is a row (store/repos/import-export-tasks.ts) and a durable
// job that does the work and reports progress as AWS does; knows nothing of the wire.
//
//   import:  active (pending -> validating -> converting -> … ) -> completed
//                   \-- CancelImportTask --> deleting -> deleted      \-- failure --> deleted (ClientError: …)
//   export:  active (validating -> exporting) -> completed | deleted (failure)
//   store:   InProgress -> Completed | Failed
//
// Untrusted images are downloaded to a file (streamed, bounded), inspected and converted by
// disk-image.ts (no backing files, explicit formats, 16 TiB), then stored block by block like
// `imago import`: zero blocks skipped, data blocks content-addressed — or, for an encrypted
// import (Encrypted, or encryption by default), encrypted under a new lineage key per snapshot
// wrapped by KmsKeyId or the default EBS key, made when the task runs (a KMS refusal fails it).
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlockStorage, LineageKey } from '../../../blocks/block-storage.js';
import { BLOCK_SIZE, isZeroBlock } from '../../../blocks/block-size.js';
import { ImageReader } from '../../../blocks/image-reader.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImportExportTaskRow } from '../../../store/repos/import-export-tasks.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import { ec2Error, invalidFilter, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { newId } from '../resource-ids.js';
import { idempotent } from '../client-token.js';
import type { ImageService } from '../images/image-service.js';
import type { DeviceRow } from '../images/block-device-mappings.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { LineageKeys, OpenedKey } from '../encryption/lineage-keys.js';
import type { EbsDefaults } from '../encryption/ebs-defaults.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { fromRaw, toRaw } from './disk-image.js';
import { TaskFailure, type TransferS3 } from './transfer-s3.js';
import { downloadUrl } from './url-source.js';
import { readArchive, writeArchive, type ArchiveHeader } from './image-archive.js';

const GIB = 1024 ** 3;
const JOB = 'import-export.run';

export type TaskKind = 'import-image' | 'import-snapshot' | 'export-image' | 'store-image' | 'restore-image';

/** Where a disk image is read from: a URL, or an object of the configured S3 endpoint. */
export interface DiskSource {
  url?: string;
  bucket?: string;
  key?: string;
  format?: string;
  description?: string;
  deviceName?: string;
  /** ImportImage only: a snapshot the caller already has */
  snapshotId?: string;
}

export interface DiskState extends DiskSource {
  status: string;
  statusMessage?: string;
  progress?: number;
  sizeBytes?: number;
}

export interface TaskDetail {
  description?: string;
  progress?: number;
  statusMessage?: string;
  disks?: DiskState[];
  imageId?: string;
  architecture?: string;
  platform?: string;
  bootMode?: string;
  licenseType?: string;
  hypervisor?: string;
  exportFormat?: 'RAW' | 'VHD' | 'VMDK';
  bucket?: string;
  prefix?: string;
  key?: string;
  failureReason?: string;
  tags?: { key: string; value: string }[];
  /** restore: the snapshots the job fills */
  restoreSnapshots?: string[];
  /** import: snapshots being written by the current run (deleted if it fails or restarts) */
  partialSnapshots?: string[];
  /** import: the snapshots (and image) are encrypted under this KMS key (as asked; its ARN once the task used it) */
  encrypted?: boolean;
  kmsKeyId?: string;
}

export interface Task {
  id: string;
  kind: TaskKind;
  status: string;
  createdAt: string;
  detail: TaskDetail;
}

export interface ImportExportDeps {
  store: Store;
  blocks: BlockStorage;
  snapshots: SnapshotService;
  images: ImageService;
  jobs: JobRunner;
  /** encrypted imports: a new lineage key per snapshot, under the asked or the default EBS key */
  keys: LineageKeys;
  defaults: EbsDefaults;
  s3: TransferS3;
  log: Logger;
  /** scratch space for downloads and conversions (in the data dir) */
  workDir: string;
  /** the largest image file read (default 16 TiB) */
  maxImageBytes?: number;
}

class Cancelled extends Error {}

const FORMATS = new Set(['RAW', 'VHD', 'VMDK']);

/** Tasks in progress at once (AWS's default quotas: 20 image imports, 20 snapshot imports, 5 exports). */
const LIMITS: Partial<Record<TaskKind, number>> = { 'import-image': 20, 'import-snapshot': 20, 'export-image': 5 };

/** How long finished import and export tasks stay listed (AWS: 7 days). */
const VISIBLE_MS = 7 * 24 * 3600_000;

/** Statuses of a task whose work is not over. */
const LIVE = new Set(['active', 'deleting', 'InProgress']);
/** How often a task's job looks in on the work it started. */
const WATCH_MS = 1000;

export class ImportExportService {
  /** the work this process runs, by task */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: ImportExportDeps) {
    // The job starts the work beside the runner (an import may take an hour; the runner's other
    // jobs must not wait for it) and comes back every second until the task is over. It is
    // pinned to this node while the node lives; a restarted or surviving node starts it again.
    deps.jobs.register(JOB, async (payload) => {
      const { taskId } = payload as { taskId: string };
      if (!this.running.has(taskId)) {
        const row = await deps.store.importExportTasks.get(taskId);
        if (!row || !LIVE.has(row.status)) return 'done';
        const work = this.run(taskId)
          .catch((e: unknown) => deps.log.warn('import/export task interrupted; its job starts it again', { taskId, error: String(e) }))
          .finally(() => this.running.delete(taskId));
        this.running.set(taskId, work);
      }
      return { retryInMs: WATCH_MS };
    });
  }

  private readonly stopping = new AbortController();

  /** Shutdown: the work in progress stops where it is (its task stays live: the job starts it again at the next start). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  // ---- requests ------------------------------------------------------------------------

  async importSnapshot(caller: Scope, o: { disk?: DiskSource; description?: string; encrypted?: boolean; kmsKeyId?: string; clientToken?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<Task> {
    if (!o.disk) throw missingParameter('DiskContainer');
    await this.checkSource(o.disk, 'DiskContainer');
    const encryption = await this.encryption(caller, o);
    await this.checkLimit(caller, 'import-snapshot');
    return this.once(caller, 'ImportSnapshot', o, checkpoint, () => this.start(caller, newId('import-snap'), 'import-snapshot', 'active', {
      description: o.description,
      progress: 3,
      statusMessage: 'pending',
      disks: [{ ...o.disk!, status: 'active', statusMessage: 'pending', progress: 3 }],
      tags: o.tags,
      ...encryption,
    }));
  }

  async importImage(
    caller: Scope,
    o: { disks: DiskSource[]; description?: string; architecture?: string; platform?: string; bootMode?: string; licenseType?: string; hypervisor?: string; encrypted?: boolean; kmsKeyId?: string; clientToken?: string; tags: { key: string; value: string }[] },
    checkpoint: () => void,
  ): Promise<Task> {
    if (!o.disks.length) throw missingParameter('DiskContainers');
    for (const [i, d] of o.disks.entries()) {
      if (d.snapshotId) {
        const snap = await this.deps.snapshots.getOwned(caller, d.snapshotId);
        if (snap.state !== 'completed') throw ec2Error('IncorrectState', `Snapshot ${d.snapshotId} is not completed.`);
      } else await this.checkSource(d, `DiskContainer.${i + 1}`);
    }
    const encryption = await this.encryption(caller, o);
    if (o.architecture && !['i386', 'x86_64', 'arm64'].includes(o.architecture)) throw invalidParameterValue(`Value (${o.architecture}) for parameter Architecture is invalid.`);
    if (o.hypervisor && o.hypervisor !== 'xen') throw invalidParameterValue(`Value (${o.hypervisor}) for parameter Hypervisor is invalid.`);
    await this.checkLimit(caller, 'import-image');
    return this.once(caller, 'ImportImage', o, checkpoint, () => this.start(caller, newId('import-ami'), 'import-image', 'active', {
      description: o.description,
      progress: 2,
      statusMessage: 'pending',
      disks: o.disks.map((d, i) => ({ ...d, deviceName: d.deviceName ?? deviceName(i), status: 'active', statusMessage: 'pending' })),
      architecture: o.architecture,
      platform: o.platform,
      bootMode: o.bootMode,
      licenseType: o.licenseType ?? 'BYOL',
      hypervisor: o.hypervisor,
      tags: o.tags,
      ...encryption,
    }));
  }

  async exportImage(caller: Scope, o: { imageId: string; format: string; bucket: string; prefix?: string; description?: string; clientToken?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<Task> {
    if (!FORMATS.has(o.format)) throw invalidParameterValue(`Value (${o.format}) for parameter DiskImageFormat is invalid. Valid values: VMDK, RAW, VHD.`);
    const image = await this.deps.images.getOwnedLive(caller, o.imageId);
    if (image.state !== 'available') throw ec2Error('IncorrectState', `The image ${o.imageId} is not available.`);
    if (!o.bucket) throw missingParameter('S3ExportLocation.S3Bucket');
    if (!(await this.deps.s3.bucketExists(o.bucket))) throw ec2Error('InvalidParameter', `S3 bucket does not exist: s3://${o.bucket}/`);
    await this.checkLimit(caller, 'export-image');
    return this.once(caller, 'ExportImage', o, checkpoint, () => this.start(caller, newId('export-ami'), 'export-image', 'active', {
      description: o.description,
      imageId: o.imageId,
      exportFormat: o.format as TaskDetail['exportFormat'],
      bucket: o.bucket,
      prefix: o.prefix ?? '',
      progress: 0,
      statusMessage: 'validating',
      tags: o.tags,
    }));
  }

  /**
   * An import's encryption, as AWS documents it: Encrypted (or the account's encryption by
   * default) under KmsKeyId, else the default EBS key; KmsKeyId alone is refused. The key itself
   * is checked when the task uses it (AWS: asynchronously; a bad key fails the task).
   */
  private async encryption(caller: Scope, o: { encrypted?: boolean; kmsKeyId?: string }): Promise<Pick<TaskDetail, 'encrypted' | 'kmsKeyId'>> {
    if (o.kmsKeyId !== undefined && o.encrypted !== true) throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
    if (!o.encrypted && !(await this.deps.defaults.encryptionByDefault(caller))) return {};
    return { encrypted: true, kmsKeyId: o.kmsKeyId ?? (await this.deps.defaults.defaultKmsKeyArn(caller)) };
  }

  /** A new data key for one imported snapshot, under the task's KMS key (a KMS refusal fails the task). */
  private async importKey(caller: Scope, detail: TaskDetail): Promise<OpenedKey | undefined> {
    if (!detail.encrypted) return undefined;
    try {
      const key = await this.deps.keys.create(caller, detail.kmsKeyId!);
      detail.kmsKeyId = key.kmsKeyArn;
      return key;
    } catch (e) {
      if (isServiceError(e)) throw new TaskFailure(`ClientError: The KMS key ${detail.kmsKeyId} cannot be used: ${e.code}: ${e.message}`);
      throw e;
    }
  }

  /** ClientToken idempotency: a retry gets the task its first call started. */
  private once(caller: Scope, action: string, params: { clientToken?: string }, checkpoint: () => void, create: () => Promise<Task>): Promise<Task> {
    return idempotent(this.deps.store, caller, {
      action,
      token: params.clientToken,
      params: { ...params, clientToken: undefined },
      checkpoint,
      create: async () => {
        checkpoint();
        const task = await create();
        return { result: task, record: task.id };
      },
      replay: async (taskId) => toTask((await this.deps.store.importExportTasks.get(taskId))!),
    });
  }

  /** AWS's quotas of tasks in progress per account and region. */
  private async checkLimit(caller: Scope, kind: TaskKind): Promise<void> {
    const active = (await this.deps.store.importExportTasks.list(caller, kind)).filter((t) => t.status === 'active').length;
    const limit = LIMITS[kind] ?? Infinity;
    if (active >= limit) throw ec2Error('ResourceLimitExceeded', `You have reached the limit of ${limit} active ${kind.replace('-', ' ')} tasks in this Region; wait for some to complete or cancel them.`);
  }

  async cancel(caller: Scope, taskId: string | undefined, reason: string | undefined, checkpoint: () => void): Promise<{ previous: string; state: string }> {
    if (!taskId) throw missingParameter('ImportTaskId');
    const row = await this.deps.store.importExportTasks.get(taskId);
    if (!row || row.account_id !== caller.accountId || row.region !== caller.region || (row.kind !== 'import-image' && row.kind !== 'import-snapshot')) {
      throw ec2Error('InvalidConversionTaskId', `The import task ${taskId} does not exist.`);
    }
    if (row.status !== 'active') throw ec2Error('IncorrectState', `The import task ${taskId} is ${row.status} and cannot be cancelled.`);
    checkpoint();
    if (!(await this.deps.store.importExportTasks.transition(taskId, 'active', 'deleting'))) {
      throw ec2Error('IncorrectState', `The import task ${taskId} can no longer be cancelled.`);
    }
    const detail = JSON.parse(row.detail) as TaskDetail;
    detail.statusMessage = reason ? `User cancelled: ${reason}` : 'User cancelled';
    await this.deps.store.importExportTasks.update(taskId, { detail: JSON.stringify(detail) });
    return { previous: 'active', state: 'deleting' };
  }

  async createStoreTask(caller: Scope, imageId: string, bucket: string, checkpoint: () => void): Promise<string> {
    const image = await this.deps.images.getOwnedLive(caller, imageId);
    if (image.state !== 'available') throw ec2Error('IncorrectState', `The image ${imageId} is not available.`);
    if (!(await this.deps.s3.bucketExists(bucket))) throw ec2Error('InvalidParameter', `S3 bucket does not exist: s3://${bucket}/`);
    const live = (await this.deps.store.importExportTasks.list(caller, 'store-image')).filter((t) => t.status === 'InProgress' && (JSON.parse(t.detail) as TaskDetail).imageId === imageId);
    if (live.length) throw ec2Error('IncorrectState', `A store task for ${imageId} is already in progress.`);
    checkpoint();
    const key = `${imageId}.bin`;
    await this.start(caller, `store-${randomUUID()}`, 'store-image', 'InProgress', { imageId, bucket, key, progress: 0 });
    return key;
  }

  async createRestoreTask(caller: Scope, o: { bucket: string; key: string; name?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<string> {
    if (!(await this.deps.s3.bucketExists(o.bucket))) throw ec2Error('InvalidParameter', `S3 bucket does not exist: s3://${o.bucket}/`);
    let header: ArchiveHeader;
    try {
      header = await this.deps.s3.readHeader(o.bucket, o.key);
    } catch (e) {
      if (e instanceof TaskFailure) throw invalidParameterValue(e.message.replace(/^ClientError: /, ''));
      throw e;
    }
    const name = o.name ?? header.image.name;
    await this.deps.images.assertNameFree(caller, name);
    checkpoint();
    const snaps: SnapshotRow[] = [];
    for (const d of header.devices) {
      snaps.push(await this.deps.snapshots.createWritable(caller, { sizeGib: d.volumeSize, source: 'restore', description: `Restored from s3://${o.bucket}/${o.key}` }));
    }
    const row = this.deps.images.newRow(caller, { ...header.image, name, state: 'pending', description: header.image.description ?? null });
    const devices: DeviceRow[] = header.devices.map((d, i) => ({
      position: i,
      device_name: d.deviceName,
      virtual_name: null,
      no_device: 0,
      snapshot_id: snaps[i].snapshot_id,
      volume_size: d.volumeSize,
      volume_type: d.volumeType ?? 'gp2',
      delete_on_termination: d.deleteOnTermination === false ? 0 : 1,
      encrypted: 0,
      iops: null,
      throughput: null,
      kms_key_id: null,
    }));
    await this.deps.images.create({ row, devices, tags: o.tags.map((t) => ({ resourceId: row.image_id, resourceType: 'image', ...t })) });
    await this.start(caller, `restore-${randomUUID()}`, 'restore-image', 'InProgress', { imageId: row.image_id, bucket: o.bucket, key: o.key, restoreSnapshots: snaps.map((s) => s.snapshot_id) });
    return row.image_id;
  }

  // ---- describes -----------------------------------------------------------------------

  async describe(caller: Scope, kind: TaskKind, ids: readonly string[] | undefined, filters: readonly { Name?: string; Values?: string[] }[] | undefined): Promise<Task[]> {
    const rows = await this.deps.store.importExportTasks.list(caller, kind, ids);
    if (ids?.length && kind !== 'store-image') {
      const found = new Set(rows.map((r) => r.task_id));
      const missing = ids.find((id) => !found.has(id));
      if (missing) {
        if (kind === 'export-image') throw ec2Error('InvalidExportImageTaskId.NotFound', `The export image task ID '${missing}' does not exist`);
        throw ec2Error('InvalidConversionTaskId.Malformed', `The import task ID '${missing}' does not exist`);
      }
    }
    const since = new Date(Date.now() - VISIBLE_MS).toISOString();
    let tasks = rows.filter((r) => LIVE.has(r.status) || r.created_at >= since).map(toTask);
    for (const f of filters ?? []) {
      const values = new Set(f.Values ?? []);
      if (f.Name === 'task-state') tasks = tasks.filter((t) => values.has(t.status));
      else if (f.Name === 'bucket' && kind === 'store-image') tasks = tasks.filter((t) => values.has(t.detail.bucket ?? ''));
      else throw invalidFilter(f.Name ?? '');
    }
    return tasks;
  }

  // ---- the job ---------------------------------------------------------------------------

  private async checkSource(d: DiskSource, name: string): Promise<void> {
    if (d.url && d.bucket) throw ec2Error('InvalidParameter', `${name}: specify either Url or UserBucket, not both.`);
    if (d.url?.startsWith('s3://')) {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(d.url);
      if (!m) throw ec2Error('InvalidParameter', `${name}.Url ${d.url} is not an s3://bucket/key URL.`);
      d.bucket = m[1];
      d.key = m[2];
      d.url = undefined;
    }
    if (d.url) {
      let u: URL;
      try {
        u = new URL(d.url);
      } catch {
        throw ec2Error('InvalidParameter', `${name}.Url ${d.url} is not a valid URL.`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw ec2Error('InvalidParameter', `${name}.Url must be an http://, https:// or s3:// URL.`);
      return;
    }
    if (!d.bucket || !d.key) throw ec2Error('InvalidParameter', `${name}: specify Url or UserBucket (S3Bucket and S3Key).`);
    if (!(await this.deps.s3.bucketExists(d.bucket))) throw ec2Error('InvalidParameter', `S3 bucket does not exist: s3://${d.bucket}/`);
  }

  private async start(caller: Scope, taskId: string, kind: TaskKind, status: string, detail: TaskDetail): Promise<Task> {
    const row: ImportExportTaskRow = { task_id: taskId, account_id: caller.accountId, region: caller.region, kind, status, detail: JSON.stringify(detail), created_at: new Date().toISOString() };
    await this.deps.store.importExportTasks.insert(row);
    await this.deps.jobs.schedule(JOB, { taskId }, 0, this.deps.jobs.placementNow()?.node ?? null);
    return toTask(row);
  }

  private async run(taskId: string): Promise<void> {
    const { store, log } = this.deps;
    const row = await store.importExportTasks.get(taskId);
    if (!row) return;
    const caller: Scope = { accountId: row.account_id, region: row.region };
    const detail = JSON.parse(row.detail) as TaskDetail;
    if (row.status === 'deleting') return this.finishCancel(taskId, detail);
    if (row.status !== 'active' && row.status !== 'InProgress') return; // finished before a restart
    const dir = join(this.deps.workDir, taskId);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const progress = new TaskProgress(store, taskId, detail, this.stopping.signal);
    const created: string[] = [];
    // an earlier run cut short (a crash, a lost lease) left these half written
    for (const id of detail.partialSnapshots ?? []) await this.deps.snapshots.delete(caller, id).catch(() => undefined);
    detail.partialSnapshots = undefined;
    try {
      if (row.kind === 'import-snapshot' || row.kind === 'import-image') await this.runImport(caller, taskId, row.kind, detail, progress, dir, created);
      else if (row.kind === 'export-image') await this.runExport(caller, taskId, detail, progress, dir);
      else if (row.kind === 'restore-image') await this.runRestore(detail, progress, dir);
      else await this.runStore(caller, detail, progress, dir);
    } catch (e) {
      if (this.stopping.signal.aborted && !progress.cancelled) return; // shutting down: the next start runs the task again
      for (const id of created) await this.deps.snapshots.delete(caller, id).catch(() => undefined);
      detail.partialSnapshots = undefined;
      if (e instanceof Cancelled || progress.cancelled) return this.finishCancel(taskId, detail);
      const reason = e instanceof TaskFailure ? e.message : `ServerError: ${(e as Error).message}`;
      if (!(e instanceof TaskFailure)) log.warn('import/export task failed', { taskId, error: (e as Error).message });
      if (row.kind === 'store-image' || row.kind === 'restore-image') {
        for (const id of detail.restoreSnapshots ?? []) await store.snapshots.update(id, { state: 'error', state_message: reason }).catch(() => undefined);
        await progress.finish('Failed', { failureReason: reason });
      } else {
        for (const d of detail.disks ?? []) if (d.status === 'active') Object.assign(d, { status: 'deleted', statusMessage: reason, progress: undefined });
        await progress.finish('deleted', { statusMessage: reason, progress: undefined });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async finishCancel(taskId: string, detail: TaskDetail): Promise<void> {
    const current = await this.deps.store.importExportTasks.get(taskId);
    const message = current ? (JSON.parse(current.detail) as TaskDetail).statusMessage : undefined;
    for (const d of detail.disks ?? []) Object.assign(d, { status: 'deleted', statusMessage: message, progress: undefined });
    await this.deps.store.importExportTasks.update(taskId, { status: 'deleted', detail: JSON.stringify({ ...detail, statusMessage: message, progress: undefined }) });
  }

  private async runImport(caller: Scope, taskId: string, kind: TaskKind, detail: TaskDetail, progress: TaskProgress, dir: string, created: string[]): Promise<void> {
    const image = kind === 'import-image';
    const disks = detail.disks ?? [];
    const share = 80 / disks.length;
    const snapshots: { snapshotId: string; sizeGib: number; kmsKeyArn: string | null }[] = [];
    for (const [i, d] of disks.entries()) {
      const base = (image ? 10 : 3) + i * share;
      if (d.snapshotId) {
        const snap = await this.deps.snapshots.getOwned(caller, d.snapshotId);
        snapshots.push({ snapshotId: snap.snapshot_id, sizeGib: snap.volume_size, kmsKeyArn: snap.encrypted ? snap.kms_key_arn : null });
        Object.assign(d, { status: 'completed', statusMessage: undefined, progress: undefined, sizeBytes: snap.volume_size * GIB });
        continue;
      }
      const message = image ? 'validating' : 'downloading/converting';
      d.statusMessage = message;
      await progress.set({ statusMessage: message, progress: base }, true);
      const file = join(dir, `disk-${i}`);
      const onBytes = progress.counter((n) => ({ progress: base + Math.min(share * 0.4, (n / GIB) * share * 0.1) }));
      const max = this.deps.maxImageBytes ?? 16384 * GIB;
      d.sizeBytes = d.url ? await downloadUrl(d.url, file, max, onBytes, progress.signal) : await this.deps.s3.download(d.bucket!, d.key!, file, max, onBytes, progress.signal);
      await progress.check();
      if (image) {
        d.statusMessage = 'validated';
        await progress.set({ statusMessage: 'validated' }, true);
      }
      const raw = await toRaw(file, join(dir, `disk-${i}.raw`), d.format);
      d.format = raw.format.toUpperCase();
      if (image) {
        d.statusMessage = 'converting';
        await progress.set({ statusMessage: 'converting', progress: Math.max(28, base + share * 0.4) }, true);
      }
      const sizeGib = Math.max(1, Math.ceil(raw.virtualBytes / GIB));
      const opened = await this.importKey(caller, detail);
      const key = opened && { dataKeyId: opened.dataKeyId, kmsKeyArn: opened.kmsKeyArn, lineageId: opened.lineage.lineageId };
      const snap = await this.deps.snapshots.createWritable(caller, { sizeGib, source: 'import', key, description: `Created by AWS-VMImport service for ${taskId}` });
      created.push(snap.snapshot_id);
      // recorded before any data: a run cut short by a crash deletes it when the task starts again
      await progress.set({ partialSnapshots: [...created] }, true);
      await storeRaw(this.deps.blocks, raw.path, snap.map_id, opened?.lineage, async (done, total) => {
        await progress.set({ progress: Math.round(Math.max(image ? 28 : 0, base + share * (0.4 + 0.6 * (done / total)))) });
      });
      await this.deps.snapshots.seal(snap, true);
      Object.assign(d, { status: 'completed', statusMessage: undefined, progress: undefined, snapshotId: snap.snapshot_id });
      snapshots.push({ snapshotId: snap.snapshot_id, sizeGib, kmsKeyArn: opened?.kmsKeyArn ?? null });
      rmSync(file, { force: true });
      rmSync(join(dir, `disk-${i}.raw`), { force: true });
    }
    if (image) {
      await progress.set({ statusMessage: 'updating', progress: 88 }, true);
      await progress.set({ statusMessage: 'preparing ami', progress: 95 }, true);
      const row = this.deps.images.newRow(caller, {
        name: taskId,
        state: 'available',
        description: detail.description ?? `AWS-VMImport service: ${detail.platform ?? 'Linux'} - ${taskId}`,
        architecture: detail.architecture ?? 'x86_64',
        boot_mode: detail.bootMode ?? null,
        platform: detail.platform?.toLowerCase() === 'windows' ? 'windows' : null,
        platform_details: detail.platform?.toLowerCase() === 'windows' ? 'Windows' : 'Linux/UNIX',
        root_device_name: '/dev/sda1',
        ena_support: 1,
      });
      const devices: DeviceRow[] = snapshots.map((s, i) => ({
        position: i,
        device_name: disks[i].deviceName ?? deviceName(i),
        virtual_name: null,
        no_device: 0,
        snapshot_id: s.snapshotId,
        volume_size: s.sizeGib,
        volume_type: 'gp2',
        delete_on_termination: 1,
        encrypted: s.kmsKeyArn ? 1 : 0,
        iops: null,
        throughput: null,
        kms_key_id: s.kmsKeyArn,
      }));
      await progress.check();
      await this.deps.images.create({ row, devices });
      created.length = 0;
      detail.imageId = row.image_id;
    }
    created.length = 0;
    await progress.finish('completed', { statusMessage: undefined, progress: undefined, partialSnapshots: undefined });
  }

  /** The image's root snapshot as a raw file, sparse (zero blocks are never written). */
  private async rootAsRaw(caller: Scope, imageId: string, path: string, onProgress: (done: number, total: number) => Promise<void>): Promise<SnapshotRow> {
    const image = await this.deps.store.images.get(imageId);
    const devices = (await this.deps.store.images.blockDevices([imageId])).get(imageId) ?? [];
    const root = devices.find((d) => d.device_name === image?.root_device_name && d.snapshot_id) ?? devices.find((d) => d.snapshot_id);
    if (!image || !root?.snapshot_id) throw new TaskFailure(`ClientError: The image ${imageId} has no EBS root snapshot.`);
    const snap = await this.deps.store.snapshots.get(root.snapshot_id);
    if (!snap) throw new TaskFailure(`ClientError: The snapshot ${root.snapshot_id} of ${imageId} no longer exists.`);
    await writeSnapshot(this.deps.blocks, await this.deps.snapshots.keyFor(caller, snap), snap, path, onProgress);
    return snap;
  }

  private async runExport(caller: Scope, taskId: string, detail: TaskDetail, progress: TaskProgress, dir: string): Promise<void> {
    const rawPath = join(dir, 'disk.raw');
    await this.rootAsRaw(caller, detail.imageId!, rawPath, (done, total) => progress.set({ progress: Math.round(30 * (done / total)) }));
    await progress.set({ statusMessage: 'converting', progress: 30 }, true);
    const format = detail.exportFormat ?? 'RAW';
    const out = await fromRaw(rawPath, join(dir, 'disk.out'), format);
    const size = (await stat(out)).size;
    const key = `${detail.prefix ?? ''}${taskId}.${format.toLowerCase()}`;
    await progress.set({ statusMessage: 'exporting', progress: 40, key }, true);
    let sent = 0;
    await this.deps.s3.upload(detail.bucket!, key, out, size, (n) => {
      sent += n;
      void progress.set({ progress: 40 + Math.round(59 * (sent / Math.max(1, size))) });
    });
    await progress.finish('completed', { statusMessage: undefined, progress: undefined });
  }

  private async runStore(caller: Scope, detail: TaskDetail, progress: TaskProgress, dir: string): Promise<void> {
    const image = await this.deps.store.images.get(detail.imageId!);
    if (!image) throw new TaskFailure(`The image ${detail.imageId} no longer exists.`);
    const devices = ((await this.deps.store.images.blockDevices([image.image_id])).get(image.image_id) ?? []).filter((d) => d.snapshot_id);
    const path = join(dir, 'image.bin');
    const sources: { row: SnapshotRow; key: Awaited<ReturnType<SnapshotService['keyFor']>> }[] = [];
    for (const d of devices) {
      const row = await this.deps.store.snapshots.get(d.snapshot_id!);
      if (!row) throw new TaskFailure(`The snapshot ${d.snapshot_id} of ${image.image_id} no longer exists.`);
      sources.push({ row, key: await this.deps.snapshots.keyFor(caller, row) });
    }
    const header: ArchiveHeader = {
      format: 'imago-ami-1',
      image: {
        name: image.name,
        description: image.description,
        architecture: image.architecture,
        virtualization_type: image.virtualization_type,
        root_device_name: image.root_device_name,
        boot_mode: image.boot_mode,
        ena_support: image.ena_support,
        platform: image.platform,
        platform_details: image.platform_details,
        tpm_support: image.tpm_support,
        imds_support: image.imds_support,
      },
      devices: devices.map((d, i) => ({ deviceName: d.device_name, volumeSize: sources[i].row.volume_size, volumeType: d.volume_type, deleteOnTermination: d.delete_on_termination !== 0 })),
    };
    await writeArchive(path, header, this.deps.blocks, sources, (done, total) => progress.set({ progress: Math.round(50 * (done / Math.max(1, total))) }));
    const size = (await stat(path)).size;
    let sent = 0;
    await this.deps.s3.upload(detail.bucket!, detail.key!, path, size, (n) => {
      sent += n;
      void progress.set({ progress: 50 + Math.round(49 * (sent / Math.max(1, size))) });
    });
    await progress.finish('Completed', { progress: 100 });
  }

  private async runRestore(detail: TaskDetail, progress: TaskProgress, dir: string): Promise<void> {
    const path = join(dir, 'image.bin');
    await this.deps.s3.download(detail.bucket!, detail.key!, path, Number.MAX_SAFE_INTEGER, () => undefined);
    const snaps: SnapshotRow[] = [];
    for (const id of detail.restoreSnapshots ?? []) {
      const row = await this.deps.store.snapshots.get(id);
      if (!row) throw new TaskFailure(`The snapshot ${id} was deleted during the restore.`);
      snaps.push(row);
    }
    await readArchive(path, this.deps.blocks, snaps);
    for (const s of snaps) await this.deps.snapshots.seal(s, true);
    await progress.finish('Completed', { progress: 100 });
  }
}

/** Progress written at most every 250 ms (or at once when `now`), and cancellation noticed there. */
class TaskProgress {
  private last = 0;
  private readonly abort = new AbortController();
  /** aborted once the task is cancelled or the server stops: downloads stop */
  readonly signal: AbortSignal;
  cancelled = false;

  constructor(
    private readonly store: Store,
    private readonly taskId: string,
    readonly detail: TaskDetail,
    private readonly stopping: AbortSignal,
  ) {
    this.signal = AbortSignal.any([this.abort.signal, stopping]);
  }

  async set(patch: Partial<TaskDetail>, now = false): Promise<void> {
    Object.assign(this.detail, patch);
    for (const d of this.detail.disks ?? []) if (d.status === 'active') d.progress = this.detail.progress;
    if (!now && Date.now() - this.last < 250) return;
    this.last = Date.now();
    await this.check();
    await this.store.importExportTasks.update(this.taskId, { detail: JSON.stringify(this.detail) });
  }

  /** Throws Cancelled once CancelImportTask moved the task to deleting. */
  async check(): Promise<void> {
    if (this.stopping.aborted) throw new Cancelled();
    const row = await this.store.importExportTasks.get(this.taskId);
    if (row?.status === 'deleting') {
      this.cancelled = true;
      this.abort.abort();
      throw new Cancelled();
    }
  }

  counter(patch: (bytes: number) => Partial<TaskDetail>): (n: number) => void {
    let total = 0;
    return (n) => {
      total += n;
      if (Date.now() - this.last >= 250) void this.set(patch(total)).catch(() => undefined);
    };
  }

  async finish(status: string, patch: Partial<TaskDetail>): Promise<void> {
    await this.check();
    Object.assign(this.detail, patch);
    await this.store.importExportTasks.update(this.taskId, { status, detail: JSON.stringify(this.detail) });
  }
}

/** AWS's device names for imported disks: the first is the root, /dev/sda1. */
const deviceName = (i: number) => (i === 0 ? '/dev/sda1' : `/dev/sd${String.fromCharCode(98 + i - 1)}`);

function toTask(row: ImportExportTaskRow): Task {
  return { id: row.task_id, kind: row.kind as TaskKind, status: row.status, createdAt: row.created_at, detail: JSON.parse(row.detail) as TaskDetail };
}

/** A raw file into an unsealed map (zero blocks skipped; encrypted under `key` when given); `onProgress` after each piece. */
async function storeRaw(blocks: BlockStorage, path: string, mapId: string, key: LineageKey | undefined, onProgress: (done: number, total: number) => Promise<void>): Promise<void> {
  const { size } = await stat(path);
  const reader = await ImageReader.open(path);
  const entries: [number, string][] = [];
  try {
    for await (const { offset, data } of reader.pieces(size, 8 * BLOCK_SIZE, 2)) {
      const ids = await Promise.all(Array.from({ length: Math.ceil(data.length / BLOCK_SIZE) }, (_, i) => blocks.storeBlock(data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE), key)));
      ids.forEach((id, i) => id && entries.push([offset / BLOCK_SIZE + i, id]));
      await onProgress(offset + data.length, size);
    }
  } finally {
    await reader.close();
  }
  await blocks.flush();
  await blocks.putEntries(mapId, entries);
}

/** A snapshot as a sparse raw file of its volume size. */
async function writeSnapshot(
  blocks: BlockStorage,
  key: Awaited<ReturnType<SnapshotService['keyFor']>>,
  snap: SnapshotRow,
  path: string,
  onProgress: (done: number, total: number) => Promise<void>,
): Promise<void> {
  const { entries } = await blocks.resolve(snap.map_id);
  const fh = await open(path, 'w');
  try {
    await fh.truncate(snap.volume_size * GIB);
    let done = 0;
    for (const [index, chunk] of [...entries].sort((a, b) => a[0] - b[0])) {
      const data = await blocks.loadBlock(chunk, key);
      if (!isZeroBlock(data)) await fh.write(data, 0, data.length, index * BLOCK_SIZE);
      await onProgress(++done, entries.size);
    }
  } finally {
    await fh.close();
  }
}
