// Limits EC2 puts on a whole request rather than on one member, found by walking the model
// once per operation: the filter values of a call (every `Filter.N.Value.M` together) are at
// most 200 and each at most 255 characters, refused as `FilterLimitExceeded` with AWS's
// messages. Per-member bounds (ids per call, lengths) are `min`/`max` constraints in
// model/patches, checked by validate.ts.
import type { ServiceModel } from './model.js';
import { ServiceError } from './service-error.js';

export const MAX_FILTER_VALUES = 200;
export const MAX_FILTER_VALUE_LENGTH = 255;

interface FilterLike {
  Values?: unknown[];
}

export class RequestLimits {
  /** per operation: the input members that are lists of filters */
  private readonly filterMembers = new Map<string, string[]>();

  constructor(private readonly model: ServiceModel) {}

  private filtersOf(operation: string): string[] {
    let members = this.filterMembers.get(operation);
    if (!members) {
      members = [];
      const input = this.model.operations[operation]?.input;
      const shape = input ? this.model.shapes[input] : undefined;
      if (shape?.type === 'structure') {
        for (const [name, ref] of Object.entries(shape.members)) {
          const list = this.model.shapes[ref.target];
          if (list?.type === 'list' && this.isFilter(list.member.target)) members.push(name);
        }
      }
      this.filterMembers.set(operation, members);
    }
    return members;
  }

  /** EC2's `Filter` (and look-alikes): a structure of a `Name` and a list of `Values`. */
  private isFilter(shapeName: string): boolean {
    const shape = this.model.shapes[shapeName];
    if (shape?.type !== 'structure') return false;
    const values = shape.members.Values;
    return Boolean(shape.members.Name && values && this.model.shapes[values.target]?.type === 'list');
  }

  check(operation: string, input: Record<string, unknown>): void {
    let values = 0;
    for (const name of this.filtersOf(operation)) {
      for (const filter of (input[name] as FilterLike[] | undefined) ?? []) {
        values += filter.Values?.length ?? 0;
        for (const v of filter.Values ?? []) {
          if (typeof v === 'string' && v.length > MAX_FILTER_VALUE_LENGTH) {
            throw new ServiceError('FilterLimitExceeded', `The maximum length for a filter value is ${MAX_FILTER_VALUE_LENGTH} characters`);
          }
        }
      }
    }
    if (values > MAX_FILTER_VALUES) {
      throw new ServiceError('FilterLimitExceeded', `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`);
    }
  }
}
