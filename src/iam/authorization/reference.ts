// AWS's Service Authorization Reference for the operations Imago serves, as data
// (model/authorization/<service>.json, written by model/authorization/generate.ts): which IAM
// actions an operation needs, on which resource types (ARN templates, required or not), and which
// condition keys apply. Loaded once, on first use, and validated whole: a row naming an action,
// resource type or condition key the data does not define is a load error, not a silent gap.
//
// An operation's action rows: the first is usually the action of the same name; more rows are
// actions the same request also needs — some always (kms:ReEncrypt → ReEncryptFrom + ReEncryptTo,
// kms:CreateAlias is one action on two resource types), some only `when` the request carries a
// member (TagSpecifications → ec2:CreateTags with ec2:CreateAction = the operation). An operation
// with `noPermissionRequired` (sts:GetCallerIdentity, sts:GetSessionToken) is never denied.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ACCESS_LEVELS = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export const CONDITION_KEY_TYPES = [
  'String', 'ArrayOfString', 'Numeric', 'ArrayOfNumeric', 'Bool', 'ArrayOfBool', 'Date', 'ArrayOfDate',
  'ARN', 'ArrayOfARN', 'IPAddress', 'ArrayOfIPAddress', 'Binary', 'ArrayOfBinary',
] as const;
export type ConditionKeyType = (typeof CONDITION_KEY_TYPES)[number];

export type DataSource = 'reference' | 'inferred';

export interface ResourceRequirement {
  /** the reference's resource type name, e.g. `image`, `autoScalingGroup` */
  type: string;
  /** e.g. `arn:${Partition}:ec2:${Region}::image/${ImageId}`; fill it with resourceArn() */
  arnTemplate: string;
  /** marked `*` in the reference: the caller needs the action on this resource */
  required: boolean;
  /** the condition keys the reference lists for this action on this resource type */
  conditionKeys: string[];
  /** the resource type's own condition keys (the reference's resource types table) */
  resourceConditionKeys: string[];
}

export interface ActionRequirement {
  /** `prefix:Action`, e.g. `ec2:RunInstances` */
  action: string;
  /** the most specific level: Permissions management or Tagging when listed with Write */
  accessLevel: AccessLevel;
  /** every level the reference lists (e.g. `Tagging, Write`) */
  accessLevels: AccessLevel[];
  resources: ResourceRequirement[];
  /** condition keys of the action itself (not tied to a resource type) */
  conditionKeys: string[];
  dependentActions: string[];
  /** needed only when the request carries (non-empty) any of these input members */
  when?: { present: string[] };
  /** condition keys this operation sets to fixed values for this action (ec2:CreateAction) */
  context?: Record<string, string>;
  /** `inferred`: our reading of AWS's docs, not a row of the reference */
  source: DataSource;
  note?: string;
}

export interface OperationAuthorization {
  service: string;
  operation: string;
  actions: ActionRequirement[];
  /** no policy can allow or deny it (sts:GetCallerIdentity, sts:GetSessionToken) */
  noPermissionRequired: boolean;
  note?: string;
}

// ---- the files' shape --------------------------------------------------------------------------

interface RowFile { action: string; when?: { present: string[] }; context?: Record<string, string>; source?: DataSource; note?: string }
interface ActionFile {
  accessLevel: string[];
  resources: { type: string; required: boolean; conditionKeys: string[] }[];
  conditionKeys: string[];
  dependentActions: string[];
  source?: DataSource;
  note?: string;
}
interface ServiceFile {
  service: string;
  serviceName: string;
  operations: Record<string, { actions: RowFile[]; noPermissionRequired?: boolean; source?: DataSource; note?: string }>;
  actions: Record<string, ActionFile>;
  resourceTypes: Record<string, { arn: string; conditionKeys: string[] }>;
  conditionKeys: Record<string, { type: string; description?: string }>;
}
interface GlobalFile { conditionKeys: Record<string, { type: string }> }

export class AuthorizationReferenceError extends Error {
  constructor(readonly problems: string[]) {
    super(`authorization reference: ${problems.length} problem(s): ${problems.slice(0, 10).join('; ')}`);
    this.name = 'AuthorizationReferenceError';
  }
}

export class UnknownOperationError extends Error {
  constructor(readonly service: string, readonly operation: string) {
    super(`authorization reference: no data for ${service}:${operation}`);
    this.name = 'UnknownOperationError';
  }
}

/** A condition key name pattern: `${TagKey}`-style placeholders match one or more characters. */
interface KeyPattern { re: RegExp; type: ConditionKeyType }

export class AuthorizationReference {
  private readonly operations = new Map<string, OperationAuthorization>();
  private readonly exactKeys = new Map<string, ConditionKeyType>();
  private readonly keyPatterns: KeyPattern[] = [];

  constructor(
    private readonly files: Map<string, ServiceFile>,
    global: GlobalFile,
  ) {
    const problems: string[] = [];
    for (const [key, { type }] of [
      ...[...files.values()].flatMap((f) => Object.entries(f.conditionKeys)),
      ...Object.entries(global.conditionKeys),
    ]) {
      if (!(CONDITION_KEY_TYPES as readonly string[]).includes(type)) problems.push(`condition key ${key}: unknown type ${type}`);
      else this.addKey(key, type as ConditionKeyType);
    }
    for (const file of files.values()) {
      for (const [name, a] of Object.entries(file.actions)) {
        for (const l of a.accessLevel) if (!(ACCESS_LEVELS as readonly string[]).includes(l)) problems.push(`${file.service}:${name}: access level ${l}`);
        for (const r of a.resources) {
          if (!file.resourceTypes[r.type]) problems.push(`${file.service}:${name}: resource type ${r.type} is not defined`);
          for (const k of r.conditionKeys) if (!this.conditionKeyType(k)) problems.push(`${file.service}:${name}: condition key ${k} has no type`);
        }
        for (const k of a.conditionKeys) if (!this.conditionKeyType(k)) problems.push(`${file.service}:${name}: condition key ${k} has no type`);
      }
      for (const [type, rt] of Object.entries(file.resourceTypes)) {
        if (!/^arn:\$\{Partition\}:/.test(rt.arn)) problems.push(`${file.service} resource type ${type}: ARN template ${rt.arn}`);
        for (const k of rt.conditionKeys) if (!this.conditionKeyType(k)) problems.push(`${file.service} resource type ${type}: condition key ${k} has no type`);
      }
      for (const [operation, op] of Object.entries(file.operations)) {
        const actions: ActionRequirement[] = [];
        for (const row of op.actions) {
          const resolved = this.resolveAction(row, problems, `${file.service}:${operation}`);
          if (resolved) actions.push(resolved);
        }
        if (actions.length === 0 && !op.noPermissionRequired) problems.push(`${file.service}:${operation}: no action and not noPermissionRequired`);
        this.operations.set(`${file.service}:${operation}`, {
          service: file.service,
          operation,
          actions,
          noPermissionRequired: op.noPermissionRequired === true,
          ...(op.note ? { note: op.note } : {}),
        });
      }
    }
    if (problems.length) throw new AuthorizationReferenceError(problems);
  }

  /** What a served operation needs; throws UnknownOperationError for one the data lacks. */
  authorizationFor(service: string, operation: string): OperationAuthorization {
    const op = this.operations.get(`${service}:${operation}`);
    if (!op) throw new UnknownOperationError(service, operation);
    return op;
  }

  has(service: string, operation: string): boolean {
    return this.operations.has(`${service}:${operation}`);
  }

  /** The ARN template of a resource type as the service's reference page defines it. */
  arnTemplate(service: string, type: string): string | undefined {
    return this.files.get(service)?.resourceTypes[type]?.arn;
  }

  /** The type of a condition key (`aws:ResourceTag/Project` matches `aws:ResourceTag/${TagKey}`), or undefined. */
  conditionKeyType(key: string): ConditionKeyType | undefined {
    const exact = this.exactKeys.get(key.toLowerCase());
    if (exact) return exact;
    return this.keyPatterns.find((p) => p.re.test(key))?.type;
  }

  /** Served operations (per service) the data has no entry for: each is a gap in enforcement. */
  missingOperations(served: Record<string, readonly string[]>): string[] {
    return Object.entries(served).flatMap(([service, ops]) => ops.filter((o) => !this.has(service, o)).map((o) => `${service}:${o}`));
  }

  private addKey(key: string, type: ConditionKeyType): void {
    if (!key.includes('${')) {
      this.exactKeys.set(key.toLowerCase(), type);
      return;
    }
    const source = key
      .split(/\$\{[^}]+\}/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.+');
    this.keyPatterns.push({ re: new RegExp(`^${source}$`, 'i'), type });
  }

  private resolveAction(row: RowFile, problems: string[], where: string): ActionRequirement | undefined {
    const [prefix, name] = row.action.split(':');
    const file = prefix ? this.files.get(prefix) : undefined;
    const a = file && name ? file.actions[name] : undefined;
    if (!file || !a) {
      problems.push(`${where}: action ${row.action} is not defined`);
      return undefined;
    }
    if (row.when && (!Array.isArray(row.when.present) || row.when.present.length === 0)) problems.push(`${where}: ${row.action}: empty when.present`);
    const levels = a.accessLevel as AccessLevel[];
    const accessLevel: AccessLevel = levels.includes('Permissions management')
      ? 'Permissions management'
      : levels.includes('Tagging')
        ? 'Tagging'
        : levels[0]!;
    return {
      action: row.action,
      accessLevel,
      accessLevels: levels,
      resources: a.resources.map((r) => ({
        type: r.type,
        arnTemplate: file.resourceTypes[r.type]?.arn ?? '',
        required: r.required,
        conditionKeys: r.conditionKeys,
        resourceConditionKeys: file.resourceTypes[r.type]?.conditionKeys ?? [],
      })),
      conditionKeys: a.conditionKeys,
      dependentActions: a.dependentActions,
      ...(row.when ? { when: row.when } : {}),
      ...(row.context ? { context: row.context } : {}),
      source: row.source === 'inferred' || a.source === 'inferred' ? 'inferred' : 'reference',
      ...(row.note || a.note ? { note: [row.note, a.note].filter(Boolean).join('; ') } : {}),
    };
  }
}

export const DEFAULT_DIR = fileURLToPath(new URL('../../../model/authorization/', import.meta.url));
const NOT_SERVICES = new Set(['operations.json', 'global-condition-keys.json']);

/** Reads every <service>.json and global-condition-keys.json of a folder and validates them. */
export function loadAuthorizationReference(dir: string = DEFAULT_DIR): AuthorizationReference {
  const files = new Map<string, ServiceFile>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json') || NOT_SERVICES.has(name)) continue;
    const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as ServiceFile;
    if (`${file.service}.json` !== name) throw new AuthorizationReferenceError([`${name} says it is ${file.service}`]);
    files.set(file.service, file);
  }
  const global = JSON.parse(readFileSync(join(dir, 'global-condition-keys.json'), 'utf8')) as GlobalFile;
  return new AuthorizationReference(files, global);
}

let shared: AuthorizationReference | undefined;

/** The reference in model/authorization/, loaded and validated on first use. */
export function authorizationReference(): AuthorizationReference {
  shared ??= loadAuthorizationReference();
  return shared;
}

/** Which IAM actions, resources and condition keys a served operation needs. */
export function authorizationFor(service: string, operation: string): OperationAuthorization {
  return authorizationReference().authorizationFor(service, operation);
}

/** The type of a condition key, service-specific or global (aws:*); undefined if unknown. */
export function conditionKeyType(key: string): ConditionKeyType | undefined {
  return authorizationReference().conditionKeyType(key);
}
