// KMS keys, aliases, grants and key tags. Key ids (UUIDs) are unique across accounts so a
// ciphertext blob, which names only its key id, finds its key with one lookup.
import type { Kysely } from 'kysely';
import { bytesType, intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kms_keys')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('key_usage', 'text', (c) => c.notNull())
    .addColumn('key_spec', 'text', (c) => c.notNull())
    .addColumn('key_manager', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('material', bytesType(db), (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('deletion_date', 'text')
    .addColumn('pending_window_days', intType(db))
    .addColumn('rotation_enabled', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('rotation_period_days', intType(db))
    .addPrimaryKeyConstraint('kms_keys_pk', ['account_id', 'region', 'key_id'])
    .execute();
  await db.schema.createIndex('kms_keys_key_id').unique().on('kms_keys').column('key_id').execute();

  await db.schema
    .createTable('kms_aliases')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('alias_name', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kms_aliases_pk', ['account_id', 'region', 'alias_name'])
    .execute();
  await db.schema.createIndex('kms_aliases_key').on('kms_aliases').columns(['account_id', 'region', 'key_id']).execute();

  await db.schema
    .createTable('kms_grants')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('name', 'text')
    .addColumn('grantee_principal', 'text', (c) => c.notNull())
    .addColumn('retiring_principal', 'text')
    .addColumn('issuing_account', 'text', (c) => c.notNull())
    .addColumn('operations', 'text', (c) => c.notNull())
    .addColumn('constraints', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('kms_grants_key').on('kms_grants').columns(['account_id', 'region', 'key_id', 'created_at']).execute();
  await db.schema.createIndex('kms_grants_retiring').on('kms_grants').columns(['region', 'retiring_principal']).execute();

  await db.schema
    .createTable('kms_tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addColumn('tag_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kms_tags_pk', ['account_id', 'region', 'key_id', 'tag_key'])
    .execute();
}
