// The console's entry point: the sign-in gate, the shell (navigation, region selector, identity)
// and the router loop. Pages live in pages/ and register themselves (pages/index.ts imports them).
import { ApiError, call, first, items, setApiSession, text } from './api.js';
import { href, navPages, resolve } from './router.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';
import { clear, errorBanner, field, h } from './ui.js';
import './pages/index.js';

const app = document.getElementById('app')!;
let session = loadSession();
let regions: string[] | undefined;

async function signIn(s: Session): Promise<Session> {
  const doc = await call('sts', 'GetCallerIdentity', {}, { session: s });
  return { ...s, accountId: first(doc, 'Account'), arn: first(doc, 'Arn') };
}

async function signInPage(): Promise<void> {
  const config = (await fetch('config.json').then((r) => r.json()).catch(() => ({ devMode: false }))) as { devMode: boolean; defaultAccount?: string };
  const errors = h('div', { id: 'signin-errors' });
  const region = h('input', { name: 'region', value: 'us-east-1', required: true, autocomplete: 'off' });
  const start = async (s: Session) => {
    errors.replaceChildren();
    try {
      session = await signIn(s);
      saveSession(session);
      setApiSession(session);
      if (config.devMode && session.accountId) rememberDevAccount(session.accountId);
      // a new hash renders through hashchange; the same one needs a render here
      if (!location.hash || location.hash === '#/') location.hash = href('images');
      else await render();
    } catch (e) {
      errors.replaceChildren(errorBanner(e));
    }
  };
  const keyId = h('input', { name: 'accessKeyId', required: true, autocomplete: 'username', spellcheck: false });
  const secret = h('input', { name: 'secretAccessKey', type: 'password', required: true, autocomplete: 'current-password' });
  const token = h('input', { name: 'sessionToken', type: 'password', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Sign in with an access key' },
    h('h2', null, 'Sign in with an access key'),
    field('Access key ID', keyId),
    field('Secret access key', secret),
    field('Session token (optional)', token),
    field('Region', region),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    h('p', { class: 'hint' }, 'The key pair stays in this tab (sessionStorage) and signs every request (SigV4), as the AWS CLI does.'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void start({ accessKeyId: keyId.value.trim(), secretAccessKey: secret.value, sessionToken: token.value.trim() || undefined, region: region.value.trim() });
  });
  let picker: HTMLElement | null = null;
  if (config.devMode) {
    const account = h('input', { name: 'account', pattern: '\\d{12}', placeholder: '123456789012', inputmode: 'numeric', required: true, value: config.defaultAccount ?? '' });
    const devForm = h(
      'form',
      { class: 'card', 'aria-label': 'Dev mode account' },
      h('h2', null, 'Dev mode: pick an account'),
      h('p', { class: 'hint' }, 'This server runs without a credentials file (loopback only): any account ID is accepted, unsigned by a real secret.'),
      config.defaultAccount ? h('button', { type: 'button', class: 'account', onclick: () => void start(dev(config.defaultAccount!)) }, `Default account ${config.defaultAccount}`) : null,
      recentDevAccounts()
        .filter((a) => a !== config.defaultAccount)
        .map((a) => h('button', { type: 'button', class: 'account', onclick: () => void start(dev(a)) }, `Account ${a}`)),
      field('Account ID', account),
      h('button', { type: 'submit', class: 'primary' }, 'Use this account'),
    );
    devForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void start(dev(account.value));
    });
    picker = devForm;
  }
  const dev = (accountId: string): Session => ({ accessKeyId: accountId, secretAccessKey: 'dev-mode', region: region.value.trim() || 'us-east-1' });
  clear(app, h('header', { class: 'top' }, h('span', { class: 'brand' }, 'Imago')), h('main', { id: 'main', class: 'signin' }, h('h1', null, 'Imago console'), errors, picker, form));
  ((picker?.querySelector('button') as HTMLElement | null) ?? keyId).focus();
}

/** Dev mode's recently used accounts (account ids only, never keys), newest first, in localStorage. */
const DEV_ACCOUNTS = 'imago.console.devAccounts';
function recentDevAccounts(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(DEV_ACCOUNTS) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string' && /^\d{12}$/.test(a)) : [];
  } catch {
    return [];
  }
}
function rememberDevAccount(account: string): void {
  localStorage.setItem(DEV_ACCOUNTS, JSON.stringify([account, ...recentDevAccounts().filter((a) => a !== account)].slice(0, 6)));
}

function regionSelect(): HTMLElement {
  const sel = h('select', { id: 'region', 'aria-label': 'Region' }, h('option', { value: session!.region }, session!.region));
  const fill = (list: string[]) => sel.replaceChildren(...list.map((r) => h('option', { value: r, selected: r === session!.region }, r)));
  if (regions) fill(regions);
  else
    void call('ec2', 'DescribeRegions', { AllRegions: true })
      .then((doc) => fill((regions = items(doc, 'regionInfo').map((r) => text(r, 'regionName')!).sort())))
      .catch(() => undefined);
  sel.addEventListener('change', () => switchRegion(sel.value));
  return sel;
}

function switchRegion(region: string): void {
  if (!session || region === session.region) return;
  session = { ...session, region };
  saveSession(session);
  setApiSession(session);
  const [path, query] = location.hash.split('?');
  const q = new URLSearchParams(query ?? '');
  q.set('region', region);
  // a resource's page belongs to its region: switching goes back to the list
  const top = (path ?? '#/images').split('/').slice(0, 2).join('/');
  location.hash = `${top}?${q}`;
}

function shell(main: HTMLElement): HTMLElement {
  const current = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: href('images') }, 'Imago'),
      h('nav', { 'aria-label': 'Main' }, navPages().map((p) => h('a', { href: href(p.path), 'aria-current': p.path === current ? 'page' : undefined }, p.nav!))),
      h('span', { class: 'spacer' }),
      regionSelect(),
      h('span', { class: 'identity', title: session!.arn ?? '' }, session!.accountId ?? session!.accessKeyId),
      h('button', { type: 'button', onclick: () => (clearSession(), (session = undefined), setApiSession(undefined), void render()) }, 'Sign out'),
    ),
    main,
  );
}

let rendering = 0;
async function render(): Promise<void> {
  const mine = ++rendering;
  if (!session) return signInPage();
  setApiSession(session);
  const found = resolve(location.hash || '#/images');
  const wanted = found?.route.query.get('region');
  if (wanted && wanted !== session.region) {
    session = { ...session, region: wanted };
    saveSession(session);
    setApiSession(session);
  }
  const main = h('main', { id: 'main', tabindex: -1 });
  clear(app, shell(main));
  if (!found) {
    clear(main, h('h1', null, 'Not found'), h('p', null, 'No page at ', location.hash, '.'));
    return;
  }
  document.title = `${found.page.title} | Imago`;
  try {
    await found.page.render(main, found.route);
  } catch (e) {
    if (mine === rendering) main.appendChild(errorBanner(e));
    if (e instanceof ApiError && (e.code === 'InvalidClientTokenId' || e.code === 'AuthFailure' || e.code === 'ExpiredToken')) main.appendChild(h('p', null, 'Your keys were refused: sign out and in again.'));
  }
}

window.addEventListener('hashchange', () => void render());
void render();
