// What the volume, snapshot, group and key pages share: a pager over MaxResults/NextToken that
// remembers its tokens per view, EC2's tags with add/remove (CreateTags/DeleteTags), sizes and
// dates as AWS's console shows them, and a page refresh while something is still settling.
import { call, items, text, type Params } from '../api.js';
import { busy, dialog, errorBanner, field, flash, h, successBanner, table } from '../ui.js';

/** Tokens of the pages seen so far in one view (a view = its filters and region). */
export class Pager {
  private tokens: (string | undefined)[] = [undefined];
  private index = 0;
  private key = '';
  /** The token of the page to show for `key` (a new key starts again at the first page). */
  token(key: string): string | undefined {
    if (key !== this.key) (this.key = key), (this.tokens = [undefined]), (this.index = 0);
    return this.tokens[this.index];
  }
  controls(nextToken: string | undefined, reload: () => void, count: string): HTMLElement {
    return h(
      'div',
      { class: 'pager' },
      h('span', { class: 'count' }, count),
      h('button', { type: 'button', disabled: this.index === 0, onclick: () => ((this.index -= 1), reload()) }, '‹ Previous'),
      h('button', { type: 'button', disabled: !nextToken, onclick: () => ((this.tokens[this.index + 1] = nextToken), (this.index += 1), reload()) }, 'Next ›'),
    );
  }
}

export const nextTokenOf = (doc: Document) => (doc.getElementsByTagName('nextToken')[0] ?? doc.getElementsByTagName('NextToken')[0])?.textContent || undefined;

export const when = (iso: string | undefined) => (iso ? iso.slice(0, 19).replace('T', ' ') : '');

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), (i += 1);
  return `${n.toFixed(i && n < 10 ? 1 : 0)} ${units[i]}`;
}

/** The filter params of EC2's Describe* calls from name → values (empty values dropped). */
export function filters(named: Record<string, string | undefined>): Params {
  const out: Params = {};
  let n = 0;
  for (const [name, value] of Object.entries(named)) {
    if (!value) continue;
    n += 1;
    out[`Filter.${n}.Name`] = name;
    out[`Filter.${n}.Value.1`] = value;
  }
  return out;
}

/** An EC2 resource's tags with Add and Remove, each a real CreateTags/DeleteTags call. */
export function tagsSection(resourceId: string, el: Element, slot: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const rows = items(el, 'tagSet').map((t) => [text(t, 'key') ?? '', text(t, 'value') ?? ''] as const);
  const remove = (key: string) => {
    const b = h('button', { type: 'button', 'data-action': 'DeleteTags', 'aria-label': `Remove tag ${key}` }, 'Remove');
    b.addEventListener('click', () =>
      void busy(b, async () => {
        try {
          await call('ec2', 'DeleteTags', { 'ResourceId.1': resourceId, 'Tag.1.Key': key });
          await reload();
        } catch (e) {
          flash(slot, errorBanner(e));
        }
      }),
    );
    return b;
  };
  const add = async () => {
    const key = h('input', { name: 'tagKey', required: true, maxlength: 128 });
    const value = h('input', { name: 'tagValue', maxlength: 256 });
    if (await dialog('Add tag', h('div', null, field('Key', key), field('Value', value)), 'Add tag', async () => void (await call('ec2', 'CreateTags', { 'ResourceId.1': resourceId, 'Tag.1.Key': key.value, 'Tag.1.Value': value.value })))) {
      await reload();
      flash(slot, successBanner(`Tag ${key.value} saved.`));
    }
  };
  return h(
    'section',
    { id: 'tags' },
    h('div', { class: 'page-head' }, h('h2', null, 'Tags'), h('button', { type: 'button', onclick: () => void add() }, 'Add tag')),
    table([
      { id: 'key', label: 'Key', cell: ([k]) => k },
      { id: 'value', label: 'Value', cell: ([, v]) => v },
      { id: 'remove', label: '', cell: ([k]) => remove(k) },
    ], rows, { empty: 'No tags.' }),
  );
}

/** Looks again after `ms` while this same view is shown and no dialog is open. */
export function refreshSoon(root: HTMLElement, reload: () => Promise<void>, ms = 2000): void {
  const hash = location.hash;
  setTimeout(() => {
    if (location.hash === hash && root.isConnected && !document.querySelector('dialog[open]')) void reload().catch(() => undefined);
  }, ms);
}

/** A button that asks first (danger), runs `run`, then reloads or shows AWS's refusal in `slot`. */
export function actionButton(label: string, opts: { id?: string; danger?: boolean; confirm?: string; slot: HTMLElement; run: () => Promise<unknown>; done: () => Promise<void> | void }): HTMLButtonElement {
  const b = h('button', { type: 'button', id: opts.id, class: opts.danger ? 'danger' : undefined }, label);
  b.addEventListener('click', () =>
    void busy(b, async () => {
      if (opts.confirm && !(await dialog(`${label}?`, h('p', null, opts.confirm), label, async () => undefined, { danger: opts.danger }))) return;
      try {
        await opts.run();
        await opts.done();
      } catch (e) {
        flash(opts.slot, errorBanner(e));
      }
    }),
  );
  return b;
}
