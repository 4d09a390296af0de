// KMS's side of authorization (iam/enforcement/): the key a request names — by id, key ARN, alias
// name or alias ARN, in the caller's account or (by ARN) another's — with its key policy as the
// resource policy that must allow (a key policy that does not delegate to IAM keeps IAM users
// out whatever their own policies say), its grants (each an Allow for its grantee, its
// operations and its encryption-context constraints: a grant allows, never denies) and its
// tags; aliases by name.
import type { ActionRequirement, ResourceRequirement } from '../../iam/authorization/reference.js';
import { arnOf, homeOf } from '../../iam/enforcement/arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import { requestTags, resourceTags } from '../../iam/enforcement/request-tags.js';
import type { ContextValue } from '../../iam/policy/index.js';
import type { Store } from '../../store/store.js';
import type { GrantConstraints } from './kms-types.js';

const KEY_MEMBERS = ['KeyId', 'TargetKeyId', 'SourceKeyId', 'DestinationKeyId'] as const;

export class KmsResources implements ServiceResources {
  constructor(private readonly store: Store) {}

  requestKeys(call: AuthorizationCall): Record<string, ContextValue> {
    const input = call.input;
    const keys: Record<string, ContextValue> = { ...requestTags(input.Tags), 'kms:CallerAccount': call.identity.accountId };
    if (typeof input.KeySpec === 'string') keys['kms:KeySpec'] = input.KeySpec;
    if (typeof input.KeyUsage === 'string') keys['kms:KeyUsage'] = input.KeyUsage;
    if (typeof input.EncryptionAlgorithm === 'string') keys['kms:EncryptionAlgorithm'] = input.EncryptionAlgorithm;
    const context = input.EncryptionContext as Record<string, string> | undefined;
    if (context && typeof context === 'object') {
      for (const [k, v] of Object.entries(context)) keys[`kms:EncryptionContext:${k}`] = v;
      keys['kms:EncryptionContextKeys'] = Object.keys(context);
    }
    return keys;
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement, action: ActionRequirement): Promise<ResourceFacts[]> {
    const input = call.input;
    if (req.type === 'alias') {
      const name = input.AliasName;
      return typeof name === 'string' ? [{ arn: arnOf(req.arnTemplate, homeOf(call), { Alias: name.replace(/^alias\//, '') }) }] : [];
    }
    if (req.type !== 'key') return [];
    // ReEncrypt: From is the source key, To the destination
    const members = action.action === 'kms:ReEncryptFrom' ? ['SourceKeyId', 'KeyId'] : action.action === 'kms:ReEncryptTo' ? ['DestinationKeyId'] : KEY_MEMBERS;
    const named = members.map((m) => input[m]).filter((v): v is string => typeof v === 'string' && v !== '');
    if (!named.length) return req.required ? [{ arn: arnOf(req.arnTemplate, homeOf(call), {}) }] : [];
    return Promise.all([...new Set(named)].map((ref) => this.key(call, req, ref)));
  }

  private async key(call: AuthorizationCall, req: ResourceRequirement, ref: string): Promise<ResourceFacts> {
    const scope = { accountId: call.identity.accountId, region: call.region };
    let keyId = ref;
    let account = call.identity.accountId;
    let region = call.region;
    const arn = /^arn:[^:]+:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
    if (arn) [, region, account, , keyId] = arn;
    const isAlias = arn ? arn[3] === 'alias' : ref.startsWith('alias/');
    if (isAlias) {
      const alias = await this.store.kmsAliases.find({ accountId: account, region }, arn ? `alias/${keyId}` : ref);
      keyId = alias?.key_id ?? '';
    }
    const row = keyId ? await this.store.kmsKeys.find({ accountId: account, region }, keyId) : undefined;
    // a key that is not there: evaluated on what the request named; KMS answers NotFound after
    if (!row) return { arn: arnOf(req.arnTemplate, { region, account }, { KeyId: keyId }) };
    const tags = account === scope.accountId && region === scope.region ? await this.store.kmsTags.list(scope, row.key_id, { limit: 1000 }) : [];
    const keyArn = `arn:aws:kms:${row.region}:${row.account_id}:key/${row.key_id}`;
    const policies = [{ id: `${keyArn}:key-policy/default`, document: row.policy }];
    const grants = grantsPolicy(await this.store.kmsGrants.forKey({ accountId: row.account_id, region: row.region }, row.key_id));
    if (grants) policies.push({ id: `${keyArn}:grants`, document: grants });
    return {
      arn: keyArn,
      context: { ...resourceTags(tags), 'kms:KeyOrigin': row.origin, 'kms:KeySpec': row.key_spec, 'kms:KeyUsage': row.key_usage },
      policies,
      ownerAccount: row.account_id,
      resourcePolicyRequired: true,
    };
  }
}

/** The key's grants as one resource policy: a statement per grant. */
function grantsPolicy(grants: readonly { grantee_principal: string; operations: string; constraints: string | null }[]): string | undefined {
  const statements = [];
  for (const g of grants) {
    // grantees are ARNs, account ids or service principals; anything else cannot match a caller
    const principal = /^(arn:aws:(iam|sts)::\d{12}:.+|\d{12})$/.test(g.grantee_principal) ? { AWS: g.grantee_principal } : undefined;
    if (!principal) continue;
    const operations = JSON.parse(g.operations) as string[];
    const constraints: GrantConstraints = g.constraints ? (JSON.parse(g.constraints) as GrantConstraints) : {};
    const condition: Record<string, Record<string, string | string[]>> = {};
    const pairs = { ...constraints.encryptionContextSubset, ...constraints.encryptionContextEquals };
    if (Object.keys(pairs).length) condition.StringEquals = Object.fromEntries(Object.entries(pairs).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]));
    if (constraints.encryptionContextEquals) condition['ForAllValues:StringEquals'] = { 'kms:EncryptionContextKeys': Object.keys(constraints.encryptionContextEquals) };
    statements.push({ Effect: 'Allow', Principal: principal, Action: operations.map((o) => `kms:${o}`), Resource: '*', ...(Object.keys(condition).length ? { Condition: condition } : {}) });
  }
  return statements.length ? JSON.stringify({ Version: '2012-10-17', Statement: statements }) : undefined;
}
