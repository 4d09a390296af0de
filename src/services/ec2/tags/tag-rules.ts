// Tag validation shared by CreateTags and every TagSpecifications parameter.
import type { Tag, TagSpecification } from '../../../api/ec2/types.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';

export const MAX_TAGS_PER_RESOURCE = 50;

export const isReservedKey = (key: string) => key.toLowerCase().startsWith('aws:');

/** A key users may set or delete: non-empty, and not in the reserved `aws:` namespace. */
export function assertUserKey(key: string | undefined): asserts key is string {
  if (key === undefined || key === '') throw invalidParameterValue('Tag keys must not be empty.');
  if (isReservedKey(key)) {
    throw invalidParameterValue(`Value ( ${key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`);
  }
}

export function validateTag(tag: Tag): { key: string; value: string } {
  const key = tag.Key;
  assertUserKey(key);
  if ([...key].length > 128) throw invalidParameterValue(`Tag key exceeds the maximum length of 128 characters: ${key.slice(0, 40)}…`);
  const value = tag.Value ?? '';
  if ([...value].length > 256) throw invalidParameterValue(`Tag value exceeds the maximum length of 256 characters for key ${key}.`);
  return { key, value };
}

/**
 * The tags a TagSpecifications parameter gives each allowed resource type. Unknown or
 * disallowed types fail the request, as AWS does.
 */
export function tagsFromSpecs(specs: TagSpecification[] | undefined, allowed: readonly string[]): Map<string, { key: string; value: string }[]> {
  const out = new Map<string, { key: string; value: string }[]>();
  for (const spec of specs ?? []) {
    const type = spec.ResourceType;
    if (!type) throw ec2Error('MissingParameter', 'The request must contain the parameter TagSpecification.ResourceType');
    if (!allowed.includes(type)) {
      throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
    }
    const tags = (spec.Tags ?? []).map(validateTag);
    if (tags.length > MAX_TAGS_PER_RESOURCE) throw ec2Error('TagLimitExceeded', `The maximum number of tags per resource is ${MAX_TAGS_PER_RESOURCE}.`);
    out.set(type, [...(out.get(type) ?? []), ...tags]);
  }
  return out;
}
