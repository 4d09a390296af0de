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
  kms_keys: KmsKeysTable;
  kms_aliases: KmsAliasesTable;
  kms_grants: KmsGrantsTable;
  kms_tags: KmsTagsTable;
}

// KMS (migration 0002-kms). Key material is stored only wrapped under the master key.
export interface KmsKeysTable {
  account_id: string;
  region: string;
  key_id: string;
  description: string;
  key_usage: string;
  key_spec: string;
  /** 'AWS' | 'CUSTOMER' */
  key_manager: string;
  origin: string;
  /** 'Enabled' | 'Disabled' | 'PendingDeletion' */
  state: string;
  policy: string;
  /** AES-256-GCM-wrapped key material (see services/kms/key-wrap.ts) */
  material: Buffer;
  created_at: string;
  deletion_date: string | null;
  pending_window_days: number | null;
  rotation_enabled: number;
  rotation_period_days: number | null;
}

export interface KmsAliasesTable {
  account_id: string;
  region: string;
  alias_name: string;
  key_id: string;
  created_at: string;
  updated_at: string;
}

export interface KmsGrantsTable {
  /** the key's account and region (grants live with their key) */
  account_id: string;
  region: string;
  key_id: string;
  grant_id: string;
  name: string | null;
  grantee_principal: string;
  retiring_principal: string | null;
  issuing_account: string;
  /** JSON array of operation names */
  operations: string;
  /** JSON GrantConstraints, or null */
  constraints: string | null;
  created_at: string;
}

export interface KmsTagsTable {
  account_id: string;
  region: string;
  key_id: string;
  tag_key: string;
  tag_value: string;
}
