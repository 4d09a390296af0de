// Compiled policies by text (and kind), least recently used first out. Policies change rarely and
// are shared (a managed policy attached to many users), so a request normally finds every one of
// its policies here and pays one Map lookup each — keyed by the text itself, whose hash V8 keeps
// on the string, so a caller that holds on to its policy strings never re-hashes them.
import { compilePolicyText, type CompiledPolicyBody } from './compile-policy.js';
import type { PolicyKind } from './types.js';

type ByKind = Partial<Record<PolicyKind, CompiledPolicyBody>>;

export class PolicyCache {
  private readonly entries = new Map<string, ByKind>();

  constructor(readonly maxEntries = 2000) {}

  /** how many distinct policy texts are held */
  get size(): number {
    return this.entries.size;
  }

  /** The compiled policy for this text; parses (and may throw PolicyDocumentError) on a miss. */
  get(text: string, kind: PolicyKind): CompiledPolicyBody {
    let byKind = this.entries.get(text);
    if (byKind) {
      this.entries.delete(text);
      this.entries.set(text, byKind);
      const hit = byKind[kind];
      if (hit) return hit;
    }
    const body = compilePolicyText(text, { kind });
    if (!byKind) {
      byKind = {};
      this.entries.set(text, byKind);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    byKind[kind] = body;
    return body;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process-wide cache evaluate() uses unless given another. */
export const defaultPolicyCache = new PolicyCache();
