// Volume fields beyond the block-storage basics: the autoEnableIO attribute
// (Describe/ModifyVolumeAttribute), the source of a CopyVolumes copy, and the provisioned
// initialization rate asked for at creation.
import type { Kysely } from 'kysely';
import { intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('volumes').addColumn('auto_enable_io', intType(db), (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('volumes').addColumn('source_volume_id', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('initialization_rate', intType(db)).execute();
}
