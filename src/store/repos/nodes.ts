// The nodes sharing this database, their heartbeats, and leased named locks (migration 0018).
import type { Kysely, Selectable } from 'kysely';
import type { Database, NodesTable } from '../schema.js';

export type NodeRow = Selectable<NodesTable>;

export class NodesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Registers the node (again, after a restart: same id, new start). */
  async register(row: Omit<NodeRow, 'heartbeat_at'>, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db
      .insertInto('nodes')
      .values({ ...row, heartbeat_at: at })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ url: row.url, compute: row.compute, blocks: row.blocks, started_at: row.started_at, heartbeat_at: at }))
      .execute();
  }

  async heartbeat(nodeId: string, now: Date): Promise<boolean> {
    const r = await this.db.updateTable('nodes').set({ heartbeat_at: now.toISOString() }).where('node_id', '=', nodeId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async all(): Promise<NodeRow[]> {
    return this.db.selectFrom('nodes').selectAll().orderBy('node_id').execute();
  }

  /** Takes (or renews) the lock `name` for `owner` until `until`, unless someone else holds it. */
  async lock(name: string, owner: string, now: Date, until: Date): Promise<boolean> {
    await this.db
      .insertInto('cluster_locks')
      .values({ name, owner, until: until.toISOString() })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, until: until.toISOString() })
          .where((eb) => eb.or([eb('cluster_locks.owner', '=', owner), eb('cluster_locks.until', '<', now.toISOString())])),
      )
      .execute();
    const held = await this.db.selectFrom('cluster_locks').select('owner').where('name', '=', name).executeTakeFirst();
    return held?.owner === owner;
  }

  async unlock(name: string, owner: string): Promise<void> {
    await this.db.deleteFrom('cluster_locks').where('name', '=', name).where('owner', '=', owner).execute();
  }
}
