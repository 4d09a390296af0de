// Cluster-wide secrets (the master key, the instance identity key), kept in the database so that
// every node sharing it uses the same ones, and only wrapped under the key-encryption key each
// node is given (--kek-file). kek_id names which KEK wrapped a row (a fingerprint, never the key),
// so a node given another KEK can say so instead of failing to decrypt.
import type { Kysely } from 'kysely';
import { bytesType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('key_material')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('wrapped', bytesType(db), (c) => c.notNull())
    .addColumn('kek_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
