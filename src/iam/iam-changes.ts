// What IAM caches key on: a generation per account, bumped by every IAM write on this node, so
// this node's caches (resolved access keys, principal policies) drop what a write changed at
// once. Other nodes learn of a change when their entries' time to live ends (IAM_CACHE_TTL_MS):
// like AWS, a change takes a few seconds to be seen everywhere.
export const IAM_CACHE_TTL_MS = 5_000;

export class IamChanges {
  private readonly generations = new Map<string, number>();

  generation(accountId: string): number {
    return this.generations.get(accountId) ?? 0;
  }

  bump(accountId: string): void {
    this.generations.set(accountId, this.generation(accountId) + 1);
  }
}

/** A cache whose entries live `ttlMs` and are dropped when their account's generation moves. */
export class IamCache<V> {
  private readonly entries = new Map<string, { value: V; at: number; generation: number }>();

  constructor(
    private readonly changes: IamChanges,
    private readonly ttlMs = IAM_CACHE_TTL_MS,
    private readonly maxEntries = 10_000,
  ) {}

  get(accountId: string, key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.at >= this.ttlMs || e.generation !== this.changes.generation(accountId)) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(accountId: string, key: string, value: V, now: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, at: now, generation: this.changes.generation(accountId) });
  }
}
