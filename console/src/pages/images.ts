// AMIs: the four views of AWS's console (owned by me, private, shared with me, public, plus
// disabled), filters as DescribeImages filters, a search box, a column chooser, and paging with
// MaxResults/NextToken — one page of the server's answer at a time, so 100k images cost what 50 do.
import { call, items, listParams, tags, text, type Params } from '../api.js';
import { currentSession } from '../api.js';
import { go, href, registerPage, type Route } from '../router.js';
import { clear, errorBanner, h, link, pill, select, type Column } from '../ui.js';

export interface ImageRow {
  id: string;
  name: string;
  state: string;
  owner: string;
  alias?: string;
  isPublic: boolean;
  created: string;
  architecture: string;
  platform: string;
  rootDeviceType: string;
  bootMode: string;
  deprecation?: string;
  description: string;
  location: string;
  tags: Map<string, string>;
}

export function imageRow(el: Element): ImageRow {
  return {
    id: text(el, 'imageId') ?? '',
    name: text(el, 'name') ?? '',
    state: text(el, 'imageState') ?? '',
    owner: text(el, 'imageOwnerId') ?? '',
    alias: text(el, 'imageOwnerAlias'),
    isPublic: text(el, 'isPublic') === 'true',
    created: text(el, 'creationDate') ?? '',
    architecture: text(el, 'architecture') ?? '',
    platform: text(el, 'platformDetails') ?? '',
    rootDeviceType: text(el, 'rootDeviceType') ?? '',
    bootMode: text(el, 'bootMode') ?? '',
    deprecation: text(el, 'deprecationTime'),
    description: text(el, 'description') ?? '',
    location: text(el, 'imageLocation') ?? '',
    tags: tags(el),
  };
}

const TABS: [string, string][] = [
  ['owned', 'Owned by me'],
  ['private', 'Private images'],
  ['shared', 'Shared with me'],
  ['public', 'Public images'],
  ['disabled', 'Disabled images'],
];

const COLUMNS: Column<ImageRow>[] = [
  { id: 'name', label: 'Name', default: true, cell: (r) => link(href(`images/${r.id}`), r.name || r.id) },
  { id: 'id', label: 'AMI ID', default: true, cell: (r) => h('code', null, r.id) },
  { id: 'owner', label: 'Owner', default: true, cell: (r) => r.alias ?? r.owner },
  { id: 'visibility', label: 'Visibility', default: true, cell: (r) => (r.isPublic ? 'Public' : 'Private') },
  { id: 'state', label: 'Status', default: true, cell: (r) => pill(r.state) },
  { id: 'created', label: 'Creation date', default: true, cell: (r) => r.created.slice(0, 19).replace('T', ' ') },
  { id: 'architecture', label: 'Architecture', default: true, cell: (r) => r.architecture },
  { id: 'platform', label: 'Platform', default: false, cell: (r) => r.platform },
  { id: 'root', label: 'Root device type', default: false, cell: (r) => r.rootDeviceType },
  { id: 'boot', label: 'Boot mode', default: false, cell: (r) => r.bootMode },
  { id: 'deprecation', label: 'Deprecation time', default: true, cell: (r) => r.deprecation?.slice(0, 10) ?? '' },
  { id: 'source', label: 'Source', default: false, cell: (r) => r.location },
  { id: 'description', label: 'Description', default: false, cell: (r) => r.description },
  { id: 'nameTag', label: 'Name tag', default: false, cell: (r) => r.tags.get('Name') ?? '' },
];

const COLUMNS_KEY = 'imago.console.imageColumns';
function shownColumns(): Set<string> {
  try {
    const saved = localStorage.getItem(COLUMNS_KEY);
    if (saved) return new Set(JSON.parse(saved) as string[]);
  } catch {
    /* defaults */
  }
  return new Set(COLUMNS.filter((c) => c.default).map((c) => c.id));
}

/** DescribeImages parameters for a tab and the filters in the URL. */
export function describeParams(q: URLSearchParams): Params {
  const tab = q.get('tab') ?? 'owned';
  const filters: [string, string][] = [];
  let params: Params = {};
  if (tab === 'owned') params = { 'Owner.1': 'self', IncludeDeprecated: true };
  else if (tab === 'private' || tab === 'shared') (params = { 'ExecutableBy.1': 'self', IncludeDeprecated: true }), filters.push(['is-public', 'false']);
  else if (tab === 'public') (params = { 'ExecutableBy.1': 'all' }), filters.push(['is-public', 'true']);
  else if (tab === 'disabled') (params = { 'Owner.1': 'self', IncludeDisabled: true, IncludeDeprecated: true }), filters.push(['state', 'disabled']);
  const search = q.get('q')?.trim();
  if (search) filters.push(/^ami-[0-9a-f]+$/.test(search) ? ['image-id', search] : ['name', search.includes('*') || search.includes('?') ? search : `*${search}*`]);
  if (q.get('name')) filters.push(['name', q.get('name')!]);
  if (q.get('arch')) filters.push(['architecture', q.get('arch')!]);
  if (q.get('state') && tab !== 'disabled') filters.push(['state', q.get('state')!]);
  const tag = q.get('tag');
  if (tag) {
    const eq = tag.indexOf('=');
    filters.push(eq < 0 ? ['tag-key', tag] : [`tag:${tag.slice(0, eq)}`, tag.slice(eq + 1)]);
  }
  filters.forEach(([name, value], i) => {
    params[`Filter.${i + 1}.Name`] = name;
    Object.assign(params, listParams(`Filter.${i + 1}.Value`, [value]));
  });
  return params;
}

/** Page tokens of the listing now shown (the URL keeps the filters; tokens live here). */
let paging: { key: string; tokens: (string | undefined)[]; index: number } = { key: '', tokens: [undefined], index: 0 };

async function render(root: HTMLElement, route: Route): Promise<void> {
  const q = route.query;
  const tab = q.get('tab') ?? 'owned';
  const size = Number(q.get('size') ?? 50);
  const key = `${currentSession()?.region}|${q.toString()}`;
  if (paging.key !== key) paging = { key, tokens: [undefined], index: 0 };
  const set = (changes: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = Object.fromEntries(q.entries());
    go('images', { ...next, ...changes });
  };

  const search = h('input', { type: 'search', name: 'q', value: q.get('q') ?? '', placeholder: 'Search by name or AMI ID', 'aria-label': 'Search by name or AMI ID' });
  const nameF = h('input', { name: 'name', value: q.get('name') ?? '', placeholder: 'debian-12-*', 'aria-label': 'Name filter' });
  const tagF = h('input', { name: 'tag', value: q.get('tag') ?? '', placeholder: 'Key=Value', 'aria-label': 'Tag filter' });
  const archF = select('arch', [['', 'Any architecture'], 'x86_64', 'arm64', 'i386'], q.get('arch') ?? '');
  const stateF = select('state', [['', 'Any state'], 'available', 'pending', 'failed', 'deregistered', 'disabled'], q.get('state') ?? '');
  archF.setAttribute('aria-label', 'Architecture filter');
  stateF.setAttribute('aria-label', 'State filter');
  const filterForm = h(
    'form',
    { class: 'filters', role: 'search' },
    search,
    nameF,
    tagF,
    archF,
    stateF,
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
    h('button', { type: 'button', onclick: () => go('images', { tab }) }, 'Clear'),
  );
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    set({ q: search.value, name: nameF.value, tag: tagF.value, arch: archF.value, state: stateF.value });
  });

  const shown = shownColumns();
  const chooser = h(
    'details',
    { class: 'columns' },
    h('summary', null, 'Columns'),
    h(
      'fieldset',
      null,
      COLUMNS.map((c) =>
        h(
          'label',
          null,
          h('input', {
            type: 'checkbox',
            name: `col-${c.id}`,
            checked: shown.has(c.id),
            onchange: (e: Event) => {
              if ((e.target as HTMLInputElement).checked) shown.add(c.id);
              else shown.delete(c.id);
              localStorage.setItem(COLUMNS_KEY, JSON.stringify([...shown]));
              drawTable();
            },
          }),
          ' ',
          c.label,
        ),
      ),
    ),
  );

  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Image views' }, TABS.map(([id, label]) => h('a', { href: href('images', { ...Object.fromEntries(q.entries()), tab: id }), 'aria-current': id === tab ? 'page' : undefined }, label)));
  const tableSlot = h('div', { class: 'table-wrap', 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  clear(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Amazon Machine Images (AMIs)'), h('a', { class: 'button', href: href('instances') }, 'Create image from an instance')),
    tabs,
    h('div', { class: 'toolbar' }, filterForm, chooser),
    tableSlot,
    pager,
  );

  let rows: ImageRow[] = [];
  const drawTable = () => {
    const cols = COLUMNS.filter((c) => shown.has(c.id));
    tableSlot.replaceChildren(
      h(
        'table',
        { id: 'images-table' },
        h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, c.label)))),
        h('tbody', null, rows.length ? rows.map((r) => h('tr', { 'data-image-id': r.id }, cols.map((c) => h('td', { 'data-col': c.id }, c.cell(r))))) : h('tr', null, h('td', { colspan: cols.length, class: 'empty' }, 'No images match.'))),
      ),
    );
  };

  const started = performance.now();
  const me = currentSession()?.accountId;
  let token = paging.tokens[paging.index];
  let nextToken: string | undefined;
  try {
    // "Shared with me" is ExecutableBy=self without the caller's own images: a page may take a few calls
    for (let calls = 0; calls < 5; calls++) {
      const doc = await call('ec2', 'DescribeImages', { ...describeParams(q), MaxResults: size, NextToken: token });
      const page = items(doc, 'imagesSet').map(imageRow);
      rows.push(...(tab === 'shared' ? page.filter((r) => r.owner !== me) : page));
      nextToken = doc.getElementsByTagName('nextToken')[0]?.textContent ?? undefined;
      if (tab !== 'shared' || rows.length >= size || !nextToken) break;
      token = nextToken;
    }
  } catch (e) {
    tableSlot.replaceChildren(errorBanner(e));
    return;
  }
  drawTable();
  const ms = Math.round(performance.now() - started);
  root.dataset.renderMs = String(ms);
  const from = paging.index * size + 1;
  pager.replaceChildren(
    h('span', { class: 'count' }, rows.length ? `Page ${paging.index + 1}: ${rows.length} images${rows.length ? ` (from #${from})` : ''}` : ''),
    h('label', null, 'Per page ', select('size', ['25', '50', '100', '200'], String(size))),
    h('button', { type: 'button', disabled: paging.index === 0, onclick: () => ((paging.index -= 1), void render(root, route)) }, '‹ Previous'),
    h('button', { type: 'button', disabled: !nextToken, onclick: () => ((paging.tokens[paging.index + 1] = nextToken), (paging.index += 1), void render(root, route)) }, 'Next ›'),
  );
  pager.querySelector('select')!.addEventListener('change', (e) => set({ size: (e.target as HTMLSelectElement).value }));
}

registerPage({ path: 'images', title: 'AMIs', nav: 'AMIs', order: 10, render });
