// Catalog images as metadata rows, one set per region: a public, completed snapshot over the
// image's disk map (every region's snapshot shares the one map: no data is copied), and a
// public image mapping it as the root volume. Ids derive from the region and the image's key,
// so seeding again finds the same rows.
import { hash } from 'node:crypto';
import type { CatalogRows } from '../../../store/repos/catalog.js';
import type { ImageRow } from '../../../store/repos/images.js';
import type { Scope } from '../../../store/scope.js';
import type { IdPrefix } from '../resource-ids.js';
import type { CatalogImage } from './catalog-spec.js';

export type RowFactory = (caller: Scope, fields: Partial<ImageRow> & Pick<ImageRow, 'name' | 'state'>) => ImageRow;

/** A catalog resource id: stable for a region and an image key (17 hex digits, `0` first, as AWS's are). crypto.hash, not a Hash object each: a start seeds thousands. */
export function catalogId(prefix: IdPrefix, region: string, key: string): string {
  return `${prefix}-0${hash('sha256', `imago-catalog/${prefix}/${region}/${key}`, 'hex').slice(0, 16)}`;
}

export function emptyRows(): CatalogRows {
  return { snapshots: [], snapshotPermissions: [], images: [], blockDevices: [], launchPermissions: [], productCodes: [] };
}

export interface DiskMap {
  mapId: string;
  sizeGiB: number;
}

/** Appends one image's rows for one region. */
export function addImageRows(rows: CatalogRows, spec: CatalogImage, region: string, disk: DiskMap, newRow: RowFactory): void {
  const imageId = spec.fixedId?.region === region ? spec.fixedId.imageId : catalogId('ami', region, spec.key);
  const snapshotId = catalogId('snap', region, spec.key);
  const owner = { accountId: spec.owner.accountId, region };
  rows.snapshots.push({
    snapshot_id: snapshotId,
    account_id: owner.accountId,
    region,
    volume_id: 'vol-ffffffff',
    volume_size: disk.sizeGiB,
    state: 'completed',
    progress: 100,
    state_message: null,
    start_time: spec.creationDate,
    completion_time: spec.creationDate,
    description: `Created by CreateImage(${catalogId('i', region, spec.key)}) for ${imageId}`,
    encrypted: 0,
    kms_key_arn: null,
    data_key_id: null,
    map_id: disk.mapId,
    owner_alias: spec.owner.alias ?? null,
    storage_tier: 'standard',
    source: 'catalog',
    parent_snapshot_id: null,
    timeout_minutes: null,
    last_write_at: null,
    client_token: null,
    public: 1,
  });
  rows.snapshotPermissions.push({ snapshot_id: snapshotId, principal: 'all' });
  rows.images.push(
    newRow(owner, {
      image_id: imageId,
      name: spec.name,
      description: spec.description,
      state: 'available',
      architecture: spec.architecture,
      virtualization_type: spec.virtualizationType ?? 'hvm',
      platform: spec.platform ?? null,
      root_device_name: spec.rootDeviceName,
      platform_details: spec.platformDetails,
      usage_operation: spec.usageOperation,
      ena_support: spec.enaSupport ? 1 : 0,
      sriov_net_support: spec.sriovNetSupport,
      boot_mode: spec.bootMode,
      tpm_support: spec.tpmSupport,
      imds_support: spec.imdsSupport,
      image_location: spec.imageLocation,
      owner_alias: spec.owner.alias ?? null,
      creation_date: spec.creationDate,
      deprecation_time: spec.deprecationTime,
      public: 1,
      free_tier_eligible: spec.freeTierEligible ? 1 : 0,
    }),
  );
  const gp3 = spec.volumeType === 'gp3';
  const device = { image_id: imageId, virtual_name: null, no_device: 0, snapshot_id: null, volume_size: null, volume_type: null, delete_on_termination: null, encrypted: null, iops: null, throughput: null, kms_key_id: null };
  rows.blockDevices.push({
    ...device,
    position: 0,
    device_name: spec.rootDeviceName,
    snapshot_id: snapshotId,
    volume_size: Math.max(spec.volumeSizeGiB, disk.sizeGiB),
    volume_type: spec.volumeType,
    delete_on_termination: 1,
    encrypted: 0,
    iops: gp3 ? 3000 : null,
    throughput: gp3 ? 125 : null,
  });
  spec.ephemeralDevices.forEach((name, i) => rows.blockDevices.push({ ...device, position: i + 1, device_name: name, virtual_name: `ephemeral${i}` }));
  rows.launchPermissions.push({ image_id: imageId, kind: 'group', principal: 'all' });
  for (const code of spec.productCodes) rows.productCodes.push({ image_id: imageId, product_code: code, type: 'marketplace' });
}
