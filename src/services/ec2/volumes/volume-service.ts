// Volumes: a copy-on-write view over a snapshot's block map (or empty), plus the volume's own
// writes. Creating one from a snapshot copies no data (O(1)), except when encryption must be
// added to plaintext data, which rewrites the blocks in the `volume.create` job.
//
//   creating --(job volume.create)--> available | error      (error: e.g. an unusable KMS key)
//   available --DeleteVolume--> deleted (gone)
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { VolumeDevices } from '../../../blocks/volume-devices.js';
import type { VolumeDevice } from '../../../blocks/volume-device.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import { findZone } from '../../../config/regions.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import type { LineageKeys } from '../encryption/lineage-keys.js';
import type { EbsDefaults } from '../encryption/ebs-defaults.js';
import { GIB, type SnapshotService } from '../snapshots/snapshot-service.js';

export interface VolumeDeps {
  store: Store;
  blocks: BlockStorage;
  devices: VolumeDevices;
  keys: LineageKeys;
  defaults: EbsDefaults;
  jobs: JobRunner;
  snapshots: SnapshotService;
  settleMs: number;
}

/** Size limits (GiB) per volume type, from the CreateVolume reference. */
export const SIZE_LIMITS: Record<string, [number, number]> = {
  gp2: [1, 16384],
  gp3: [1, 65536],
  io1: [4, 16384],
  io2: [4, 65536],
  st1: [125, 16384],
  sc1: [125, 16384],
  standard: [1, 1024],
};

export interface CreateVolumeRequest {
  availabilityZone: string;
  sizeGib?: number;
  snapshotId?: string;
  volumeType?: string;
  iops?: number;
  throughput?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
  multiAttach?: boolean;
  clientToken?: string;
}

interface CreateJob {
  volumeId: string;
  caller: Scope;
  snapshotId?: string;
  encrypt: boolean;
  kmsKeyId?: string;
}

export class VolumeService {
  constructor(private readonly deps: VolumeDeps) {
    deps.jobs.register('volume.create', (payload) => this.runCreate(payload as CreateJob));
  }

  static assertId(volumeId: string): void {
    if (!isId('vol', volumeId)) throw ec2Error('InvalidVolumeID.Malformed', `Invalid id: "${volumeId}" (expecting "vol-...")`);
  }

  static notFound(volumeId: string) {
    return ec2Error('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
  }

  async getOwned(caller: Scope, volumeId: string): Promise<VolumeRow> {
    VolumeService.assertId(volumeId);
    const row = await this.deps.store.volumes.get(volumeId);
    if (!row || row.account_id !== caller.accountId || row.region !== caller.region) throw VolumeService.notFound(volumeId);
    return row;
  }

  /** Checks a CreateVolume request and resolves its snapshot (throws EC2 errors). */
  async validate(caller: Scope, req: CreateVolumeRequest): Promise<{ snapshot?: SnapshotRow; sizeGib: number; volumeType: string; iops: number | null; throughput: number | null }> {
    const zone = findZone(req.availabilityZone);
    if (!zone || zone.region.name !== caller.region) {
      throw invalidParameterValue(`Invalid availability zone: [${req.availabilityZone}]`);
    }
    if (req.kmsKeyId && !req.encrypted) {
      throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
    }
    const volumeType = req.volumeType ?? 'gp2';
    let snapshot: SnapshotRow | undefined;
    if (req.snapshotId) {
      snapshot = await this.deps.snapshots.getVisible(caller, req.snapshotId);
      if (snapshot.state !== 'completed') {
        throw ec2Error('IncorrectState', `Snapshot ${snapshot.snapshot_id} is in state ${snapshot.state}; a volume can be created only from a completed snapshot.`);
      }
    } else if (req.sizeGib === undefined) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter size or snapshotId');
    }
    const sizeGib = req.sizeGib ?? snapshot!.volume_size;
    if (snapshot && sizeGib < snapshot.volume_size) {
      throw invalidParameterValue(`Volume of ${sizeGib}GiB is too small; minimum is ${snapshot.volume_size}GiB.`);
    }
    const [min, max] = SIZE_LIMITS[volumeType] ?? [1, 16384];
    if (!Number.isInteger(sizeGib) || sizeGib < min || sizeGib > max) {
      throw invalidParameterValue(`Volume of ${sizeGib}GiB is out of range for volume type ${volumeType}: it must be between ${min} and ${max} GiB.`);
    }
    let iops: number | null = req.iops ?? null;
    let throughput: number | null = req.throughput ?? null;
    if (volumeType === 'io1' || volumeType === 'io2') {
      if (iops === null) throw ec2Error('InvalidParameterCombination', `The parameter iops must be specified for ${volumeType} volumes.`);
    } else if (volumeType === 'gp3') {
      iops ??= 3000;
      throughput ??= 125;
    } else if (volumeType === 'gp2') {
      if (req.iops !== undefined) throw ec2Error('InvalidParameterCombination', 'The parameter iops is not supported for gp2 volumes.');
      iops = Math.min(16000, Math.max(100, 3 * sizeGib));
    } else if (req.iops !== undefined) {
      throw ec2Error('InvalidParameterCombination', `The parameter iops is not supported for ${volumeType} volumes.`);
    }
    if (throughput !== null && volumeType !== 'gp3') {
      throw ec2Error('InvalidParameterCombination', `The parameter throughput is not supported for ${volumeType} volumes.`);
    }
    if (req.multiAttach && volumeType !== 'io1' && volumeType !== 'io2') {
      throw invalidParameterValue('Multi-Attach is supported only on io1 and io2 volumes.');
    }
    return { snapshot, sizeGib, volumeType, iops, throughput };
  }

  /** CreateVolume: the row appears at once in `creating`; the job finishes it. */
  async create(caller: Scope, req: CreateVolumeRequest, checkpoint?: () => void): Promise<VolumeRow> {
    if (req.clientToken) {
      const previous = await this.deps.store.volumes.findByClientToken(caller, req.clientToken);
      if (previous) return previous;
    }
    const v = await this.validate(caller, req);
    checkpoint?.();
    const encrypt = Boolean(req.encrypted || v.snapshot?.encrypted || (await this.deps.defaults.encryptionByDefault(caller)));
    const row: VolumeRow = {
      volume_id: newId('vol'),
      account_id: caller.accountId,
      region: caller.region,
      availability_zone: req.availabilityZone,
      size_gib: v.sizeGib,
      volume_type: v.volumeType,
      iops: v.iops,
      throughput: v.throughput,
      state: 'creating',
      encrypted: encrypt ? 1 : 0,
      kms_key_arn: null,
      data_key_id: null,
      snapshot_id: v.snapshot?.snapshot_id ?? null,
      base_map_id: null,
      multi_attach: req.multiAttach ? 1 : 0,
      create_time: new Date().toISOString(),
      client_token: req.clientToken ?? null,
      modification: null,
    };
    await this.deps.store.volumes.insert(row);
    await this.deps.jobs.schedule('volume.create', { volumeId: row.volume_id, caller, snapshotId: v.snapshot?.snapshot_id, encrypt, kmsKeyId: req.kmsKeyId } satisfies CreateJob, this.deps.settleMs);
    return row;
  }

  private async runCreate(job: CreateJob): Promise<'done'> {
    const { store, keys, defaults, blocks } = this.deps;
    const row = await store.volumes.get(job.volumeId);
    if (!row || row.state !== 'creating') return 'done';
    const caller = job.caller;
    try {
      const snapshot = job.snapshotId ? await store.snapshots.get(job.snapshotId) : undefined;
      if (job.snapshotId && !snapshot) throw new Error(`snapshot ${job.snapshotId} no longer exists`);
      let baseMapId = snapshot?.map_id ?? null;
      let dataKeyId: string | null = null;
      let kmsKeyArn: string | null = null;
      if (job.encrypt) {
        const ownsSourceKey = snapshot?.encrypted && snapshot.account_id === caller.accountId && snapshot.region === caller.region;
        // outcome table: own encrypted snapshot -> same key; shared -> the caller's default; or the key asked for
        const targetRef = job.kmsKeyId ?? (ownsSourceKey ? snapshot!.kms_key_arn! : await defaults.defaultKmsKeyArn(caller));
        if (snapshot?.data_key_id) {
          const source = await store.dataKeys.get(snapshot.data_key_id);
          const target = await this.deps.keys.rewrap(caller, snapshot.data_key_id, targetRef);
          // same plaintext lineage key, wrapped under the volume's key: no data is copied
          dataKeyId = ownsSourceKey && source?.kms_key_arn === target.kmsKeyArn ? snapshot.data_key_id : target.dataKeyId;
          kmsKeyArn = target.kmsKeyArn;
        } else {
          const target = await keys.create(caller, targetRef);
          dataKeyId = target.dataKeyId;
          kmsKeyArn = target.kmsKeyArn;
          // plaintext data must not live on under an encrypted volume: rewrite it encrypted
          if (baseMapId) baseMapId = await blocks.rewriteMap(baseMapId, undefined, target.lineage, row.size_gib * GIB);
        }
      }
      await store.volumes.update(row.volume_id, { state: 'available', base_map_id: baseMapId, data_key_id: dataKeyId, kms_key_arn: kmsKeyArn });
    } catch (e) {
      if (!isServiceError(e) && !(e instanceof Error)) throw e;
      await store.volumes.update(row.volume_id, { state: 'error' });
    }
    return 'done';
  }

  async delete(caller: Scope, volumeId: string, checkpoint?: () => void): Promise<void> {
    const row = await this.getOwned(caller, volumeId);
    if (row.state === 'in-use') throw ec2Error('VolumeInUse', `Volume ${volumeId} is currently attached`);
    if (row.state === 'creating') throw ec2Error('IncorrectState', `Volume ${volumeId} is in state creating and cannot be deleted yet.`);
    checkpoint?.();
    await this.deps.store.volumes.delete(volumeId);
    await this.deps.store.tags.deleteResource(volumeId);
  }

  /** Opens the volume as a block device (for NBD, CreateImage). Call `release` when done. */
  async openDevice(row: VolumeRow, options: { readOnly?: boolean } = {}): Promise<{ device: VolumeDevice; release: () => Promise<void> }> {
    if (row.state !== 'available' && row.state !== 'in-use') throw ec2Error('IncorrectState', `Volume ${row.volume_id} is ${row.state}.`);
    const key = row.data_key_id ? (await this.deps.keys.open({ accountId: row.account_id, region: row.region }, row.data_key_id)).lineage : undefined;
    return this.deps.devices.acquire({ volumeId: row.volume_id, sizeBytes: row.size_gib * GIB, baseMapId: row.base_map_id, key, readOnly: options.readOnly });
  }
}
