// Parameter Store's domain: the account's own parameters (versions, labels, tiers, policies,
// SecureString under KMS, `aws:ec2:image` values checked against EC2) and AWS's read-only public
// namespace `/aws/service/...` served from the image catalog. Handlers map the wire onto it.
//
// Writes re-read the parameter inside a transaction and retry if it moved meanwhile, so
// concurrent PutParameter calls never lose a version; KMS and EC2 are consulted before the
// transaction (they share the database connection).
import type { Parameter, ParameterHistory, ParameterMetadata, ParameterStringFilter, ParametersFilter, PutParameterRequest } from '../../api/ssm/types.js';
import { isServiceError, ServiceError } from '../../protocol/service-error.js';
import type { ParameterVersionRow, SsmParametersRepo } from '../../store/repos/ssm-parameters.js';
import type { Scope } from '../../store/scope.js';
import type { KmsService } from '../kms/kms-service.js';
import type { PublicParameter, PublicParameters } from '../ec2/catalog/public-parameters.js';
import { byPathFilter, describeFilter } from './parameter-filters.js';
import { checkPath, checkWritableName, isPublicName, labelProblem, parameterArn, parseReference, type Selector } from './parameter-names.js';
import { expiresAt, parsePolicies, tierFor } from './parameter-policies.js';
import { historyOut, metadataOut, parameterOut, publicHistoryOut, publicParameterOut } from './parameter-views.js';
import { pageOf } from './page-token.js';
import { accessDenied, alreadyExists, constraint, parameterNotFound, parameterVersionNotFound, ssmError, validation } from './ssm-errors.js';

export interface ParameterStoreDeps {
  repo: SsmParametersRepo;
  kms: KmsService;
  /** the catalog's public parameters (re-read on every call: a reset reseeds them) */
  publicParameters: () => PublicParameters;
  /** whether `imageId` is an image the caller can see in its region */
  imageVisible: (caller: Scope, imageId: string) => Promise<boolean>;
}

const MAX_VERSIONS = 100;
const MAX_LABELS_PER_VERSION = 10;
const MAX_TAGS = 50;
const DATA_TYPES = ['text', 'aws:ec2:image'];
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** What a reference resolves to: a stored version, or a version of a public parameter. */
export type Resolved =
  | { kind: 'own'; row: ParameterVersionRow; selector?: Selector }
  | { kind: 'public'; parameter: PublicParameter; version: PublicParameter['versions'][number]; selector?: Selector };

export class ParameterStore {
  constructor(private readonly deps: ParameterStoreDeps) {}

  // ---- reads ---------------------------------------------------------------------------

  /** Deletes a parameter with everything it has; false when it did not exist. */
  private drop(caller: Scope, name: string): Promise<boolean> {
    return this.deps.repo.transaction((tx) => tx.delete(caller, name));
  }

  /** The latest version, or undefined; an expired parameter (Expiration policy) is deleted first. */
  private async latest(caller: Scope, name: string): Promise<ParameterVersionRow | undefined> {
    const row = await this.deps.repo.latest(caller, name);
    if (row && expired(row)) {
      await this.drop(caller, name);
      return undefined;
    }
    return row;
  }

  /** Resolves `name[:selector]` or a parameter ARN; ParameterNotFound / ParameterVersionNotFound. */
  async resolve(caller: Scope, reference: string): Promise<Resolved> {
    const ref = parseReference(reference);
    if ((ref.account && ref.account !== caller.accountId && !isPublicName(ref.name)) || (ref.region && ref.region !== caller.region)) throw parameterNotFound();
    const sel = ref.selector;
    if (isPublicName(ref.name)) {
      const parameter = this.deps.publicParameters().get(caller.region, ref.name);
      if (!parameter) throw parameterNotFound();
      const version = sel ? parameter.versions.find((v) => v.version === sel.version) : parameter.versions[parameter.versions.length - 1];
      if (!version) throw parameterVersionNotFound(ref.name, sel!.text);
      return { kind: 'public', parameter, version, selector: sel };
    }
    const latest = (await this.latest(caller, ref.name)) ?? (ref.altName ? await this.latest(caller, ref.altName) : undefined);
    if (!latest) throw parameterNotFound();
    if (!sel) return { kind: 'own', row: latest };
    const version = sel.version ?? (await this.deps.repo.labels(caller, latest.name)).get(sel.label!);
    const row = version === undefined ? undefined : version === latest.version ? latest : await this.deps.repo.version(caller, latest.name, version);
    if (!row) throw parameterVersionNotFound(latest.name, sel.text);
    return { kind: 'own', row, selector: sel };
  }

  private async valueOf(caller: Scope, row: ParameterVersionRow, decrypt: boolean): Promise<string> {
    if (row.type !== 'SecureString' || !decrypt) return row.value;
    try {
      const { plaintext } = await this.deps.kms.crypto.decrypt(caller, Buffer.from(row.value, 'base64'), { context: { PARAMETER_ARN: parameterArn(caller.region, caller.accountId, row.name) } });
      return plaintext.toString('utf8');
    } catch (e) {
      throw kmsFailure(e);
    }
  }

  private async out(caller: Scope, r: Resolved, decrypt: boolean): Promise<Parameter> {
    if (r.kind === 'public') return publicParameterOut(caller.region, r.parameter, r.version, r.selector);
    return parameterOut(caller, r.row, await this.valueOf(caller, r.row, decrypt), r.selector);
  }

  async get(caller: Scope, reference: string, decrypt: boolean): Promise<Parameter> {
    return this.out(caller, await this.resolve(caller, reference), decrypt);
  }

  /** GetParameters: found ones in name order; the rest (missing, or a missing version) invalid. */
  async getMany(caller: Scope, references: readonly string[], decrypt: boolean): Promise<{ parameters: Parameter[]; invalid: string[] }> {
    const parameters: Parameter[] = [];
    const invalid: string[] = [];
    for (const ref of new Set(references)) {
      try {
        parameters.push(await this.get(caller, ref, decrypt));
      } catch (e) {
        if (!isServiceError(e) || (e.code !== 'ParameterNotFound' && e.code !== 'ParameterVersionNotFound')) throw e;
        invalid.push(ref);
      }
    }
    parameters.sort((a, b) => (a.Name! < b.Name! ? -1 : a.Name! > b.Name! ? 1 : 0));
    return { parameters, invalid };
  }

  async byPath(
    caller: Scope,
    q: { path: string; recursive: boolean; filters?: ParameterStringFilter[]; decrypt: boolean; maxResults?: number; nextToken?: string },
  ): Promise<{ parameters: Parameter[]; nextToken?: string }> {
    const path = checkPath(q.path);
    const { predicate, labels } = byPathFilter(q.filters);
    const request = { op: 'GetParametersByPath', scope: scopeOf(caller), path, recursive: q.recursive, filters: q.filters };
    const size = q.maxResults ?? 10;
    if (isPublicName(path.endsWith('/') ? path : `${path}/`)) {
      const list = this.deps.publicParameters().list(caller.region, path, q.recursive);
      const matching = list.filter((p) => predicate({ name: p.name, type: 'String', keyId: null, tier: 'Standard', dataType: p.dataType, labels: new Map() }));
      const { page, nextToken } = pageOf(matching, (p) => p.name, size, request, q.nextToken);
      return { parameters: page.map((p) => publicParameterOut(caller.region, p, p.versions[p.versions.length - 1])), nextToken };
    }
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const rows = (await this.live(caller, await this.deps.repo.listLatest(caller, prefix))).filter((r) => q.recursive || !r.name.slice(prefix.length).includes('/'));
    const chosen: ParameterVersionRow[] = [];
    for (const row of rows) {
      const labelMap = labels ? await this.deps.repo.labels(caller, row.name) : undefined;
      if (!predicate({ name: row.name, type: row.type, keyId: row.key_id, tier: row.tier, dataType: row.data_type, labels: labelMap })) continue;
      // with a Label filter, the labelled version is the one returned
      const version = labels && labelMap ? labels.map((l) => labelMap.get(l)).find((v) => v !== undefined) : undefined;
      chosen.push(version === undefined || version === row.version ? row : ((await this.deps.repo.version(caller, row.name, version)) ?? row));
    }
    const { page, nextToken } = pageOf(chosen, (r) => r.name, size, request, q.nextToken);
    const parameters: Parameter[] = [];
    for (const row of page) parameters.push(parameterOut(caller, row, await this.valueOf(caller, row, q.decrypt)));
    return { parameters, nextToken };
  }

  /** Drops (and deletes) parameters whose Expiration policy has passed. */
  private async live(caller: Scope, rows: ParameterVersionRow[]): Promise<ParameterVersionRow[]> {
    const out: ParameterVersionRow[] = [];
    for (const row of rows) {
      if (expired(row)) await this.drop(caller, row.name);
      else out.push(row);
    }
    return out;
  }

  async describe(
    caller: Scope,
    q: { filters?: ParametersFilter[]; parameterFilters?: ParameterStringFilter[]; maxResults?: number; nextToken?: string; shared?: boolean },
  ): Promise<{ parameters: ParameterMetadata[]; nextToken?: string }> {
    const predicate = describeFilter(q.filters, q.parameterFilters);
    const request = { op: 'DescribeParameters', scope: scopeOf(caller), filters: q.filters, parameterFilters: q.parameterFilters, shared: q.shared };
    // nothing is shared with an account in Imago (no Resource Access Manager)
    const rows = q.shared ? [] : await this.live(caller, await this.deps.repo.listLatest(caller));
    const needTags = (q.parameterFilters ?? []).some((f) => f.Key.startsWith('tag:'));
    const matching: ParameterVersionRow[] = [];
    for (const row of rows) {
      const tags = needTags ? new Map((await this.deps.repo.tags(caller, 'Parameter', row.name)).map((t) => [t.Key, t.Value])) : undefined;
      if (predicate({ name: row.name, type: row.type, keyId: row.key_id, tier: row.tier, dataType: row.data_type, tags })) matching.push(row);
    }
    const { page, nextToken } = pageOf(matching, (r) => r.name, q.maxResults ?? 10, request, q.nextToken);
    return { parameters: page.map((r) => metadataOut(caller, r)), nextToken };
  }

  async history(caller: Scope, q: { name: string; decrypt: boolean; maxResults?: number; nextToken?: string }): Promise<{ parameters: ParameterHistory[]; nextToken?: string }> {
    const ref = parseReference(q.name);
    const request = { op: 'GetParameterHistory', scope: scopeOf(caller), name: ref.name };
    const key = (v: number) => String(v).padStart(10, '0');
    const size = q.maxResults ?? 50;
    if (isPublicName(ref.name)) {
      const p = this.deps.publicParameters().get(caller.region, ref.name);
      if (!p) throw parameterNotFound();
      const { page, nextToken } = pageOf(p.versions, (v) => key(v.version), size, request, q.nextToken);
      return { parameters: page.map((v) => publicHistoryOut(p, v)), nextToken };
    }
    const latest = (await this.latest(caller, ref.name)) ?? (ref.altName ? await this.latest(caller, ref.altName) : undefined);
    if (!latest) throw parameterNotFound();
    const versions = await this.deps.repo.history(caller, latest.name);
    const labels = new Map<number, string[]>();
    for (const [label, version] of await this.deps.repo.labels(caller, latest.name)) labels.set(version, [...(labels.get(version) ?? []), label]);
    const { page, nextToken } = pageOf(versions, (r) => key(r.version), size, request, q.nextToken);
    const parameters: ParameterHistory[] = [];
    for (const row of page) parameters.push(historyOut(row, await this.valueOf(caller, row, q.decrypt), labels.get(row.version) ?? []));
    return { parameters, nextToken };
  }

  // ---- writes --------------------------------------------------------------------------

  async put(caller: Scope, input: PutParameterRequest): Promise<{ version: number; tier: string }> {
    const name = checkWritableName(input.Name);
    if (input.Tags?.length && input.Overwrite) {
      throw validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    if (input.Value === '') throw constraint('', 'value', 'Member must have length greater than or equal to 1');
    if (input.DataType !== undefined && !DATA_TYPES.includes(input.DataType)) {
      throw validation(`The following data type is not supported: ${input.DataType} (Data type names are all lowercase.)`);
    }
    const policies = parsePolicies(input.Policies);
    if (input.Tags) checkTags(input.Tags, 0);
    for (let attempt = 0; attempt < 3; attempt++) {
      const latest = await this.latest(caller, name);
      if (latest && !input.Overwrite) throw alreadyExists();
      const type = input.Type ?? latest?.type;
      if (!type) throw validation('A parameter type is required when you create a parameter.');
      if (latest && type !== latest.type) {
        throw ssmError('HierarchyTypeMismatchException', `The parameter type can't be changed from ${latest.type} to ${type}. You must create a new, unique parameter.`);
      }
      const dataType = input.DataType ?? latest?.data_type ?? 'text';
      if (latest && dataType !== latest.data_type) throw validation(`The data type of parameter ${name} is ${latest.data_type} and can't be changed to ${dataType}.`);
      if (dataType === 'aws:ec2:image' && type !== 'String') throw validation(`The data type aws:ec2:image is supported only for String parameters, not ${type}.`);
      if (input.KeyId !== undefined && type !== 'SecureString') throw validation('KeyId is only valid for SecureString parameters.');
      const tier = tierFor(input.Tier, latest?.tier, Buffer.byteLength(input.Value, 'utf8'), policies);
      const allowedPattern = input.AllowedPattern ?? latest?.allowed_pattern ?? null;
      if (allowedPattern !== null) checkPattern(allowedPattern, input.Value);
      const version = (latest?.version ?? 0) + 1;
      // aws:ec2:image values are validated "asynchronously": the call succeeds, and an invalid
      // value is never stored (what AWS documents; here the outcome is known at once)
      if (dataType === 'aws:ec2:image' && !(AMI_ID.test(input.Value) && (await this.deps.imageVisible(caller, input.Value)))) return { version, tier };
      const keyId = type === 'SecureString' ? (input.KeyId ?? latest?.key_id ?? 'alias/aws/ssm') : null;
      const value = type === 'SecureString' ? await this.encrypt(caller, name, keyId!, input.Value) : input.Value;
      const row: ParameterVersionRow = {
        account_id: caller.accountId,
        region: caller.region,
        name,
        version,
        type,
        data_type: dataType,
        value,
        key_id: keyId,
        description: input.Description ?? latest?.description ?? null,
        allowed_pattern: allowedPattern,
        tier,
        policies: input.Policies !== undefined ? JSON.stringify(policies) : (latest?.policies ?? null),
        last_modified: new Date().toISOString(),
        last_modified_user: `arn:aws:iam::${caller.accountId}:root`,
      };
      const written = await this.deps.repo.transaction(async (tx) => {
        if ((await tx.latest(caller, name))?.version !== latest?.version) return false;
        const versions = await tx.history(caller, name);
        if (versions.length >= MAX_VERSIONS) {
          const oldest = versions[0];
          if ([...(await tx.labels(caller, name)).values()].includes(oldest.version)) {
            throw ssmError(
              'ParameterMaxVersionLimitExceeded',
              `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
            );
          }
          await tx.deleteVersion(caller, name, oldest.version);
        }
        await tx.putVersion(row);
        if (input.Tags?.length) await tx.putTags(caller, 'Parameter', name, input.Tags);
        return true;
      });
      if (written) return { version, tier };
    }
    throw ssmError('TooManyUpdates', 'There are concurrent updates for a resource that supports one update at a time.');
  }

  private async encrypt(caller: Scope, name: string, keyId: string, value: string): Promise<string> {
    try {
      const { ciphertext } = await this.deps.kms.crypto.encrypt(caller, keyId, Buffer.from(value, 'utf8'), { context: { PARAMETER_ARN: parameterArn(caller.region, caller.accountId, name) } });
      return ciphertext.toString('base64');
    } catch (e) {
      throw kmsFailure(e);
    }
  }

  async delete(caller: Scope, name: string): Promise<void> {
    if (isPublicName(name)) throw accessDenied(`No access to reserved parameter name: ${name}.`);
    if (!(await this.latest(caller, name)) || !(await this.drop(caller, name))) throw parameterNotFound();
  }

  async deleteMany(caller: Scope, names: readonly string[]): Promise<{ deleted: string[]; invalid: string[] }> {
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of new Set(names)) {
      const gone = !isPublicName(name) && (await this.latest(caller, name)) && (await this.drop(caller, name));
      (gone ? deleted : invalid).push(name);
    }
    return { deleted, invalid };
  }

  async label(caller: Scope, name: string, labels: readonly string[], version?: number): Promise<{ invalid: string[]; version: number }> {
    if (isPublicName(name)) throw accessDenied(`No access to reserved parameter name: ${name}.`);
    for (const l of labels) if ([...l].length > 100) throw constraint(`[${l}]`, 'labels', 'Member must satisfy constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1]');
    const latest = await this.latest(caller, name);
    if (!latest) throw parameterNotFound();
    const target = version ?? latest.version;
    if (target !== latest.version && !(await this.deps.repo.version(caller, name, target))) throw parameterVersionNotFound(name, String(target));
    const invalid = labels.filter((l) => labelProblem(l) !== undefined);
    const valid = [...new Set(labels.filter((l) => labelProblem(l) === undefined))];
    await this.deps.repo.transaction(async (tx) => {
      const current = await tx.labels(caller, name);
      const onTarget = new Set([...current].filter(([, v]) => v === target).map(([l]) => l));
      for (const l of valid) onTarget.add(l);
      if (onTarget.size > MAX_LABELS_PER_VERSION) {
        throw ssmError('ParameterVersionLabelLimitExceeded', 'A parameter version can have maximum 10 labels. Move one or more labels to another version and try again.');
      }
      await tx.setLabels(caller, name, target, valid);
    });
    return { invalid, version: target };
  }

  // ---- tags ----------------------------------------------------------------------------

  private async taggable(caller: Scope, resourceType: string, resourceId: string): Promise<void> {
    if (resourceType !== 'Parameter' || isPublicName(resourceId) || !(await this.latest(caller, resourceId))) {
      throw ssmError('InvalidResourceId', 'The resource ID is not valid. Verify that you entered the correct ID and try again.');
    }
  }

  async tags(caller: Scope, resourceType: string, resourceId: string): Promise<{ Key: string; Value: string }[]> {
    await this.taggable(caller, resourceType, resourceId);
    return this.deps.repo.tags(caller, resourceType, resourceId);
  }

  async addTags(caller: Scope, resourceType: string, resourceId: string, tags: readonly { Key: string; Value: string }[]): Promise<void> {
    await this.taggable(caller, resourceType, resourceId);
    const keys = new Set(tags.map((t) => t.Key));
    const others = (await this.deps.repo.tags(caller, resourceType, resourceId)).filter((t) => !keys.has(t.Key)).length;
    checkTags(tags, others);
    await this.deps.repo.putTags(caller, resourceType, resourceId, tags);
  }

  async removeTags(caller: Scope, resourceType: string, resourceId: string, keys: readonly string[]): Promise<void> {
    await this.taggable(caller, resourceType, resourceId);
    await this.deps.repo.removeTags(caller, resourceType, resourceId, keys);
  }
}

/** Whether an Expiration policy has deleted the parameter. */
function expired(row: ParameterVersionRow): boolean {
  return (expiresAt(row.policies) ?? Infinity) <= Date.now();
}

/** What a page token is bound to: the account and region, not the request's context. */
function scopeOf(caller: Scope): Scope {
  return { accountId: caller.accountId, region: caller.region };
}

function checkTags(tags: readonly { Key: string; Value: string }[], others: number): void {
  for (const t of tags) if (/^aws:/i.test(t.Key)) throw validation(`Tag keys beginning with "aws:" are reserved for AWS use: ${t.Key}`);
  if (new Set(tags.map((t) => t.Key)).size + others > MAX_TAGS) {
    throw ssmError('TooManyTagsError', `The Targets parameter includes too many tags. A resource can have at most ${MAX_TAGS} tags.`);
  }
}

function checkPattern(pattern: string, value: string): void {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    throw ssmError('InvalidAllowedPatternException', `The request doesn't meet the regular expression requirement: ${pattern} is not a valid regular expression.`);
  }
  if (!re.test(value)) throw ssmError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${pattern}`);
}

/** KMS failures while encrypting or decrypting a SecureString, as Parameter Store reports them. */
function kmsFailure(e: unknown): unknown {
  if (!isServiceError(e)) return e;
  if (e.code === 'AccessDeniedException') return e;
  return new ServiceError('InvalidKeyId', e.message, 400);
}
