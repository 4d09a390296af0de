// KMS's side of authorization (iam/enforcement/): the key a request names — by id, key ARN, alias
// name or alias ARN, in the caller's account or (by ARN) another's — with its key policy as the
// resource policy that must allow (a key policy that does not delegate to IAM keeps IAM users
// out whatever their own policies say) and its tags; aliases by name.
import type { ActionRequirement, ResourceRequirement } from '../../iam/authorization/reference.js';
import { arnOf, homeOf } from '../../iam/enforcement/arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import { requestTags, resourceTags } from '../../iam/enforcement/request-tags.js';
import type { ContextValue } from '../../iam/policy/index.js';
import type { Store } from '../../store/store.js';

const KEY_MEMBERS = ['KeyId', 'TargetKeyId', 'SourceKeyId', 'DestinationKeyId'] as const;

export class KmsResources implements ServiceResources {
  constructor(private readonly store: Store) {}

  requestKeys(call: AuthorizationCall): Record<string, ContextValue> {
    const input = call.input;
    const keys: Record<string, ContextValue> = { ...requestTags(input.Tags), 'kms:CallerAccount': call.identity.accountId };
    if (typeof input.KeySpec === 'string') keys['kms:KeySpec'] = input.KeySpec;
    if (typeof input.KeyUsage === 'string') keys['kms:KeyUsage'] = input.KeyUsage;
    if (typeof input.EncryptionAlgorithm === 'string') keys['kms:EncryptionAlgorithm'] = input.EncryptionAlgorithm;
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
    return {
      arn: keyArn,
      context: { ...resourceTags(tags), 'kms:KeyOrigin': row.origin, 'kms:KeySpec': row.key_spec, 'kms:KeyUsage': row.key_usage },
      policies: [{ id: `${keyArn}:key-policy/default`, document: row.policy }],
      ownerAccount: row.account_id,
      resourcePolicyRequired: true,
    };
  }
}
