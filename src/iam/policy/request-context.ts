// The request context as conditions and policy variables see it: the caller's explicit keys
// (case-insensitive names, single or multiple values) over the keys IAM derives from the principal:
//
//   key                   root            user               assumed-role
//   aws:username          —               user name          —
//   aws:userid            account id      AIDA…              AROA…:session
//   aws:PrincipalArn      root ARN        user ARN           the role's ARN
//   aws:PrincipalAccount  account id      account id         account id
//   aws:PrincipalType     Account         User               AssumedRole
//   aws:PrincipalTag/k    —               the user's tags    the role's / session's tags
//   aws:SourceIdentity    —               —                  the session's, if set
//
// Lookups that find nothing are remembered (SimulatePrincipalPolicy's MissingContextValues).
import type { CallerIdentity } from '../principal.js';

export type ContextValue = string | string[];

/** An AWS service acting as a principal (resource and trust policies' `"Service"`). */
export interface ServiceCaller {
  kind: 'service';
  service: string;
  accountId?: string;
}

export type RequestPrincipal = CallerIdentity | ServiceCaller;

export type ContextInput = ReadonlyMap<string, ContextValue> | Readonly<Record<string, ContextValue>>;

const PRINCIPAL_TYPE: Record<string, string> = { root: 'Account', user: 'User', 'assumed-role': 'AssumedRole' };

export class RequestContext {
  private readonly explicit = new Map<string, ContextValue>();
  private tagsLower?: Map<string, string>;
  readonly missing = new Set<string>();

  constructor(
    readonly principal: RequestPrincipal,
    context?: ContextInput,
  ) {
    if (context) {
      const entries = context instanceof Map ? context.entries() : Object.entries(context);
      for (const [k, v] of entries) if (v !== undefined) this.explicit.set(k.toLowerCase(), v);
    }
  }

  /** The value for a lower-cased key, without noting it as missing. */
  peek(keyLower: string): ContextValue | undefined {
    const v = this.explicit.get(keyLower);
    return v !== undefined ? v : this.derived(keyLower);
  }

  /** The value for a lower-cased key; a key with no (or an empty list of) values is noted under `name`. */
  get(keyLower: string, name: string): ContextValue | undefined {
    const v = this.peek(keyLower);
    if (v === undefined || (Array.isArray(v) && v.length === 0)) {
      this.missing.add(name);
      return undefined;
    }
    return v;
  }

  /** For policy variables: the same lookup, as a bound function. */
  readonly lookup = (keyLower: string, name: string): ContextValue | undefined => this.get(keyLower, name);

  private derived(k: string): string | undefined {
    const p = this.principal;
    if (p.kind === 'service') return k === 'aws:principalservicename' ? p.service : undefined;
    switch (k) {
      case 'aws:username':
        return p.kind === 'user' ? p.userName ?? p.arn.slice(p.arn.lastIndexOf('/') + 1) : undefined;
      case 'aws:userid':
        return p.userId;
      case 'aws:principalarn':
        return p.kind === 'assumed-role' ? p.roleArn ?? p.arn : p.arn;
      case 'aws:principalaccount':
        return p.accountId;
      case 'aws:principaltype':
        return PRINCIPAL_TYPE[p.kind];
      case 'aws:sourceidentity':
        return p.sourceIdentity;
    }
    if (k.startsWith('aws:principaltag/') && p.tags) {
      if (!this.tagsLower) this.tagsLower = new Map(Object.entries(p.tags).map(([t, v]) => [t.toLowerCase(), v]));
      return this.tagsLower.get(k.slice('aws:principaltag/'.length));
    }
    return undefined;
  }
}
