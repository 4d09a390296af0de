// The AMI catalog: images, their block device mappings (queryable: filters, snapshot in-use
// checks), launch permissions (who may see and launch), and product codes. Indexed for
// DescribeImages at 100k images: visibility (owner, public, explicit permission), name
// patterns (GLOB on an indexed column), owner aliases; results page by image id.
import { sql, type Kysely } from 'kysely';
import { intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('images')
    .addColumn('image_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('state_reason_code', 'text')
    .addColumn('state_reason_message', 'text')
    .addColumn('architecture', 'text', (c) => c.notNull())
    .addColumn('virtualization_type', 'text', (c) => c.notNull())
    .addColumn('hypervisor', 'text', (c) => c.notNull())
    .addColumn('root_device_name', 'text')
    .addColumn('root_device_type', 'text', (c) => c.notNull())
    .addColumn('image_type', 'text', (c) => c.notNull())
    .addColumn('platform', 'text')
    .addColumn('platform_details', 'text', (c) => c.notNull())
    .addColumn('usage_operation', 'text', (c) => c.notNull())
    .addColumn('ena_support', intType(db))
    .addColumn('sriov_net_support', 'text')
    .addColumn('boot_mode', 'text')
    .addColumn('tpm_support', 'text')
    .addColumn('uefi_data', 'text')
    .addColumn('imds_support', 'text')
    .addColumn('kernel_id', 'text')
    .addColumn('ramdisk_id', 'text')
    .addColumn('image_location', 'text', (c) => c.notNull())
    .addColumn('owner_alias', 'text')
    .addColumn('creation_date', 'text', (c) => c.notNull())
    .addColumn('deprecation_time', 'text')
    .addColumn('last_launched_time', 'text')
    .addColumn('source_instance_id', 'text')
    .addColumn('source_image_id', 'text')
    .addColumn('source_image_region', 'text')
    .addColumn('deregistration_protection', 'text', (c) => c.notNull().defaultTo('disabled'))
    .addColumn('protection_cooldown_until', 'text')
    .addColumn('public', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('free_tier_eligible', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('deregistered_at', 'text')
    .addColumn('recycle_bin_until', 'text')
    .addColumn('client_token', 'text')
    .execute();
  // a name is unique per account and region among images that are not deregistered
  await sql`CREATE UNIQUE INDEX images_name_unique ON images (account_id, region, name) WHERE state <> 'deregistered'`.execute(db);
  await db.schema.createIndex('images_region_name').on('images').columns(['region', 'name']).execute();
  await db.schema.createIndex('images_region_public').on('images').columns(['region', 'public', 'image_id']).execute();
  await db.schema.createIndex('images_region_alias').on('images').columns(['region', 'owner_alias', 'image_id']).execute();
  await db.schema.createIndex('images_owner').on('images').columns(['account_id', 'region', 'image_id']).execute();
  await db.schema.createIndex('images_source').on('images').columns(['source_image_id']).execute();

  await db.schema
    .createTable('image_block_devices')
    .addColumn('image_id', 'text', (c) => c.notNull())
    .addColumn('position', intType(db), (c) => c.notNull())
    .addColumn('device_name', 'text', (c) => c.notNull())
    .addColumn('virtual_name', 'text')
    .addColumn('no_device', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot_id', 'text')
    .addColumn('volume_size', intType(db))
    .addColumn('volume_type', 'text')
    .addColumn('delete_on_termination', intType(db))
    .addColumn('encrypted', intType(db))
    .addColumn('iops', intType(db))
    .addColumn('throughput', intType(db))
    .addColumn('kms_key_id', 'text')
    .addPrimaryKeyConstraint('image_block_devices_pk', ['image_id', 'position'])
    .execute();
  await db.schema.createIndex('image_block_devices_snapshot').on('image_block_devices').columns(['snapshot_id']).execute();

  await db.schema
    .createTable('image_launch_permissions')
    .addColumn('image_id', 'text', (c) => c.notNull())
    // user | group | organization | ou
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_launch_permissions_pk', ['image_id', 'kind', 'principal'])
    .execute();
  await db.schema.createIndex('image_launch_permissions_principal').on('image_launch_permissions').columns(['kind', 'principal', 'image_id']).execute();

  await db.schema
    .createTable('image_product_codes')
    .addColumn('image_id', 'text', (c) => c.notNull())
    .addColumn('product_code', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_product_codes_pk', ['image_id', 'product_code'])
    .execute();
  await db.schema.createIndex('image_product_codes_code').on('image_product_codes').columns(['product_code']).execute();

  // organizations: which organization and OU path an account belongs to (config / admin endpoint)
  await db.schema
    .createTable('organization_accounts')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('organization_arn', 'text', (c) => c.notNull())
    .addColumn('ou_arns', 'text', (c) => c.notNull())
    .execute();
}
