// aws:RequestTag/… and aws:TagKeys of the tags a request carries, whatever the service calls
// their members (Key/Value, TagKey/TagValue).
import type { ContextValue } from '../policy/index.js';

export function requestTags(tags: unknown): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {};
  if (!Array.isArray(tags) || !tags.length) return keys;
  const names: string[] = [];
  for (const t of tags as Record<string, unknown>[]) {
    const key = t.Key ?? t.TagKey;
    if (typeof key !== 'string') continue;
    const value = t.Value ?? t.TagValue;
    keys[`aws:RequestTag/${key}`] = typeof value === 'string' ? value : '';
    names.push(key);
  }
  keys['aws:TagKeys'] = names;
  return keys;
}

/** A resource's tags as aws:ResourceTag/… (and the service's own prefix, e.g. ec2:ResourceTag/…). */
export function resourceTags(tags: readonly { key: string; value: string }[], servicePrefix?: string): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {};
  for (const t of tags) {
    keys[`aws:ResourceTag/${t.key}`] = t.value;
    if (servicePrefix) keys[`${servicePrefix}:ResourceTag/${t.key}`] = t.value;
  }
  return keys;
}
