// EC2 key pairs: names unique per account and region; only public halves are kept.
import type { Kysely, Selectable } from 'kysely';
import type { Database, KeyPairsTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type KeyPairRow = Selectable<KeyPairsTable>;

export class KeyPairsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts unless the name is taken; returns whether it was inserted. */
  async insert(row: KeyPairRow): Promise<boolean> {
    const result = await this.db.insertInto('key_pairs').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async list(scope: Scope): Promise<KeyPairRow[]> {
    return this.db.selectFrom('key_pairs').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).orderBy('key_name').execute();
  }

  async byName(scope: Scope, name: string): Promise<KeyPairRow | undefined> {
    return this.db.selectFrom('key_pairs').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('key_name', '=', name).executeTakeFirst();
  }

  async byId(scope: Scope, id: string): Promise<KeyPairRow | undefined> {
    return this.db.selectFrom('key_pairs').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('key_pair_id', '=', id).executeTakeFirst();
  }

  async delete(keyPairId: string): Promise<void> {
    await this.db.deleteFrom('key_pairs').where('key_pair_id', '=', keyPairId).execute();
  }
}
