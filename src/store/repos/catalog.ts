// The public image catalog's rows: its state (anchor date, fingerprint, disk maps), the bulk
// seeding of its images and snapshots (insert-or-ignore, one transaction, so a startup writes
// hundreds of rows with one commit), and AWS Marketplace subscriptions.
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface CatalogRows {
  snapshots: Insertable<Database['snapshots']>[];
  snapshotPermissions: Insertable<Database['snapshot_permissions']>[];
  images: Insertable<Database['images']>[];
  blockDevices: Insertable<Database['image_block_devices']>[];
  launchPermissions: Insertable<Database['image_launch_permissions']>[];
  productCodes: Insertable<Database['image_product_codes']>[];
}

// rows per INSERT statement: well under SQLite's bound-variable limit for the widest table
const BATCH = 200;

export class CatalogRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async state(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom('catalog_state').select('value').where('key', '=', key).executeTakeFirst())?.value;
  }

  async setState(entries: Record<string, string>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(entries)) {
        await trx.insertInto('catalog_state').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
      }
    });
  }

  /** Inserts what is missing (rows already present are left as they are). */
  async seed(rows: CatalogRows): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const put = async <T extends keyof Database>(table: T, values: Insertable<Database[T]>[]) => {
        for (let i = 0; i < values.length; i += BATCH) {
          await trx
            .insertInto(table)
            .values(values.slice(i, i + BATCH) as never)
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      };
      await put('snapshots', rows.snapshots);
      await put('snapshot_permissions', rows.snapshotPermissions);
      await put('images', rows.images);
      await put('image_block_devices', rows.blockDevices);
      await put('image_launch_permissions', rows.launchPermissions);
      await put('image_product_codes', rows.productCodes);
    });
  }

  // ---- AWS Marketplace subscriptions ---------------------------------------------------

  async subscribed(accountId: string, productCode: string): Promise<boolean> {
    const row = await this.db.selectFrom('marketplace_subscriptions').select('product_code').where('account_id', '=', accountId).where('product_code', '=', productCode).executeTakeFirst();
    return Boolean(row);
  }

  async subscribe(accountId: string, productCode: string): Promise<void> {
    await this.db
      .insertInto('marketplace_subscriptions')
      .values({ account_id: accountId, product_code: productCode, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async unsubscribe(accountId: string, productCode: string): Promise<void> {
    await this.db.deleteFrom('marketplace_subscriptions').where('account_id', '=', accountId).where('product_code', '=', productCode).execute();
  }

  async subscriptions(accountId?: string): Promise<{ accountId: string; productCode: string }[]> {
    let q = this.db.selectFrom('marketplace_subscriptions').select(['account_id', 'product_code']);
    if (accountId) q = q.where('account_id', '=', accountId);
    return (await q.orderBy('account_id').orderBy('product_code').execute()).map((r) => ({ accountId: r.account_id, productCode: r.product_code }));
  }
}
