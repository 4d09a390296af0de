// Snapshots (DescribeSnapshots: owned by me or restorable by me, paged with MaxResults/NextToken,
// filters by state and description/Name/id) and a snapshot's page: details with progress, tags,
// the AMIs it backs; "Delete" (DeleteSnapshot) shows AWS's refusal (e.g. InvalidSnapshot.InUse).
import { call, currentSession, items, tags, text } from '../api.js';
import { go, href, registerPage, type Route } from '../router.js';
import { clear, details, h, pill, select, table } from '../ui.js';
import { actionButton, filters, nextTokenOf, Pager, refreshSoon, tagsSection, when } from './kit.js';

const pager = new Pager();
const OWNERS: [string, string][] = [['self', 'Owned by me'], ['shared', 'Private snapshots shared with me']];

async function list(root: HTMLElement, route: Route): Promise<void> {
  const q = route.query;
  const search = q.get('q') ?? '';
  const view = { owner: q.get('owner') === 'shared' ? 'shared' : 'self', state: q.get('state') ?? '', q: search };
  const token = pager.token(`${currentSession()?.region}|${JSON.stringify(view)}`);
  const byId = /^snap-[0-9a-f]+$/.test(search);
  const doc = await call('ec2', 'DescribeSnapshots', {
    MaxResults: 100,
    NextToken: token,
    ...(view.owner === 'self' ? { 'Owner.1': 'self' } : { 'RestorableBy.1': 'self' }),
    ...filters({ status: view.state, 'snapshot-id': byId ? search : undefined, description: !byId && search ? `*${search}*` : undefined }),
  });
  const me = currentSession()?.accountId;
  const rows = items(doc, 'snapshotSet').filter((s) => view.owner === 'self' || text(s, 'ownerId') !== me);
  const slot = h('div', { class: 'flash' });
  const reload = () => list(root, route);
  const qInput = h('input', { type: 'search', name: 'q', 'aria-label': 'Search by snapshot ID or description', placeholder: 'Snapshot ID or description', value: search });
  const stateSelect = select('state', ['', 'pending', 'completed', 'error', 'recoverable', 'recovering'].map((s) => [s, s || 'any']), view.state);
  clear(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Snapshots'), h('button', { type: 'button', onclick: () => void reload() }, 'Refresh')),
    slot,
    h('nav', { class: 'tabs', 'aria-label': 'Snapshot views' }, OWNERS.map(([v, label]) => h('a', { href: href('snapshots', { owner: v }), 'aria-current': v === view.owner ? 'page' : undefined }, label))),
    h(
      'form',
      { class: 'filters', role: 'search', onsubmit: (e: Event) => (e.preventDefault(), go('snapshots', { owner: view.owner, q: qInput.value.trim(), state: stateSelect.value })) },
      qInput,
      h('label', null, 'State ', stateSelect),
      h('button', { type: 'submit' }, 'Search'),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'snapshots-table' },
        h('thead', null, h('tr', null, ['Name', 'Snapshot ID', 'Size', 'Description', 'State', 'Progress', 'Volume', 'Owner', 'Encrypted', 'Started'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          null,
          rows.length
            ? rows.map((s) => {
                const id = text(s, 'snapshotId') ?? '';
                return h(
                  'tr',
                  { 'data-snapshot-id': id },
                  h('td', null, tags(s).get('Name') ?? ''),
                  h('td', null, h('a', { href: href(`snapshots/${id}`) }, h('code', null, id))),
                  h('td', null, `${text(s, 'volumeSize')} GiB`),
                  h('td', null, text(s, 'description')),
                  h('td', { 'data-col': 'state' }, pill(text(s, 'status'))),
                  h('td', null, text(s, 'progress')),
                  h('td', null, volumeLink(text(s, 'volumeId'))),
                  h('td', null, text(s, 'ownerAlias') ?? text(s, 'ownerId')),
                  h('td', null, text(s, 'encrypted')),
                  h('td', { 'data-col': 'created' }, when(text(s, 'startTime'))),
                );
              })
            : h('tr', null, h('td', { colspan: 10, class: 'empty' }, 'No snapshots here.')),
        ),
      ),
    ),
    pager.controls(nextTokenOf(doc), () => void reload(), `${rows.length} on this page`),
  );
  if (rows.some((s) => text(s, 'status') === 'pending')) refreshSoon(root, reload);
}

/** AWS gives vol-ffffffff for a snapshot without a volume of this account (copies, AMIs' snapshots). */
const volumeLink = (id: string | undefined) => (id && id !== 'vol-ffffffff' ? h('a', { href: href(`volumes/${id}`) }, h('code', null, id)) : id);

async function one(root: HTMLElement, route: Route): Promise<void> {
  const id = route.params.id;
  const doc = await call('ec2', 'DescribeSnapshots', { 'SnapshotId.1': id });
  const s = items(doc, 'snapshotSet')[0];
  const slot = h('div', { class: 'flash' });
  const reload = () => one(root, route);
  const mine = text(s, 'ownerId') === currentSession()?.accountId;
  const images = mine ? await call('ec2', 'DescribeImages', { 'Owner.1': 'self', IncludeDeprecated: true, IncludeDisabled: true, ...filters({ 'block-device-mapping.snapshot-id': id }) }) : undefined;
  const state = text(s, 'status') ?? '';
  clear(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: href('snapshots') }, 'Snapshots'), ' › ', id),
    h('div', { class: 'page-head' }, h('h1', null, tags(s).get('Name') || id), pill(state)),
    slot,
    mine
      ? h('div', { class: 'actions' }, actionButton('Delete snapshot', { id: 'action-delete', danger: true, confirm: `Delete snapshot ${id}? An AMI that uses it keeps it: deregister the AMI first.`, slot, run: () => call('ec2', 'DeleteSnapshot', { SnapshotId: id }), done: () => go('snapshots') }))
      : null,
    h('section', null, h('h2', null, 'Details'), details([
      ['Snapshot ID', h('code', { id: 'snapshot-id' }, id)],
      ['Status', state],
      ['Progress', h('span', { id: 'snapshot-progress' }, text(s, 'progress'))],
      ['Volume size', `${text(s, 'volumeSize')} GiB`],
      ['Volume', volumeLink(text(s, 'volumeId'))],
      ['Description', text(s, 'description')],
      ['Owner', text(s, 'ownerAlias') ? `${text(s, 'ownerId')} (${text(s, 'ownerAlias')})` : text(s, 'ownerId')],
      ['Encrypted', text(s, 'encrypted')],
      ['KMS key', text(s, 'kmsKeyId')],
      ['Storage tier', text(s, 'storageTier')],
      ['Started', when(text(s, 'startTime'))],
      ['Completed', when(text(s, 'completionTime'))],
      ['State message', text(s, 'statusMessage')],
    ])),
    mine ? tagsSection(id, s, slot, reload) : null,
    images
      ? h('section', { id: 'snapshot-images' }, h('h2', null, 'AMIs using this snapshot'), table([
          { id: 'id', label: 'AMI ID', cell: (i) => h('a', { href: href(`images/${text(i, 'imageId')}`) }, h('code', null, text(i, 'imageId'))) },
          { id: 'name', label: 'Name', cell: (i) => text(i, 'name') },
          { id: 'state', label: 'State', cell: (i) => pill(text(i, 'imageState')) },
        ], items(images, 'imagesSet'), { empty: 'No AMI of yours uses it.' }))
      : null,
  );
  if (state === 'pending') refreshSoon(root, reload, 1500);
}

registerPage({ path: 'snapshots', title: 'Snapshots', nav: 'Snapshots', order: 31, render: list });
registerPage({ path: 'snapshots/:id', title: 'Snapshot', render: one });
