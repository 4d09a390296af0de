// EC2's ClientToken idempotency: services/idempotency.ts with EC2's errors.
import type { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import { idempotent as shared, type Idempotent } from '../idempotency.js';
import { ec2Error } from './ec2-errors.js';

export { requestHash } from '../idempotency.js';

export function idempotent<T>(store: Store, scope: Scope, req: Omit<Idempotent<T>, 'mismatch' | 'busy'>): Promise<T> {
  return shared(store, scope, {
    ...req,
    mismatch: () => ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).'),
    busy: () => ec2Error('RequestLimitExceeded', 'A request with this client token is still being processed; retry it.', 503),
  });
}
