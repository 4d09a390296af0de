// The data keys of encrypted lineages. A lineage (a chain of block maps: a volume, its
// snapshots, volumes made from those) has one 32-byte plaintext data key its chunks are
// encrypted with; each snapshot or volume holds its own wrapping of it (a `data_keys` row)
// under the KMS key it reports. Opening a lineage key goes through KMS every time, as the
// caller, so disabled or deleted keys and revoked permissions take effect at once.
import { randomBytes } from 'node:crypto';
import { ChunkKey } from '../../../blocks/chunk-key.js';
import type { LineageKey } from '../../../blocks/block-storage.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { KmsService } from '../../kms/kms-service.js';

export interface OpenedKey {
  dataKeyId: string;
  kmsKeyArn: string;
  lineage: LineageKey;
}

const context = (lineageId: string) => ({ 'imago:lineage': lineageId });

export class LineageKeys {
  constructor(
    private readonly store: Store,
    private readonly kms: KmsService,
  ) {}

  /** A new lineage whose data key is wrapped under `kmsKeyRef` (throws KMS errors). */
  async create(caller: Scope, kmsKeyRef: string): Promise<OpenedKey> {
    const lineageId = `lk-${randomBytes(12).toString('hex')}`;
    const { keyArn, plaintext, ciphertext } = await this.kms.generateDataKey(caller, kmsKeyRef, context(lineageId));
    const dataKeyId = `dk-${randomBytes(12).toString('hex')}`;
    await this.store.dataKeys.insert({ data_key_id: dataKeyId, account_id: caller.accountId, region: caller.region, lineage_id: lineageId, kms_key_arn: keyArn, wrapped_key: ciphertext });
    return { dataKeyId, kmsKeyArn: keyArn, lineage: { lineageId, chunkKey: ChunkKey.fromDataKey(plaintext) } };
  }

  /** Unwraps a data key as `caller` (throws KMS errors: disabled, pending deletion, denied). */
  async open(caller: Scope, dataKeyId: string): Promise<OpenedKey> {
    const row = await this.store.dataKeys.get(dataKeyId);
    if (!row) throw new Error(`data key ${dataKeyId} does not exist`);
    const { plaintext } = await this.kms.decryptDataKey(caller, row.wrapped_key, context(row.lineage_id));
    return { dataKeyId, kmsKeyArn: row.kms_key_arn, lineage: { lineageId: row.lineage_id, chunkKey: ChunkKey.fromDataKey(plaintext) } };
  }

  /** Opens a data key as the account that owns its wrapping (internal readers: GC, fsck, export). */
  async openAsOwner(dataKeyId: string): Promise<OpenedKey> {
    const row = await this.store.dataKeys.get(dataKeyId);
    if (!row) throw new Error(`data key ${dataKeyId} does not exist`);
    return this.open({ accountId: row.account_id, region: row.region }, dataKeyId);
  }

  /**
   * The same lineage key wrapped under another KMS key, for `caller` (e.g. a volume made from a
   * shared encrypted snapshot, under the recipient's key). Needs the caller to be able to decrypt
   * the source wrapping and to use the target key.
   */
  async rewrap(caller: Scope, dataKeyId: string, targetKeyRef: string): Promise<OpenedKey> {
    const row = await this.store.dataKeys.get(dataKeyId);
    if (!row) throw new Error(`data key ${dataKeyId} does not exist`);
    const ctx = context(row.lineage_id);
    const { plaintext } = await this.kms.decryptDataKey(caller, row.wrapped_key, ctx);
    const target = await this.kms.checkAccess(caller, targetKeyRef, ['Encrypt', 'GenerateDataKey']);
    const { ciphertext } = await this.kms.crypto.encrypt(caller, target.arn, plaintext, { context: ctx });
    const newId = `dk-${randomBytes(12).toString('hex')}`;
    await this.store.dataKeys.insert({ data_key_id: newId, account_id: caller.accountId, region: caller.region, lineage_id: row.lineage_id, kms_key_arn: target.arn, wrapped_key: ciphertext });
    return { dataKeyId: newId, kmsKeyArn: target.arn, lineage: { lineageId: row.lineage_id, chunkKey: ChunkKey.fromDataKey(plaintext) } };
  }
}
