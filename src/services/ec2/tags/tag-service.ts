// Tags as a domain: CreateTags, DeleteTags, DescribeTags and TagSpecifications, per account (on a
// shared resource each account sees and sets only its own tags). Rules from the CreateTags and
// DeleteTags references: up to 1000 resources per call, 50 tags per resource, `aws:` keys are
// reserved (never created, never deleted by users), and DeleteTags matches by key (any value),
// by key and value (`Value=` empty: only empty values), or takes every user tag.
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { TagRow } from '../../../store/repos/tags.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { MAX_TAGS_PER_RESOURCE, assertUserKey, isReservedKey } from './tag-rules.js';
import type { TaggableRegistry } from './taggable.js';

export const MAX_RESOURCES_PER_CALL = 1000;

export interface TagPair {
  key: string;
  value: string;
}

export interface TagSelector {
  key: string;
  /** undefined: any value */
  value?: string;
}

export class TagService {
  constructor(
    private readonly store: Store,
    readonly registry: TaggableRegistry,
  ) {}

  private checkCount(ids: readonly string[]): void {
    if (ids.length > MAX_RESOURCES_PER_CALL) {
      throw invalidParameterValue(`The request can tag at most ${MAX_RESOURCES_PER_CALL} resources; it names ${ids.length}.`);
    }
  }

  /** CreateTags: adds or overwrites the caller's tags on existing, visible resources. */
  async create(caller: Scope, resourceIds: readonly string[], tags: readonly TagPair[], checkpoint?: () => void): Promise<void> {
    this.checkCount(resourceIds);
    const resources = await this.registry.resolve(caller, resourceIds);
    const wanted = new Map(tags.map((t) => [t.key, t.value])); // a repeated key: the last value wins
    const existing = await this.store.tags.forResources(caller, resources.map((r) => r.id));
    for (const { id } of resources) {
      const keys = new Set((existing.get(id) ?? []).map((t) => t.Key));
      for (const key of wanted.keys()) keys.add(key);
      if (keys.size > MAX_TAGS_PER_RESOURCE) {
        throw ec2Error('TagLimitExceeded', `The maximum number of tags per resource (${MAX_TAGS_PER_RESOURCE}) would be exceeded for ${id}.`);
      }
    }
    checkpoint?.();
    await this.store.tags.put(
      caller,
      resources.flatMap(({ id, type }) => [...wanted].map(([key, value]) => ({ resourceId: id, resourceType: type.resourceType, key, value }))),
    );
  }

  /** DeleteTags: no selectors removes every user tag of the caller on the resources. */
  async delete(caller: Scope, resourceIds: readonly string[], selectors: readonly TagSelector[] | undefined, checkpoint?: () => void): Promise<void> {
    this.checkCount(resourceIds);
    for (const s of selectors ?? []) assertUserKey(s.key);
    const resources = await this.registry.resolve(caller, resourceIds);
    checkpoint?.();
    const existing = selectors?.length ? undefined : await this.store.tags.forResources(caller, resources.map((r) => r.id));
    await this.store.transaction(async (tx) => {
      for (const { id } of resources) {
        const chosen = existing ? (existing.get(id) ?? []).filter((t) => !isReservedKey(t.Key)).map((t) => ({ key: t.Key })) : selectors!;
        if (chosen.length) await tx.tags.delete(caller, id, chosen);
      }
    });
  }

  /** Tags given with TagSpecifications to a resource just created by the caller. */
  async tagNew(caller: Scope, resourceId: string, resourceType: string, tags: readonly TagPair[] | undefined): Promise<void> {
    if (!tags?.length) return;
    await this.store.tags.put(caller, tags.map((t) => ({ resourceId, resourceType, key: t.key, value: t.value })));
  }

  /** The caller's tags on resources, in key order. */
  forResources(caller: Scope, resourceIds: readonly string[]): Promise<Map<string, { Key: string; Value: string }[]>> {
    return this.store.tags.forResources(caller, resourceIds);
  }

  /** Every tag of the caller in the region, ordered by resource id then key. */
  list(caller: Scope): Promise<TagRow[]> {
    return this.store.tags.list(caller);
  }
}
