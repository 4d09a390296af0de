// ParameterStringFilter (DescribeParameters, GetParametersByPath) and the deprecated
// ParametersFilter, as predicates. Keys, options and values are checked as Parameter Store
// checks them: DescribeParameters takes Name, Type, KeyId, Path, Tier, DataType and tag:<key>
// (options Equals and BeginsWith; Name also Contains; Path Recursive and OneLevel);
// GetParametersByPath takes Type, KeyId and Label (Label only with Equals).
import type { ParameterStringFilter, ParametersFilter } from '../../api/ssm/types.js';
import { invalidFilterKey, invalidFilterOption, invalidFilterValue, validation } from './ssm-errors.js';

export interface FilterView {
  name: string;
  type: string;
  keyId: string | null;
  tier: string;
  dataType: string;
  /** label -> version (GetParametersByPath's Label filter) */
  labels?: ReadonlyMap<string, number>;
  tags?: ReadonlyMap<string, string>;
}

export type FilterPredicate = (p: FilterView) => boolean;

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const DESCRIBE_KEYS = ['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType', 'tag:key'];
const BY_PATH_KEYS = ['Type', 'KeyId', 'Label'];

function match(option: string, actual: string | null | undefined, values: readonly string[]): boolean {
  if (actual === null || actual === undefined) return false;
  if (option === 'BeginsWith') return values.some((v) => actual.startsWith(v));
  if (option === 'Contains') return values.some((v) => actual.includes(v));
  return values.includes(actual);
}

function pathMatch(option: string, name: string, values: readonly string[]): boolean {
  return values.some((v) => {
    const prefix = v.endsWith('/') ? v : `${v}/`;
    return name.startsWith(prefix) && (option === 'Recursive' || !name.slice(prefix.length).includes('/'));
  });
}

/** DescribeParameters' filters (either list, not both). */
export function describeFilter(filters: readonly ParametersFilter[] | undefined, parameterFilters: readonly ParameterStringFilter[] | undefined): FilterPredicate {
  if (filters?.length && parameterFilters?.length) throw validation('You can use either Filters or ParameterFilters in a single request.');
  const predicates: FilterPredicate[] = [];
  for (const f of filters ?? []) {
    const values = f.Values;
    if (f.Key === 'Name') predicates.push((p) => values.some((v) => p.name.startsWith(v)));
    else if (f.Key === 'Type') predicates.push((p) => values.includes(p.type));
    else predicates.push((p) => values.includes(p.keyId ?? ''));
  }
  const seen = new Set<string>();
  for (const f of parameterFilters ?? []) {
    const key = f.Key;
    if (seen.has(key)) throw invalidFilterKey(`${key} (duplicated: a request can contain only one occurrence of a specific filter)`, DESCRIBE_KEYS);
    seen.add(key);
    const values = f.Values ?? [];
    if (key.startsWith('tag:')) {
      const option = f.Option ?? 'Equals';
      if (option !== 'Equals') throw invalidFilterOption(option, ['Equals']);
      const tag = key.slice(4);
      predicates.push((p) => (values.length ? match('Equals', p.tags?.get(tag), values) : Boolean(p.tags?.has(tag))));
      continue;
    }
    if (key === 'Path') {
      const option = f.Option ?? 'OneLevel';
      if (option !== 'Recursive' && option !== 'OneLevel') throw invalidFilterOption(option, ['Recursive', 'OneLevel']);
      for (const v of values) {
        if (/^\/?(aws|ssm)/i.test(v)) {
          throw validation('Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.');
        }
      }
      predicates.push((p) => pathMatch(option, p.name, values));
      continue;
    }
    if (!['Name', 'Type', 'KeyId', 'Tier', 'DataType'].includes(key)) throw invalidFilterKey(key, DESCRIBE_KEYS);
    const option = f.Option ?? 'Equals';
    const options = key === 'Name' ? ['BeginsWith', 'Equals', 'Contains'] : ['BeginsWith', 'Equals'];
    if (!options.includes(option)) throw invalidFilterOption(option, options);
    if (key === 'Type') for (const v of values) if (!TYPES.includes(v)) throw invalidFilterValue(v, TYPES);
    if (key === 'Tier') for (const v of values) if (!TIERS.includes(v)) throw invalidFilterValue(v, TIERS);
    const field = { Name: 'name', Type: 'type', KeyId: 'keyId', Tier: 'tier', DataType: 'dataType' }[key] as 'name' | 'type' | 'keyId' | 'tier' | 'dataType';
    // a Name filter's value may omit the leading slash of a hierarchical name
    const fieldOf = (p: FilterView) => (field === 'name' && !values.some((v) => v.startsWith('/')) ? p.name.replace(/^\//, '') : p[field]);
    predicates.push((p) => match(option, fieldOf(p), values));
  }
  return (p) => predicates.every((pred) => pred(p));
}

/** GetParametersByPath's filters; the Label filter's values are returned for version selection. */
export function byPathFilter(parameterFilters: readonly ParameterStringFilter[] | undefined): { predicate: FilterPredicate; labels?: readonly string[] } {
  const predicates: FilterPredicate[] = [];
  let labels: string[] | undefined;
  for (const f of parameterFilters ?? []) {
    if (!BY_PATH_KEYS.includes(f.Key)) throw invalidFilterKey(f.Key, BY_PATH_KEYS);
    const values = f.Values ?? [];
    const option = f.Option ?? 'Equals';
    if (f.Key === 'Label') {
      if (option !== 'Equals') throw invalidFilterOption(option, ['Equals']);
      labels = values;
      predicates.push((p) => values.some((l) => p.labels?.has(l)));
      continue;
    }
    if (option !== 'Equals' && option !== 'BeginsWith') throw invalidFilterOption(option, ['BeginsWith', 'Equals']);
    if (f.Key === 'Type') for (const v of values) if (!TYPES.includes(v)) throw invalidFilterValue(v, TYPES);
    predicates.push(f.Key === 'Type' ? (p) => match(option, p.type, values) : (p) => match(option, p.keyId, values));
  }
  return { predicate: (p) => predicates.every((pred) => pred(p)), labels };
}
