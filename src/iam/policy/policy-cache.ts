// Compiled policies by kind and text, least recently used first out. Policies change rarely and
// are shared (a managed policy attached to many users), so a request normally finds every one of
// its policies here and pays a Map lookup each.
import { compilePolicyText, type CompiledPolicyBody } from './compile-policy.js';
import type { PolicyKind } from './types.js';

export class PolicyCache {
  private readonly entries = new Map<string, CompiledPolicyBody>();

  constructor(readonly maxEntries = 2000) {}

  get size(): number {
    return this.entries.size;
  }

  /** The compiled policy for this text; parses (and may throw PolicyDocumentError) on a miss. */
  get(text: string, kind: PolicyKind): CompiledPolicyBody {
    const key = `${kind}\n${text}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const body = compilePolicyText(text, { kind });
    this.entries.set(key, body);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return body;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process-wide cache evaluate() uses unless given another. */
export const defaultPolicyCache = new PolicyCache();
