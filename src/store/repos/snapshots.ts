// EC2 snapshots and their createVolumePermission grants.
import { atomic } from '../atomic.js';
import { addTo } from '../../group-by.js';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, SnapshotsTable } from '../schema.js';
import { prepared } from '../prepared.js';

export type SnapshotRow = Selectable<SnapshotsTable>;

export interface VisibleQuery {
  /** the caller's account */
  accountId: string;
  region: string;
  snapshotIds?: readonly string[];
  /** owner account ids and/or aliases (`amazon`); undefined: any */
  ownerIds?: readonly string[];
  ownerAliases?: readonly string[];
}

const snapshotById = prepared((db, snapshotId: string) => db.selectFrom('snapshots').selectAll().where('snapshot_id', '=', snapshotId));
// a snapshot being written (PutSnapshotBlock) with its block map's seal in one lookup
const snapshotWithMap = prepared((db, snapshotId: string) =>
  db
    .selectFrom('snapshots')
    .leftJoin('block_maps', 'block_maps.map_id', 'snapshots.map_id')
    .selectAll('snapshots')
    .select('block_maps.sealed as map_sealed')
    .where('snapshots.snapshot_id', '=', snapshotId),
);

/** A snapshot row and its block map's `sealed` (null: the map is gone). */
export type SnapshotWithMap = SnapshotRow & { map_sealed: number | null };

export class SnapshotsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: SnapshotRow): Promise<void> {
    await this.db.insertInto('snapshots').values(row).execute();
  }

  async get(snapshotId: string): Promise<SnapshotRow | undefined> {
    return snapshotById.first(this.db, snapshotId);
  }

  /** `get` and the snapshot's block map's seal, in one statement. */
  async getWithMap(snapshotId: string): Promise<SnapshotWithMap | undefined> {
    return snapshotWithMap.first(this.db, snapshotId);
  }

  async update(snapshotId: string, set: Updateable<SnapshotsTable>): Promise<void> {
    await this.db.updateTable('snapshots').set(set).where('snapshot_id', '=', snapshotId).execute();
  }

  async delete(snapshotId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('snapshot_permissions').where('snapshot_id', '=', snapshotId).execute();
      await trx.deleteFrom('snapshots').where('snapshot_id', '=', snapshotId).execute();
    });
  }

  /** Snapshots in the region the caller may see: owned, shared with its account, or public. */
  async visible(q: VisibleQuery): Promise<SnapshotRow[]> {
    let query = this.db
      .selectFrom('snapshots')
      .selectAll()
      .where('region', '=', q.region)
      .where((eb) =>
        eb.or([
          eb('account_id', '=', q.accountId),
          eb('public', '=', 1),
          eb(
            'snapshot_id',
            'in',
            eb.selectFrom('snapshot_permissions').select('snapshot_id').where('principal', '=', q.accountId),
          ),
        ]),
      );
    if (q.snapshotIds) query = query.where('snapshot_id', 'in', q.snapshotIds.length ? (q.snapshotIds as string[]) : ['']);
    if (q.ownerIds || q.ownerAliases) {
      const ids = q.ownerIds ?? [];
      const aliases = q.ownerAliases ?? [];
      query = query.where((eb) =>
        eb.or([
          ...(ids.length ? [eb('account_id', 'in', ids as string[])] : []),
          ...(aliases.length ? [eb('owner_alias', 'in', aliases as string[])] : []),
          ...(ids.length === 0 && aliases.length === 0 ? [eb.val(false)] : []),
        ]),
      );
    }
    return query.orderBy('start_time').orderBy('snapshot_id').execute();
  }

  async byMap(mapId: string): Promise<SnapshotRow[]> {
    return this.db.selectFrom('snapshots').selectAll().where('map_id', '=', mapId).execute();
  }

  async all(): Promise<SnapshotRow[]> {
    return this.db.selectFrom('snapshots').selectAll().execute();
  }

  async permissions(snapshotId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('snapshot_permissions').select('principal').where('snapshot_id', '=', snapshotId).orderBy('principal').execute();
    return rows.map((r) => r.principal);
  }

  async permissionsFor(snapshotIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (snapshotIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('snapshot_permissions')
      .select(['snapshot_id', 'principal'])
      .where('snapshot_id', 'in', snapshotIds as string[])
      .execute();
    for (const r of rows) addTo(out, r.snapshot_id, r.principal);
    return out;
  }

  /** Applies additions and removals and recomputes the public flag, in one transaction. */
  async changePermissions(snapshotId: string, add: readonly string[], remove: readonly string[]): Promise<void> {
    await atomic(this.db, async (trx) => {
      if (remove.length) await trx.deleteFrom('snapshot_permissions').where('snapshot_id', '=', snapshotId).where('principal', 'in', remove as string[]).execute();
      for (const principal of add) {
        await trx.insertInto('snapshot_permissions').values({ snapshot_id: snapshotId, principal }).onConflict((oc) => oc.doNothing()).execute();
      }
      const isPublic = await trx.selectFrom('snapshot_permissions').select('principal').where('snapshot_id', '=', snapshotId).where('principal', '=', 'all').executeTakeFirst();
      await trx.updateTable('snapshots').set({ public: isPublic ? 1 : 0 }).where('snapshot_id', '=', snapshotId).execute();
    });
  }

  async resetPermissions(snapshotId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('snapshot_permissions').where('snapshot_id', '=', snapshotId).execute();
      await trx.updateTable('snapshots').set({ public: 0 }).where('snapshot_id', '=', snapshotId).execute();
    });
  }

  async findByClientToken(accountId: string, region: string, token: string): Promise<SnapshotRow | undefined> {
    return this.db
      .selectFrom('snapshots')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('region', '=', region)
      .where('client_token', '=', token)
      .executeTakeFirst();
  }
}
