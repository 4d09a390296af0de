// Small DOM helpers: h() builds elements (text is always set as text, never parsed as HTML),
// plus the few widgets every page shares — error banners that show AWS's code and message,
// modal dialogs (the native <dialog>: focus trap and Escape for free), and tables.
import { ApiError } from './api.js';

type Child = Node | string | number | false | null | undefined | Child[];
type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** AWS's error, as the API gave it: the code in bold, then the message. */
export function errorBanner(e: unknown): HTMLElement {
  const code = e instanceof ApiError ? e.code : 'Error';
  const message = e instanceof Error ? e.message : String(e);
  return h('div', { class: 'banner error', role: 'alert', 'data-error-code': code }, h('strong', null, code), ': ', message);
}

export function successBanner(message: string): HTMLElement {
  return h('div', { class: 'banner success', role: 'status' }, message);
}

/** A banner slot at the top of a page's content. */
export function flash(slot: Element, node: HTMLElement): void {
  slot.replaceChildren(node);
  node.scrollIntoView?.({ block: 'nearest' });
}

/**
 * A modal form: fields are built by `body`, `submit` runs on OK; a refusal shows inside the
 * dialog (AWS's code and message) and leaves it open. Resolves true when submitted.
 */
export function dialog(title: string, body: HTMLElement, submitLabel: string, submit: () => Promise<void>, opts: { danger?: boolean } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const errors = h('div', { class: 'dialog-errors' });
    const ok = h('button', { type: 'submit', class: opts.danger ? 'danger' : 'primary' }, submitLabel);
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', null, title),
      errors,
      body,
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'), ok),
    );
    const d = h('dialog', { 'aria-label': title }, form);
    let done = false;
    const close = (value: boolean) => {
      if (done) return;
      done = true;
      d.close();
      d.remove();
      resolve(value);
    };
    d.addEventListener('cancel', () => close(false));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      ok.disabled = true;
      submit()
        .then(() => close(true))
        .catch((err: unknown) => errors.replaceChildren(errorBanner(err)))
        .finally(() => (ok.disabled = false));
    });
    document.body.appendChild(d);
    d.showModal();
    (form.querySelector('input, select, textarea, button[type=submit]') as HTMLElement | null)?.focus();
  });
}

/** A labelled form field. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', null, label), control, hint ? h('small', null, hint) : null);
}

export function select(name: string, options: (string | [string, string])[], value?: string): HTMLSelectElement {
  return h('select', { name }, ...options.map((o) => {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: v === value }, label);
  }));
}

export interface Column<T> {
  id: string;
  label: string;
  cell: (row: T) => Child;
  /** shown unless the user hides it */
  default?: boolean;
}

export function table<T>(columns: Column<T>[], rows: T[], opts: { empty?: string; caption?: string } = {}): HTMLElement {
  return h(
    'table',
    null,
    opts.caption ? h('caption', null, opts.caption) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', null, rows.length ? rows.map((r) => h('tr', null, columns.map((c) => h('td', { 'data-col': c.id }, c.cell(r))))) : h('tr', null, h('td', { colspan: columns.length, class: 'empty' }, opts.empty ?? 'Nothing here.'))),
  );
}

/** Key/value pairs of a details panel. */
export function details(pairs: [string, Child][]): HTMLElement {
  return h('dl', { class: 'details' }, pairs.map(([k, v]) => [h('dt', null, k), h('dd', null, v === undefined || v === '' ? '–' : v)]));
}

export const link = (href: string, text: Child) => h('a', { href }, text);

/** A state as a coloured pill (available, pending, running, stopped, failed…). */
export const pill = (state: string | undefined) => h('span', { class: `pill pill-${state ?? 'unknown'}` }, state ?? '–');

export function busy(button: HTMLButtonElement, run: () => Promise<void>): Promise<void> {
  button.disabled = true;
  return run().finally(() => (button.disabled = false));
}
