// Operator endpoints of the image catalog (served under /_imago/ by the gateway, admin only):
//
//   GET    /_imago/organizations                      every account's organization and OU path
//   PUT    /_imago/organizations  {"accountId", "organizationArn", "ouArns": [root..leaf]}
//   DELETE /_imago/organizations?accountId=ID          takes the account out of its organization
//   GET    /_imago/recycle-bin?accountId=&region=      the account's image retention period
//   PUT    /_imago/recycle-bin    {"accountId", "region", "retentionDays": 1..365 | null}
//
// Organizations are what OrganizationArn / OrganizationalUnitArn launch permissions resolve
// against (AWS Organizations is not served); the retention period stands in for a region-wide
// Recycle Bin retention rule for AMIs (the rbin service is not served either).
import type { Store } from '../../../store/store.js';
import type { Membership } from '../../../store/repos/organizations.js';
import { ORG_ARN, OU_ARN } from './image-sharing.js';
import { RETENTION_DAYS_RANGE, type ImageRecycleBin } from './image-recycle-bin.js';
import { findRegion } from '../../../config/regions.js';

export interface OperatorRoute {
  path: string;
  handle(req: { method: string; query: URLSearchParams; body: Buffer }): Promise<{ status: number; body: unknown }>;
}

const ACCOUNT = /^\d{12}$/;
const bad = (error: string) => ({ status: 400, body: { error } });
const notAllowed = (method: string, path: string) => ({ status: 405, body: { error: `${method} is not supported on ${path}` } });

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a membership: ARNs well formed, every OU in the organization's own namespace. */
export function parseMembership(v: Record<string, unknown>): Membership | string {
  const { accountId, organizationArn } = v;
  const ouArns = v.ouArns ?? [];
  if (typeof accountId !== 'string' || !ACCOUNT.test(accountId)) return 'accountId must be a 12-digit account id';
  if (typeof organizationArn !== 'string' || !ORG_ARN.test(organizationArn)) {
    return 'organizationArn must look like arn:aws:organizations::<management account>:organization/o-<id>';
  }
  if (!Array.isArray(ouArns) || ouArns.some((a) => typeof a !== 'string' || !OU_ARN.test(a))) {
    return 'ouArns must be a list of arn:aws:organizations::<management account>:ou/o-<id>/ou-<id> ARNs, root first';
  }
  const [, management, orgId] = /^arn:aws:organizations::(\d{12}):organization\/(o-[a-z0-9]+)$/.exec(organizationArn)!;
  const prefix = `arn:aws:organizations::${management}:ou/${orgId}/`;
  const foreign = (ouArns as string[]).find((a) => !a.startsWith(prefix));
  if (foreign) return `${foreign} is not an OU of ${organizationArn}`;
  return { accountId, organizationArn, ouArns: ouArns as string[] };
}

export function imageAdminRoutes(store: Store, recycleBin: ImageRecycleBin): OperatorRoute[] {
  const organizations: OperatorRoute = {
    path: '/_imago/organizations',
    async handle({ method, query, body }) {
      if (method === 'GET') return { status: 200, body: { accounts: await store.organizations.list() } };
      if (method === 'PUT' || method === 'POST') {
        const json = parseJson(body);
        if (!json) return bad('the body must be a JSON object');
        const m = parseMembership(json);
        if (typeof m === 'string') return bad(m);
        await store.organizations.put(m);
        return { status: 200, body: m };
      }
      if (method === 'DELETE') {
        const accountId = query.get('accountId') ?? '';
        if (!ACCOUNT.test(accountId)) return bad('accountId must be a 12-digit account id');
        await store.organizations.delete(accountId);
        return { status: 200, body: { accountId } };
      }
      return notAllowed(method, this.path);
    },
  };
  const retention: OperatorRoute = {
    path: '/_imago/recycle-bin',
    async handle({ method, query, body }) {
      const json = method === 'GET' ? Object.fromEntries(query) : parseJson(body);
      if (!json) return bad('the body must be a JSON object');
      const { accountId, region } = json as Record<string, unknown>;
      if (typeof accountId !== 'string' || !ACCOUNT.test(accountId)) return bad('accountId must be a 12-digit account id');
      if (typeof region !== 'string' || !findRegion(region)) return bad('region must be a served region');
      const scope = { accountId, region };
      if (method === 'GET') return { status: 200, body: { accountId, region, retentionDays: (await recycleBin.retentionDays(scope)) ?? null } };
      if (method !== 'PUT' && method !== 'POST') return notAllowed(method, this.path);
      const days = json.retentionDays;
      const [min, max] = RETENTION_DAYS_RANGE;
      if (days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < min || days > max)) {
        return bad(`retentionDays must be a whole number of days from ${min} to ${max}, or null to retain nothing`);
      }
      await recycleBin.setRetentionDays(scope, days ?? undefined);
      return { status: 200, body: { accountId, region, retentionDays: days } };
    },
  };
  return [organizations, retention];
}
