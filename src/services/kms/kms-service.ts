// KMS for the rest of Imago: the domain API behind the KMS wire handlers, and the one the EC2/EBS
// block storage calls in-process to encrypt snapshots. It knows nothing of JSON.
//
// Every call takes the caller's `Scope {accountId, region}` (the account is the principal, as
// `arn:aws:iam::<account>:root`) and throws `ServiceError`s with KMS codes, which other services
// translate into their own:
//
//   describeKey(caller, keyRef): Promise<KeyInfo>
//       keyRef: key id | key ARN | `alias/name` | alias ARN. Alias names resolve in the caller's
//       account; another account's key needs its key ARN or alias ARN and kms:DescribeKey in its
//       policy or a grant. `alias/aws/ebs` is created on first mention.
//   ensureAwsManagedKey(caller, 'ebs'): Promise<KeyInfo>
//       the account+region's AWS managed key `alias/aws/ebs` (KeyManager AWS), created lazily;
//       its policy lets only the owning account use it.
//   generateDataKey(caller, keyRef, context?): Promise<{ keyArn, plaintext, ciphertext }>
//       a fresh 32-byte data key and its ciphertext blob under the key (context = AAD).
//   decryptDataKey(caller, ciphertext, context?): Promise<{ keyArn, plaintext }>
//       the blob names its key; the same context must be given.
//   reEncrypt(caller, ciphertext, destinationKeyRef, context?, destinationContext?)
//       : Promise<{ keyArn, ciphertext }>  (needs ReEncryptFrom on the source key and ReEncryptTo
//       on the destination; destinationContext defaults to context). Sharing a snapshot across
//       accounts = the recipient re-wraps the data key under its own key with this.
//   checkAccess(caller, keyRef, operations, context?): Promise<KeyInfo>
//       operations are grant operation names (`Decrypt`, `GenerateDataKeyWithoutPlaintext`,
//       `ReEncryptFrom`, `CreateGrant`, `DescribeKey`, ...); throws what the operations would.
//
// Errors: NotFoundException (unknown key/alias in the caller's account, `Invalid keyId`,
// `Invalid arn <region>` for another region), AccessDeniedException (policy/grant denies, or
// another account's key that is unknown or not shared), DisabledException (disabled key),
// KMSInvalidStateException (pending deletion), InvalidCiphertextException (tampered blob or
// wrong context), IncorrectKeyException, ValidationException.
//
// The full KMS surface used by the handlers is on `keys`, `aliases`, `grants` and `crypto`.
import type { Store } from '../../store/store.js';
import { KeyWrapper } from './key-wrap.js';
import { KeyFactory, type AwsManagedService } from './key-factory.js';
import { KeyAccess } from './key-access.js';
import { KeyLifecycle } from './key-lifecycle.js';
import { AliasOps } from './aliases.js';
import { GrantOps } from './grants.js';
import { CryptoOps } from './crypto-ops.js';
import type { EncryptionContext, KeyInfo, Scope } from './kms-types.js';

export type { AwsManagedService } from './key-factory.js';
export type * from './kms-types.js';

export interface KmsServiceOptions {
  /** the clock (deletion windows); tests may move it */
  now?: () => Date;
}

// grant operations that need the key Enabled, per the key-state table
const USE_OPERATIONS = new Set([
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
]);

export class KmsService {
  readonly keys: KeyLifecycle;
  readonly aliases: AliasOps;
  readonly grants: GrantOps;
  readonly crypto: CryptoOps;
  private readonly access: KeyAccess;
  private readonly factory: KeyFactory;

  constructor(store: Store, masterKey: Buffer, options: KmsServiceOptions = {}) {
    const now = options.now ?? (() => new Date());
    const wrapper = new KeyWrapper(masterKey);
    this.factory = new KeyFactory(store, wrapper, now);
    this.access = new KeyAccess(store, wrapper, this.factory, now);
    this.keys = new KeyLifecycle(store, this.access, this.factory, now);
    this.aliases = new AliasOps(store, this.access);
    this.grants = new GrantOps(store, this.access, wrapper, now);
    this.crypto = new CryptoOps(this.access);
  }

  async describeKey(caller: Scope, keyRef: string): Promise<KeyInfo> {
    return this.checkAccess(caller, keyRef, ['DescribeKey']);
  }

  async ensureAwsManagedKey(caller: Scope, service: AwsManagedService): Promise<KeyInfo> {
    return this.access.info(this.access.record(await this.factory.ensureAwsManaged(caller, service)));
  }

  async generateDataKey(caller: Scope, keyRef: string, context?: EncryptionContext): Promise<{ keyArn: string; plaintext: Buffer; ciphertext: Buffer }> {
    return this.crypto.generateDataKey(caller, keyRef, { keySpec: 'AES_256' }, { context });
  }

  async decryptDataKey(caller: Scope, ciphertext: Buffer, context?: EncryptionContext): Promise<{ keyArn: string; plaintext: Buffer }> {
    return this.crypto.decrypt(caller, ciphertext, { context });
  }

  async reEncrypt(
    caller: Scope,
    ciphertext: Buffer,
    destinationKeyRef: string,
    context?: EncryptionContext,
    destinationContext: EncryptionContext | undefined = context,
  ): Promise<{ keyArn: string; ciphertext: Buffer }> {
    const out = await this.crypto.reEncrypt(caller, ciphertext, destinationKeyRef, { sourceContext: context, destinationContext });
    return { keyArn: out.keyArn, ciphertext: out.ciphertext };
  }

  async checkAccess(caller: Scope, keyRef: string, operations: string[], context?: EncryptionContext): Promise<KeyInfo> {
    const key = await this.access.resolve(caller, keyRef, { aliases: true, crossAccount: true }, `kms:${operations[0] ?? 'DescribeKey'}`);
    for (const op of operations) await this.access.authorize(caller, key, `kms:${op}`, { grantOperation: op, context });
    if (operations.some((op) => USE_OPERATIONS.has(op))) this.access.requireUsable(key);
    return this.access.info(key);
  }
}
