// Volumes (DescribeVolumes, paged with MaxResults/NextToken; filters by state, zone and Name tag or
// id) and a volume's page: details, attachments, tags, its snapshots; "Create snapshot"
// (CreateSnapshot) and "Delete" (DeleteVolume), each showing AWS's error when refused.
import { call, currentSession, items, tags, text } from '../api.js';
import { go, href, registerPage, type Route } from '../router.js';
import { clear, details, dialog, field, h, pill, select, table } from '../ui.js';
import { actionButton, filters, nextTokenOf, Pager, refreshSoon, tagsSection, when } from './kit.js';

const pager = new Pager();
const STATES = ['', 'creating', 'available', 'in-use', 'deleting', 'deleted', 'error'];

async function list(root: HTMLElement, route: Route): Promise<void> {
  const q = route.query;
  const search = q.get('q') ?? '';
  const view = { state: q.get('state') ?? '', zone: q.get('zone') ?? '', q: search };
  const token = pager.token(`${currentSession()?.region}|${JSON.stringify(view)}`);
  const byId = /^vol-[0-9a-f]+$/.test(search);
  const doc = await call('ec2', 'DescribeVolumes', {
    MaxResults: 100,
    NextToken: token,
    ...filters({ status: view.state, 'availability-zone': view.zone, 'volume-id': byId ? search : undefined, 'tag:Name': !byId && search ? `*${search}*` : undefined }),
  });
  const rows = items(doc, 'volumeSet');
  const slot = h('div', { class: 'flash' });
  const reload = () => list(root, route);
  const qInput = h('input', { type: 'search', name: 'q', 'aria-label': 'Search by volume ID or Name tag', placeholder: 'Volume ID or Name', value: search });
  const stateSelect = select('state', STATES.map((s) => [s, s || 'any']), view.state);
  const form = h(
    'form',
    { class: 'filters', role: 'search', onsubmit: (e: Event) => (e.preventDefault(), go('volumes', { q: qInput.value.trim(), state: stateSelect.value, zone: view.zone })) },
    qInput,
    h('label', null, 'State ', stateSelect),
    h('button', { type: 'submit' }, 'Search'),
  );
  clear(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Volumes'), h('button', { type: 'button', onclick: () => void reload() }, 'Refresh')),
    slot,
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'volumes-table' },
        h('thead', null, h('tr', null, ['Name', 'Volume ID', 'Size', 'Type', 'State', 'Zone', 'Snapshot', 'Attached to', 'Encrypted', 'Created', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          null,
          rows.length
            ? rows.map((v) => {
                const id = text(v, 'volumeId') ?? '';
                const attached = items(v, 'attachmentSet').map((a) => text(a, 'instanceId') ?? '');
                return h(
                  'tr',
                  { 'data-volume-id': id },
                  h('td', null, tags(v).get('Name') ?? ''),
                  h('td', null, h('a', { href: href(`volumes/${id}`) }, h('code', null, id))),
                  h('td', null, `${text(v, 'size')} GiB`),
                  h('td', null, text(v, 'volumeType')),
                  h('td', { 'data-col': 'state' }, pill(text(v, 'status'))),
                  h('td', null, text(v, 'availabilityZone')),
                  h('td', null, text(v, 'snapshotId') ? h('a', { href: href(`snapshots/${text(v, 'snapshotId')}`) }, h('code', null, text(v, 'snapshotId'))) : ''),
                  h('td', null, attached.map((i) => h('code', null, i, ' '))),
                  h('td', null, text(v, 'encrypted')),
                  h('td', { 'data-col': 'created' }, when(text(v, 'createTime'))),
                  h('td', null, h('div', { class: 'row-actions' }, h('button', { type: 'button', 'data-action': 'CreateSnapshot', onclick: () => void createSnapshot(id) }, 'Create snapshot'))),
                );
              })
            : h('tr', null, h('td', { colspan: 11, class: 'empty' }, 'No volumes in this region.')),
        ),
      ),
    ),
    pager.controls(nextTokenOf(doc), () => void reload(), `${rows.length} on this page`),
  );
  if (rows.some((v) => ['creating', 'deleting'].includes(text(v, 'status') ?? ''))) refreshSoon(root, reload);
}

/** CreateSnapshot from a volume, then the new snapshot's page. */
export async function createSnapshot(volumeId: string): Promise<void> {
  const description = h('input', { name: 'description', maxlength: 255 });
  const name = h('input', { name: 'snapshotName' });
  let snapshotId = '';
  const ok = await dialog('Create snapshot', h('div', null, h('p', null, 'From volume ', h('code', null, volumeId)), field('Description', description), field('Name tag', name, 'optional')), 'Create snapshot', async () => {
    const doc = await call('ec2', 'CreateSnapshot', {
      VolumeId: volumeId,
      Description: description.value.trim() || undefined,
      ...(name.value.trim() ? { 'TagSpecification.1.ResourceType': 'snapshot', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': name.value.trim() } : {}),
    });
    snapshotId = doc.getElementsByTagName('snapshotId')[0]?.textContent ?? '';
  });
  if (ok && snapshotId) go(`snapshots/${snapshotId}`);
}

async function one(root: HTMLElement, route: Route): Promise<void> {
  const id = route.params.id;
  const doc = await call('ec2', 'DescribeVolumes', { 'VolumeId.1': id });
  const v = items(doc, 'volumeSet')[0];
  const slot = h('div', { class: 'flash' });
  const reload = () => one(root, route);
  const snaps = await call('ec2', 'DescribeSnapshots', { 'Owner.1': 'self', ...filters({ 'volume-id': id }) });
  const state = text(v, 'status') ?? '';
  clear(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: href('volumes') }, 'Volumes'), ' › ', id),
    h('div', { class: 'page-head' }, h('h1', null, tags(v).get('Name') || id), pill(state)),
    slot,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'primary', id: 'action-create-snapshot', onclick: () => void createSnapshot(id) }, 'Create snapshot'),
      actionButton('Delete volume', { id: 'action-delete', danger: true, confirm: `Delete volume ${id}? Its data is gone for good (its snapshots stay).`, slot, run: () => call('ec2', 'DeleteVolume', { VolumeId: id }), done: () => go('volumes') }),
    ),
    h('section', null, h('h2', null, 'Details'), details([
      ['Volume ID', h('code', { id: 'volume-id' }, id)],
      ['Size', `${text(v, 'size')} GiB`],
      ['Type', text(v, 'volumeType')],
      ['IOPS', text(v, 'iops')],
      ['Throughput', text(v, 'throughput')],
      ['State', state],
      ['Availability zone', text(v, 'availabilityZone')],
      ['Snapshot', text(v, 'snapshotId') ? h('a', { href: href(`snapshots/${text(v, 'snapshotId')}`) }, text(v, 'snapshotId')) : undefined],
      ['Encrypted', text(v, 'encrypted')],
      ['KMS key', text(v, 'kmsKeyId')],
      ['Multi-Attach', text(v, 'multiAttachEnabled')],
      ['Created', when(text(v, 'createTime'))],
    ])),
    h('section', null, h('h2', null, 'Attachments'), table([
      { id: 'instance', label: 'Instance', cell: (a) => h('code', null, text(a, 'instanceId')) },
      { id: 'device', label: 'Device', cell: (a) => text(a, 'device') },
      { id: 'state', label: 'State', cell: (a) => text(a, 'status') },
      { id: 'dot', label: 'Delete on termination', cell: (a) => text(a, 'deleteOnTermination') },
    ], items(v, 'attachmentSet'), { empty: 'Not attached.' })),
    tagsSection(id, v, slot, reload),
    h('section', { id: 'volume-snapshots' }, h('h2', null, 'Snapshots of this volume'), table([
      { id: 'id', label: 'Snapshot ID', cell: (s) => h('a', { href: href(`snapshots/${text(s, 'snapshotId')}`) }, h('code', null, text(s, 'snapshotId'))) },
      { id: 'state', label: 'State', cell: (s) => pill(text(s, 'status')) },
      { id: 'progress', label: 'Progress', cell: (s) => text(s, 'progress') },
      { id: 'description', label: 'Description', cell: (s) => text(s, 'description') },
      { id: 'created', label: 'Started', cell: (s) => when(text(s, 'startTime')) },
    ], items(snaps, 'snapshotSet'), { empty: 'No snapshots of this volume.' })),
  );
  if (['creating', 'deleting'].includes(state)) refreshSoon(root, reload);
}

registerPage({ path: 'volumes', title: 'Volumes', nav: 'Volumes', order: 30, render: list });
registerPage({ path: 'volumes/:id', title: 'Volume', render: one });
