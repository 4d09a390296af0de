// The page registry and the hash router: a page is a file under pages/ that calls registerPage()
// with a path pattern ('images', 'images/:id'); URLs look like #/images?tab=owned&region=eu-west-1,
// so every view can be bookmarked and shared (the region is part of the URL, as on AWS).
export interface Route {
  /** the pattern's :params */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Page {
  /** 'images' or 'images/:id' */
  path: string;
  title: string;
  /** a label in the navigation bar (only for top-level pages) */
  nav?: string;
  /** order in the navigation bar */
  order?: number;
  render(root: HTMLElement, route: Route): void | Promise<void>;
}

const pages: Page[] = [];

export function registerPage(page: Page): void {
  pages.push(page);
}

export function navPages(): Page[] {
  return pages.filter((p) => p.nav).sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** The page and its params for a hash like '#/images/ami-123?x=1'. */
export function resolve(hash: string): { page: Page; route: Route } | undefined {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  for (const page of pages) {
    const parts = page.path.split('/');
    if (parts.length !== path.length) continue;
    const params: Record<string, string> = {};
    if (parts.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(path[i])), true) : p === path[i]))) return { page, route: { params, query } };
  }
  return undefined;
}

/** '#/images?tab=owned' from a path and query values (empty ones dropped). */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
}

export function go(path: string, query: Record<string, string | undefined> = {}): void {
  location.hash = href(path, query);
}
