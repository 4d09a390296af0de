// The metadata schema, as Kysely table types. Services reach the database only through
// repos/ built on these types, so the SQL stays dialect-neutral (SQLite now, PostgreSQL later).
// Times are ISO-8601 strings; booleans are 0/1 integers; JSON documents are TEXT.

export interface AccountAttributesTable {
  account_id: string;
  region: string;
  name: string;
  value: string;
  updated_at: string;
}

export interface IdempotencyTable {
  account_id: string;
  region: string;
  action: string;
  token: string;
  request_hash: string;
  result: string;
  created_at: string;
}

export interface Database {
  account_attributes: AccountAttributesTable;
  idempotency: IdempotencyTable;
}
