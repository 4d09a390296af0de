// Principal / NotPrincipal: who a resource-based or trust policy statement speaks of, and how it
// names the caller — which decides how far a same-account grant reaches (policy evaluation logic):
//   any      "*" or {"AWS": "*"} (or a NotPrincipal that does not name the caller)
//   account  an account id or arn:aws:iam::ID:root — delegates to that account's identity policies
//   user     the IAM user's ARN (or unique id)            — not limited by identity policies or boundary
//   role     the role's ARN (or unique id) for a session  — limited by boundary and session policies
//   session  the assumed-role session's ARN               — not limited by any of them
//   service  {"Service": "…amazonaws.com"}
// Wildcards only ever mean "everyone"; IAM refuses them inside a principal (see parsePolicy).
import type { RequestPrincipal } from './request-context.js';
import type { PrincipalBlock } from './types.js';

export type PrincipalGrant = 'any' | 'account' | 'user' | 'role' | 'session' | 'service';

export type PrincipalTest = (p: RequestPrincipal) => PrincipalGrant | undefined;

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[\w-]+:iam::(\d{12}):root$/;

function matchAws(value: string, p: RequestPrincipal): PrincipalGrant | undefined {
  if (value === '*') return 'any';
  if (p.kind === 'service') return undefined;
  if (ACCOUNT_ID.test(value)) return value === p.accountId ? 'account' : undefined;
  const root = ROOT_ARN.exec(value);
  if (root) return root[1] === p.accountId ? 'account' : undefined;
  switch (p.kind) {
    case 'root':
      return undefined;
    case 'user':
      return value === p.arn || value === p.userId ? 'user' : undefined;
    case 'assumed-role':
      if (value === p.arn) return 'session';
      if (value === p.roleArn) return 'role';
      return value === p.userId.split(':')[0] ? 'role' : undefined;
  }
}

/** The strongest way the block names the caller (session/user beat role beat account). */
function matchBlock(block: PrincipalBlock, p: RequestPrincipal): PrincipalGrant | undefined {
  if (block === '*') return 'any';
  let best: PrincipalGrant | undefined;
  const rank: Record<PrincipalGrant, number> = { account: 1, role: 2, user: 3, session: 3, service: 3, any: 4 };
  const offer = (g: PrincipalGrant | undefined) => {
    if (g && (!best || rank[g] > rank[best])) best = g;
  };
  for (const [type, values] of Object.entries(block)) {
    for (const v of values) {
      if (type === 'AWS') offer(matchAws(v, p));
      else if (type === 'Service' && p.kind === 'service') offer(v === '*' || v === p.service ? 'service' : undefined);
      else if (v === '*') offer('any');
    }
  }
  return best;
}

export function compilePrincipal(principal: PrincipalBlock | undefined, notPrincipal: PrincipalBlock | undefined): PrincipalTest | undefined {
  if (principal) return (p) => matchBlock(principal, p);
  if (notPrincipal) return (p) => (matchBlock(notPrincipal, p) ? undefined : 'any');
  return undefined;
}
