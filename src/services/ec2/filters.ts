// EC2 `Filter.N.Name` / `Filter.N.Value.M` matching: AND across filters, OR across values,
// names and values case-sensitive, `*` and `?` wildcards with backslash escapes, `tag:<key>`
// and `tag-key` on the caller's view of the tags. Values are compared as text.
import type { Filter, Tag } from '../../api/ec2/types.js';
import { invalidFilter, invalidParameterValue } from './ec2-errors.js';

export type FilterScalar = string | number | boolean | Date | undefined | null;
export type FilterValue = FilterScalar | FilterScalar[];

export interface FilterSpec<T> {
  fields: Record<string, (item: T) => FilterValue>;
  /** enables `tag:<key>` and `tag-key` */
  tags?: (item: T) => Tag[] | undefined;
}

/** Compiles one wildcard pattern; plain values compile to an equality test. */
export function wildcard(pattern: string): (text: string) => boolean {
  if (!/[*?\\]/.test(pattern)) return (text) => text === pattern;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1])) {
      source += `\\${pattern[++i]}`;
    } else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 's');
  return (text) => re.test(text);
}

function text(v: FilterScalar): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function anyMatches(value: FilterValue, tests: ((t: string) => boolean)[]): boolean {
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    const t = text(v);
    if (t !== undefined && tests.some((test) => test(t))) return true;
  }
  return false;
}

export function compileFilters<T>(filters: Filter[] | undefined, spec: FilterSpec<T>): (item: T) => boolean {
  if (!filters || filters.length === 0) return () => true;
  const predicates = filters.map((f): ((item: T) => boolean) => {
    const name = f.Name;
    if (!name) throw invalidParameterValue('Each filter must have a Name');
    const tests = (f.Values ?? []).map(wildcard);
    if (spec.tags && name.startsWith('tag:')) {
      const key = name.slice(4);
      return (item) => (spec.tags!(item) ?? []).some((tag) => tag.Key === key && anyMatches(tag.Value ?? '', tests));
    }
    if (spec.tags && name === 'tag-key') {
      return (item) => anyMatches((spec.tags!(item) ?? []).map((t) => t.Key), tests);
    }
    const field = spec.fields[name];
    if (!field) throw invalidFilter(name);
    return (item) => anyMatches(field(item), tests);
  });
  return (item) => predicates.every((p) => p(item));
}
