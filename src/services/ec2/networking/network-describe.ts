// Describe* of the VPC family in one shape: explicit ids must all exist (that resource's
// NotFound otherwise); exact filters on columns run in SQL over the (account, region, id)
// index, and pages are cut there when nothing else filters; other filters (wildcards, tags,
// nested fields) are matched on the wire shapes after. Pages go by id; tokens are
// pagination.ts's, bound to the caller, the operation, the filters and the ids.
import type { Filter } from '../../../api/ec2/types.js';
import type { ServiceError } from '../../../protocol/service-error.js';
import type { Database } from '../../../store/schema.js';
import type { Scope } from '../../../store/scope.js';
import type { Row, ScopedTable } from '../../../store/repos/vpc-family.js';
import { compileFilters, type FilterSpec } from '../filters.js';
import { checkPageRequest, decodeToken, encodeToken, type PageRequest } from '../pagination.js';

/** A filter that is a column: its name -> the column, and how a value is stored there. */
export type SqlFilters = Record<string, { column: string; value?: (v: string) => string | number | undefined }>;

export const bool01 = (v: string) => (v === 'true' ? 1 : v === 'false' ? 0 : undefined);

export interface DescribeRequest extends PageRequest {
  ids?: string[];
  filters?: Filter[];
  /** binds page tokens: the operation's name */
  operation: string;
}

export interface DescribeSpec<T extends keyof Database & string, O> {
  table: ScopedTable<T>;
  idOf: (row: Row<T>) => string;
  sql: SqlFilters;
  filters: FilterSpec<O>;
  notFound: (id: string) => ServiceError;
  /** checks an id's form (the resource's Malformed error) */
  assertId?: (id: string) => void;
  views: (rows: Row<T>[]) => Promise<O[]>;
  /** MaxResults with explicit ids is refused (name of the id list for the message) */
  idsParameter?: string;
  /** the order of the items within a page (pages themselves are cut by id) */
  order?: (a: O, b: O) => number;
}

const literal = (v: string) => !/[*?\\]/.test(v);

export async function describePage<T extends keyof Database & string, O>(caller: Scope, req: DescribeRequest, spec: DescribeSpec<T, O>): Promise<{ items: O[]; nextToken?: string }> {
  const ids = req.ids?.length ? [...new Set(req.ids)] : undefined;
  checkPageRequest(req, { idsParameter: spec.idsParameter, hasIds: Boolean(spec.idsParameter && ids) });
  const filters = req.filters ?? [];
  const match = compileFilters(filters, spec.filters); // validates every name
  const equals: { column: string; values: (string | number)[] }[] = [];
  const rest: Filter[] = [];
  for (const f of filters) {
    const column = f.Name ? spec.sql[f.Name] : undefined;
    const values = (f.Values ?? []).map((v) => (column && literal(v) ? (column.value ? column.value(v) : v) : undefined));
    if (column && values.every((v) => v !== undefined)) equals.push({ column: column.column, values: values as (string | number)[] });
    else rest.push(f);
  }
  if (ids) {
    for (const id of ids) spec.assertId?.(id);
    const found = new Set((await spec.table.list(caller, { ids })).map(spec.idOf));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw spec.notFound(missing);
  }
  const binding = [caller.accountId, caller.region, req.operation, filters, ids ?? []];
  const after = req.NextToken ? decodeToken(binding, req.NextToken) : undefined;
  const size = req.MaxResults !== undefined || req.NextToken ? Math.min(req.MaxResults ?? 1000, 1000) : undefined;
  let items: O[];
  let more = false;
  let lastId: string | undefined;
  if (rest.length === 0) {
    const rows = await spec.table.list(caller, { ids, equals, after, limit: size === undefined ? undefined : size + 1 });
    more = size !== undefined && rows.length > size;
    const page = more ? rows.slice(0, size) : rows;
    lastId = page.length ? spec.idOf(page[page.length - 1]) : undefined;
    items = await spec.views(page);
  } else {
    const rows = await spec.table.list(caller, { ids, equals, after });
    const views = await spec.views(rows);
    const kept: number[] = [];
    views.forEach((v, i) => match(v) && kept.push(i));
    const cut = size === undefined ? kept : kept.slice(0, size);
    more = size !== undefined && kept.length > size;
    items = cut.map((i) => views[i]);
    lastId = cut.length ? spec.idOf(rows[cut[cut.length - 1]]) : undefined;
  }
  if (spec.order) items.sort(spec.order);
  return { items, nextToken: more && lastId ? encodeToken(binding, lastId) : undefined };
}
