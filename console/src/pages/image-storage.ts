// An AMI's storage on its details page, on request: logical size, the data its snapshots hold,
// the bytes only it holds (what deregistering it with its snapshots would free) and the bytes it
// shares, from the operator endpoint GET /_imago/images (admin keys, or dev mode); and an
// estimated monthly cost of its data at a $/GB-month the user sets (kept in localStorage).
import { adminGet } from '../admin-api.js';
import { currentSession } from '../api.js';
import { errorBanner, field, h, table } from '../ui.js';

interface ImageUsage {
  imageId: string;
  logicalBytes: number;
  dataBytes: number;
  uniqueBytes: number;
  sharedBytes: number;
}

const PRICE_KEY = 'imago.console.pricePerGbMonth';
const GB = 1e9;
const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

export function storageSection(imageId: string, ownerId: string): HTMLElement {
  const out = h('div', { id: 'storage' });
  const price = h('input', { name: 'price', type: 'number', min: 0, step: '0.001', value: localStorage.getItem(PRICE_KEY) ?? '0.05', 'aria-label': 'Price, $ per GB-month' });
  const button = h('button', { type: 'button' }, 'Compute storage');
  let usage: ImageUsage | undefined;
  const draw = () => {
    if (!usage) return;
    const perGb = Number(price.value) || 0;
    const cost = (bytes: number) => `$${((bytes / GB) * perGb).toFixed(2)}`;
    // what the volumes would hold, not what is stored: no cost of its own
    const logical: [string, number] = ['Logical size (its volumes)', usage.logicalBytes];
    out.replaceChildren(
      table(
        [
          { id: 'what', label: '', cell: (r: [string, number]) => r[0] },
          { id: 'bytes', label: 'Size', cell: (r) => gib(r[1]) },
          { id: 'cost', label: 'Estimated per month', cell: (r) => (r === logical ? '–' : cost(r[1])) },
        ],
        [
          logical,
          ['Data in its snapshots', usage.dataBytes],
          ['Only in this image (freed by deregistering it with its snapshots)', usage.uniqueBytes],
          ['Shared with other images, snapshots or volumes', usage.sharedBytes],
        ],
      ),
    );
  };
  price.addEventListener('change', () => {
    localStorage.setItem(PRICE_KEY, price.value);
    draw();
  });
  button.addEventListener('click', () => {
    button.disabled = true;
    out.replaceChildren(h('p', { class: 'loading' }, 'Computing…'));
    void adminGet<ImageUsage[]>('/_imago/images', { accountId: ownerId, region: currentSession()!.region, catalog: 'true' })
      .then((list) => {
        usage = list.find((u) => u.imageId === imageId);
        if (usage) draw();
        else out.replaceChildren(h('p', null, 'No storage figures for this image.'));
      })
      .catch((e: unknown) => out.replaceChildren(errorBanner(e)))
      .finally(() => (button.disabled = false));
  });
  return h(
    'section',
    null,
    h('h2', null, 'Storage'),
    h('p', { class: 'hint' }, 'Sizes are logical 512 KiB blocks before compression. Needs an Imago admin key (or dev mode): GET /_imago/images.'),
    h('div', { class: 'toolbar' }, field('Price, $ per GB-month', price), button),
    out,
  );
}
