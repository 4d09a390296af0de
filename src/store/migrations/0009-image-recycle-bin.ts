// Images in the Recycle Bin are deregistered (their name is free, they hold no snapshots) but
// remember the state they had, so RestoreImageFromRecycleBin brings a disabled image back
// disabled and an available one available.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('images').addColumn('recycled_state', 'text').execute();
}
