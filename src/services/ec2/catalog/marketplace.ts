// AWS Marketplace images: an image carrying a `marketplace` product code can be launched only by
// accounts subscribed to the product (and by its owner, the seller). Otherwise EC2 answers
// OptInRequired (HTTP 401) with AWS's message. Subscriptions are kept per account and product
// code; operators manage them (`imago catalog subscribe`, POST /_imago/marketplace/subscriptions).
import { ServiceError } from '../../../protocol/service-error.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';

export interface ProductCodeRow {
  product_code: string;
  type: string;
}

/** The marketplace product code launching an image needs a subscription to (undefined: none). */
export function requiresSubscription(image: { productCodes: readonly ProductCodeRow[] }): string | undefined {
  return image.productCodes.find((p) => p.type === 'marketplace')?.product_code;
}

/** EC2's answer to launching a marketplace image without a subscription. */
export function optInRequired(productCode: string): ServiceError {
  return new ServiceError(
    'OptInRequired',
    `In order to use this AWS Marketplace product you need to accept terms and subscribe. To do so please visit https://aws.amazon.com/marketplace/pp?sku=${productCode}`,
    401,
  );
}

export class Marketplace {
  constructor(private readonly store: Store) {}

  /** Throws OptInRequired unless `caller` may launch the image (owner, subscribed, or no product code). */
  async assertCanLaunch(caller: Scope, image: { image_id: string; account_id: string }): Promise<void> {
    if (image.account_id === caller.accountId) return;
    const codes = (await this.store.images.productCodes([image.image_id])).get(image.image_id) ?? [];
    for (const p of codes) {
      if (p.type === 'marketplace' && !(await this.store.catalog.subscribed(caller.accountId, p.product_code))) throw optInRequired(p.product_code);
    }
  }

  subscribe(accountId: string, productCode: string): Promise<void> {
    return this.store.catalog.subscribe(accountId, productCode);
  }

  unsubscribe(accountId: string, productCode: string): Promise<void> {
    return this.store.catalog.unsubscribe(accountId, productCode);
  }

  list(accountId?: string): Promise<{ accountId: string; productCode: string }[]> {
    return this.store.catalog.subscriptions(accountId);
  }
}
