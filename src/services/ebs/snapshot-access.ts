// Which snapshots a caller may use with the EBS direct APIs. Writes need the caller to own the
// snapshot; reads need it owned or shared with the caller's account by createVolumePermission
// ("EBS direct APIs does not support public snapshots"), and the snapshot's KMS key usable by
// the caller. Another account's private snapshot is indistinguishable from a missing one.
//
// Block reads and writes (`blockKey`) reuse an opened lineage key for KEY_TTL_MS per (caller,
// data key): an upload or export of thousands of blocks asks KMS (policy, grants, key state,
// unwrap, HKDF: 0.3-1 ms here, as much as the rest of a block's main-thread work) about once a
// second instead of once per block. The price: a key disabled or scheduled for deletion, or a
// grant or policy statement revoked, stops block reads and writes within a second instead of
// at once. (A cheaper re-check is not cheap: KMS's access check alone is most of the cost.)
// AWS's own data plane is laxer still: an attached volume keeps its key until detached.
// Everything else (StartSnapshot, the List calls, CompleteSnapshot) asks KMS every time, and a
// failed open is never kept.
import type { LineageKey } from '../../blocks/block-storage.js';
import type { Scope } from '../../store/scope.js';
import type { SnapshotRow, SnapshotWithMap } from '../../store/repos/snapshots.js';
import type { Store } from '../../store/store.js';
import type { StorageDomain } from '../ec2/storage-domain.js';
import { accessDenied, snapshotNotFound, withKms } from './ebs-errors.js';

type Relation = 'owner' | 'shared' | 'public' | 'none';

/** How long an opened lineage key is used without asking KMS again. */
export const KEY_TTL_MS = 1000;

interface OpenedKey {
  key: Promise<LineageKey | undefined>;
  until: number;
}

export class SnapshotAccess {
  /** `account/region/data key` -> the open (or opening: concurrent blocks share one unwrap) */
  private readonly keys = new Map<string, OpenedKey>();

  constructor(
    private readonly store: Store,
    private readonly storage: StorageDomain,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private async lookup<R extends SnapshotRow>(caller: Scope, snapshotId: string, get: (id: string) => Promise<R | undefined>): Promise<{ row: R; relation: Relation } | undefined> {
    const row = await get(snapshotId);
    if (!row || row.region !== caller.region) return undefined;
    if (row.account_id === caller.accountId) return { row, relation: 'owner' };
    if ((await this.store.snapshots.permissions(snapshotId)).includes(caller.accountId)) return { row, relation: 'shared' };
    return { row, relation: row.public ? 'public' : 'none' };
  }

  /** The caller's own snapshot (writes). */
  owned(caller: Scope, snapshotId: string): Promise<SnapshotRow> {
    return this.ownedBy(caller, snapshotId, (id) => this.store.snapshots.get(id));
  }

  /** `owned` with its block map's seal, read in the same statement (each PutSnapshotBlock). */
  ownedWithMap(caller: Scope, snapshotId: string): Promise<SnapshotWithMap> {
    return this.ownedBy(caller, snapshotId, (id) => this.store.snapshots.getWithMap(id));
  }

  private async ownedBy<R extends SnapshotRow>(caller: Scope, snapshotId: string, get: (id: string) => Promise<R | undefined>): Promise<R> {
    const hit = await this.lookup(caller, snapshotId, get);
    if (!hit || hit.relation === 'none') throw snapshotNotFound(snapshotId);
    if (hit.relation !== 'owner') {
      throw accessDenied('UNAUTHORIZED_ACCOUNT', `The snapshot '${snapshotId}' belongs to another account: only its owner can write to it.`);
    }
    return hit.row;
  }

  /** A snapshot the caller may read. */
  async readable(caller: Scope, snapshotId: string): Promise<SnapshotRow> {
    const hit = await this.lookup(caller, snapshotId, (id) => this.store.snapshots.get(id));
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

  /** `key()` for a block read or write: an open less than KEY_TTL_MS old is reused. */
  blockKey(caller: Scope, row: SnapshotRow): Promise<LineageKey | undefined> {
    if (!row.data_key_id) return Promise.resolve(undefined);
    const id = `${caller.accountId}/${caller.region}/${row.data_key_id}`;
    const now = this.now();
    const hit = this.keys.get(id);
    if (hit && hit.until > now) return hit.key;
    if (this.keys.size >= 1000) for (const [k, v] of this.keys) if (v.until <= now) this.keys.delete(k);
    const opened: OpenedKey = { key: this.key(caller, row), until: now + KEY_TTL_MS };
    this.keys.set(id, opened);
    opened.key.catch(() => {
      if (this.keys.get(id) === opened) this.keys.delete(id);
    });
    return opened.key;
  }
}
