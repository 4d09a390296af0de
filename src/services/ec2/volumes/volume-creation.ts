// CreateVolume and CopyVolumes: checks, the encryption outcome, the `creating` row, and the
// `volume.create` job that makes the volume `available` (or `error`).
//
// A volume's data starts as a block map shared by reference (a snapshot's, or a frozen copy of
// the source volume): no data is copied, except when encryption must be added to plaintext
// data, which the job rewrites under the new volume's key. Encryption outcome (EBS User Guide,
// "Encryption outcomes"): a volume is encrypted when asked, when its source is encrypted, or
// when encryption by default is on; its key is KmsKeyId if given, else the source's key when
// the caller owns the encrypted source, else the account's default EBS key. AWS "authenticates
// the KMS key asynchronously": an unusable key shows up as state `error`, not as an API error.
import { JobRunner } from '../../../jobs/job-runner.js';
import type { Scope } from '../../../store/scope.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import { findZone } from '../../../config/regions.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { newId } from '../resource-ids.js';
import { idempotent } from '../client-token.js';
import { GIB } from '../snapshots/snapshot-service.js';
import { DEFAULT_VOLUME_TYPE, GP3_DEFAULT_IOPS, resolvePerformance, supportsMultiAttach, type Performance } from './volume-types.js';
import type { VolumeDeps, VolumeService } from './volume-service.js';

export interface VolumeTag {
  key: string;
  value: string;
}

interface PerformanceRequest {
  sizeGib?: number;
  volumeType?: string;
  iops?: number;
  throughput?: number;
  multiAttach?: boolean;
  encrypted?: boolean;
  kmsKeyId?: string;
  clientToken?: string;
  tags?: VolumeTag[];
}

export interface CreateVolumeRequest extends PerformanceRequest {
  /** exactly one of availabilityZone and availabilityZoneId */
  availabilityZone?: string;
  availabilityZoneId?: string;
  snapshotId?: string;
  /** MiB/s, volumes from snapshots only */
  initializationRate?: number;
  outpostArn?: string;
}

export interface CopyVolumeRequest extends PerformanceRequest {
  sourceVolumeId: string;
}

export interface ValidatedCreate extends Performance {
  zone: string;
  snapshot?: SnapshotRow;
  sizeGib: number;
  volumeType: string;
  multiAttach: boolean;
}

/** Where a new volume's data comes from (a snapshot or volume row), for its encryption. */
type Source = Pick<SnapshotRow & VolumeRow, 'account_id' | 'region' | 'encrypted' | 'data_key_id' | 'kms_key_arn'>;

interface Plan {
  zone: string;
  sizeGib: number;
  perf: Performance & { volumeType: string; multiAttach: boolean };
  source?: Source;
  snapshotId: string | null;
  /** called after the DryRun checkpoint (freezing a source volume is a write) */
  baseMapId: () => Promise<string | null>;
  sourceVolumeId: string | null;
  initializationRate: number | null;
}

interface CreateJob {
  volumeId: string;
  caller: Scope;
  /** the source's wrapping of its lineage key, when the source is encrypted */
  sourceKey?: { dataKeyId: string; kmsKeyArn: string; owned: boolean };
}

export class VolumeCreator {
  constructor(
    private readonly deps: VolumeDeps,
    private readonly volumes: VolumeService,
  ) {
    deps.jobs.register('volume.create', (payload) => this.run(payload as CreateJob));
  }

  // ---- checks --------------------------------------------------------------------------

  private zoneOf(caller: Scope, req: CreateVolumeRequest): string {
    const name = req.availabilityZone;
    const id = req.availabilityZoneId;
    if (name === undefined && id === undefined) throw missingParameter('AvailabilityZone');
    if (name !== undefined && id !== undefined) {
      throw invalidParameterCombination('The parameters AvailabilityZone and AvailabilityZoneId cannot be used together; specify one of them.');
    }
    const found = findZone((name ?? id)!);
    const matches = found && found.region.name === caller.region && (name !== undefined ? found.zone.name === name : found.zone.id === id);
    if (!matches) throw ec2Error('InvalidZone.NotFound', `The zone '${name ?? id}' does not exist.`);
    return found.zone.name;
  }

  private performance(req: PerformanceRequest, sizeGib: number): Performance & { volumeType: string; multiAttach: boolean } {
    const volumeType = req.volumeType ?? DEFAULT_VOLUME_TYPE;
    const perf = resolvePerformance(volumeType, sizeGib, req.iops, req.throughput, volumeType === 'gp3' ? { iops: GP3_DEFAULT_IOPS } : {});
    if (req.multiAttach && !supportsMultiAttach(volumeType)) {
      throw invalidParameterCombination(`Multi-Attach is supported only on io1 and io2 volumes; ${volumeType} volumes cannot be Multi-Attach enabled.`);
    }
    return { ...perf, volumeType, multiAttach: Boolean(req.multiAttach) };
  }

  private static checkKeyDependency(req: PerformanceRequest): void {
    if (req.kmsKeyId !== undefined && req.encrypted !== true) {
      throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
    }
  }

  async validate(caller: Scope, req: CreateVolumeRequest): Promise<ValidatedCreate> {
    const zone = this.zoneOf(caller, req);
    if (req.outpostArn !== undefined) throw invalidParameterValue(`The Outpost ${req.outpostArn} does not exist.`);
    VolumeCreator.checkKeyDependency(req);
    let snapshot: SnapshotRow | undefined;
    if (req.snapshotId !== undefined) {
      snapshot = await this.deps.snapshots.getVisible(caller, req.snapshotId);
      if (snapshot.state !== 'completed') {
        throw ec2Error('IncorrectState', `Snapshot '${snapshot.snapshot_id}' is in state '${snapshot.state}'; a volume can be created only from a completed snapshot.`);
      }
    } else if (req.sizeGib === undefined) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter size or snapshotId');
    }
    const sizeGib = req.sizeGib ?? snapshot!.volume_size;
    if (snapshot && sizeGib < snapshot.volume_size) {
      throw invalidParameterValue(`Volume of size ${sizeGib}GiB is smaller than snapshot '${snapshot.snapshot_id}', expect size >= ${snapshot.volume_size}GiB`);
    }
    if (req.initializationRate !== undefined) {
      if (!snapshot) throw invalidParameterCombination('The parameter VolumeInitializationRate can be used only when creating a volume from a snapshot.');
      if (!Number.isInteger(req.initializationRate) || req.initializationRate < 100 || req.initializationRate > 300) {
        throw invalidParameterValue(`Value (${req.initializationRate}) for parameter VolumeInitializationRate is invalid. Expected a value between 100 and 300 MiB/s.`);
      }
    }
    return { zone, snapshot, sizeGib, ...this.performance(req, sizeGib) };
  }

  // ---- encryption outcome --------------------------------------------------------------

  /** The key a request names, as an ARN when it can be resolved now (the job authorizes it). */
  private async keyArn(caller: Scope, ref: string): Promise<string> {
    try {
      return (await this.deps.kms.describeKey(caller, ref)).arn;
    } catch (e) {
      if (!isServiceError(e)) throw e;
      if (ref.startsWith('arn:')) return ref;
      const resource = ref.startsWith('alias/') ? ref : `key/${ref}`;
      return `arn:aws:kms:${caller.region}:${caller.accountId}:${resource}`;
    }
  }

  private async encryption(caller: Scope, req: PerformanceRequest, source: Source | undefined): Promise<{ encrypted: boolean; kmsKeyArn: string | null; sourceKey?: CreateJob['sourceKey'] }> {
    const { defaults } = this.deps;
    const encrypted = Boolean(req.encrypted || source?.encrypted || (await defaults.encryptionByDefault(caller)));
    if (!encrypted) return { encrypted, kmsKeyArn: null };
    const owned = Boolean(source && source.account_id === caller.accountId && source.region === caller.region);
    const ownKey = owned && source?.encrypted ? source.kms_key_arn : null;
    const kmsKeyArn = await this.keyArn(caller, req.kmsKeyId ?? ownKey ?? (await defaults.defaultKmsKeyArn(caller)));
    const sourceKey = source?.data_key_id && source.kms_key_arn ? { dataKeyId: source.data_key_id, kmsKeyArn: source.kms_key_arn, owned } : undefined;
    return { encrypted, kmsKeyArn, sourceKey };
  }

  // ---- CreateVolume / CopyVolumes ------------------------------------------------------

  async create(caller: Scope, req: CreateVolumeRequest, checkpoint?: () => void): Promise<VolumeRow> {
    return this.once('CreateVolume', caller, req, checkpoint, async () => {
      const v = await this.validate(caller, req);
      return {
        zone: v.zone,
        sizeGib: v.sizeGib,
        perf: v,
        source: v.snapshot,
        snapshotId: v.snapshot?.snapshot_id ?? null,
        baseMapId: async () => v.snapshot?.map_id ?? null,
        sourceVolumeId: null,
        initializationRate: req.initializationRate ?? null,
      };
    });
  }

  async copy(caller: Scope, req: CopyVolumeRequest, checkpoint?: () => void): Promise<VolumeRow> {
    return this.once('CopyVolumes', caller, req, checkpoint, async () => {
      const src = await this.volumes.getOwned(caller, req.sourceVolumeId);
      if (src.state !== 'available' && src.state !== 'in-use') {
        throw ec2Error('IncorrectState', `The volume '${src.volume_id}' is '${src.state}'; only available or in-use volumes can be copied.`);
      }
      VolumeCreator.checkKeyDependency(req);
      const sizeGib = req.sizeGib ?? src.size_gib;
      if (sizeGib < src.size_gib) throw invalidParameterValue(`The size of the volume copy (${sizeGib}GiB) must be equal to or greater than the size of the source volume (${src.size_gib}GiB).`);
      return {
        zone: src.availability_zone,
        sizeGib,
        perf: this.performance(req, sizeGib),
        source: src,
        snapshotId: null,
        // point in time: the source's data as of now, which the source continues from
        baseMapId: () => this.volumes.freeze(src.volume_id),
        sourceVolumeId: src.volume_id,
        initializationRate: null,
      };
    });
  }

  /** One creation under the ClientToken rule: checks, encryption, DryRun, then the row and job. */
  private once(action: string, caller: Scope, req: PerformanceRequest, checkpoint: (() => void) | undefined, plan: () => Promise<Plan>): Promise<VolumeRow> {
    const { clientToken, ...params } = req;
    return idempotent(this.deps.store, caller, {
      action,
      token: clientToken,
      params,
      checkpoint,
      replay: (record) => this.replay(record),
      create: async () => {
        const p = await plan();
        const enc = await this.encryption(caller, req, p.source);
        checkpoint?.();
        const row: VolumeRow = {
          volume_id: newId('vol'),
          account_id: caller.accountId,
          region: caller.region,
          availability_zone: p.zone,
          size_gib: p.sizeGib,
          volume_type: p.perf.volumeType,
          iops: p.perf.iops,
          throughput: p.perf.throughput,
          multi_attach: p.perf.multiAttach ? 1 : 0,
          state: 'creating',
          encrypted: enc.encrypted ? 1 : 0,
          kms_key_arn: enc.kmsKeyArn,
          data_key_id: null,
          snapshot_id: p.snapshotId,
          // referenced from the start, so garbage collection keeps the base map for the job
          base_map_id: await p.baseMapId(),
          create_time: new Date().toISOString(),
          client_token: clientToken ?? null,
          modification: null,
          auto_enable_io: 0,
          source_volume_id: p.sourceVolumeId,
          initialization_rate: p.initializationRate,
        };
        const job = JobRunner.row('volume.create', { volumeId: row.volume_id, caller, sourceKey: enc.sourceKey } satisfies CreateJob, this.deps.settleMs);
        await this.deps.store.transaction(async (tx) => {
          await tx.volumes.insert(row);
          if (req.tags?.length) await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: row.volume_id, resourceType: 'volume', key: t.key, value: t.value })));
          await tx.jobs.insert(job);
        });
        this.deps.jobs.notify(this.deps.settleMs);
        return { result: row, record: JSON.stringify(row) };
      },
    });
  }

  /** A retry with the same ClientToken: the volume as it is now (or as it was made, if gone). */
  private async replay(record: string): Promise<VolumeRow> {
    const original = JSON.parse(record) as VolumeRow;
    return (await this.deps.store.volumes.get(original.volume_id)) ?? original;
  }

  // ---- the job -------------------------------------------------------------------------

  private async run(job: CreateJob): Promise<'done'> {
    const { store, keys, blocks } = this.deps;
    const row = await store.volumes.get(job.volumeId);
    if (!row || row.state !== 'creating') return 'done';
    const caller = job.caller;
    try {
      let baseMapId = row.base_map_id;
      let dataKeyId: string | null = null;
      let kmsKeyArn: string | null = null;
      if (row.encrypted) {
        const target = row.kms_key_arn!;
        const source = job.sourceKey;
        if (source) {
          // same lineage key: the volume shares the source's encrypted blocks
          const opened = source.owned && source.kmsKeyArn === target ? await keys.open(caller, source.dataKeyId) : await keys.rewrap(caller, source.dataKeyId, target);
          dataKeyId = opened.dataKeyId;
          kmsKeyArn = opened.kmsKeyArn;
        } else {
          const created = await keys.create(caller, target);
          dataKeyId = created.dataKeyId;
          kmsKeyArn = created.kmsKeyArn;
          // plaintext data must not live on under an encrypted volume: rewrite it encrypted
          if (baseMapId) baseMapId = await blocks.rewriteMap(baseMapId, undefined, created.lineage, row.size_gib * GIB);
        }
      }
      await store.volumes.update(row.volume_id, { state: 'available', base_map_id: baseMapId, data_key_id: dataKeyId, kms_key_arn: kmsKeyArn });
    } catch {
      // e.g. KMS refusing the key (disabled, pending deletion, not shared, unknown): AWS reports
      // only the volume's state, with no reason
      await store.volumes.update(row.volume_id, { state: 'error' });
    }
    return 'done';
  }
}
