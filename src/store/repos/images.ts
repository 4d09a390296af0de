// The AMI catalog tables, and DescribeImages as one indexed query: a UNION of branches, one per
// way a caller can see an image (owns it; it is public; it is shared with the caller's
// account; shared with its organization or OU), each branch using its own index, with the
// request's filters applied in every branch as SQL, ordered and paged by image id.
import { atomic } from '../atomic.js';
import { insertRows } from '../insert-rows.js';
import { addTo } from '../../group-by.js';
import { idChunks } from '../id-chunks.js';
import { inIdList } from '../id-list.js';
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Database, ImageBlockDevicesTable, ImagesTable } from '../schema.js';
import { NEVER, matchAny } from '../dialects/patterns.js';
import { dialectOf, isUniqueViolation, type DialectName } from '../dialects/dialect.js';
import { prepared } from '../prepared.js';

export type ImageRow = Selectable<ImagesTable>;
export type ImageBlockDeviceRow = Selectable<ImageBlockDevicesTable>;
export interface LaunchPermissionRow {
  kind: 'user' | 'group' | 'organization' | 'ou';
  principal: string;
}

/** Image columns a filter may match (trusted names: never from user input directly). */
export type ImageColumn = keyof ImagesTable;
export type BlockDeviceColumn = 'device_name' | 'snapshot_id' | 'volume_size' | 'volume_type' | 'delete_on_termination' | 'encrypted';

export interface ImageQuery {
  region: string;
  caller: string;
  /** organization and OU ARNs the caller belongs to */
  callerOrgs: string[];
  imageIds?: string[];
  /** Owner.N: account ids and aliases; undefined = no restriction */
  owners?: { accounts: string[]; aliases: string[] };
  /** ExecutableBy.N; undefined = no restriction */
  executableBy?: { self: boolean; all: boolean; accounts: string[] };
  includeDeprecated: boolean;
  includeDisabled: boolean;
  /** ISO time: deprecation and the deregistered-visibility window are judged against it */
  now: string;
  /** deregistered images stay visible to their owner while deregistered_at > this (strictly: a window of 0 shows nothing) */
  deregisteredSince: string;
  columns: { column: ImageColumn; patterns: string[]; boolean?: boolean; text?: boolean }[];
  blockDevices: { column: BlockDeviceColumn; patterns: string[]; boolean?: boolean; text?: boolean }[];
  tags: { key: string; patterns: string[] }[];
  tagKeys: string[][];
  productCodes: { column: 'product_code' | 'type'; patterns: string[] }[];
  after?: string;
  limit?: number;
}

type Eb = ExpressionBuilder<Database, 'images'>;

/** Another live image of the account in the region already has the name (the unique index said so). */
export class ImageNameTaken extends Error {}

const isNameConflict = (e: unknown) => isUniqueViolation(e, 'images');

function booleanPatterns(patterns: string[]): number[] {
  return patterns.flatMap((p) => (p === 'true' ? [1] : p === 'false' ? [0] : []));
}

// point lookups every image call makes, prepared (prepared.ts)
const imageById = prepared((db, imageId: string) => db.selectFrom('images').selectAll().where('image_id', '=', imageId));
const imageByName = prepared((db, accountId: string, region: string, name: string) =>
  db.selectFrom('images').selectAll().where('account_id', '=', accountId).where('region', '=', region).where('name', '=', name).where('state', '<>', 'deregistered'),
);

// one image's parts (DescribeImages by id), prepared: the same rows as the chunked IN queries
const blockDevicesOf = prepared((db, imageId: string) => db.selectFrom('image_block_devices').selectAll().where('image_id', '=', imageId).orderBy('image_id').orderBy('position'));
const productCodesOf = prepared((db, imageId: string) => db.selectFrom('image_product_codes').selectAll().where('image_id', '=', imageId));

export class ImagesRepo {
  private readonly dialect: DialectName;

  constructor(private readonly db: Kysely<Database>) {
    this.dialect = dialectOf(db);
  }

  /** Inserts an image with its mappings and product codes; ImageNameTaken if the name is in use. */
  async insert(row: ImageRow, devices: Omit<ImageBlockDeviceRow, 'image_id'>[], productCodes: { product_code: string; type: string }[] = []): Promise<void> {
    try {
      await atomic(this.db, async (trx) => {
        await insertRows(trx, 'images', [row]);
        await insertRows(trx, 'image_block_devices', devices.map((d) => ({ ...d, image_id: row.image_id })));
        await insertRows(trx, 'image_product_codes', productCodes.map((p) => ({ ...p, image_id: row.image_id })));
      });
    } catch (e) {
      if (isNameConflict(e)) throw new ImageNameTaken(row.name);
      throw e;
    }
  }

  /** Updates an image; ImageNameTaken when it would revive a name in use (a restore). */
  async updateChecked(imageId: string, set: Updateable<ImagesTable>): Promise<void> {
    try {
      await this.update(imageId, set);
    } catch (e) {
      if (isNameConflict(e)) throw new ImageNameTaken(String(set.name ?? ''));
      throw e;
    }
  }

  async get(imageId: string): Promise<ImageRow | undefined> {
    return imageById.first(this.db, imageId);
  }

  async update(imageId: string, set: Updateable<ImagesTable>): Promise<void> {
    await this.db.updateTable('images').set(set).where('image_id', '=', imageId).execute();
  }

  /** Removes an image for good (after its deregistered-visibility window, or from the recycle bin). */
  async purge(imageId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('image_block_devices').where('image_id', '=', imageId).execute();
      await trx.deleteFrom('image_launch_permissions').where('image_id', '=', imageId).execute();
      await trx.deleteFrom('image_product_codes').where('image_id', '=', imageId).execute();
      await trx.deleteFrom('images').where('image_id', '=', imageId).execute();
    });
  }

  async findByName(accountId: string, region: string, name: string): Promise<ImageRow | undefined> {
    return imageByName.first(this.db, accountId, region, name);
  }

  async findByClientToken(accountId: string, region: string, token: string): Promise<ImageRow | undefined> {
    return this.db.selectFrom('images').selectAll().where('account_id', '=', accountId).where('region', '=', region).where('client_token', '=', token).executeTakeFirst();
  }

  async blockDevices(imageIds: readonly string[]): Promise<Map<string, ImageBlockDeviceRow[]>> {
    const out = new Map<string, ImageBlockDeviceRow[]>();
    if (imageIds.length === 1) {
      const rows = await blockDevicesOf.all(this.db, imageIds[0]);
      if (rows.length) out.set(imageIds[0], rows);
      return out;
    }
    const all = inIdList(this.db, 'image_id', imageIds);
    if (all) {
      for (const r of await this.db.selectFrom('image_block_devices').selectAll().where(all).orderBy('image_id').orderBy('position').execute()) addTo(out, r.image_id, r);
      return out;
    }
    for (const chunk of idChunks(imageIds)) {
      const rows = await this.db.selectFrom('image_block_devices').selectAll().where('image_id', 'in', chunk).orderBy('image_id').orderBy('position').execute();
      for (const r of rows) addTo(out, r.image_id, r);
    }
    return out;
  }

  async productCodes(imageIds: readonly string[]): Promise<Map<string, { product_code: string; type: string }[]>> {
    const out = new Map<string, { product_code: string; type: string }[]>();
    if (imageIds.length === 1) {
      const rows = await productCodesOf.all(this.db, imageIds[0]);
      if (rows.length) out.set(imageIds[0], rows.map((r) => ({ product_code: r.product_code, type: r.type })));
      return out;
    }
    const all = inIdList(this.db, 'image_id', imageIds);
    for (const chunk of all ? [imageIds] : idChunks(imageIds)) {
      const rows = await this.db.selectFrom('image_product_codes').selectAll().where(all ?? ((eb) => eb('image_id', 'in', chunk as string[]))).execute();
      for (const r of rows) addTo(out, r.image_id, { product_code: r.product_code, type: r.type });
    }
    return out;
  }

  /** The live (not deregistered) image using a snapshot, if any. */
  async imageUsingSnapshot(snapshotId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('image_block_devices as b')
      .innerJoin('images as i', 'i.image_id', 'b.image_id')
      .select('i.image_id')
      .where('b.snapshot_id', '=', snapshotId)
      .where('i.state', '<>', 'deregistered')
      .executeTakeFirst();
    return row?.image_id;
  }

  /** The account's images in the Recycle Bin (retention not yet expired), by image id. */
  async inRecycleBin(scope: { accountId: string; region: string }, now: string, imageIds?: readonly string[]): Promise<ImageRow[]> {
    let q = this.db
      .selectFrom('images')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('state', '=', 'deregistered')
      .where('recycle_bin_until', '>', now);
    if (imageIds) q = q.where('image_id', 'in', imageIds.length ? (imageIds as string[]) : ['']);
    return q.orderBy('image_id').execute();
  }

  async launchPermissions(imageId: string): Promise<LaunchPermissionRow[]> {
    const rows = await this.db.selectFrom('image_launch_permissions').select(['kind', 'principal']).where('image_id', '=', imageId).orderBy('kind').orderBy('principal').execute();
    return rows as LaunchPermissionRow[];
  }

  /** Applies additions and removals and recomputes the public flag, in one transaction. */
  async changeLaunchPermissions(imageId: string, add: readonly LaunchPermissionRow[], remove: readonly LaunchPermissionRow[]): Promise<void> {
    await atomic(this.db, async (trx) => {
      for (const p of remove) {
        await trx.deleteFrom('image_launch_permissions').where('image_id', '=', imageId).where('kind', '=', p.kind).where('principal', '=', p.principal).execute();
      }
      for (const p of add) {
        await trx.insertInto('image_launch_permissions').values({ image_id: imageId, kind: p.kind, principal: p.principal }).onConflict((oc) => oc.doNothing()).execute();
      }
      const isPublic = await trx.selectFrom('image_launch_permissions').select('kind').where('image_id', '=', imageId).where('kind', '=', 'group').where('principal', '=', 'all').executeTakeFirst();
      await trx.updateTable('images').set({ public: isPublic ? 1 : 0 }).where('image_id', '=', imageId).execute();
    });
  }

  async clearLaunchPermissions(imageId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('image_launch_permissions').where('image_id', '=', imageId).execute();
      await trx.updateTable('images').set({ public: 0 }).where('image_id', '=', imageId).execute();
    });
  }

  /** Whether `caller` (with its organizations) holds an explicit launch permission. */
  async isSharedWith(imageId: string, caller: string, callerOrgs: readonly string[]): Promise<boolean> {
    const row = await this.db
      .selectFrom('image_launch_permissions')
      .select('kind')
      .where('image_id', '=', imageId)
      .where((eb) =>
        eb.or([
          eb.and([eb('kind', '=', 'user'), eb('principal', '=', caller)]),
          ...(callerOrgs.length ? [eb.and([eb('kind', 'in', ['organization', 'ou']), eb('principal', 'in', callerOrgs as string[])])] : []),
        ]),
      )
      .executeTakeFirst();
    return Boolean(row);
  }

  // ---- DescribeImages ---------------------------------------------------------------

  async describe(q: ImageQuery): Promise<ImageRow[]> {
    if (isOneIdQuery(q)) {
      // DescribeImages of one id, the commonest call: its statement built once (prepared.ts)
      const one = q.includeDisabled ? describeOneIdWithDisabled : describeOneId;
      return one.all(this.db, q.region, q.caller, q.imageIds![0], q.deregisteredSince);
    }
    return describeQuery(this.db, this.dialect, q).execute();
  }

  async count(): Promise<number> {
    return Number((await this.db.selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  }
}

function filters(dialect: DialectName, eb: Eb, q: ImageQuery): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [eb('images.region', '=', q.region)];
  if (q.imageIds) conds.push(eb('images.image_id', 'in', q.imageIds.length ? q.imageIds : ['']));
  if (q.owners) {
    conds.push(
      eb.or([
        ...(q.owners.accounts.length ? [eb('images.account_id', 'in', q.owners.accounts)] : []),
        ...(q.owners.aliases.length ? [eb('images.owner_alias', 'in', q.owners.aliases)] : []),
        NEVER,
      ]),
    );
  }
  for (const f of q.columns) {
    const ref = sql.ref(`images.${f.column}`);
    if (f.boolean) conds.push(sql<SqlBool>`${ref} IN (${sql.join(booleanPatterns(f.patterns).length ? booleanPatterns(f.patterns) : [-1])})`);
    else conds.push(matchAny(dialect, f.text ? sql`CAST(${ref} AS TEXT)` : ref, f.patterns));
  }
  for (const f of q.blockDevices) {
    const ref = sql.ref(`b.${f.column}`);
    const match = f.boolean ? sql<SqlBool>`${ref} IN (${sql.join(booleanPatterns(f.patterns).length ? booleanPatterns(f.patterns) : [-1])})` : matchAny(dialect, f.text ? sql`CAST(${ref} AS TEXT)` : ref, f.patterns);
    conds.push(sql<SqlBool>`EXISTS (SELECT 1 FROM image_block_devices b WHERE b.image_id = images.image_id AND ${match})`);
  }
  for (const f of q.productCodes) {
    conds.push(sql<SqlBool>`EXISTS (SELECT 1 FROM image_product_codes pc WHERE pc.image_id = images.image_id AND ${matchAny(dialect, sql.ref(`pc.${f.column}`), f.patterns)})`);
  }
  for (const t of q.tags) {
    conds.push(
      sql<SqlBool>`EXISTS (SELECT 1 FROM tags t WHERE t.resource_id = images.image_id AND t.account_id = ${q.caller} AND t.key = ${t.key} AND ${matchAny(dialect, sql.ref('t.value'), t.patterns)})`,
    );
  }
  for (const keys of q.tagKeys) {
    conds.push(sql<SqlBool>`EXISTS (SELECT 1 FROM tags t WHERE t.resource_id = images.image_id AND t.account_id = ${q.caller} AND ${matchAny(dialect, sql.ref('t.key'), keys)})`);
  }
  if (q.after !== undefined) conds.push(eb('images.image_id', '>', q.after));
  return conds;
}

/** Rules for images the caller does not own: never disabled or deregistered; deprecated ones only when asked. */
function othersRules(eb: Eb, q: ImageQuery): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [eb('images.state', 'not in', ['disabled', 'deregistered'])];
  if (!q.includeDeprecated && !q.imageIds) {
    conds.push(eb.or([eb('images.deprecation_time', 'is', null), eb('images.deprecation_time', '>', q.now)]));
  }
  return conds;
}

function ownerRules(eb: Eb, q: ImageQuery): Expression<SqlBool>[] {
  const states: Expression<SqlBool>[] = [eb('images.state', 'not in', ['disabled', 'deregistered'])];
  if (q.includeDisabled) states.push(eb('images.state', '=', 'disabled'));
  // recently deregistered, unless it went to the Recycle Bin (which lists it instead)
  states.push(eb.and([eb('images.state', '=', 'deregistered'), eb('images.deregistered_at', '>', q.deregisteredSince), eb('images.recycle_bin_until', 'is', null)]));
  return [eb.or(states)];
}

/** DescribeImages' query: the visible images matching `q`, in image id order. */
function describeQuery(db: Kysely<Database>, dialect: DialectName, q: ImageQuery) {
  // branches select ids only: their UNION dedupes one column and is merged in id order from
  // indexes (covering ones, migration 0013); the page's rows are read once, at the end
  const base = () => db.selectFrom('images').select('images.image_id as id');
  const branches = [];
  const ex = q.executableBy;
  const wantOwned = !ex || ex.self;
  const wantPublic = !ex || ex.all;
  const wantShared = !ex || ex.self;
  if (wantOwned) {
    branches.push(base().where((eb) => eb.and([eb('images.account_id', '=', q.caller), ...ownerRules(eb, q), ...filters(dialect, eb, q)])));
  }
  if (wantPublic) {
    branches.push(
      base().where((eb) =>
        eb.and([
          eb('images.public', '=', 1),
          eb.or([eb.and([eb('images.account_id', '=', q.caller), ...ownerRules(eb, q)]), eb.and([eb('images.account_id', '<>', q.caller), ...othersRules(eb, q)])]),
          ...filters(dialect, eb, q),
        ]),
      ),
    );
  }
  if (wantShared) {
    branches.push(
      // driven from the caller's permissions (CROSS JOIN keeps SQLite from scanning images first)
      db
        .selectFrom('image_launch_permissions as p')
        .crossJoin('images')
        .select('images.image_id as id')
        .where((eb) =>
          eb.and([
            eb('images.image_id', '=', eb.ref('p.image_id')),
            eb.or([
              eb.and([eb('p.kind', '=', 'user'), eb('p.principal', '=', q.caller)]),
              ...(q.callerOrgs.length ? [eb.and([eb('p.kind', 'in', ['organization', 'ou']), eb('p.principal', 'in', q.callerOrgs)])] : []),
            ]),
            eb('images.account_id', '<>', q.caller),
            ...othersRules(eb, q),
            ...filters(dialect, eb, q),
          ]),
        ),
    );
  }
  for (const account of ex?.accounts ?? []) {
    // the caller's own images explicitly shared with that account (organization shares do not count)
    branches.push(
      base()
        .innerJoin('image_launch_permissions as p', 'p.image_id', 'images.image_id')
        .where((eb) => eb.and([eb('p.kind', '=', 'user'), eb('p.principal', '=', account), eb('images.account_id', '=', q.caller), ...ownerRules(eb, q), ...filters(dialect, eb, q)])),
    );
  }
  if (branches.length === 0) return db.selectFrom('images').selectAll().where(NEVER); // ExecutableBy with nobody it can name
  let compound = branches[0];
  for (const b of branches.slice(1)) compound = compound.union(b);
  let ids = compound.orderBy('id');
  if (q.limit !== undefined) ids = ids.limit(q.limit);
  return db.selectFrom('images').selectAll().where('image_id', 'in', ids).orderBy('image_id');
}

/** One image by id with no other criterion (the caller in no organization): what describeOneId answers. */
function isOneIdQuery(q: ImageQuery): boolean {
  return (
    q.imageIds?.length === 1 &&
    !q.owners &&
    !q.executableBy &&
    q.callerOrgs.length === 0 &&
    q.columns.length + q.blockDevices.length + q.tags.length + q.tagKeys.length + q.productCodes.length === 0 &&
    q.after === undefined &&
    q.limit === undefined
  );
}

// the same query as describeQuery's for such a request (deprecation is not judged when ids are
// named, so `now` takes no part), built and compiled once
const oneIdQuery = (includeDisabled: boolean) =>
  prepared((db, region: string, caller: string, imageId: string, deregisteredSince: string) =>
    describeQuery(db, dialectOf(db), { region, caller, callerOrgs: [], imageIds: [imageId], includeDeprecated: false, includeDisabled, now: '', deregisteredSince, columns: [], blockDevices: [], tags: [], tagKeys: [], productCodes: [] }),
  );
const describeOneId = oneIdQuery(false);
const describeOneIdWithDisabled = oneIdQuery(true);
