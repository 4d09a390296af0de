// The cryptographic operations: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext), ReEncrypt,
// GenerateRandom. Key material is unwrapped for the one operation and zeroed after it.
import { randomBytes } from 'node:crypto';
import type { Scope } from '../../store/scope.js';
import type { KeyAccess, KeyRecord } from './key-access.js';
import { ciphertextKeyId, open, seal, type EncryptionContext } from './ciphertext.js';
import { checkLength, checkRange } from './input-rules.js';
import { ciphertextKeyUnavailable, dryRun, incorrectKey, invalidKeyUsage, validation } from './kms-errors.js';
import type { DryRunOption } from './kms-types.js';

const ANY = { aliases: true, crossAccount: true };

export interface DataKeySpec {
  numberOfBytes?: number;
  keySpec?: 'AES_256' | 'AES_128';
}

export interface DecryptOptions extends DryRunOption {
  context?: EncryptionContext;
  /** when given, must identify the key the blob was encrypted under */
  keyRef?: string;
  encryptionAlgorithm?: string;
}

export class CryptoOps {
  constructor(private readonly access: KeyAccess) {}

  private withMaterial<T>(key: KeyRecord, use: (material: Buffer) => T): T {
    const material = this.access.material(key);
    try {
      return use(material);
    } finally {
      material.fill(0);
    }
  }

  /** A key for `Encrypt`-like use: resolved, authorized (policy or grant), Enabled. */
  async usableKey(caller: Scope, ref: string, operation: string, context?: EncryptionContext): Promise<KeyRecord> {
    const action = `kms:${operation}`;
    const key = await this.access.resolve(caller, ref, ANY, action);
    await this.access.authorize(caller, key, action, { grantOperation: operation, context });
    this.access.requireUsable(key);
    return key;
  }

  /** The key a ciphertext was made under, authorized for `operation` (Decrypt or ReEncryptFrom). */
  async sourceKey(caller: Scope, blob: Buffer, operation: string, context?: EncryptionContext, keyRef?: string): Promise<KeyRecord> {
    const keyId = ciphertextKeyId(blob);
    if (keyRef !== undefined) {
      const named = await this.access.resolve(caller, keyRef, ANY, `kms:${operation}`);
      if (named.keyId !== keyId) throw incorrectKey();
    }
    const key = await this.access.byId(caller, keyId);
    if (!key) throw ciphertextKeyUnavailable();
    await this.access.authorize(caller, key, `kms:${operation}`, { grantOperation: operation, context });
    this.access.requireUsable(key);
    return key;
  }

  async encrypt(caller: Scope, keyRef: string, plaintext: Buffer, opts: DryRunOption & { context?: EncryptionContext; encryptionAlgorithm?: string } = {}): Promise<{ keyArn: string; ciphertext: Buffer }> {
    checkLength(plaintext, 'plaintext', 1, 4096, true);
    const key = await this.usableKey(caller, keyRef, 'Encrypt', opts.context);
    checkAlgorithm(key, opts.encryptionAlgorithm);
    if (opts.dryRun) throw dryRun();
    return { keyArn: key.arn, ciphertext: this.withMaterial(key, (m) => seal(m, key.keyId, plaintext, opts.context)) };
  }

  async decrypt(caller: Scope, ciphertext: Buffer | undefined, opts: DecryptOptions = {}): Promise<{ keyArn: string; plaintext: Buffer }> {
    if (ciphertext === undefined) throw validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
    checkLength(ciphertext, 'ciphertextBlob', 1, 6144, true);
    const key = await this.sourceKey(caller, ciphertext, 'Decrypt', opts.context, opts.keyRef);
    checkAlgorithm(key, opts.encryptionAlgorithm);
    const plaintext = this.withMaterial(key, (m) => open(m, ciphertext, opts.context));
    if (opts.dryRun) throw dryRun();
    return { keyArn: key.arn, plaintext };
  }

  /** With `withPlaintext: false` the plaintext is generated, sealed and dropped. */
  async generateDataKey(
    caller: Scope,
    keyRef: string,
    spec: DataKeySpec,
    opts: DryRunOption & { context?: EncryptionContext; withPlaintext?: boolean } = {},
  ): Promise<{ keyArn: string; plaintext: Buffer; ciphertext: Buffer }> {
    if (spec.numberOfBytes !== undefined && spec.keySpec !== undefined) throw validation('Specify either KeySpec or NumberOfBytes, not both.');
    if (spec.numberOfBytes === undefined && spec.keySpec === undefined) throw validation('Please specify either number of bytes or key spec.');
    if (spec.numberOfBytes !== undefined) checkRange(spec.numberOfBytes, 'numberOfBytes', 1, 1024);
    const size = spec.numberOfBytes ?? (spec.keySpec === 'AES_128' ? 16 : 32);
    const key = await this.usableKey(caller, keyRef, opts.withPlaintext === false ? 'GenerateDataKeyWithoutPlaintext' : 'GenerateDataKey', opts.context);
    if (opts.dryRun) throw dryRun();
    const plaintext = randomBytes(size);
    return { keyArn: key.arn, plaintext, ciphertext: this.withMaterial(key, (m) => seal(m, key.keyId, plaintext, opts.context)) };
  }

  async reEncrypt(
    caller: Scope,
    ciphertext: Buffer | undefined,
    destinationKeyRef: string,
    opts: DryRunOption & { sourceContext?: EncryptionContext; destinationContext?: EncryptionContext; sourceKeyRef?: string } = {},
  ): Promise<{ sourceKeyArn: string; keyArn: string; ciphertext: Buffer }> {
    if (ciphertext === undefined) throw validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
    checkLength(ciphertext, 'ciphertextBlob', 1, 6144, true);
    const source = await this.sourceKey(caller, ciphertext, 'ReEncryptFrom', opts.sourceContext, opts.sourceKeyRef);
    const destination = await this.usableKey(caller, destinationKeyRef, 'ReEncryptTo', opts.destinationContext);
    const plaintext = this.withMaterial(source, (m) => open(m, ciphertext, opts.sourceContext));
    try {
      if (opts.dryRun) throw dryRun();
      const sealed = this.withMaterial(destination, (m) => seal(m, destination.keyId, plaintext, opts.destinationContext));
      return { sourceKeyArn: source.arn, keyArn: destination.arn, ciphertext: sealed };
    } finally {
      plaintext.fill(0);
    }
  }

  generateRandom(numberOfBytes = 32): Buffer {
    checkRange(numberOfBytes, 'numberOfBytes', 1, 1024);
    return randomBytes(numberOfBytes);
  }
}

function checkAlgorithm(key: KeyRecord, algorithm: string | undefined): void {
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw invalidKeyUsage(`The encryption algorithm ${algorithm} is not supported by ${key.arn}, a SYMMETRIC_DEFAULT key.`);
  }
}
