// Volumes: a copy-on-write view over a block map (a snapshot's, a copied volume's, or none),
// plus the volume's own writes. Used by the EC2 handlers, instances, images, NBD and the CLI;
// knows nothing of XML or Filter.N.
//
//   creating --(job volume.create)--> available | error      (error: e.g. an unusable KMS key)
//   available <--attach/detach (instances)--> in-use
//   available | error --DeleteVolume--> gone
//
// Creation and copies live in volume-creation.ts, ModifyVolume in volume-modifications.ts.
import type { BlockStorage } from '../../../blocks/block-storage.js';
import { MAX_MAP_DEPTH } from '../../../blocks/block-storage.js';
import type { VolumeDevices } from '../../../blocks/volume-devices.js';
import type { VolumeDevice } from '../../../blocks/volume-device.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import type { KmsService } from '../../kms/kms-service.js';
import { ec2Error } from '../ec2-errors.js';
import { isId } from '../resource-ids.js';
import type { LineageKeys } from '../encryption/lineage-keys.js';
import type { EbsDefaults } from '../encryption/ebs-defaults.js';
import { GIB, type SnapshotService } from '../snapshots/snapshot-service.js';
import { VolumeCreator, type CopyVolumeRequest, type CreateVolumeRequest, type ValidatedCreate } from './volume-creation.js';
import { VolumeModifications } from './volume-modifications.js';

export type { CopyVolumeRequest, CreateVolumeRequest, ValidatedCreate } from './volume-creation.js';

export interface VolumeDeps {
  store: Store;
  blocks: BlockStorage;
  devices: VolumeDevices;
  keys: LineageKeys;
  defaults: EbsDefaults;
  jobs: JobRunner;
  snapshots: SnapshotService;
  kms: KmsService;
  /** how long creating -> available and each modification phase take */
  settleMs: number;
}

/** An instance attachment, as the instances side reports it. */
export interface VolumeAttachmentInfo {
  instanceId: string;
  device: string;
  state: 'attaching' | 'attached' | 'detaching' | 'detached' | 'busy';
  attachTime: string;
  deleteOnTermination: boolean;
}

/** Who holds volumes attached (instances register one): volume id -> its attachments. */
export type AttachmentSource = (caller: Scope, volumeIds: readonly string[]) => Promise<Map<string, VolumeAttachmentInfo[]>>;

export class VolumeService {
  readonly modifications: VolumeModifications;
  private readonly creator: VolumeCreator;
  private readonly attachmentSources: AttachmentSource[] = [];

  constructor(private readonly deps: VolumeDeps) {
    this.creator = new VolumeCreator(deps, this);
    this.modifications = new VolumeModifications(deps, this);
  }

  // ---- lookups -------------------------------------------------------------------------

  static assertId(volumeId: string): void {
    if (!isId('vol', volumeId)) throw ec2Error('InvalidVolumeID.Malformed', `Invalid id: "${volumeId}" (expecting "vol-...")`);
  }

  static notFound(volumeIds: string | readonly string[]) {
    const ids = typeof volumeIds === 'string' ? volumeIds : volumeIds.join(', ');
    return ec2Error('InvalidVolume.NotFound', `The volume '${ids}' does not exist.`);
  }

  private static owns(caller: Scope, row: VolumeRow | undefined): row is VolumeRow {
    return Boolean(row && row.account_id === caller.accountId && row.region === caller.region);
  }

  /** A volume of the caller's; anyone else's is indistinguishable from a missing one. */
  async getOwned(caller: Scope, volumeId: string): Promise<VolumeRow> {
    VolumeService.assertId(volumeId);
    const row = await this.deps.store.volumes.get(volumeId);
    if (!VolumeService.owns(caller, row)) throw VolumeService.notFound(volumeId);
    return row;
  }

  /** The caller's volumes, or exactly the ones named (every id must be well-formed and exist). */
  async list(caller: Scope, volumeIds?: readonly string[]): Promise<VolumeRow[]> {
    if (!volumeIds) return this.deps.store.volumes.list(caller);
    const unique = [...new Set(volumeIds)];
    unique.forEach(VolumeService.assertId);
    const rows = await this.deps.store.volumes.list(caller, unique);
    const found = new Set(rows.map((r) => r.volume_id));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length) throw VolumeService.notFound(missing);
    return rows;
  }

  registerAttachments(source: AttachmentSource): void {
    this.attachmentSources.push(source);
  }

  /** The caller's tags on volumes (DescribeVolumes shows them). */
  tags(caller: Scope, volumeIds: readonly string[]) {
    return this.deps.store.tags.forResources(caller, volumeIds);
  }

  async attachments(caller: Scope, volumeIds: readonly string[]): Promise<Map<string, VolumeAttachmentInfo[]>> {
    const out = new Map<string, VolumeAttachmentInfo[]>();
    for (const source of this.attachmentSources) {
      for (const [id, list] of await source(caller, volumeIds)) out.set(id, [...(out.get(id) ?? []), ...list]);
    }
    return out;
  }

  // ---- creation, copies, modifications -------------------------------------------------

  /** Checks a CreateVolume request and resolves its zone, snapshot and performance. */
  validate(caller: Scope, req: CreateVolumeRequest): Promise<ValidatedCreate> {
    return this.creator.validate(caller, req);
  }

  /** CreateVolume: the row appears at once in `creating`; the `volume.create` job finishes it. */
  create(caller: Scope, req: CreateVolumeRequest, checkpoint?: () => void): Promise<VolumeRow> {
    return this.creator.create(caller, req, checkpoint);
  }

  /** CopyVolumes: a point-in-time copy in the source's zone, `creating` like CreateVolume. */
  copy(caller: Scope, req: CopyVolumeRequest, checkpoint?: () => void): Promise<VolumeRow> {
    return this.creator.copy(caller, req, checkpoint);
  }

  // ---- deletion and attributes ---------------------------------------------------------

  async delete(caller: Scope, volumeId: string, checkpoint?: () => void): Promise<void> {
    const row = await this.getOwned(caller, volumeId);
    if (row.state === 'in-use') {
      const holders = (await this.attachments(caller, [volumeId])).get(volumeId) ?? [];
      throw ec2Error('VolumeInUse', `Volume ${volumeId} is currently attached to ${holders.map((a) => a.instanceId).join(', ') || 'an instance'}`);
    }
    if (this.deps.devices.isOpen(volumeId)) throw ec2Error('VolumeInUse', `Volume ${volumeId} is currently in use`);
    if (row.state === 'creating') throw ec2Error('IncorrectState', `The volume '${volumeId}' is 'creating'.`);
    checkpoint?.();
    await this.deps.store.volumes.delete(volumeId);
    await this.deps.store.tags.deleteResource(volumeId);
    // the base map and overlay chunks are released by garbage collection (`imago gc`)
  }

  async setAutoEnableIO(caller: Scope, volumeId: string, value: boolean, checkpoint?: () => void): Promise<void> {
    await this.getOwned(caller, volumeId);
    checkpoint?.();
    await this.deps.store.volumes.update(volumeId, { auto_enable_io: value ? 1 : 0 });
  }

  // ---- data ----------------------------------------------------------------------------

  /** Opens the volume as a block device (for NBD, CreateImage). Call `release` when done. */
  async openDevice(row: VolumeRow, options: { readOnly?: boolean } = {}): Promise<{ device: VolumeDevice; release: () => Promise<void> }> {
    if (row.state !== 'available' && row.state !== 'in-use') throw ec2Error('IncorrectState', `Volume ${row.volume_id} is ${row.state}.`);
    const key = row.data_key_id ? (await this.deps.keys.open({ accountId: row.account_id, region: row.region }, row.data_key_id)).lineage : undefined;
    return this.deps.devices.acquire({ volumeId: row.volume_id, sizeBytes: row.size_gib * GIB, baseMapId: row.base_map_id, key, readOnly: options.readOnly });
  }

  /**
   * Freezes the volume's current data into a sealed block map (its writes since its base on
   * top of the base: O(changed blocks)) and continues the volume from that map. Open devices
   * are flushed first, so the map holds every completed write.
   */
  async freeze(volumeId: string): Promise<string> {
    const { store, blocks, devices } = this.deps;
    const take = async (): Promise<string> => {
      const volume = await store.volumes.get(volumeId);
      if (!volume) throw VolumeService.notFound(volumeId);
      const overlay = await store.volumes.overlay(volumeId);
      const base = volume.base_map_id ? await store.blockMaps.get(volume.base_map_id) : undefined;
      if (base?.sealed && overlay.length === 0) return base.map_id; // nothing changed: share the base
      const flat = base !== undefined && base.depth >= MAX_MAP_DEPTH;
      const lineageId = base?.lineage_id ?? (volume.data_key_id ? ((await store.dataKeys.get(volume.data_key_id))?.lineage_id ?? null) : null);
      const mapId = await blocks.createMap({ parentMapId: flat ? null : (base?.map_id ?? null), sizeBytes: volume.size_gib * GIB, lineageId, sealed: false });
      const inherited = flat ? [...(await blocks.resolve(base.map_id)).entries] : [];
      await blocks.putEntries(mapId, [...inherited, ...overlay]);
      await store.volumes.rebase(volumeId, mapId);
      await blocks.seal(mapId);
      return mapId;
    };
    const device = await devices.get(volumeId);
    if (!device) return take();
    return device.exclusive(async () => {
      await device.flushLocked();
      const mapId = await take();
      await device.rebaseLocked(mapId);
      return mapId;
    });
  }
}
