// ModifyVolume (Elastic Volumes) and DescribeVolumesModifications. A modification goes
// modifying -> optimizing -> completed through the durable `volume.modify` job; the new size,
// type and performance take effect when it reaches `optimizing` ("Size increases take effect
// once the volume modification reaches the optimizing state", EBS User Guide, "Monitor the
// progress of volume modifications"), which is also when an open device grows. A volume can be
// modified again once its last modification completed, up to four times in a rolling 24 hours
// (ModifyVolume reference).
import type { Scope } from '../../../store/scope.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { GIB } from '../snapshots/snapshot-service.js';
import { GP3_DEFAULT_IOPS, GP3_DEFAULT_THROUGHPUT, resolvePerformance, supportsMultiAttach } from './volume-types.js';
import type { VolumeDeps, VolumeService } from './volume-service.js';

export interface VolumeConfig {
  sizeGib: number;
  volumeType: string;
  iops: number | null;
  throughput: number | null;
  multiAttach: boolean;
}

export type ModificationState = 'modifying' | 'optimizing' | 'completed' | 'failed';

/** The latest modification of a volume (the `modification` column, JSON). */
export interface ModificationRecord {
  state: ModificationState;
  progress: number;
  startTime: string;
  endTime?: string;
  original: VolumeConfig;
  target: VolumeConfig;
  /** start times of this volume's modifications in the last 24 hours (the rate limit) */
  recent: string[];
}

export interface ModifyVolumeRequest {
  sizeGib?: number;
  volumeType?: string;
  iops?: number;
  throughput?: number;
  multiAttach?: boolean;
}

const MAX_PER_DAY = 4;
const DAY_MS = 24 * 3600_000;

interface ModifyJob {
  volumeId: string;
  startTime: string;
}

export function configOf(row: VolumeRow): VolumeConfig {
  return { sizeGib: row.size_gib, volumeType: row.volume_type, iops: row.iops, throughput: row.throughput, multiAttach: Boolean(row.multi_attach) };
}

export function modificationOf(row: VolumeRow): ModificationRecord | undefined {
  return row.modification ? (JSON.parse(row.modification) as ModificationRecord) : undefined;
}

export class VolumeModifications {
  constructor(
    private readonly deps: VolumeDeps,
    private readonly volumes: VolumeService,
  ) {
    deps.jobs.register('volume.modify', (payload) => this.run(payload as ModifyJob));
  }

  /** The target configuration a request asks for, with AWS's defaults for what it omits. */
  private static target(original: VolumeConfig, req: ModifyVolumeRequest): VolumeConfig {
    const volumeType = req.volumeType ?? original.volumeType;
    const sizeGib = req.sizeGib ?? original.sizeGib;
    if (sizeGib < original.sizeGib) throw invalidParameterValue('New size cannot be smaller than existing size');
    const sameType = volumeType === original.volumeType;
    // "The existing value is retained if you keep the same volume type. If you change the volume
    // type to io1, io2, or gp3, the default is 3,000." Throughput: retained gp3 -> gp3, else 125.
    const perf = resolvePerformance(volumeType, sizeGib, req.iops, req.throughput, {
      iops: sameType && original.iops !== null ? original.iops : GP3_DEFAULT_IOPS,
      throughput: sameType && original.throughput !== null ? original.throughput : GP3_DEFAULT_THROUGHPUT,
    });
    const multiAttach = req.multiAttach ?? original.multiAttach;
    if (multiAttach && !supportsMultiAttach(volumeType)) {
      throw invalidParameterCombination(`Multi-Attach is supported only on io1 and io2 volumes; ${volumeType} volumes cannot be Multi-Attach enabled.`);
    }
    return { sizeGib, volumeType, ...perf, multiAttach };
  }

  async modify(caller: Scope, volumeId: string, req: ModifyVolumeRequest, checkpoint?: () => void): Promise<{ volumeId: string; record: ModificationRecord }> {
    const row = await this.volumes.getOwned(caller, volumeId);
    if (row.state !== 'available' && row.state !== 'in-use') {
      throw ec2Error('IncorrectState', `The volume '${volumeId}' is '${row.state}'; only available or in-use volumes can be modified.`);
    }
    const previous = modificationOf(row);
    if (previous && (previous.state === 'modifying' || previous.state === 'optimizing')) {
      throw ec2Error('IncorrectModificationState', `Volume ${volumeId} cannot be modified in modification state ${previous.state.toUpperCase()}`);
    }
    if (Object.values(req).every((v) => v === undefined)) {
      throw ec2Error('MissingParameter', 'The request must contain at least one of the parameters Size, VolumeType, Iops, Throughput or MultiAttachEnabled');
    }
    const original = configOf(row);
    const target = VolumeModifications.target(original, req);
    const now = new Date();
    const recent = (previous?.recent ?? []).filter((t) => now.getTime() - Date.parse(t) < DAY_MS);
    if (recent.length >= MAX_PER_DAY) {
      const next = new Date(Date.parse(recent[0]) + DAY_MS).toISOString();
      throw ec2Error('VolumeModificationRateExceeded', `You've reached the maximum modification rate per volume limit. You can modify volume ${volumeId} again after ${next}.`);
    }
    checkpoint?.();
    const record: ModificationRecord = { state: 'modifying', progress: 0, startTime: now.toISOString(), original, target, recent: [...recent, now.toISOString()] };
    await this.deps.store.volumes.update(volumeId, { modification: JSON.stringify(record) });
    await this.deps.jobs.schedule('volume.modify', { volumeId, startTime: record.startTime } satisfies ModifyJob, this.deps.settleMs);
    return { volumeId, record };
  }

  /** The latest modification of the caller's volumes, or of the ones named (each must have one). */
  async list(caller: Scope, volumeIds?: readonly string[]): Promise<{ volumeId: string; record: ModificationRecord }[]> {
    const rows = await this.volumes.list(caller, volumeIds);
    const out = rows.map((row) => ({ volumeId: row.volume_id, record: modificationOf(row) }));
    if (volumeIds) {
      const unmodified = out.find((m) => !m.record);
      if (unmodified) throw ec2Error('InvalidVolumeModification.NotFound', `Modification for volume '${unmodified.volumeId}' does not exist.`);
    }
    return out.filter((m): m is { volumeId: string; record: ModificationRecord } => m.record !== undefined);
  }

  private async run(job: ModifyJob): Promise<'done' | { retryInMs: number }> {
    const { store, devices, settleMs } = this.deps;
    const row = await store.volumes.get(job.volumeId);
    const record = row && modificationOf(row);
    if (!row || !record || record.startTime !== job.startTime) return 'done';
    if (record.state === 'modifying') {
      const { target } = record;
      await store.volumes.update(row.volume_id, {
        size_gib: target.sizeGib,
        volume_type: target.volumeType,
        iops: target.iops,
        throughput: target.throughput,
        multi_attach: target.multiAttach ? 1 : 0,
        modification: JSON.stringify({ ...record, state: 'optimizing', progress: 50 } satisfies ModificationRecord),
      });
      (await devices.get(row.volume_id))?.resize(target.sizeGib * GIB);
      return { retryInMs: settleMs };
    }
    if (record.state === 'optimizing') {
      const done: ModificationRecord = { ...record, state: 'completed', progress: 100, endTime: new Date().toISOString() };
      await store.volumes.update(row.volume_id, { modification: JSON.stringify(done) });
    }
    return 'done';
  }
}
