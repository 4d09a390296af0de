// Grants: CreateGrant, ListGrants, RevokeGrant, RetireGrant, ListRetirableGrants. A grant lets
// its grantee principal use the key for the listed operations (subject to encryption-context
// constraints), across accounts; key-access.ts consults grants when the key policy is silent.
import type { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import type { KmsGrantRow } from '../../store/repos/kms-grants.js';
import type { KeyAccess, KeyRecord } from './key-access.js';
import type { KeyWrapper } from './key-wrap.js';
import { principalMatches } from './key-policy.js';
import { keyArn } from './key-ref.js';
import { checkLength } from './input-rules.js';
import { decodeMarker, pageLimit, toPage } from './pagination.js';
import { grantIdOfToken, grantToken, isGrantId, newGrantId } from './grant-token.js';
import { accessDenied, constraint, dryRun, grantNotFound, invalidGrantId, invalidGrantToken, rootPrincipal, validation } from './kms-errors.js';
import type { DryRunOption, GrantConstraints, GrantInfo, Page, PageRequest } from './kms-types.js';

export interface CreateGrantInput extends DryRunOption {
  keyRef: string;
  granteePrincipal: string;
  operations: string[];
  retiringPrincipal?: string;
  constraints?: GrantConstraints;
  name?: string;
  /** the grant is made by an AWS service on behalf of the caller (kms:GrantIsForAWSResource) */
  grantIsForAwsResource?: boolean;
}

const KEY_ONLY = { aliases: false, crossAccount: true };
const PRINCIPAL = /^[\w+=,.@:/-]+$/;
const GRANT_NAME = /^[a-zA-Z0-9:/_-]+$/;

function checkPrincipal(p: string, member: string): void {
  checkLength(p, member, 1, 256);
  if (!PRINCIPAL.test(p)) throw constraint(p, member, `satisfy regular expression pattern: ${PRINCIPAL.source}`);
}

const sameParams = (g: KmsGrantRow, i: CreateGrantInput) =>
  g.grantee_principal === i.granteePrincipal &&
  (g.retiring_principal ?? undefined) === i.retiringPrincipal &&
  g.operations === JSON.stringify([...i.operations].sort()) &&
  g.constraints === (i.constraints ? JSON.stringify(i.constraints) : null);

export class GrantOps {
  constructor(
    private readonly store: Store,
    private readonly access: KeyAccess,
    private readonly wrapper: KeyWrapper,
    private readonly now: () => Date,
  ) {}

  async create(caller: Scope, input: CreateGrantInput): Promise<{ grantId: string; grantToken: string }> {
    checkPrincipal(input.granteePrincipal, 'granteePrincipal');
    if (input.retiringPrincipal !== undefined) checkPrincipal(input.retiringPrincipal, 'retiringPrincipal');
    if (input.operations.length === 0) throw constraint('[]', 'operations', 'have length greater than or equal to 1');
    if (input.name !== undefined) {
      checkLength(input.name, 'name', 1, 256);
      if (!GRANT_NAME.test(input.name)) throw constraint(input.name, 'name', `satisfy regular expression pattern: ${GRANT_NAME.source}`);
    }
    const key = await this.access.resolve(caller, input.keyRef, KEY_ONLY, 'kms:CreateGrant');
    const { viaGrant } = await this.access.authorize(caller, key, 'kms:CreateGrant', { grantOperation: 'CreateGrant', grantIsForAwsResource: input.grantIsForAwsResource });
    // a grantee may pass on only what its own grant allows
    if (viaGrant) {
      const allowed = JSON.parse(viaGrant.operations) as string[];
      if (!input.operations.every((op) => allowed.includes(op))) throw accessDenied(caller.accountId, 'kms:CreateGrant', key.arn);
    }
    this.access.requireUsable(key);
    if (input.dryRun) throw dryRun();

    // a named grant retried with the same parameters is the same grant
    if (input.name !== undefined) {
      const same = (await this.store.kmsGrants.forKey(key.scope, key.keyId)).find((g) => g.name === input.name && sameParams(g, input));
      if (same) return { grantId: same.grant_id, grantToken: grantToken(this.wrapper, same.grant_id) };
    }
    const grantId = newGrantId();
    await this.store.kmsGrants.insert({
      account_id: key.scope.accountId,
      region: key.scope.region,
      key_id: key.keyId,
      grant_id: grantId,
      name: input.name ?? null,
      grantee_principal: input.granteePrincipal,
      retiring_principal: input.retiringPrincipal ?? null,
      issuing_account: caller.accountId,
      operations: JSON.stringify([...input.operations].sort()),
      constraints: input.constraints ? JSON.stringify(input.constraints) : null,
      created_at: this.now().toISOString(),
    });
    return { grantId, grantToken: grantToken(this.wrapper, grantId) };
  }

  async list(caller: Scope, keyRef: string, page: PageRequest & { grantId?: string; granteePrincipal?: string }): Promise<Page<GrantInfo>> {
    const limit = pageLimit(page.limit, 100, 50);
    const after = decodeMarker(page.marker, 2);
    const key = await this.access.resolve(caller, keyRef, KEY_ONLY, 'kms:ListGrants');
    await this.access.authorize(caller, key, 'kms:ListGrants');
    const rows = await this.store.kmsGrants.list(key.scope, key.keyId, {
      grantId: page.grantId,
      grantee: page.granteePrincipal,
      after: after && { createdAt: after[0], grantId: after[1] },
      limit: limit + 1,
    });
    return toPage(rows, limit, grantInfo, (g) => [g.created_at, g.grant_id]);
  }

  async revoke(caller: Scope, keyRef: string, grantId: string, opts: DryRunOption = {}): Promise<void> {
    const key = await this.access.resolve(caller, keyRef, KEY_ONLY, 'kms:RevokeGrant');
    await this.access.authorize(caller, key, 'kms:RevokeGrant');
    const grant = await this.grantOf(key, grantId);
    if (opts.dryRun) throw dryRun();
    await this.store.kmsGrants.delete(grant.grant_id);
  }

  /**
   * By token, or by key and grant id. Allowed to the retiring principal, to the grantee if the
   * grant includes RetireGrant, and to the account the grant was created in or for.
   */
  async retire(caller: Scope, input: DryRunOption & { grantToken?: string; keyRef?: string; grantId?: string }): Promise<void> {
    let grant: KmsGrantRow | undefined;
    let arn: string;
    if (input.grantToken !== undefined) {
      const id = grantIdOfToken(this.wrapper, input.grantToken);
      if (!id) throw invalidGrantToken();
      grant = await this.store.kmsGrants.find(id);
      // grants, like their keys, are regional
      if (!grant || grant.region !== caller.region) throw grantNotFound(id);
      arn = keyArn({ accountId: grant.account_id, region: grant.region }, grant.key_id);
    } else {
      if (input.keyRef === undefined || input.grantId === undefined) throw validation('Specify either GrantToken, or both KeyId and GrantId.');
      const key = await this.access.resolve(caller, input.keyRef, KEY_ONLY, 'kms:RetireGrant');
      grant = await this.grantOf(key, input.grantId);
      arn = key.arn;
    }
    const me = caller.accountId;
    const allowed =
      (grant.retiring_principal !== null && principalMatches([grant.retiring_principal], me)) ||
      (principalMatches([grant.grantee_principal], me) && (JSON.parse(grant.operations) as string[]).includes('RetireGrant')) ||
      grant.account_id === me ||
      grant.issuing_account === me;
    if (!allowed) throw accessDenied(me, 'kms:RetireGrant', arn);
    if (input.dryRun) throw dryRun();
    await this.store.kmsGrants.delete(grant.grant_id);
  }

  /** Grants (in the caller's region) a principal of the caller's account may retire. */
  async listRetirable(caller: Scope, retiringPrincipal: string, page: PageRequest): Promise<Page<GrantInfo>> {
    const limit = pageLimit(page.limit, 100, 50);
    const after = decodeMarker(page.marker, 2);
    checkPrincipal(retiringPrincipal, 'retiringPrincipal');
    const account = /^(?:arn:aws:(?:iam|sts)::)?(\d{12})(?::|$)/.exec(retiringPrincipal)?.[1];
    if (account !== caller.accountId) throw accessDenied(caller.accountId, 'kms:ListRetirableGrants', retiringPrincipal);
    const rows = await this.store.kmsGrants.listRetirable(caller.region, retiringPrincipal, {
      after: after && { createdAt: after[0], grantId: after[1] },
      limit: limit + 1,
    });
    return toPage(rows, limit, grantInfo, (g) => [g.created_at, g.grant_id]);
  }

  private async grantOf(key: KeyRecord, grantId: string): Promise<KmsGrantRow> {
    if (!isGrantId(grantId)) throw invalidGrantId(grantId);
    const grant = await this.store.kmsGrants.find(grantId);
    if (!grant || grant.key_id !== key.keyId || grant.account_id !== key.scope.accountId) throw grantNotFound(grantId);
    return grant;
  }
}

function grantInfo(g: KmsGrantRow): GrantInfo {
  return {
    keyArn: keyArn({ accountId: g.account_id, region: g.region }, g.key_id),
    grantId: g.grant_id,
    ...(g.name !== null ? { name: g.name } : {}),
    creationDate: new Date(g.created_at),
    granteePrincipal: g.grantee_principal,
    ...(g.retiring_principal !== null ? { retiringPrincipal: g.retiring_principal } : {}),
    issuingAccount: rootPrincipal(g.issuing_account),
    operations: JSON.parse(g.operations) as string[],
    ...(g.constraints !== null ? { constraints: JSON.parse(g.constraints) as GrantConstraints } : {}),
  };
}
