// Snapshots: immutable block maps with EC2's ownership, sharing and life cycle. Used by the
// EC2 handlers (CreateSnapshot, CopySnapshot, …), the EBS direct APIs (StartSnapshot, …), images
// and the CLI. Knows nothing of XML or Filter.N.
//
//   pending --(job snapshot.complete after settleMs)--> completed
//   copy:    pending --(job snapshot.copy: by reference, or a re-encrypting rewrite)--> completed | error
import type { BlockStorage, LineageKey } from '../../../blocks/block-storage.js';
import { MAX_MAP_DEPTH } from '../../../blocks/block-storage.js';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import type { VolumeDevices } from '../../../blocks/volume-devices.js';
import { JobRunner } from '../../../jobs/job-runner.js';
import type { JobRow } from '../../../store/repos/jobs.js';
import type { Repos, Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { ec2Error } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import type { LineageKeys } from '../encryption/lineage-keys.js';
import type { EbsDefaults } from '../encryption/ebs-defaults.js';
import type { KmsService } from '../../kms/kms-service.js';
import { SnapshotBlockPublicAccess } from './block-public-access.js';
import { SnapshotSharing } from './snapshot-sharing.js';
import { describeSnapshots, snapshotNotFound, type SnapshotQuery } from './snapshot-query.js';

export const GIB = 1024 ** 3;

/** A snapshot not written yet: its row and the job that completes it (SnapshotService.write). */
export interface PendingSnapshot {
  row: SnapshotRow;
  job: JobRow;
}

export interface SnapshotDeps {
  store: Store;
  kms: KmsService;
  blocks: BlockStorage;
  devices: VolumeDevices;
  keys: LineageKeys;
  defaults: EbsDefaults;
  jobs: JobRunner;
  /** how long pending snapshots take to complete */
  settleMs: number;
}

/**
 * Several nodes: a volume a VM on another node has open is captured by that node (its device
 * holds writes not yet committed, and the rebase must happen under its lock).
 */
export interface RemoteVolumes {
  /** the live node other than this one that holds the volume open, if any */
  holder(volumeId: string): Promise<string | undefined>;
  /** has `node` capture the volume's data as a new sealed map; returns its id */
  capture(node: string, volumeId: string): Promise<string>;
}

/** Something that may hold a snapshot (an image): returns the holder's id, or undefined. */
export type SnapshotUser = (snapshotId: string) => Promise<string | undefined>;

export interface CopyOptions {
  description?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  /** AWS's volume id for copies */
  volumeId?: string;
}

export type { SnapshotQuery } from './snapshot-query.js';

export class SnapshotService {
  private readonly users: SnapshotUser[] = [];
  readonly blockPublicAccess: SnapshotBlockPublicAccess;
  /** createVolumePermission: who else may see, restore and copy a snapshot */
  readonly sharing: SnapshotSharing;

  constructor(private readonly deps: SnapshotDeps) {
    this.blockPublicAccess = new SnapshotBlockPublicAccess(deps.store);
    this.sharing = new SnapshotSharing({ store: deps.store, kms: deps.kms, blockPublicAccess: this.blockPublicAccess, snapshots: this });
    deps.jobs.register('snapshot.complete', async (payload) => {
      const { snapshotId } = payload as { snapshotId: string };
      const row = await deps.store.snapshots.get(snapshotId);
      if (row?.state === 'pending') {
        await deps.store.snapshots.update(snapshotId, { state: 'completed', progress: 100, completion_time: new Date().toISOString() });
      }
      return 'done';
    });
    deps.jobs.register('snapshot.copy', (payload) => this.runCopy(payload as CopyJob));
  }

  /** Lets images (and others) protect the snapshots they use from deletion. */
  registerUser(user: SnapshotUser): void {
    this.users.push(user);
  }

  // ---- lookups -------------------------------------------------------------------------

  static assertId(snapshotId: string): void {
    if (!isId('snap', snapshotId)) throw ec2Error('InvalidSnapshotID.Malformed', `Invalid id: "${snapshotId}" (expecting "snap-...")`);
  }

  static notFound(snapshotId: string) {
    return snapshotNotFound([snapshotId]);
  }

  /**
   * Whether `caller` may see (and restore) a snapshot: owner, shared with it, or public — unless
   * the owner blocks all public sharing in the region.
   */
  async canUse(caller: Scope, row: SnapshotRow, hidesPublic = this.blockPublicAccess.hidesPublic()): Promise<boolean> {
    if (row.region !== caller.region) return false;
    if (row.account_id === caller.accountId) return true;
    if ((await this.deps.store.snapshots.permissions(row.snapshot_id)).includes(caller.accountId)) return true;
    return row.public === 1 && !(await hidesPublic({ accountId: row.account_id, region: row.region }));
  }

  /** DescribeSnapshots' candidate set (ids, owners, restorable-by); filters and paging are the caller's. */
  describe(caller: Scope, query: SnapshotQuery): Promise<SnapshotRow[]> {
    return describeSnapshots({ store: this.deps.store, blockPublicAccess: this.blockPublicAccess }, caller, query);
  }

  /** A snapshot the caller can see; others' private snapshots are indistinguishable from missing. */
  async getVisible(caller: Scope, snapshotId: string): Promise<SnapshotRow> {
    SnapshotService.assertId(snapshotId);
    const row = await this.deps.store.snapshots.get(snapshotId);
    if (!row || !(await this.canUse(caller, row))) throw SnapshotService.notFound(snapshotId);
    return row;
  }

  /** A snapshot the caller owns (mutations). Visible-but-foreign snapshots are not authorised. */
  async getOwned(caller: Scope, snapshotId: string): Promise<SnapshotRow> {
    const row = await this.getVisible(caller, snapshotId);
    if (row.account_id !== caller.accountId) {
      throw ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation on snapshot ${snapshotId}.`, 403);
    }
    return row;
  }

  /** The lineage key to read a snapshot's data as `caller` (undefined when unencrypted). */
  async keyFor(caller: Scope, row: SnapshotRow): Promise<LineageKey | undefined> {
    if (!row.data_key_id) return undefined;
    return (await this.deps.keys.open(caller, row.data_key_id)).lineage;
  }

  async readBlock(caller: Scope, row: SnapshotRow, index: number): Promise<Buffer> {
    return this.deps.blocks.readBlock(row.map_id, index, await this.keyFor(caller, row));
  }

  // ---- creation ------------------------------------------------------------------------

  private async insert(caller: Scope, fields: Partial<SnapshotRow> & Pick<SnapshotRow, 'map_id' | 'volume_id' | 'volume_size' | 'source'>): Promise<SnapshotRow> {
    const row = this.newRow(caller, fields);
    await this.deps.store.snapshots.insert(row);
    return row;
  }

  /** A new snapshot's row with its job, written together (`store` in a unit of work of the caller's; then `notify`). */
  async write(pending: PendingSnapshot, store: Repos = this.deps.store): Promise<void> {
    await store.transaction(async (tx) => {
      await tx.snapshots.insert(pending.row);
      await tx.jobs.insert(pending.job);
    });
  }

  /** Tells the job runner about the jobs of snapshots written (after their unit of work committed). */
  notify(pending: readonly PendingSnapshot[]): void {
    for (const p of pending) this.deps.jobs.notify(Math.max(0, Date.parse(p.job.run_at) - Date.now()));
  }

  private newRow(caller: Scope, fields: Partial<SnapshotRow> & Pick<SnapshotRow, 'map_id' | 'volume_id' | 'volume_size' | 'source'>): SnapshotRow {
    return {
      snapshot_id: newId('snap'),
      account_id: caller.accountId,
      region: caller.region,
      state: 'pending',
      progress: 0,
      state_message: null,
      start_time: new Date().toISOString(),
      completion_time: null,
      description: '',
      encrypted: 0,
      kms_key_arn: null,
      data_key_id: null,
      owner_alias: null,
      storage_tier: 'standard',
      parent_snapshot_id: null,
      timeout_minutes: null,
      last_write_at: null,
      client_token: null,
      public: 0,
      ...fields,
    };
  }

  /**
   * Point-in-time snapshot of a volume: the volume's writes since its base become a new map on
   * top of the base (O(changed blocks)); the volume continues from the new map.
   */
  /** Set by the composition root when several nodes share the store. */
  remote: RemoteVolumes | undefined = undefined;

  /**
   * The volume's data now as a new sealed map (its base when nothing changed), the volume
   * rebased onto it; under the device's lock when this node has it open.
   */
  async capture(volumeId: string): Promise<string> {
    const { store, blocks, devices } = this.deps;
    const volume = await store.volumes.get(volumeId);
    if (!volume) throw ec2Error('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
    const take = async (): Promise<string> => {
      const overlay = await store.volumes.overlay(volume.volume_id);
      const base = volume.base_map_id ? await store.blockMaps.get(volume.base_map_id) : undefined;
      if (base && overlay.length === 0) return base.map_id; // nothing changed: share the base
      const flat = base && base.depth >= MAX_MAP_DEPTH;
      const mapId = await blocks.createMap({
        parentMapId: flat ? null : (base?.map_id ?? null),
        sizeBytes: volume.size_gib * GIB,
        lineageId: base?.lineage_id ?? (volume.data_key_id ? (await store.dataKeys.get(volume.data_key_id))!.lineage_id : null),
        sealed: false,
      });
      const entries = flat ? [...(await blocks.resolve(base.map_id)).entries] : [];
      await blocks.putEntries(mapId, [...entries, ...overlay]);
      await store.volumes.rebase(volume.volume_id, mapId);
      await blocks.seal(mapId);
      return mapId;
    };
    const device = await devices.get(volume.volume_id);
    return device
      ? device.exclusive(async () => {
          await device.flushLocked();
          const id = await take();
          await device.rebaseLocked(id);
          return id;
        })
      : take();
  }

  async createFromVolume(caller: Scope, volume: VolumeRow, description = '', checkpoint?: () => void): Promise<SnapshotRow> {
    const pending = await this.captureFromVolume(caller, volume, description, checkpoint);
    await this.write(pending);
    this.notify([pending]);
    return pending.row;
  }

  /**
   * A point-in-time snapshot of the volume taken now (its data captured), as a row and its
   * completion job for the caller to write (`write`, e.g. in CreateImage's unit of work).
   */
  async captureFromVolume(caller: Scope, volume: VolumeRow, description = '', checkpoint?: () => void): Promise<PendingSnapshot> {
    if (volume.state !== 'available' && volume.state !== 'in-use') {
      throw ec2Error('IncorrectState', `The volume '${volume.volume_id}' is in state ${volume.state}; only available or in-use volumes can be snapshotted.`);
    }
    checkpoint?.();
    const holder = await this.remote?.holder(volume.volume_id);
    const mapId = holder ? await this.remote!.capture(holder, volume.volume_id) : await this.capture(volume.volume_id);
    const row = this.newRow(caller, {
      map_id: mapId,
      volume_id: volume.volume_id,
      volume_size: volume.size_gib,
      source: 'volume',
      description,
      encrypted: volume.encrypted,
      kms_key_arn: volume.kms_key_arn,
      data_key_id: volume.data_key_id,
    });
    return { row, job: JobRunner.row('snapshot.complete', { snapshotId: row.snapshot_id }, this.deps.settleMs) };
  }

  /** A snapshot whose map is written by the caller (EBS direct APIs, imports): state pending. */
  async createWritable(
    caller: Scope,
    opts: { sizeGib: number; parent?: SnapshotRow; key?: { dataKeyId: string; kmsKeyArn: string; lineageId: string }; description?: string; source: string; timeoutMinutes?: number; clientToken?: string },
  ): Promise<SnapshotRow> {
    const mapId = await this.deps.blocks.createMap({
      parentMapId: opts.parent?.map_id ?? null,
      sizeBytes: opts.sizeGib * GIB,
      lineageId: opts.key?.lineageId ?? null,
      sealed: false,
    });
    return this.insert(caller, {
      map_id: mapId,
      volume_id: 'vol-ffffffff',
      volume_size: opts.sizeGib,
      source: opts.source,
      description: opts.description ?? '',
      encrypted: opts.key ? 1 : 0,
      kms_key_arn: opts.key?.kmsKeyArn ?? null,
      data_key_id: opts.key?.dataKeyId ?? null,
      parent_snapshot_id: opts.parent?.snapshot_id ?? null,
      timeout_minutes: opts.timeoutMinutes ?? null,
      last_write_at: new Date().toISOString(),
      client_token: opts.clientToken ?? null,
    });
  }

  /** Seals a writable snapshot's map and completes it (after its data was flushed). */
  async seal(row: SnapshotRow, immediately = false): Promise<void> {
    await this.deps.blocks.flush();
    await this.deps.blocks.seal(row.map_id);
    if (immediately) {
      await this.deps.store.snapshots.update(row.snapshot_id, { state: 'completed', progress: 100, completion_time: new Date().toISOString() });
    } else {
      await this.deps.jobs.schedule('snapshot.complete', { snapshotId: row.snapshot_id }, this.deps.settleMs);
    }
  }

  /**
   * CopySnapshot, called in the destination region. The copy is pending at once; the job does
   * the work: by reference when the encryption stays the same, else a rewrite of every block.
   */
  async copy(caller: Scope, source: SnapshotRow, opts: CopyOptions): Promise<SnapshotRow> {
    const pending = await this.planCopy(caller, source, opts);
    await this.write(pending);
    this.notify([pending]);
    return pending.row;
  }

  /** A copy's row and job, for the caller to write (`write`, e.g. in CopyImage's unit of work). */
  async planCopy(caller: Scope, source: SnapshotRow, opts: CopyOptions): Promise<PendingSnapshot> {
    if (source.state !== 'completed') {
      throw ec2Error('IncorrectState', `Snapshot ${source.snapshot_id} is in state ${source.state} and cannot be copied.`);
    }
    const encrypted = Boolean(source.encrypted || opts.encrypted || (await this.deps.defaults.encryptionByDefault(caller)));
    const row = this.newRow(caller, {
      map_id: source.map_id, // provisional: the job sets the final map
      volume_id: opts.volumeId ?? 'vol-ffffffff',
      volume_size: source.volume_size,
      source: 'copy',
      // AWS's description of a copy made without one
      description: opts.description ?? `[Copied ${source.snapshot_id} from ${source.region}]`,
      encrypted: encrypted ? 1 : 0,
    });
    const job = JobRunner.row('snapshot.copy', { snapshotId: row.snapshot_id, sourceSnapshotId: source.snapshot_id, caller, encrypted, kmsKeyId: opts.kmsKeyId } satisfies CopyJob, 0);
    return { row, job };
  }

  private async runCopy(job: CopyJob): Promise<'done'> {
    const { store, blocks, keys, defaults, kms } = this.deps;
    const row = await store.snapshots.get(job.snapshotId);
    const source = await store.snapshots.get(job.sourceSnapshotId);
    if (!row || row.state !== 'pending') return 'done';
    const fail = async (message: string) => {
      await store.snapshots.update(row.snapshot_id, { state: 'error', state_message: message });
    };
    if (!source) {
      await fail(`The source snapshot ${job.sourceSnapshotId} no longer exists.`);
      return 'done';
    }
    try {
      const caller = job.caller;
      let mapId = source.map_id;
      let dataKeyId: string | null = null;
      let kmsKeyArn: string | null = null;
      if (job.encrypted) {
        const sameOwnerAndRegion = source.account_id === caller.accountId && source.region === caller.region;
        // the copy's key: the one asked for; else the source's (same account and region); else the default
        const targetRef = job.kmsKeyId ?? (source.encrypted && sameOwnerAndRegion ? source.kms_key_arn! : await defaults.defaultKmsKeyArn(caller));
        const targetArn = (await kms.describeKey(caller, targetRef)).arn;
        // the caller reads the source where it lives (its region), with its own permissions
        const from = source.data_key_id ? await keys.open({ accountId: caller.accountId, region: source.region }, source.data_key_id) : undefined;
        if (from && sameOwnerAndRegion && from.kmsKeyArn === targetArn) {
          // same key, same owner: the copy shares the source's data and wrapping
          dataKeyId = source.data_key_id;
          kmsKeyArn = source.kms_key_arn;
        } else {
          // a different key (or encrypting plaintext data): rewrite every block
          const target = await keys.create(caller, targetArn);
          mapId = await blocks.rewriteMap(source.map_id, from?.lineage, target.lineage, undefined, (f) => {
            void store.snapshots.update(row.snapshot_id, { progress: Math.floor(f * 99) });
          });
          dataKeyId = target.dataKeyId;
          kmsKeyArn = target.kmsKeyArn;
        }
      }
      await store.snapshots.update(row.snapshot_id, {
        map_id: mapId,
        encrypted: job.encrypted ? 1 : 0,
        data_key_id: dataKeyId,
        kms_key_arn: kmsKeyArn,
        state: 'completed',
        progress: 100,
        completion_time: new Date().toISOString(),
      });
    } catch (e) {
      if (isServiceError(e)) await fail(kmsMessage(e));
      else throw e;
    }
    return 'done';
  }

  // ---- deletion ------------------------------------------------------------------------

  /** Which image (or other holder) uses the snapshot, if any. */
  async usedBy(snapshotId: string): Promise<string | undefined> {
    for (const user of this.users) {
      const holder = await user(snapshotId);
      if (holder) return holder;
    }
    return undefined;
  }

  async delete(caller: Scope, snapshotId: string, checkpoint?: () => void): Promise<void> {
    const row = await this.getOwned(caller, snapshotId);
    const holder = await this.usedBy(snapshotId);
    if (holder) throw ec2Error('InvalidSnapshot.InUse', `The snapshot ${snapshotId} is currently in use by ${holder}`);
    checkpoint?.();
    await this.deps.store.transaction(async (tx) => {
      await tx.snapshots.delete(row.snapshot_id);
      await tx.tags.deleteResource(row.snapshot_id);
    });
    // the map and its chunks are released by garbage collection (`imago gc`)
  }

  // ---- sizes ---------------------------------------------------------------------------

  /** Bytes of data a snapshot holds (non-zero blocks × block size). */
  async logicalDataBytes(row: SnapshotRow): Promise<number> {
    return (await this.deps.blocks.resolve(row.map_id)).entries.size * BLOCK_SIZE;
  }
}

interface CopyJob {
  snapshotId: string;
  sourceSnapshotId: string;
  caller: Scope;
  encrypted: boolean;
  kmsKeyId?: string;
}

function kmsMessage(e: unknown): string {
  if (isServiceError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
