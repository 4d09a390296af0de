// Block public access for snapshots, per account and region. `block-new-sharing` refuses new
// public shares; `block-all-sharing` also makes already-public snapshots private to everyone but
// their owner (their createVolumePermission still says `all`, as on AWS).
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';

export type SnapshotBlockPublicAccessState = 'block-all-sharing' | 'block-new-sharing' | 'unblocked';

const ATTRIBUTE = 'ebs.snapshot-block-public-access';

export class SnapshotBlockPublicAccess {
  constructor(private readonly store: Store) {}

  async get(scope: Scope): Promise<SnapshotBlockPublicAccessState> {
    const value = await this.store.accountAttributes.get(scope, ATTRIBUTE);
    return value === 'block-all-sharing' || value === 'block-new-sharing' ? value : 'unblocked';
  }

  async set(scope: Scope, state: SnapshotBlockPublicAccessState): Promise<void> {
    if (state === 'unblocked') await this.store.accountAttributes.delete(scope, ATTRIBUTE);
    else await this.store.accountAttributes.set(scope, ATTRIBUTE, state);
  }

  /** A per-call memo of which owners hide their public snapshots (one lookup per owner). */
  hidesPublic(): (owner: Scope) => Promise<boolean> {
    const memo = new Map<string, Promise<boolean>>();
    return (owner) => {
      const key = `${owner.accountId}/${owner.region}`;
      let hit = memo.get(key);
      if (!hit) memo.set(key, (hit = this.get(owner).then((s) => s === 'block-all-sharing')));
      return hit;
    };
  }
}
