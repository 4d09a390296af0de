// Block storage metadata: block maps (the manifests behind snapshots and volumes), the data
// keys of encrypted lineages, snapshots, volumes, and per-account tags.
//
// A block map is an immutable (once sealed) set of entries `block index -> chunk id`, with an
// optional parent whose entries it overrides (incremental snapshots); a NULL chunk id is a
// zero block that hides the parent's entry. All maps of one chain share one lineage key (the
// plaintext data key their chunks are encrypted with), or none.
import { sql, type Kysely } from 'kysely';
import { bytesType, intType, withoutRowid } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('data_keys')
    .addColumn('data_key_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('lineage_id', 'text', (c) => c.notNull())
    .addColumn('kms_key_arn', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', bytesType(db), (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('block_maps')
    .addColumn('map_id', 'text', (c) => c.primaryKey())
    .addColumn('parent_map_id', 'text')
    .addColumn('depth', intType(db), (c) => c.notNull())
    .addColumn('size_bytes', intType(db), (c) => c.notNull())
    .addColumn('lineage_id', 'text')
    .addColumn('sealed', intType(db), (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('block_maps_parent').on('block_maps').column('parent_map_id').execute();

  await sql`CREATE TABLE block_map_entries (
    map_id TEXT NOT NULL,
    block_index INTEGER NOT NULL,
    chunk_id TEXT,
    PRIMARY KEY (map_id, block_index)
  )${withoutRowid(db)}`.execute(db);
  await db.schema.createIndex('block_map_entries_chunk').on('block_map_entries').column('chunk_id').execute();

  await db.schema
    .createTable('snapshots')
    .addColumn('snapshot_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('volume_id', 'text', (c) => c.notNull())
    .addColumn('volume_size', intType(db), (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('progress', intType(db), (c) => c.notNull())
    .addColumn('state_message', 'text')
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('completion_time', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('encrypted', intType(db), (c) => c.notNull())
    .addColumn('kms_key_arn', 'text')
    .addColumn('data_key_id', 'text')
    .addColumn('map_id', 'text', (c) => c.notNull())
    .addColumn('owner_alias', 'text')
    .addColumn('storage_tier', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('parent_snapshot_id', 'text')
    .addColumn('timeout_minutes', intType(db))
    .addColumn('last_write_at', 'text')
    .addColumn('client_token', 'text')
    .addColumn('public', intType(db), (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('snapshots_owner').on('snapshots').columns(['account_id', 'region', 'start_time']).execute();
  await db.schema.createIndex('snapshots_map').on('snapshots').column('map_id').execute();
  await db.schema.createIndex('snapshots_public').on('snapshots').columns(['region', 'public']).execute();

  await db.schema
    .createTable('snapshot_permissions')
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_permissions_pk', ['snapshot_id', 'principal'])
    .execute();
  await db.schema.createIndex('snapshot_permissions_principal').on('snapshot_permissions').columns(['principal', 'snapshot_id']).execute();

  await db.schema
    .createTable('volumes')
    .addColumn('volume_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('availability_zone', 'text', (c) => c.notNull())
    .addColumn('size_gib', intType(db), (c) => c.notNull())
    .addColumn('volume_type', 'text', (c) => c.notNull())
    .addColumn('iops', intType(db))
    .addColumn('throughput', intType(db))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('encrypted', intType(db), (c) => c.notNull())
    .addColumn('kms_key_arn', 'text')
    .addColumn('data_key_id', 'text')
    .addColumn('snapshot_id', 'text')
    .addColumn('base_map_id', 'text')
    .addColumn('multi_attach', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('client_token', 'text')
    .addColumn('modification', 'text')
    .execute();
  await db.schema.createIndex('volumes_owner').on('volumes').columns(['account_id', 'region', 'create_time']).execute();
  await db.schema.createIndex('volumes_base_map').on('volumes').column('base_map_id').execute();

  await sql`CREATE TABLE volume_blocks (
    volume_id TEXT NOT NULL,
    block_index INTEGER NOT NULL,
    chunk_id TEXT,
    PRIMARY KEY (volume_id, block_index)
  )${withoutRowid(db)}`.execute(db);
  await db.schema.createIndex('volume_blocks_chunk').on('volume_blocks').column('chunk_id').execute();

  await db.schema
    .createTable('tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['resource_id', 'account_id', 'key'])
    .execute();
  await db.schema.createIndex('tags_account_key').on('tags').columns(['account_id', 'region', 'key', 'value']).execute();
}
