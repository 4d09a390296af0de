// Parameter rules the generated model does not carry (the SDK schemas have no min/max/pattern),
// checked where KMS checks them and answered with its Coral-style ValidationException messages.
import { constraint, tagError, validation } from './kms-errors.js';
import type { Tag } from './kms-types.js';

export function checkLength(value: string | Uint8Array, member: string, min: number, max: number, sensitive = false): void {
  const n = value.length;
  const shown = sensitive ? undefined : value;
  const fail = (rule: string) =>
    shown === undefined
      ? validation(`1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must ${rule}`)
      : constraint(shown, member, rule);
  if (n < min) throw fail(`have length greater than or equal to ${min}`);
  if (n > max) throw fail(`have length less than or equal to ${max}`);
}

export function checkRange(value: number, member: string, min: number, max: number): void {
  if (value < min) throw constraint(value, member, `have value greater than or equal to ${min}`);
  if (value > max) throw constraint(value, member, `have value less than or equal to ${max}`);
}

export const checkDescription = (d: string | undefined) => d !== undefined && checkLength(d, 'description', 0, 8192);

export function checkTags(tags: Tag[]): void {
  tags.forEach((t, i) => {
    checkLength(t.key, `tags.${i + 1}.member.tagKey`, 1, 128);
    checkLength(t.value, `tags.${i + 1}.member.tagValue`, 0, 256);
    if (t.key.toLowerCase().startsWith('aws:')) throw tagError(`Tag keys beginning with aws: are reserved: ${t.key}`);
  });
}

export const ALIAS_PREFIX_MESSAGE = 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html';
