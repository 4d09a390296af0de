// Finding a key and deciding whether the caller may use it: identifier resolution (own account
// by id/alias, other accounts only by ARN), the lazy AWS managed key, lazy purge of keys whose
// deletion date passed, key policy + grant authorization, and the key-state rules of the
// Developer Guide's "Key states of AWS KMS keys" table.
import type { Store } from '../../store/store.js';
import type { KmsKeyRow } from '../../store/repos/kms-keys.js';
import type { KmsGrantRow } from '../../store/repos/kms-grants.js';
import type { Scope } from '../../store/scope.js';
import type { CallerIdentity } from '../../iam/principal.js';
import type { KeyWrapper } from './key-wrap.js';
import { evaluatePolicy, parseKeyPolicy, principalMatches } from './key-policy.js';
import { aliasArn, keyArn, parseKeyRef } from './key-ref.js';
import { accessDenied, aliasNotFound, disabled, invalidKeyId, keyNotFound, pendingDeletion } from './kms-errors.js';
import { awsManagedService, type KeyFactory } from './key-factory.js';
import type { EncryptionContext, GrantConstraints, KeyDetails, KeyInfo, KeyManager, KeyState } from './kms-types.js';

export interface KeyRecord {
  scope: Scope;
  keyId: string;
  arn: string;
  state: KeyState;
  row: KmsKeyRow;
}

export interface ResolveOptions {
  /** alias names and alias ARNs are valid (cryptographic operations and DescribeKey only) */
  aliases: boolean;
  /** other accounts' keys, by ARN (the operations AWS documents as cross-account) */
  crossAccount: boolean;
}

export interface AuthorizeOptions {
  /** the grant operation that would also permit this action */
  grantOperation?: string;
  /** the request's encryption context, for grant constraints */
  context?: EncryptionContext;
  grantIsForAwsResource?: boolean;
}

export class KeyAccess {
  constructor(
    private readonly store: Store,
    private readonly wrapper: KeyWrapper,
    private readonly factory: KeyFactory,
    private readonly now: () => Date,
  ) {}

  record(row: KmsKeyRow): KeyRecord {
    const scope = { accountId: row.account_id, region: row.region };
    return { scope, keyId: row.key_id, arn: keyArn(scope, row.key_id), state: row.state as KeyState, row };
  }

  /**
   * Resolves an identifier to a live key. Unknown keys are NotFoundException in the caller's own
   * account; another account's key is AccessDeniedException unless its policy or a grant lets
   * the caller see it, so ARNs cannot probe for keys that exist.
   */
  async resolve(caller: Scope, ref: string, opts: ResolveOptions, action: string): Promise<KeyRecord> {
    const parsed = parseKeyRef(caller, ref);
    if (parsed.kind === 'alias' && !opts.aliases) throw invalidKeyId(ref);
    const owner = { accountId: parsed.accountId, region: parsed.region };
    const foreign = owner.accountId !== caller.accountId;
    const arn = parsed.kind === 'key' ? keyArn(owner, parsed.keyId) : aliasArn(owner, parsed.aliasName);
    if (foreign && !opts.crossAccount) throw parsed.kind === 'key' ? keyNotFound(arn) : aliasNotFound(arn);
    const missing = () => (foreign ? accessDenied(caller.accountId, action, arn) : parsed.kind === 'key' ? keyNotFound(arn) : aliasNotFound(arn));

    let row: KmsKeyRow | undefined;
    if (parsed.kind === 'key') {
      row = await this.store.kmsKeys.find(owner, parsed.keyId);
    } else {
      const alias = await this.store.kmsAliases.find(owner, parsed.aliasName);
      if (alias) row = await this.store.kmsKeys.find(owner, alias.key_id);
      else {
        const service = awsManagedService(parsed.aliasName);
        if (service && !foreign) row = await this.factory.ensureAwsManaged(owner, service);
      }
    }
    row = row && (await this.live(row));
    if (!row) throw missing();
    return this.record(row);
  }

  /** The key a ciphertext names, if it is alive in the caller's region (any account). */
  async byId(caller: Scope, keyId: string): Promise<KeyRecord | undefined> {
    const row = await this.store.kmsKeys.findById(keyId);
    if (!row || row.region !== caller.region) return undefined;
    const live = await this.live(row);
    return live && this.record(live);
  }

  /** Deletes a key whose pending-deletion window has passed; undefined if it did. */
  async live(row: KmsKeyRow): Promise<KmsKeyRow | undefined> {
    if (row.state !== 'PendingDeletion' || !row.deletion_date || row.deletion_date > this.now().toISOString()) return row;
    await this.store.kmsKeys.delete({ accountId: row.account_id, region: row.region }, row.key_id);
    return undefined;
  }

  /** Deletes every key of the scope whose pending-deletion window has passed (before listing). */
  async purgeExpired(scope: Scope): Promise<void> {
    for (const id of await this.store.kmsKeys.expired(scope, this.now().toISOString())) await this.store.kmsKeys.delete(scope, id);
  }

  /**
   * Key policy first (an explicit Deny wins), then grants; AccessDeniedException otherwise — for
   * the caller's account. A KMS request of an IAM user or role session was already decided with
   * its own identity, IAM policies, this key's policy and its grants (iam/enforcement/) before
   * its handler ran: not again here as if it were the account's root.
   */
  async authorize(caller: Scope & { identity?: CallerIdentity; service?: string }, key: KeyRecord, action: string, opts: AuthorizeOptions = {}): Promise<{ viaGrant?: KmsGrantRow }> {
    if (caller.service === 'kms' && caller.identity && caller.identity.kind !== 'root') return {};
    const decision = evaluatePolicy(parseKeyPolicy(key.row.policy), { account: caller.accountId, action, grantIsForAwsResource: opts.grantIsForAwsResource });
    if (decision === 'allow') return {};
    if (decision === 'explicit-deny') throw accessDenied(caller.accountId, action, key.arn, true);
    if (opts.grantOperation) {
      const grants = await this.store.kmsGrants.forKey(key.scope, key.keyId);
      const grant = grants.find(
        (g) =>
          principalMatches([g.grantee_principal], caller.accountId) &&
          (JSON.parse(g.operations) as string[]).includes(opts.grantOperation!) &&
          constraintsHold(g.constraints ? (JSON.parse(g.constraints) as GrantConstraints) : undefined, opts.context),
      );
      if (grant) return { viaGrant: grant };
    }
    throw accessDenied(caller.accountId, action, key.arn);
  }

  /** Cryptographic use: Enabled only. */
  requireUsable(key: KeyRecord): void {
    if (key.state === 'Disabled') throw disabled(key.arn);
    if (key.state === 'PendingDeletion') throw pendingDeletion(key.arn);
  }

  /** Most management operations: anything but PendingDeletion. */
  requireNotPendingDeletion(key: KeyRecord): void {
    if (key.state === 'PendingDeletion') throw pendingDeletion(key.arn);
  }

  /** The plaintext key material; callers must not keep it beyond the operation. */
  material(key: KeyRecord): Buffer {
    return this.wrapper.unwrap(key.row.material, { accountId: key.scope.accountId, region: key.scope.region, keyId: key.keyId });
  }

  async info(key: KeyRecord): Promise<KeyInfo> {
    return {
      keyId: key.keyId,
      arn: key.arn,
      accountId: key.scope.accountId,
      region: key.scope.region,
      state: key.state,
      keyManager: key.row.key_manager as KeyManager,
      description: key.row.description,
      aliasNames: await this.store.kmsAliases.namesForKey(key.scope, key.keyId),
    };
  }

  async details(key: KeyRecord): Promise<KeyDetails> {
    const r = key.row;
    return {
      ...(await this.info(key)),
      creationDate: new Date(r.created_at),
      ...(r.deletion_date ? { deletionDate: new Date(r.deletion_date) } : {}),
      ...(r.pending_window_days !== null ? { pendingWindowDays: r.pending_window_days } : {}),
      keyUsage: 'ENCRYPT_DECRYPT',
      keySpec: 'SYMMETRIC_DEFAULT',
      origin: 'AWS_KMS',
    };
  }
}

/** A grant's constraints against the request's encryption context. */
export function constraintsHold(c: GrantConstraints | undefined, context: EncryptionContext | undefined): boolean {
  if (!c) return true;
  const ctx = context ?? {};
  if (c.encryptionContextEquals) {
    const want = Object.entries(c.encryptionContextEquals);
    if (want.length !== Object.keys(ctx).length || !want.every(([k, v]) => ctx[k] === v)) return false;
  }
  if (c.encryptionContextSubset && !Object.entries(c.encryptionContextSubset).every(([k, v]) => ctx[k] === v)) return false;
  return true;
}
