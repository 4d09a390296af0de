// The keys an encrypted lineage's chunks are made with, derived once from its 32-byte data key
// (HKDF-SHA256, one label each): one to MAC plaintext into chunk ids, one for AES-256-GCM. Ids
// under different data keys are unrelated, so an id never reveals a plaintext hash across keys.
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

const ID_INFO = 'imago chunk id v1';
const ENC_INFO = 'imago chunk encryption v1';

export class ChunkKey {
  /** HMAC-SHA256 key for chunk ids */
  readonly idKey: KeyObject;
  /** AES-256-GCM key for payloads */
  readonly encryptionKey: KeyObject;

  private constructor(idKey: KeyObject, encryptionKey: KeyObject) {
    this.idKey = idKey;
    this.encryptionKey = encryptionKey;
  }

  static fromDataKey(dataKey: Uint8Array): ChunkKey {
    if (dataKey.length !== 32) throw new RangeError(`data key must be 32 bytes, got ${dataKey.length}`);
    const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32)));
    return new ChunkKey(derive(ID_INFO), derive(ENC_INFO));
  }
}
