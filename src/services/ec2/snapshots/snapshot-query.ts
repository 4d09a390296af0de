// DescribeSnapshots' candidate set, from the API reference:
// - visible = owned ∪ explicitly shared with the caller ∪ public (unless the owner blocks all
//   public sharing in the region);
// - SnapshotIds: malformed -> InvalidSnapshotID.Malformed, no such snapshot in the region ->
//   InvalidSnapshot.NotFound — also when it exists but the caller may not see it (another
//   account's private snapshot answers as one that never existed: existence does not leak,
//   and images and volumes answer the same); visible but filtered out -> left out;
// - OwnerIds: `self`, account ids, owner aliases (`amazon`, …);
// - RestorableByUserIds: `all` (public), `self` (owned or explicitly shared with the caller),
//   an account id (the caller's snapshots explicitly shared with that account).
// Several owners or restorable-by values widen the set (OR); the two parameters narrow it (AND).
import { idChunks } from '../../../store/id-chunks.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import { ec2Error } from '../ec2-errors.js';
import { isId } from '../resource-ids.js';
import type { SnapshotBlockPublicAccess } from './block-public-access.js';

export interface SnapshotQuery {
  snapshotIds?: readonly string[];
  ownerIds?: readonly string[];
  restorableBy?: readonly string[];
}

export const OWNER_ALIASES = ['amazon', 'aws-marketplace', 'microsoft'];
const ACCOUNT_ID = /^\d{12}$/;

const malformedUser = (value: string) => ec2Error('InvalidUserID.Malformed', `Invalid user id: "${value}"`);

export function snapshotNotFound(ids: readonly string[]) {
  return ec2Error('InvalidSnapshot.NotFound', `The snapshot '${ids.join(',')}' does not exist.`);
}

interface QueryDeps {
  store: Store;
  blockPublicAccess: SnapshotBlockPublicAccess;
}

export async function describeSnapshots(deps: QueryDeps, caller: Scope, q: SnapshotQuery): Promise<SnapshotRow[]> {
  for (const id of q.snapshotIds ?? []) {
    if (!isId('snap', id)) throw ec2Error('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
  }
  const owners = parseOwners(caller, q.ownerIds);
  const restorable = parseRestorable(caller, q.restorableBy);

  const candidates = await deps.store.snapshots.visible({
    accountId: caller.accountId,
    region: caller.region,
    snapshotIds: q.snapshotIds?.length ? q.snapshotIds : undefined,
    ownerIds: owners?.ids,
    ownerAliases: owners?.aliases,
  });
  const permissions = await permissionsOf(deps.store, candidates);
  const hidesPublic = deps.blockPublicAccess.hidesPublic();
  const out: SnapshotRow[] = [];
  const accessible = new Set<string>();
  for (const row of candidates) {
    const owned = row.account_id === caller.accountId;
    const principals = permissions.get(row.snapshot_id) ?? [];
    const explicit = principals.includes(caller.accountId);
    const isPublic = row.public === 1 && !(await hidesPublic({ accountId: row.account_id, region: row.region }));
    if (!owned && !explicit && !isPublic) continue;
    accessible.add(row.snapshot_id);
    if (restorable && !restorable.some((r) => (r === 'all' ? isPublic : r === 'self' ? owned || explicit : owned && principals.includes(r)))) continue;
    out.push(row);
  }

  if (q.snapshotIds?.length) {
    const missing: string[] = [];
    for (const id of new Set(q.snapshotIds)) {
      if (accessible.has(id)) continue;
      // not among the candidates: left out only if visible but excluded by OwnerIds
      const row = await deps.store.snapshots.get(id);
      if (!row || row.region !== caller.region || !(await canAccess(deps, caller, row))) missing.push(id);
    }
    if (missing.length) throw snapshotNotFound(missing);
  }
  return out;
}

function parseOwners(caller: Scope, values: readonly string[] | undefined): { ids: string[]; aliases: string[] } | undefined {
  if (!values?.length) return undefined;
  const ids: string[] = [];
  const aliases: string[] = [];
  for (const v of values) {
    if (v === 'self') ids.push(caller.accountId);
    else if (ACCOUNT_ID.test(v)) ids.push(v);
    else if (OWNER_ALIASES.includes(v)) aliases.push(v);
    else throw malformedUser(v);
  }
  return { ids, aliases };
}

/** `all`, `self`, or account ids (the caller's own id means `self`). */
function parseRestorable(caller: Scope, values: readonly string[] | undefined): string[] | undefined {
  if (!values?.length) return undefined;
  return values.map((v) => {
    if (v === 'all' || v === 'self') return v;
    if (!ACCOUNT_ID.test(v)) throw malformedUser(v);
    return v === caller.accountId ? 'self' : v;
  });
}

async function canAccess(deps: QueryDeps, caller: Scope, row: SnapshotRow): Promise<boolean> {
  if (row.account_id === caller.accountId) return true;
  if (row.public === 1 && !(await deps.blockPublicAccess.hidesPublic()({ accountId: row.account_id, region: row.region }))) return true;
  return ((await permissionsOf(deps.store, [row])).get(row.snapshot_id) ?? []).includes(caller.accountId);
}

async function permissionsOf(store: Store, rows: readonly SnapshotRow[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const ids = rows.map((r) => r.snapshot_id);
  for (const chunk of idChunks(ids)) {
    for (const [id, principals] of await store.snapshots.permissionsFor(chunk)) out.set(id, principals);
  }
  return out;
}
