// One AMI: its attributes, block devices and their snapshots, deprecation, deregistration
// protection, tags and launch permissions (owner only), and AWS's actions on it — launch, copy
// to a region, deprecate, disable/enable, protection, deregister with its snapshots. Every
// action is the public API call; a refusal shows AWS's code and message.
import { call, currentSession, items, text } from '../api.js';
import { go, href, registerPage, type Route } from '../router.js';
import { busy, clear, details, dialog, errorBanner, field, flash, h, pill, select, successBanner, table } from '../ui.js';
import { imageRow } from './images.js';
import { lineageSection } from './image-lineage.js';
import { storageSection } from './image-storage.js';

const PUBLIC_WARNING =
  'When you make an AMI public, it becomes available in the community AMIs when you launch an instance. Anyone with an account can use it to launch instances, and can copy it. ' +
  'Remove all sensitive data before you share it: credentials, SSH keys, and anything you would not publish.';

async function render(root: HTMLElement, route: Route): Promise<void> {
  const id = route.params.id;
  const doc = await call('ec2', 'DescribeImages', { 'ImageId.1': id, IncludeDeprecated: true, IncludeDisabled: true });
  const el = items(doc, 'imagesSet')[0];
  if (!el) {
    clear(root, h('h1', null, id), errorBanner(new Error(`The image ${id} is not visible in ${currentSession()?.region}.`)));
    return;
  }
  const img = imageRow(el);
  const mine = img.owner === currentSession()?.accountId;
  const protection = text(el, 'deregistrationProtection') ?? '';
  const slot = h('div', { class: 'flash' });
  const reload = () => render(root, route);
  const done = (message: string) => async () => {
    await reload();
    flash(root.querySelector('.flash')!, successBanner(message));
  };
  const act = (label: string, run: () => Promise<unknown>, message: string, opts: { danger?: boolean; id?: string } = {}) => {
    const b = h('button', { type: 'button', class: opts.danger ? 'danger' : undefined, id: opts.id }, label);
    b.addEventListener('click', () =>
      void busy(b, async () => {
        try {
          await run();
          await done(message)();
        } catch (e) {
          flash(slot, errorBanner(e));
        }
      }),
    );
    return b;
  };

  const launchBtn = h('button', { type: 'button', class: 'primary', id: 'action-launch', onclick: () => void launchDialog(img.id) }, 'Launch instance from AMI');
  const actions = h(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Image actions' },
    launchBtn,
    h('button', { type: 'button', id: 'action-copy', onclick: () => void copyDialog(img.id, img.name) }, 'Copy AMI'),
    mine ? h('button', { type: 'button', id: 'action-deprecate', onclick: () => void deprecateDialog(img.id, img.deprecation).then((ok) => (ok ? done('Deprecation updated.')() : undefined)) }, 'Manage deprecation') : null,
    mine
      ? img.state === 'disabled'
        ? act('Re-enable', () => call('ec2', 'EnableImage', { ImageId: img.id }), 'Image re-enabled.')
        : act('Disable', () => call('ec2', 'DisableImage', { ImageId: img.id }), 'Image disabled.', { id: 'action-disable' })
      : null,
    mine
      ? protection.startsWith('enabled')
        ? act('Turn off deregistration protection', () => call('ec2', 'DisableImageDeregistrationProtection', { ImageId: img.id }), 'Deregistration protection turned off.', { id: 'action-unprotect' })
        : act('Turn on deregistration protection', () => call('ec2', 'EnableImageDeregistrationProtection', { ImageId: img.id }), 'Deregistration protection turned on.', { id: 'action-protect' })
      : null,
    mine ? h('button', { type: 'button', class: 'danger', id: 'action-deregister', onclick: () => void deregisterDialog(img.id).then((ok) => ok && go('images', { tab: 'owned' })) }, 'Deregister AMI') : null,
  );

  const devices = items(el, 'blockDeviceMapping').map((b) => ({
    device: text(b, 'deviceName') ?? '',
    snapshot: text(b, 'ebs', 'snapshotId') ?? text(b, 'virtualName') ?? '',
    size: text(b, 'ebs', 'volumeSize') ?? '',
    type: text(b, 'ebs', 'volumeType') ?? '',
    encrypted: text(b, 'ebs', 'encrypted') ?? '',
    deleteOnTermination: text(b, 'ebs', 'deleteOnTermination') ?? '',
  }));

  clear(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: href('images') }, 'AMIs'), ' › ', img.id),
    h('div', { class: 'page-head' }, h('h1', null, img.name || img.id), pill(img.state)),
    slot,
    actions,
    h('section', null, h('h2', null, 'Details'), details([
      ['AMI ID', h('code', { id: 'image-id' }, img.id)],
      ['AMI name', img.name],
      ['Owner account ID', img.alias ? `${img.owner} (${img.alias})` : img.owner],
      ['Status', img.state],
      ['State reason', text(el, 'stateReason', 'message')],
      ['Visibility', img.isPublic ? 'Public' : 'Private'],
      ['Creation date', img.created],
      ['Description', img.description],
      ['Source', img.location],
      ['Architecture', img.architecture],
      ['Platform details', img.platform],
      ['Usage operation', text(el, 'usageOperation')],
      ['Virtualization type', text(el, 'virtualizationType')],
      ['Root device name', text(el, 'rootDeviceName')],
      ['Root device type', img.rootDeviceType],
      ['Boot mode', img.bootMode],
      ['ENA support', text(el, 'enaSupport')],
      ['IMDS support', text(el, 'imdsSupport')],
      ['TPM support', text(el, 'tpmSupport')],
      ['Source AMI', text(el, 'sourceImageId') ? h('a', { href: href(`images/${text(el, 'sourceImageId')}`, { region: text(el, 'sourceImageRegion') }) }, `${text(el, 'sourceImageId')} (${text(el, 'sourceImageRegion') ?? ''})`) : undefined],
      ['Deprecation time', h('span', { id: 'deprecation-time' }, img.deprecation ?? 'Not deprecated')],
      ['Deregistration protection', h('span', { id: 'deregistration-protection' }, protection || 'disabled')],
      ['Last launched time', text(el, 'lastLaunchedTime')],
    ])),
    h('section', null, h('h2', null, 'Block devices'), table([
      { id: 'device', label: 'Device name', cell: (d) => d.device },
      { id: 'snapshot', label: 'Snapshot', cell: (d) => h('code', null, d.snapshot) },
      { id: 'size', label: 'Size (GiB)', cell: (d) => d.size },
      { id: 'type', label: 'Volume type', cell: (d) => d.type },
      { id: 'encrypted', label: 'Encrypted', cell: (d) => d.encrypted },
      { id: 'dot', label: 'Delete on termination', cell: (d) => d.deleteOnTermination },
    ], devices, { empty: 'No block devices.' })),
    h('section', null, h('h2', null, 'Tags'), table([
      { id: 'key', label: 'Key', cell: ([k]) => k },
      { id: 'value', label: 'Value', cell: ([, v]) => v },
    ], [...img.tags], { empty: 'No tags.' })),
    mine ? await permissionsSection(img.id, reload, slot) : null,
    lineageSection(img.id, currentSession()!.region),
    storageSection(img.id, img.owner),
  );
  // a pending image (created, copied) settles by itself: look again shortly while this page is shown
  if (img.state === 'pending') {
    const hash = location.hash;
    setTimeout(() => {
      if (location.hash === hash && root.isConnected && !document.querySelector('dialog[open]')) void reload().catch(() => undefined);
    }, 1500);
  }
}

async function permissionsSection(imageId: string, reload: () => Promise<void>, slot: HTMLElement): Promise<HTMLElement> {
  const section = h('section', { id: 'permissions' }, h('h2', null, 'Permissions'));
  let perms: { kind: string; value: string }[] = [];
  try {
    const doc = await call('ec2', 'DescribeImageAttribute', { ImageId: imageId, Attribute: 'launchPermission' });
    perms = items(doc, 'launchPermission').map((p) => {
      for (const kind of ['userId', 'group', 'organizationArn', 'organizationalUnitArn']) {
        const v = text(p, kind);
        if (v) return { kind, value: v };
      }
      return { kind: '', value: '' };
    });
  } catch (e) {
    section.appendChild(errorBanner(e));
    return section;
  }
  const isPublic = perms.some((p) => p.kind === 'group' && p.value === 'all');
  const modify = (op: 'Add' | 'Remove', kind: string, value: string) => call('ec2', 'ModifyImageAttribute', { ImageId: imageId, Attribute: 'launchPermission', [`LaunchPermission.${op}.1.${kind[0].toUpperCase()}${kind.slice(1)}`]: value });
  const run = async (work: () => Promise<unknown>, message: string) => {
    try {
      await work();
      await reload();
      flash(document.querySelector('.flash')!, successBanner(message));
    } catch (e) {
      flash(slot, errorBanner(e));
    }
  };
  const account = h('input', { name: 'shareAccount', pattern: '\\d{12}', placeholder: '123456789012', 'aria-label': 'AWS account ID to share with', required: true });
  const addForm = h('form', { class: 'inline' }, account, h('button', { type: 'submit' }, 'Share with account'));
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(() => modify('Add', 'userId', account.value.trim()), `Shared with ${account.value.trim()}.`);
  });
  const org = h('input', { name: 'shareOrg', placeholder: 'arn:aws:organizations::…:organization/o-…', 'aria-label': 'Organization or OU ARN' });
  const orgForm = h('form', { class: 'inline' }, org, h('button', { type: 'submit' }, 'Share with organization/OU'));
  orgForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const arn = org.value.trim();
    void run(() => modify('Add', arn.includes(':ou/') ? 'organizationalUnitArn' : 'organizationArn', arn), `Shared with ${arn}.`);
  });
  const publicBtn = h('button', { type: 'button', id: 'make-public', class: isPublic ? undefined : 'danger' }, isPublic ? 'Make private' : 'Make public');
  publicBtn.addEventListener('click', () => {
    if (isPublic) return void run(() => modify('Remove', 'group', 'all'), 'The image is private.');
    void dialog('Make AMI public?', h('div', { class: 'warning', role: 'note' }, h('p', null, PUBLIC_WARNING)), 'Make public', async () => {
      await modify('Add', 'group', 'all');
    }, { danger: true }).then((ok) => (ok ? reload().then(() => flash(document.querySelector('.flash')!, successBanner('The image is public.'))) : undefined));
  });
  section.append(
    h('p', null, 'Visibility: ', h('strong', { id: 'visibility' }, isPublic ? 'Public' : 'Private'), ' ', publicBtn),
    table(
      [
        { id: 'kind', label: 'Shared with', cell: (p) => ({ userId: 'Account', group: 'Group', organizationArn: 'Organization', organizationalUnitArn: 'Organizational unit' })[p.kind] ?? p.kind },
        { id: 'value', label: 'ID', cell: (p) => h('code', null, p.value) },
        { id: 'remove', label: '', cell: (p) => h('button', { type: 'button', onclick: () => void run(() => modify('Remove', p.kind, p.value), `No longer shared with ${p.value}.`) }, 'Remove') },
      ],
      perms.filter((p) => !(p.kind === 'group')),
      { empty: 'Not shared with any account or organization.' },
    ),
    addForm,
    orgForm,
  );
  return section;
}

export async function launchDialog(imageId: string): Promise<boolean> {
  const type = h('input', { name: 'instanceType', value: 't3.micro', required: true });
  const count = h('input', { name: 'count', type: 'number', min: 1, max: 100, value: 1, required: true });
  const keyName = select('keyName', [['', 'No key pair']]);
  void call('ec2', 'DescribeKeyPairs')
    .then((doc) => keyName.append(...items(doc, 'keySet').map((k) => h('option', { value: text(k, 'keyName') ?? '' }, text(k, 'keyName') ?? ''))))
    .catch(() => undefined);
  const name = h('input', { name: 'name', placeholder: 'web-1' });
  let launched: string[] = [];
  const ok = await dialog('Launch instance from AMI', h('div', null, h('p', null, 'Image ', h('code', null, imageId)), field('Name tag', name), field('Instance type', type), field('Key pair', keyName), field('Number of instances', count)), 'Launch', async () => {
    const doc = await call('ec2', 'RunInstances', {
      ImageId: imageId,
      InstanceType: type.value.trim(),
      MinCount: count.value,
      MaxCount: count.value,
      KeyName: keyName.value || undefined,
      ...(name.value.trim() ? { 'TagSpecification.1.ResourceType': 'instance', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': name.value.trim() } : {}),
    });
    launched = items(doc, 'instancesSet').map((i) => text(i, 'instanceId') ?? '');
  });
  if (ok) go('instances', { launched: launched.join(',') });
  return ok;
}

async function copyDialog(imageId: string, sourceName: string): Promise<boolean> {
  const region = h('input', { name: 'destinationRegion', value: currentSession()?.region ?? '', required: true });
  const name = h('input', { name: 'copyName', value: sourceName ? `${sourceName}-copy`.slice(0, 128) : '', required: true });
  const encrypted = h('input', { type: 'checkbox', name: 'encrypted' });
  const kmsKey = h('input', { name: 'kmsKeyId', placeholder: 'default: aws/ebs' });
  const snapshotTags = h('input', { type: 'checkbox', name: 'copyImageTags', checked: true });
  let copied = '';
  const result = h('div');
  const ok = await dialog('Copy AMI', h('div', null, result, field('Destination region', region), field('AMI copy name', name), h('label', { class: 'check' }, encrypted, ' Encrypt EBS snapshots of AMI copy'), field('KMS key', kmsKey), h('label', { class: 'check' }, snapshotTags, ' Copy tags')), 'Copy AMI', async () => {
    const source = currentSession()!.region;
    const doc = await call('ec2', 'CopyImage', {
      SourceImageId: imageId,
      SourceRegion: source,
      Name: name.value.trim(),
      Encrypted: encrypted.checked || undefined,
      KmsKeyId: encrypted.checked ? kmsKey.value.trim() || undefined : undefined,
      CopyImageTags: snapshotTags.checked || undefined,
    }, { region: region.value.trim() });
    copied = doc.getElementsByTagName('imageId')[0]?.textContent ?? '';
  });
  if (ok && copied) go(`images/${copied}`, { region: region.value.trim() });
  return ok;
}

async function deprecateDialog(imageId: string, current: string | undefined): Promise<boolean> {
  const at = h('input', { type: 'datetime-local', name: 'deprecateAt', value: (current ?? new Date(Date.now() + 86_400_000).toISOString()).slice(0, 16), required: true });
  const off = h('input', { type: 'checkbox', name: 'cancelDeprecation' });
  return dialog('Manage image deprecation', h('div', null, field('Deprecate at (UTC)', at), current ? h('label', { class: 'check' }, off, ' Cancel the deprecation') : null), 'Save', async () => {
    if (off.checked) await call('ec2', 'DisableImageDeprecation', { ImageId: imageId });
    else await call('ec2', 'EnableImageDeprecation', { ImageId: imageId, DeprecateAt: new Date(`${at.value}Z`).toISOString() });
  });
}

async function deregisterDialog(imageId: string): Promise<boolean> {
  const snapshots = h('input', { type: 'checkbox', name: 'deleteSnapshots', checked: true });
  return dialog(
    'Deregister AMI?',
    h('div', null, h('p', null, 'You cannot launch new instances from a deregistered AMI. Running instances are not affected.'), h('label', { class: 'check' }, snapshots, ' Delete associated snapshots')),
    'Deregister',
    async () => {
      await call('ec2', 'DeregisterImage', { ImageId: imageId, DeleteAssociatedSnapshots: snapshots.checked || undefined });
    },
    { danger: true },
  );
}

registerPage({ path: 'images/:id', title: 'AMI', render });
