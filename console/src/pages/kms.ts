// KMS keys (JSON 1.1, X-Amz-Target TrentService.*): the list — ListKeys paged with Limit/Marker,
// each key's DescribeKey and its aliases from ListAliases — and a key's page with its metadata,
// aliases and "Enable"/"Disable" (EnableKey/DisableKey; AWS refuses them on AWS managed keys and
// pending-deletion keys, and the page shows that refusal).
import { callJson, currentSession } from '../api.js';
import { href, registerPage, type Route } from '../router.js';
import { clear, details, flash, h, pill, successBanner, table } from '../ui.js';
import { actionButton, Pager } from './kit.js';

interface KeyMetadata {
  KeyId: string;
  Arn: string;
  CreationDate?: number;
  Enabled?: boolean;
  Description?: string;
  KeyUsage?: string;
  KeyState?: string;
  KeySpec?: string;
  KeyManager?: string;
  Origin?: string;
  MultiRegion?: boolean;
  DeletionDate?: number;
  EncryptionAlgorithms?: string[];
}
interface Alias {
  AliasName: string;
  TargetKeyId?: string;
}

const pager = new Pager();
const kms = <T>(op: string, input: object = {}) => callJson<T>('kms', `TrentService.${op}`, input);
const date = (s: number | undefined) => (s ? new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ') : '');

async function aliasesByKey(keyId?: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let marker: string | undefined;
  do {
    const page = await kms<{ Aliases?: Alias[]; NextMarker?: string; Truncated?: boolean }>('ListAliases', { KeyId: keyId, Limit: 100, Marker: marker });
    for (const a of page.Aliases ?? []) if (a.TargetKeyId) out.set(a.TargetKeyId, [...(out.get(a.TargetKeyId) ?? []), a.AliasName]);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return out;
}

async function list(root: HTMLElement, route: Route): Promise<void> {
  const marker = pager.token(`${currentSession()?.region}`);
  const [keys, aliases] = await Promise.all([kms<{ Keys?: { KeyId: string }[]; NextMarker?: string; Truncated?: boolean }>('ListKeys', { Limit: 50, Marker: marker }), aliasesByKey()]);
  const metas = await Promise.all((keys.Keys ?? []).map((k) => kms<{ KeyMetadata: KeyMetadata }>('DescribeKey', { KeyId: k.KeyId }).then((d) => d.KeyMetadata, () => ({ KeyId: k.KeyId, Arn: '' }) as KeyMetadata)));
  const managed = route.query.get('managed') === 'aws' ? 'AWS' : 'CUSTOMER';
  const rows = metas.filter((m) => (m.KeyManager ?? 'CUSTOMER') === managed);
  const reload = () => list(root, route);
  clear(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'KMS keys'), h('button', { type: 'button', onclick: () => void reload() }, 'Refresh')),
    h('nav', { class: 'tabs', 'aria-label': 'Key views' }, [
      h('a', { href: href('kms'), 'aria-current': managed === 'CUSTOMER' ? 'page' : undefined }, 'Customer managed keys'),
      h('a', { href: href('kms', { managed: 'aws' }), 'aria-current': managed === 'AWS' ? 'page' : undefined }, 'AWS managed keys'),
    ]),
    h('div', { class: 'table-wrap' }, table([
      { id: 'alias', label: 'Aliases', cell: (m) => (aliases.get(m.KeyId) ?? []).join(', ') },
      { id: 'id', label: 'Key ID', cell: (m) => h('a', { href: href(`kms/${m.KeyId}`) }, h('code', null, m.KeyId)) },
      { id: 'state', label: 'Status', cell: (m) => pill(m.KeyState) },
      { id: 'spec', label: 'Key spec', cell: (m) => m.KeySpec },
      { id: 'usage', label: 'Key usage', cell: (m) => m.KeyUsage },
      { id: 'description', label: 'Description', cell: (m) => m.Description },
      { id: 'created', label: 'Created', cell: (m) => date(m.CreationDate) },
    ], rows, { empty: managed === 'AWS' ? 'No AWS managed keys yet (AWS creates them on first use).' : 'No customer managed keys in this region.' })),
    pager.controls(keys.Truncated ? keys.NextMarker : undefined, () => void reload(), `${rows.length} on this page`),
  );
  root.querySelector('table')?.setAttribute('id', 'keys-table');
}

async function one(root: HTMLElement, route: Route): Promise<void> {
  const id = route.params.id;
  const [{ KeyMetadata: m }, aliases] = await Promise.all([kms<{ KeyMetadata: KeyMetadata }>('DescribeKey', { KeyId: id }), aliasesByKey(id).catch(() => new Map<string, string[]>())]);
  const slot = h('div', { class: 'flash' });
  const reload = () => one(root, route);
  const toggle = (op: 'EnableKey' | 'DisableKey', label: string) =>
    actionButton(label, {
      id: op === 'EnableKey' ? 'action-enable' : 'action-disable',
      danger: op === 'DisableKey',
      confirm: op === 'DisableKey' ? `Disable ${m.KeyId}? Nothing can encrypt or decrypt with it until it is enabled again.` : undefined,
      slot,
      run: () => kms(op, { KeyId: m.KeyId }),
      done: async () => {
        await reload();
        flash(root.querySelector('.flash')!, successBanner(`${label}d ${m.KeyId}.`));
      },
    });
  clear(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: href('kms', { managed: m.KeyManager === 'AWS' ? 'aws' : undefined }) }, 'KMS keys'), ' › ', m.KeyId),
    h('div', { class: 'page-head' }, h('h1', null, (aliases.get(m.KeyId) ?? [])[0] ?? m.KeyId), pill(m.KeyState)),
    slot,
    h('div', { class: 'actions' }, m.Enabled ? toggle('DisableKey', 'Disable') : toggle('EnableKey', 'Enable')),
    h('section', null, h('h2', null, 'General configuration'), details([
      ['Key ID', h('code', { id: 'key-id' }, m.KeyId)],
      ['ARN', m.Arn],
      ['Status', h('span', { id: 'key-state' }, m.KeyState)],
      ['Description', m.Description],
      ['Key manager', m.KeyManager],
      ['Key spec', m.KeySpec],
      ['Key usage', m.KeyUsage],
      ['Encryption algorithms', (m.EncryptionAlgorithms ?? []).join(', ')],
      ['Origin', m.Origin],
      ['Multi-Region', String(m.MultiRegion ?? false)],
      ['Created', date(m.CreationDate)],
      ['Deletion date', date(m.DeletionDate)],
    ])),
    h('section', { id: 'aliases' }, h('h2', null, 'Aliases'), table([{ id: 'name', label: 'Alias name', cell: (a: string) => a }], aliases.get(m.KeyId) ?? [], { empty: 'No aliases.' })),
  );
}

registerPage({ path: 'kms', title: 'KMS keys', nav: 'KMS', order: 50, render: list });
registerPage({ path: 'kms/:id', title: 'KMS key', render: one });
