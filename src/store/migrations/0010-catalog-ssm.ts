// The public image catalog's bookkeeping (its anchor date, fingerprint and the block maps of its
// disks), AWS Marketplace subscriptions, and SSM Parameter Store: parameters (name -> latest
// version), every version with its value and metadata, labels (a label is on at most one
// version of a parameter) and tags.
import type { Kysely } from 'kysely';
import { intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalog_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('marketplace_subscriptions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('product_code', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('marketplace_subscriptions_pk', ['account_id', 'product_code'])
    .execute();

  await db.schema
    .createTable('ssm_parameters')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', intType(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('ssm_parameters_pk', ['account_id', 'region', 'name'])
    .execute();

  await db.schema
    .createTable('ssm_parameter_versions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', intType(db), (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data_type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('description', 'text')
    .addColumn('allowed_pattern', 'text')
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('policies', 'text')
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .addColumn('last_modified_user', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ssm_parameter_versions_pk', ['account_id', 'region', 'name', 'version'])
    .execute();

  await db.schema
    .createTable('ssm_parameter_labels')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('version', intType(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('ssm_parameter_labels_pk', ['account_id', 'region', 'name', 'label'])
    .execute();

  await db.schema
    .createTable('ssm_tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ssm_tags_pk', ['account_id', 'region', 'resource_type', 'resource_id', 'key'])
    .execute();
}
