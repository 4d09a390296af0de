// What every IAM domain module shares: the store, the change generations its caches key on, the
// secrets wrapper, lookups that answer NoSuchEntity, tag edits, and IAM's Marker paging.
import type { AccessKeySecrets } from '../../iam/access-key-secrets.js';
import type { IamChanges } from '../../iam/iam-changes.js';
import type { PrincipalPolicyResolver } from '../../iam/principal-policies.js';
import type { Store } from '../../store/store.js';
import type { IamRepos } from '../../store/repos/iam.js';
import type { IamEntitiesRepo } from '../../store/repos/iam-entities.js';
import type { IamNamedTable } from '../../store/schema.js';
import type { ServiceError } from '../../protocol/service-error.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import { validationError } from './iam-errors.js';
import type { TagView } from './iam-views.js';

export interface IamDeps {
  store: Store;
  changes: IamChanges;
  secrets: AccessKeySecrets;
  policies: PrincipalPolicyResolver;
  now?: () => number;
}

export const nameKey = (name: string): string => name.toLowerCase();

export class IamContext {
  constructor(readonly deps: IamDeps) {}

  get iam(): IamRepos {
    return this.deps.store.iam;
  }

  nowIso(): string {
    return new Date((this.deps.now ?? Date.now)()).toISOString();
  }

  /** Runs `fn` in one transaction, then drops this node's cached views of the account. */
  async write<T>(accountId: string, fn: (iam: IamRepos) => Promise<T>): Promise<T> {
    try {
      return await this.deps.store.transaction((tx) => fn(tx.iam));
    } finally {
      this.deps.changes.bump(accountId);
    }
  }
}

export async function required<R extends IamNamedTable>(repo: IamEntitiesRepo<R>, accountId: string, name: string, missing: () => ServiceError): Promise<R> {
  const row = await repo.get(accountId, nameKey(name));
  if (!row) throw missing();
  return row;
}

/** TagUser/TagRole: new keys added, existing keys' values replaced (keys compared exactly). */
export function mergeTags(json: string, tags: TagView[]): string {
  const out = new Map((JSON.parse(json) as TagView[]).map((t) => [t.Key, t.Value]));
  for (const t of tags) out.set(t.Key, t.Value);
  if (out.size > 50) throw validationError('The number of tags has reached the maximum limit.');
  return JSON.stringify([...out].map(([Key, Value]) => ({ Key, Value })));
}

export function removeTags(json: string, keys: string[]): string {
  const drop = new Set(keys);
  return JSON.stringify((JSON.parse(json) as TagView[]).filter((t) => !drop.has(t.Key)));
}

export interface PageRequest {
  marker?: string;
  maxItems?: number;
}

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

/**
 * IAM's Marker/MaxItems paging (default 100 items) over a listing in key order: `fetch(after,
 * limit)` returns rows after a key. Markers are page tokens bound to `binding` (the listing).
 */
export async function pageOf<R, T>(
  binding: unknown,
  req: PageRequest,
  fetch: (after: string | undefined, limit: number) => Promise<R[]>,
  key: (row: R) => string,
  view: (row: R) => T | Promise<T>,
): Promise<Page<T>> {
  const max = req.maxItems ?? 100;
  let after: string | undefined;
  if (req.marker !== undefined) {
    after = decodePageToken(binding, req.marker);
    if (after === undefined) throw validationError('Invalid Marker.');
  }
  const rows = await fetch(after, max + 1);
  const isTruncated = rows.length > max;
  const kept = rows.slice(0, max);
  const items = await Promise.all(kept.map(view));
  return isTruncated ? { items, isTruncated, marker: encodePageToken(binding, key(kept[kept.length - 1])) } : { items, isTruncated };
}
