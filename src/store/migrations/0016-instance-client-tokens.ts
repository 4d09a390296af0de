// RunInstances' ClientToken, enforced by the store: one reservation per token in an account and
// region, whichever node receives the request (two launches racing with one token both write
// launch index 0; the index admits one, the other answers with its instances).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE UNIQUE INDEX instances_client_token_launch ON instances (account_id, region, client_token, launch_index) WHERE client_token IS NOT NULL`.execute(db);
}
