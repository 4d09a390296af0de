// The public image catalog's rows: its state (anchor date, fingerprint, disk maps, imported
// builds), the bulk seeding of its images and snapshots (insert-or-ignore, one transaction, so a
// startup writes hundreds of rows with one commit) with the deprecation of retired entries, and
// AWS Marketplace subscriptions.
import { atomic } from '../atomic.js';
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { idChunks } from '../id-chunks.js';
import { insertRows } from '../insert-rows.js';

export interface CatalogRows {
  snapshots: Insertable<Database['snapshots']>[];
  snapshotPermissions: Insertable<Database['snapshot_permissions']>[];
  images: Insertable<Database['images']>[];
  blockDevices: Insertable<Database['image_block_devices']>[];
  launchPermissions: Insertable<Database['image_launch_permissions']>[];
  productCodes: Insertable<Database['image_product_codes']>[];
}

export interface ImageVolumesRow {
  imageId: string;
  accountId: string;
  region: string;
  name: string;
  state: string;
  ownerAlias: string | null;
  /** whether it is one of the public catalog's images */
  catalog: boolean;
  /** EBS mappings: their snapshot (none for an empty volume) and size */
  volumes: { snapshotId: string | null; sizeGiB: number }[];
}

export class CatalogRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async state(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom('catalog_state').select('value').where('key', '=', key).executeTakeFirst())?.value;
  }

  /**
   * Inserts what is missing (rows already present are left as they are) and state entries, and
   * deprecates `deprecate.imageIds` at `deprecate.time` unless they were deprecated earlier.
   */
  async seed(rows: CatalogRows, state: Record<string, string> = {}, deprecate: { imageIds: string[]; time: string } = { imageIds: [], time: '' }): Promise<void> {
    await atomic(this.db, async (trx) => {
      for (const [key, value] of Object.entries(state)) {
        await trx.insertInto('catalog_state').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
      }
      // (the rows of one table are made by one function: multi-row INSERTs of direct text)
      const put = <T extends keyof Database & string>(table: T, values: Insertable<Database[T]>[]) => insertRows(trx, table, values, { ignoreConflicts: true });
      await put('snapshots', rows.snapshots);
      await put('snapshot_permissions', rows.snapshotPermissions);
      await put('images', rows.images);
      await put('image_block_devices', rows.blockDevices);
      await put('image_launch_permissions', rows.launchPermissions);
      await put('image_product_codes', rows.productCodes);
      for (const ids of idChunks(deprecate.imageIds)) {
        await trx
          .updateTable('images')
          .set({ deprecation_time: deprecate.time })
          .where('image_id', 'in', ids)
          .where((eb) => eb.or([eb('deprecation_time', 'is', null), eb('deprecation_time', '>', deprecate.time)]))
          .execute();
      }
    });
  }

  /** Live images (of an account and/or region) with their EBS mappings, for storage reports. */
  async imagesWithVolumes(scope: { accountId?: string; region?: string }): Promise<ImageVolumesRow[]> {
    let q = this.db
      .selectFrom('images as i')
      .leftJoin('image_block_devices as b', 'b.image_id', 'i.image_id')
      .leftJoin('snapshots as s', 's.snapshot_id', 'b.snapshot_id')
      .select(['i.image_id', 'i.account_id', 'i.region', 'i.name', 'i.state', 'i.owner_alias', 'b.snapshot_id', 'b.volume_size', 's.source'])
      .where('i.state', '<>', 'deregistered');
    if (scope.accountId) q = q.where('i.account_id', '=', scope.accountId);
    if (scope.region) q = q.where('i.region', '=', scope.region);
    const out = new Map<string, ImageVolumesRow>();
    for (const r of await q.orderBy('i.account_id').orderBy('i.region').orderBy('i.image_id').execute()) {
      let image = out.get(r.image_id);
      if (!image) out.set(r.image_id, (image = { imageId: r.image_id, accountId: r.account_id, region: r.region, name: r.name, state: r.state, ownerAlias: r.owner_alias, catalog: false, volumes: [] }));
      if (r.source === 'catalog') image.catalog = true;
      if (r.volume_size !== null) image.volumes.push({ snapshotId: r.snapshot_id, sizeGiB: r.volume_size });
    }
    return [...out.values()];
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
