// Which snapshots a caller may use with the EBS direct APIs. Writes need the caller to own the
// snapshot; reads need it owned or shared with the caller's account by createVolumePermission
// ("EBS direct APIs does not support public snapshots"), and the snapshot's KMS key usable by
// the caller. Another account's private snapshot is indistinguishable from a missing one.
import type { LineageKey } from '../../blocks/block-storage.js';
import type { Scope } from '../../store/scope.js';
import type { SnapshotRow } from '../../store/repos/snapshots.js';
import type { Store } from '../../store/store.js';
import type { StorageDomain } from '../ec2/storage-domain.js';
import { accessDenied, snapshotNotFound, withKms } from './ebs-errors.js';

type Relation = 'owner' | 'shared' | 'public' | 'none';

export class SnapshotAccess {
  constructor(
    private readonly store: Store,
    private readonly storage: StorageDomain,
  ) {}

  private async lookup(caller: Scope, snapshotId: string): Promise<{ row: SnapshotRow; relation: Relation } | undefined> {
    const row = await this.store.snapshots.get(snapshotId);
    if (!row || row.region !== caller.region) return undefined;
    if (row.account_id === caller.accountId) return { row, relation: 'owner' };
    if ((await this.store.snapshots.permissions(snapshotId)).includes(caller.accountId)) return { row, relation: 'shared' };
    return { row, relation: row.public ? 'public' : 'none' };
  }

  /** The caller's own snapshot (writes). */
  async owned(caller: Scope, snapshotId: string): Promise<SnapshotRow> {
    const hit = await this.lookup(caller, snapshotId);
    if (!hit || hit.relation === 'none') throw snapshotNotFound(snapshotId);
    if (hit.relation !== 'owner') {
      throw accessDenied('UNAUTHORIZED_ACCOUNT', `The snapshot '${snapshotId}' belongs to another account: only its owner can write to it.`);
    }
    return hit.row;
  }

  /** A snapshot the caller may read. */
  async readable(caller: Scope, snapshotId: string): Promise<SnapshotRow> {
    const hit = await this.lookup(caller, snapshotId);
    if (!hit || hit.relation === 'none') throw snapshotNotFound(snapshotId);
    if (hit.relation === 'public') {
      throw accessDenied('UNAUTHORIZED_ACCOUNT', `The snapshot '${snapshotId}' is public and not shared with your account: the EBS direct APIs do not support public snapshots.`);
    }
    return hit.row;
  }

  /** The snapshot's lineage key as the caller (undefined when unencrypted); KMS errors translated. */
  key(caller: Scope, row: SnapshotRow): Promise<LineageKey | undefined> {
    return withKms(row.kms_key_arn, () => this.storage.snapshots.keyFor(caller, row));
  }
}
