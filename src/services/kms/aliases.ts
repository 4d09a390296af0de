// Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases. Names are `alias/` + 1-250 of
// [a-zA-Z0-9/_-], unique per account and region; `alias/aws/` is reserved for AWS managed keys.
// Aliases are managed only in their own account; their target must be a customer managed key
// there (an AWS managed key's policy does not allow kms:CreateAlias).
import type { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import type { KmsAliasRow } from '../../store/repos/kms-aliases.js';
import type { KeyAccess, KeyRecord } from './key-access.js';
import { aliasArn } from './key-ref.js';
import { ALIAS_PREFIX_MESSAGE, checkLength } from './input-rules.js';
import { decodeMarker, pageLimit, toPage } from './pagination.js';
import { aliasNotFound, alreadyExists, constraint, notAuthorized, validation } from './kms-errors.js';
import type { AliasInfo, Page, PageRequest } from './kms-types.js';

const OWN = { aliases: false, crossAccount: false };
const NAME = /^[a-zA-Z0-9/_-]+$/;

function checkAliasName(name: string, member = 'aliasName'): void {
  if (!name.startsWith('alias/')) throw validation(ALIAS_PREFIX_MESSAGE);
  checkLength(name, member, 7, 256);
  if (!NAME.test(name)) throw constraint(name, member, `satisfy regular expression pattern: ${NAME.source}`);
  if (name.startsWith('alias/aws/')) throw notAuthorized(`The alias prefix alias/aws/ is reserved for AWS managed keys: ${name}`);
}

export class AliasOps {
  constructor(
    private readonly store: Store,
    private readonly access: KeyAccess,
  ) {}

  private async target(caller: Scope, ref: string, action: string): Promise<KeyRecord> {
    const key = await this.access.resolve(caller, ref, OWN, action);
    await this.access.authorize(caller, key, action);
    this.access.requireNotPendingDeletion(key);
    return key;
  }

  async create(caller: Scope, aliasName: string, targetKeyRef: string): Promise<void> {
    checkAliasName(aliasName);
    const key = await this.target(caller, targetKeyRef, 'kms:CreateAlias');
    if (!(await this.store.kmsAliases.insert(caller, aliasName, key.keyId))) {
      throw alreadyExists(`An alias with the name ${aliasArn(caller, aliasName)} already exists`);
    }
  }

  async update(caller: Scope, aliasName: string, targetKeyRef: string): Promise<void> {
    checkAliasName(aliasName);
    const alias = await this.store.kmsAliases.find(caller, aliasName);
    if (!alias) throw aliasNotFound(aliasArn(caller, aliasName));
    const key = await this.target(caller, targetKeyRef, 'kms:UpdateAlias');
    await this.store.kmsAliases.retarget(caller, aliasName, key.keyId);
  }

  async delete(caller: Scope, aliasName: string): Promise<void> {
    if (!aliasName.startsWith('alias/')) throw validation(ALIAS_PREFIX_MESSAGE);
    if (aliasName.startsWith('alias/aws/')) throw notAuthorized(`The alias prefix alias/aws/ is reserved for AWS managed keys: ${aliasName}`);
    const alias = await this.store.kmsAliases.find(caller, aliasName);
    if (!alias) throw aliasNotFound(aliasArn(caller, aliasName));
    const row = await this.store.kmsKeys.find(caller, alias.key_id);
    if (row) await this.access.authorize(caller, this.access.record(row), 'kms:DeleteAlias');
    await this.store.kmsAliases.delete(caller, aliasName);
  }

  async list(caller: Scope, page: PageRequest & { keyRef?: string }): Promise<Page<AliasInfo>> {
    const limit = pageLimit(page.limit, 100, 50);
    const [after] = decodeMarker(page.marker, 1) ?? [];
    const keyId = page.keyRef === undefined ? undefined : (await this.access.resolve(caller, page.keyRef, OWN, 'kms:ListAliases')).keyId;
    await this.access.purgeExpired(caller);
    const rows = await this.store.kmsAliases.list(caller, { keyId, after, limit: limit + 1 });
    return toPage(rows, limit, (r) => aliasInfo(caller, r), (r) => [r.alias_name]);
  }
}

function aliasInfo(scope: Scope, r: KmsAliasRow): AliasInfo {
  return {
    aliasName: r.alias_name,
    aliasArn: aliasArn(scope, r.alias_name),
    targetKeyId: r.key_id,
    creationDate: new Date(r.created_at),
    lastUpdatedDate: new Date(r.updated_at),
  };
}
