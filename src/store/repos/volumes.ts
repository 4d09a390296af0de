// EC2 volumes and their copy-on-write overlays (writes since the base map).
import { atomic } from '../atomic.js';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, VolumesTable } from '../schema.js';
import type { MapEntry } from './block-maps.js';
import type { Scope } from '../scope.js';

export type VolumeRow = Selectable<VolumesTable>;

export class VolumesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: VolumeRow): Promise<void> {
    await this.db.insertInto('volumes').values(row).execute();
  }

  async get(volumeId: string): Promise<VolumeRow | undefined> {
    return this.db.selectFrom('volumes').selectAll().where('volume_id', '=', volumeId).executeTakeFirst();
  }

  async update(volumeId: string, set: Updateable<VolumesTable>): Promise<void> {
    await this.db.updateTable('volumes').set(set).where('volume_id', '=', volumeId).execute();
  }

  async delete(volumeId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('volume_blocks').where('volume_id', '=', volumeId).execute();
      await trx.deleteFrom('volumes').where('volume_id', '=', volumeId).execute();
    });
  }

  async list(scope: Scope, volumeIds?: readonly string[]): Promise<VolumeRow[]> {
    let q = this.db.selectFrom('volumes').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (volumeIds) q = q.where('volume_id', 'in', volumeIds.length ? (volumeIds as string[]) : ['']);
    return q.orderBy('create_time').orderBy('volume_id').execute();
  }

  async all(): Promise<VolumeRow[]> {
    return this.db.selectFrom('volumes').selectAll().execute();
  }

  async findByClientToken(scope: Scope, token: string): Promise<VolumeRow | undefined> {
    return this.db
      .selectFrom('volumes')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('client_token', '=', token)
      .executeTakeFirst();
  }

  /** After a snapshot took the overlay into `mapId`: the volume continues from that map. */
  async rebase(volumeId: string, mapId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.updateTable('volumes').set({ base_map_id: mapId }).where('volume_id', '=', volumeId).execute();
      await trx.deleteFrom('volume_blocks').where('volume_id', '=', volumeId).execute();
    });
  }

  /** Every chunk any volume overlay names, with its volume (GC roots, fsck). */
  async allOverlayChunks(): Promise<{ volume_id: string; chunk_id: string }[]> {
    const rows = await this.db.selectFrom('volume_blocks').select(['volume_id', 'chunk_id']).where('chunk_id', 'is not', null).execute();
    return rows as { volume_id: string; chunk_id: string }[];
  }

  async overlay(volumeId: string): Promise<MapEntry[]> {
    const rows = await this.db
      .selectFrom('volume_blocks')
      .select(['block_index', 'chunk_id'])
      .where('volume_id', '=', volumeId)
      .orderBy('block_index')
      .execute();
    return rows.map((r) => [r.block_index, r.chunk_id]);
  }

  async putOverlay(volumeId: string, entries: readonly MapEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await atomic(this.db, async (trx) => {
      for (let i = 0; i < entries.length; i += 300) {
        const batch = entries.slice(i, i + 300).map(([block_index, chunk_id]) => ({ volume_id: volumeId, block_index, chunk_id }));
        await trx
          .insertInto('volume_blocks')
          .values(batch)
          .onConflict((oc) => oc.columns(['volume_id', 'block_index']).doUpdateSet({ chunk_id: (eb) => eb.ref('excluded.chunk_id') }))
          .execute();
      }
    });
  }
}
