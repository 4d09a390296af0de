// The EC2 snapshot operations: thin mappings between the wire shapes and SnapshotService.
import type { CreateVolumePermission, Operations, Snapshot } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import { findRegion } from '../../../config/regions.js';
import { compileFilters } from '../filters.js';
import { paginate } from '../pagination.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { TagService } from '../tags/tag-service.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { SnapshotService } from './snapshot-service.js';
import type { PermissionChange, VolumePermission } from './snapshot-sharing.js';
import { snapshotFilters, snapshotOut } from './snapshot-view.js';

export interface SnapshotHandlerDeps {
  snapshots: SnapshotService;
  volumes: VolumeService;
  tags: TagService;
}

const MAX_DESCRIPTION = 255;
const COMPLETION_MINUTES: [number, number] = [1, 2880];

function checkDescription(description: string | undefined): void {
  if (description !== undefined && [...description].length > MAX_DESCRIPTION) {
    throw invalidParameterValue(`The description exceeds the maximum length of ${MAX_DESCRIPTION} characters.`);
  }
}

const permissionIn = (p: CreateVolumePermission): VolumePermission => ({ userId: p.UserId, group: p.Group });
const permissionOut = (principal: string): CreateVolumePermission => (principal === 'all' ? { Group: 'all' } : { UserId: principal });

export function snapshotHandlers({ snapshots, volumes, tags }: SnapshotHandlerDeps): HandlerMap<Operations> {
  return {
    async CreateSnapshot(ctx, input) {
      checkDescription(input.Description);
      const newTags = tagsFromSpecs(input.TagSpecifications, ['snapshot']).get('snapshot');
      const volume = await volumes.getOwned(ctx, input.VolumeId);
      const row = await snapshots.createFromVolume(ctx, volume, input.Description ?? '', () => dryRunCheckpoint(ctx));
      await tags.tagNew(ctx, row.snapshot_id, 'snapshot', newTags);
      return snapshotOut(row, { tags: newTags?.map((t) => ({ Key: t.key, Value: t.value })) });
    },

    async DescribeSnapshots(ctx, input) {
      const rows = await snapshots.describe(ctx, { snapshotIds: input.SnapshotIds, ownerIds: input.OwnerIds, restorableBy: input.RestorableByUserIds });
      const tagMap = await tags.forResources(ctx, rows.map((r) => r.snapshot_id));
      const match = compileFilters<Snapshot>(input.Filters, snapshotFilters);
      const listed = rows.map((row) => ({ row, view: snapshotOut(row, { tags: tagMap.get(row.snapshot_id) }) })).filter((s) => match(s.view));
      const { page, nextToken } = paginate(listed, (s) => `${s.row.start_time}|${s.row.snapshot_id}`, input, {
        binding: { op: 'DescribeSnapshots', account: ctx.accountId, region: ctx.region, owners: input.OwnerIds ?? [], restorable: input.RestorableByUserIds ?? [], filters: input.Filters ?? [] },
        idsParameter: 'snapshotSet',
        hasIds: Boolean(input.SnapshotIds?.length),
      });
      // sizes only for the page shown (resolving a map reads its block entries)
      const Snapshots = await Promise.all(
        page.map(async ({ row, view }) => (row.state === 'completed' ? { ...view, FullSnapshotSizeInBytes: await snapshots.logicalDataBytes(row) } : view)),
      );
      return { Snapshots, NextToken: nextToken };
    },

    async DeleteSnapshot(ctx, input) {
      await snapshots.delete(ctx, input.SnapshotId, () => dryRunCheckpoint(ctx));
    },

    async CopySnapshot(ctx, input) {
      // PresignedUrl and DestinationRegion are filled in by the SDKs; the signed request already names both regions
      if (!findRegion(input.SourceRegion)) throw ec2Error('InvalidRegion', `Invalid region: ${input.SourceRegion}`);
      if (input.KmsKeyId && !input.Encrypted) {
        throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
      }
      const minutes = input.CompletionDurationMinutes;
      if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < COMPLETION_MINUTES[0] || minutes > COMPLETION_MINUTES[1])) {
        throw invalidParameterValue(`Value (${minutes}) for parameter CompletionDurationMinutes is invalid. It must be between ${COMPLETION_MINUTES[0]} and ${COMPLETION_MINUTES[1]}.`);
      }
      checkDescription(input.Description);
      const newTags = tagsFromSpecs(input.TagSpecifications, ['snapshot']).get('snapshot');
      const source = await snapshots.getVisible({ accountId: ctx.accountId, region: input.SourceRegion }, input.SourceSnapshotId);
      dryRunCheckpoint(ctx);
      const row = await snapshots.copy(ctx, source, { description: input.Description, encrypted: input.Encrypted, kmsKeyId: input.KmsKeyId });
      await tags.tagNew(ctx, row.snapshot_id, 'snapshot', newTags);
      return { SnapshotId: row.snapshot_id, ...(newTags?.length ? { Tags: newTags.map((t) => ({ Key: t.key, Value: t.value })) } : {}) };
    },

    async DescribeSnapshotAttribute(ctx, input) {
      const { snapshot, principals } = await snapshots.sharing.permissions(ctx, input.SnapshotId);
      if (input.Attribute === 'productCodes') return { SnapshotId: snapshot.snapshot_id, ProductCodes: [] };
      return { SnapshotId: snapshot.snapshot_id, CreateVolumePermissions: principals.map(permissionOut) };
    },

    async ModifySnapshotAttribute(ctx, input) {
      if (input.Attribute === 'productCodes') throw invalidParameterValue('Only the createVolumePermission attribute of a snapshot can be modified.');
      const legacy = [...(input.UserIds ?? []).map((userId) => ({ userId })), ...(input.GroupNames ?? []).map((group) => ({ group }))];
      let change: PermissionChange = { add: [], remove: [] };
      if (input.CreateVolumePermission) {
        // SDK users such as Packer send UserId.N beside CreateVolumePermission.Add naming the same
        // accounts (no OperationType), which AWS accepts: the structured form wins
        if (legacy.length && input.OperationType !== undefined) throw invalidParameterCombination('The parameter CreateVolumePermission cannot be used with the parameters UserId or UserGroup.');
        change = { add: (input.CreateVolumePermission.Add ?? []).map(permissionIn), remove: (input.CreateVolumePermission.Remove ?? []).map(permissionIn) };
      } else if (legacy.length) {
        if (!input.OperationType) throw missingParameter('OperationType');
        change = input.OperationType === 'add' ? { add: legacy, remove: [] } : { add: [], remove: legacy };
      }
      await snapshots.sharing.modify(ctx, input.SnapshotId, change, () => dryRunCheckpoint(ctx));
    },

    async ResetSnapshotAttribute(ctx, input) {
      if (input.Attribute !== 'createVolumePermission') throw invalidParameterValue('Only the createVolumePermission attribute of a snapshot can be reset.');
      await snapshots.sharing.reset(ctx, input.SnapshotId, () => dryRunCheckpoint(ctx));
    },

    async EnableSnapshotBlockPublicAccess(ctx, input) {
      if (input.State === 'unblocked') {
        throw invalidParameterValue('Value (unblocked) for parameter State is invalid. Use DisableSnapshotBlockPublicAccess to unblock public sharing.');
      }
      dryRunCheckpoint(ctx);
      await snapshots.blockPublicAccess.set(ctx, input.State);
      return { State: input.State };
    },

    async DisableSnapshotBlockPublicAccess(ctx) {
      dryRunCheckpoint(ctx);
      await snapshots.blockPublicAccess.set(ctx, 'unblocked');
      return { State: 'unblocked' };
    },

    async GetSnapshotBlockPublicAccessState(ctx) {
      return { State: await snapshots.blockPublicAccess.get(ctx), ManagedBy: 'account' };
    },
  };
}
