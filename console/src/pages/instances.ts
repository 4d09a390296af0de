// A minimal Instances page: state, type, image, addresses; start, stop, reboot, terminate;
// "Create image" (CreateImage); the serial console's output (GetConsoleOutput), refreshed while
// the dialog is open. Paged with MaxResults/NextToken like the image list.
import { call, currentSession, items, listParams, text } from '../api.js';
import { go, href, registerPage, type Route } from '../router.js';
import { busy, clear, dialog, errorBanner, field, flash, h, pill, successBanner } from '../ui.js';

interface InstanceRow {
  id: string;
  name: string;
  state: string;
  type: string;
  image: string;
  privateIp: string;
  publicIp: string;
  launched: string;
  zone: string;
  keyName: string;
}

function instanceRow(el: Element): InstanceRow {
  const tags = new Map(items(el, 'tagSet').map((t) => [text(t, 'key') ?? '', text(t, 'value') ?? '']));
  return {
    id: text(el, 'instanceId') ?? '',
    name: tags.get('Name') ?? '',
    state: text(el, 'instanceState', 'name') ?? '',
    type: text(el, 'instanceType') ?? '',
    image: text(el, 'imageId') ?? '',
    privateIp: text(el, 'privateIpAddress') ?? '',
    publicIp: text(el, 'ipAddress') ?? '',
    launched: text(el, 'launchTime') ?? '',
    zone: text(el, 'placement', 'availabilityZone') ?? '',
    keyName: text(el, 'keyName') ?? '',
  };
}

let tokens: (string | undefined)[] = [undefined];
let index = 0;
let tokensKey = '';

async function render(root: HTMLElement, route: Route): Promise<void> {
  const q = route.query;
  const key = `${currentSession()?.region}|${q.get('state') ?? ''}`;
  if (key !== tokensKey) (tokensKey = key), (tokens = [undefined]), (index = 0);
  const slot = h('div', { class: 'flash' });
  const filters: Record<string, string> = {};
  if (q.get('state')) Object.assign(filters, { 'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': q.get('state')! });
  const doc = await call('ec2', 'DescribeInstances', { MaxResults: 100, NextToken: tokens[index], ...filters });
  const rows = items(doc, 'reservationSet').flatMap((r) => items(r, 'instancesSet').map(instanceRow));
  const nextToken = doc.getElementsByTagName('nextToken')[0]?.textContent ?? undefined;
  const reload = () => render(root, route);
  const [checks, users] = await Promise.all([statusChecks(rows), loginUsers(rows)]);

  const op = (label: string, action: string, row: InstanceRow, extra: Record<string, string> = {}, danger = false) => {
    const b = h('button', { type: 'button', class: danger ? 'danger' : undefined, 'data-action': action }, label);
    b.addEventListener('click', () =>
      void busy(b, async () => {
        if (danger && !(await dialog(`${label} ${row.id}?`, h('p', null, `${label} instance ${row.id}${row.name ? ` (${row.name})` : ''}.`), label, async () => undefined, { danger: true }))) return;
        try {
          await call('ec2', action, { ...listParams('InstanceId', [row.id]), ...extra });
          await reload();
          flash(root.querySelector('.flash')!, successBanner(`${action} ${row.id}: requested.`));
        } catch (e) {
          flash(slot, errorBanner(e));
        }
      }),
    );
    return b;
  };

  const body = rows.length
    ? rows.map((r) =>
        h(
          'tr',
          { 'data-instance-id': r.id },
          h('td', null, r.name),
          h('td', null, h('code', null, r.id)),
          h('td', { 'data-col': 'state' }, pill(r.state)),
          h('td', { 'data-col': 'checks' }, checks.get(r.id) ?? ''),
          h('td', null, r.type),
          h('td', null, h('a', { href: href(`images/${r.image}`) }, r.image)),
          h('td', null, r.privateIp),
          h('td', null, r.publicIp),
          h('td', null, r.zone),
          h('td', null, r.launched.slice(0, 19).replace('T', ' ')),
          h(
            'td',
            null,
            h(
            'div',
            { class: 'row-actions' },
            r.state === 'stopped' ? op('Start', 'StartInstances', r) : null,
            r.state === 'running' ? op('Stop', 'StopInstances', r) : null,
            r.state === 'running' ? op('Reboot', 'RebootInstances', r) : null,
            r.state === 'running' || r.state === 'stopped' ? h('button', { type: 'button', 'data-action': 'CreateImage', onclick: () => void createImageDialog(r) }, 'Create image') : null,
            r.state !== 'terminated' ? h('button', { type: 'button', 'data-action': 'GetConsoleOutput', onclick: () => void consoleOutput(r.id) }, 'Console output') : null,
            r.state === 'running' ? h('button', { type: 'button', 'data-action': 'Connect', onclick: () => void connect(r, users.get(r.image) ?? 'ec2-user') }, 'Connect') : null,
            r.state !== 'terminated' && r.state !== 'shutting-down' ? op('Terminate', 'TerminateInstances', r, {}, true) : null,
            ),
          ),
        ),
      )
    : h('tr', null, h('td', { colspan: 11, class: 'empty' }, 'No instances in this region.'));

  clear(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Instances'), h('button', { type: 'button', onclick: () => void reload() }, 'Refresh'), h('a', { class: 'button', href: href('images', { tab: 'public' }) }, 'Launch from an AMI')),
    slot,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'instances-table' },
        h('thead', null, h('tr', null, ['Name', 'Instance ID', 'State', 'Status check', 'Type', 'AMI', 'Private IP', 'Public IP', 'Zone', 'Launch time', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, body),
      ),
    ),
    h(
      'div',
      { class: 'pager' },
      h('button', { type: 'button', disabled: index === 0, onclick: () => ((index -= 1), void reload()) }, '‹ Previous'),
      h('button', { type: 'button', disabled: !nextToken, onclick: () => ((tokens[index + 1] = nextToken), (index += 1), void reload()) }, 'Next ›'),
    ),
  );
  // pending and stopping instances settle by themselves: look again shortly while this page is shown
  if (rows.some((r) => ['pending', 'stopping', 'shutting-down'].includes(r.state))) {
    const hash = location.hash;
    setTimeout(() => {
      if (location.hash === hash && root.isConnected && !document.querySelector('dialog[open]')) void reload().catch(() => undefined);
    }, 2000);
  }
}

/** '2/2 checks passed' (or what failed / is initializing) per instance, from DescribeInstanceStatus. */
async function statusChecks(rows: InstanceRow[]): Promise<Map<string, string>> {
  const running = rows.filter((r) => r.state === 'running').map((r) => r.id);
  if (!running.length) return new Map();
  try {
    const doc = await call('ec2', 'DescribeInstanceStatus', listParams('InstanceId', running));
    return new Map(
      items(doc, 'instanceStatusSet').map((s) => {
        const states = [text(s, 'systemStatus', 'status'), text(s, 'instanceStatus', 'status')];
        const passed = states.filter((x) => x === 'ok').length;
        const label = states.includes('initializing') ? 'Initializing' : states.includes('impaired') ? `${passed}/2 checks passed` : passed === 2 ? '2/2 checks passed' : (states.find((x) => x) ?? '');
        return [text(s, 'instanceId') ?? '', label];
      }),
    );
  } catch {
    return new Map(); // status checks are extra: the list still shows without them
  }
}

/** The login user of each image on the page, as AWS's Connect page guesses it from the AMI. */
async function loginUsers(rows: InstanceRow[]): Promise<Map<string, string>> {
  const images = [...new Set(rows.filter((r) => r.state === 'running').map((r) => r.image))];
  if (!images.length) return new Map();
  try {
    const doc = await call('ec2', 'DescribeImages', { ...listParams('ImageId', images), IncludeDeprecated: true, IncludeDisabled: true });
    return new Map(items(doc, 'imagesSet').map((i) => [text(i, 'imageId') ?? '', loginUser(`${text(i, 'name') ?? ''} ${text(i, 'description') ?? ''}`)]));
  } catch {
    return new Map();
  }
}

export function loginUser(nameAndDescription: string): string {
  const s = nameAndDescription.toLowerCase();
  if (s.includes('debian')) return 'admin';
  if (s.includes('ubuntu')) return 'ubuntu';
  if (s.includes('centos')) return 'centos';
  if (s.includes('fedora')) return 'fedora';
  return 'ec2-user';
}

async function connect(row: InstanceRow, user: string): Promise<void> {
  const address = row.publicIp || row.privateIp;
  const key = row.keyName ? `-i "${row.keyName}.pem" ` : '';
  const command = `ssh ${key}${user}@${address}`;
  await dialog(
    `Connect to ${row.id}`,
    h(
      'div',
      null,
      h('p', null, 'With an SSH client, using the private key of the key pair the instance was launched with', row.keyName ? h('span', null, ' (', h('code', null, row.keyName), ')') : ' (none: add your key through user data or the image)', ':'),
      h('pre', { class: 'command', id: 'ssh-command', tabindex: 0 }, command),
      row.publicIp ? h('p', { class: 'hint' }, 'The public address is reachable from this host; its security groups decide which ports answer.') : h('p', { class: 'hint' }, 'No public address: the private address is reachable only from inside the network.'),
      h('p', null, h('a', { href: `ssh://${user}@${address}` }, 'Open in an SSH client')),
    ),
    'Close',
    async () => undefined,
  );
}

async function createImageDialog(row: InstanceRow): Promise<void> {
  const name = h('input', { name: 'imageName', required: true, value: `${row.name || row.id}-image-${new Date().toISOString().slice(0, 10)}` });
  const description = h('input', { name: 'description' });
  const noReboot = h('input', { type: 'checkbox', name: 'noReboot' });
  let imageId = '';
  const ok = await dialog('Create image', h('div', null, h('p', null, 'From instance ', h('code', null, row.id)), field('Image name', name), field('Image description', description), h('label', { class: 'check' }, noReboot, ' No reboot')), 'Create image', async () => {
    const doc = await call('ec2', 'CreateImage', { InstanceId: row.id, Name: name.value.trim(), Description: description.value.trim() || undefined, NoReboot: noReboot.checked || undefined });
    imageId = doc.getElementsByTagName('imageId')[0]?.textContent ?? '';
  });
  if (ok && imageId) go(`images/${imageId}`);
}

async function consoleOutput(instanceId: string): Promise<void> {
  const pre = h('pre', { class: 'console-output', id: 'console-output', tabindex: 0 }, 'Loading…');
  let open = true;
  const refresh = async () => {
    try {
      const doc = await call('ec2', 'GetConsoleOutput', { InstanceId: instanceId, Latest: true });
      const b64 = doc.getElementsByTagName('output')[0]?.textContent ?? '';
      const out = b64 ? new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) : '';
      pre.textContent = out || '(no output yet)';
      pre.scrollTop = pre.scrollHeight;
    } catch (e) {
      pre.replaceChildren(errorBanner(e));
    }
    if (open) setTimeout(() => void refresh(), 3000);
  };
  void refresh();
  await dialog(`Console output: ${instanceId}`, pre, 'Close', async () => undefined);
  open = false;
}

registerPage({ path: 'instances', title: 'Instances', nav: 'Instances', order: 20, render });
