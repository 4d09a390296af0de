// createVolumePermission (ModifySnapshotAttribute and friends): the accounts a snapshot is shared
// with, and `all` for public. Only the owner reads or changes it. Rules from the
// ModifySnapshotAttribute reference and the EBS user guide:
// - add or remove in one call, not both; at most 500 modifications;
// - encrypted snapshots cannot be made public;
// - snapshots encrypted with the AWS managed key (alias/aws/ebs) cannot be shared at all;
// - block public access (either mode) refuses new public sharing.
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import type { KmsService } from '../../kms/kms-service.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import type { SnapshotBlockPublicAccess } from './block-public-access.js';

/** One createVolumePermission entry: an account, or the group `all`. */
export interface VolumePermission {
  userId?: string;
  group?: string;
}

export interface PermissionChange {
  add: readonly VolumePermission[];
  remove: readonly VolumePermission[];
}

interface SharingDeps {
  store: Store;
  kms: KmsService;
  blockPublicAccess: SnapshotBlockPublicAccess;
  snapshots: { getOwned(caller: Scope, snapshotId: string): Promise<SnapshotRow> };
}

export const MAX_PERMISSION_CHANGES = 500;
const ACCOUNT_ID = /^\d{12}$/;

/** The stored principal of an entry: a 12-digit account id, or `all`. */
function principalOf(p: VolumePermission): string {
  if (p.group !== undefined && p.userId !== undefined) {
    throw invalidParameterCombination('A create volume permission names either a UserId or a Group, not both.');
  }
  if (p.group !== undefined) {
    if (p.group !== 'all') throw invalidParameterValue(`Value (${p.group}) for parameter group is invalid. Valid values: all`);
    return 'all';
  }
  if (p.userId === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter UserId or Group');
  if (!ACCOUNT_ID.test(p.userId)) throw ec2Error('InvalidUserID.Malformed', `Invalid user id: "${p.userId}"`);
  return p.userId;
}

export class SnapshotSharing {
  constructor(private readonly deps: SharingDeps) {}

  /** The snapshot (owned by the caller) and its principals, accounts in order, then `all`. */
  async permissions(caller: Scope, snapshotId: string): Promise<{ snapshot: SnapshotRow; principals: string[] }> {
    const snapshot = await this.deps.snapshots.getOwned(caller, snapshotId);
    return { snapshot, principals: await this.deps.store.snapshots.permissions(snapshot.snapshot_id) };
  }

  async modify(caller: Scope, snapshotId: string, change: PermissionChange, checkpoint?: () => void): Promise<void> {
    const snapshot = await this.deps.snapshots.getOwned(caller, snapshotId);
    if (change.add.length && change.remove.length) {
      throw invalidParameterCombination('You can add or remove create volume permissions in one request, but not both.');
    }
    if (change.add.length + change.remove.length === 0) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter createVolumePermission');
    }
    if (change.add.length + change.remove.length > MAX_PERMISSION_CHANGES) {
      throw invalidParameterValue(`You can make up to ${MAX_PERMISSION_CHANGES} modifications to a snapshot in a single operation.`);
    }
    // sharing with yourself changes nothing
    const add = [...new Set(change.add.map(principalOf))].filter((p) => p !== caller.accountId);
    const remove = [...new Set(change.remove.map(principalOf))];
    if (add.length) await this.checkShareable(caller, snapshot, add.includes('all'));
    checkpoint?.();
    await this.deps.store.snapshots.changePermissions(snapshot.snapshot_id, add, remove);
  }

  async reset(caller: Scope, snapshotId: string, checkpoint?: () => void): Promise<void> {
    const snapshot = await this.deps.snapshots.getOwned(caller, snapshotId);
    checkpoint?.();
    await this.deps.store.snapshots.resetPermissions(snapshot.snapshot_id);
  }

  private async checkShareable(caller: Scope, snapshot: SnapshotRow, makesPublic: boolean): Promise<void> {
    if (makesPublic && snapshot.encrypted) {
      throw ec2Error('OperationNotPermitted', 'Encrypted snapshots cannot be shared publicly.');
    }
    if (makesPublic && (await this.deps.blockPublicAccess.get(caller)) !== 'unblocked') {
      throw ec2Error('OperationNotPermitted', 'Public sharing of snapshots is blocked in this Region by block public access for snapshots.');
    }
    if (snapshot.encrypted && snapshot.kms_key_arn && (await this.usesAwsManagedKey(caller, snapshot.kms_key_arn))) {
      throw ec2Error('OperationNotPermitted', 'Encrypted snapshots with EBS default key cannot be shared');
    }
  }

  private async usesAwsManagedKey(caller: Scope, keyArn: string): Promise<boolean> {
    try {
      return (await this.deps.kms.describeKey(caller, keyArn)).keyManager === 'AWS';
    } catch {
      // a key the owner can no longer describe is not the AWS managed one (that one is never deleted)
      return false;
    }
  }
}
