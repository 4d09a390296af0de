// Operator endpoints of the public catalog (under /_imago/, admin only):
//
//   GET    /_imago/images?accountId=&region=&catalog=true   storage per image (imageUsage)
//   GET    /_imago/marketplace/subscriptions?accountId=     AWS Marketplace subscriptions
//   PUT    /_imago/marketplace/subscriptions  {"accountId", "productCode"}   subscribe
//   DELETE /_imago/marketplace/subscriptions?accountId=&productCode=         unsubscribe
import type { OperatorRoute } from '../images/image-admin.js';
import type { AccountingDeps } from '../snapshots/storage-accounting.js';
import { imageUsage } from './image-usage.js';
import type { Marketplace } from './marketplace.js';

const ACCOUNT = /^\d{12}$/;
const PRODUCT_CODE = /^[a-z0-9]{1,64}$/;
const bad = (error: string) => ({ status: 400, body: { error } });

export function catalogAdminRoutes(deps: AccountingDeps & { marketplace: Marketplace }): OperatorRoute[] {
  const images: OperatorRoute = {
    path: '/_imago/images',
    async handle({ method, query }) {
      if (method !== 'GET') return { status: 405, body: { error: `${method} is not supported on /_imago/images` } };
      const accountId = query.get('accountId') ?? undefined;
      if (accountId !== undefined && !ACCOUNT.test(accountId)) return bad('accountId must be a 12-digit account id');
      return { status: 200, body: await imageUsage(deps, { accountId, region: query.get('region') ?? undefined, catalog: query.get('catalog') === 'true' }) };
    },
  };
  const subscriptions: OperatorRoute = {
    path: '/_imago/marketplace/subscriptions',
    async handle({ method, query, body }) {
      if (method === 'GET') {
        const accountId = query.get('accountId') ?? undefined;
        return { status: 200, body: await deps.marketplace.list(accountId) };
      }
      let accountId = query.get('accountId');
      let productCode = query.get('productCode');
      if (method === 'PUT') {
        try {
          ({ accountId, productCode } = JSON.parse(body.toString('utf8')) as { accountId: string; productCode: string });
        } catch {
          return bad('the body must be JSON: {"accountId", "productCode"}');
        }
      } else if (method !== 'DELETE') {
        return { status: 405, body: { error: `${method} is not supported on /_imago/marketplace/subscriptions` } };
      }
      if (typeof accountId !== 'string' || !ACCOUNT.test(accountId)) return bad('accountId must be a 12-digit account id');
      if (typeof productCode !== 'string' || !PRODUCT_CODE.test(productCode)) return bad('productCode must be a marketplace product code');
      if (method === 'PUT') await deps.marketplace.subscribe(accountId, productCode);
      else await deps.marketplace.unsubscribe(accountId, productCode);
      return { status: 200, body: { accountId, productCode, subscribed: method === 'PUT' } };
    },
  };
  return [images, subscriptions];
}
