// An AMI's lineage on its details page: the images it comes from (GetImageAncestry), the images
// made from it — copies and images of instances launched from it — in this region
// (DescribeImages source-image-id) and, on request, in every region, and what uses it
// (DescribeImageReferences: instances, launch templates, …). Loaded after the details are shown.
import { call, items, text } from '../api.js';
import { href } from '../router.js';
import { errorBanner, h, table } from '../ui.js';

interface Derived {
  id: string;
  name: string;
  region: string;
  state: string;
  created: string;
}

async function derivedIn(region: string, imageId: string): Promise<Derived[]> {
  const doc = await call('ec2', 'DescribeImages', { 'ExecutableBy.1': 'self', 'Filter.1.Name': 'source-image-id', 'Filter.1.Value.1': imageId, IncludeDeprecated: true, IncludeDisabled: true, MaxResults: 100 }, { region });
  return items(doc, 'imagesSet').map((i) => ({ id: text(i, 'imageId') ?? '', name: text(i, 'name') ?? '', region, state: text(i, 'imageState') ?? '', created: text(i, 'creationDate') ?? '' }));
}

const derivedTable = (rows: Derived[]) =>
  table(
    [
      { id: 'id', label: 'AMI', cell: (d: Derived) => h('a', { href: href(`images/${d.id}`, { region: d.region }) }, d.name || d.id) },
      { id: 'region', label: 'Region', cell: (d) => d.region },
      { id: 'state', label: 'Status', cell: (d) => d.state },
      { id: 'created', label: 'Creation date', cell: (d) => d.created.slice(0, 19).replace('T', ' ') },
    ],
    rows,
    { empty: 'No image was copied or created from it here.' },
  );

export function lineageSection(imageId: string, region: string): HTMLElement {
  const ancestry = h('div', { id: 'ancestry' }, h('p', { class: 'loading' }, 'Loading…'));
  const derived = h('div', { id: 'derived' }, h('p', { class: 'loading' }, 'Loading…'));
  const usedBy = h('div', { id: 'used-by' }, h('p', { class: 'loading' }, 'Loading…'));
  const everywhere = h('button', { type: 'button' }, 'Search every region');
  everywhere.addEventListener('click', () => {
    everywhere.disabled = true;
    derived.replaceChildren(h('p', { class: 'loading' }, 'Searching every region…'));
    void call('ec2', 'DescribeRegions')
      .then((doc) => Promise.all(items(doc, 'regionInfo').map((r) => derivedIn(text(r, 'regionName') ?? '', imageId).catch(() => [] as Derived[]))))
      .then((lists) => derived.replaceChildren(derivedTable(lists.flat())))
      .catch((e: unknown) => derived.replaceChildren(errorBanner(e)))
      .finally(() => (everywhere.disabled = false));
  });

  void call('ec2', 'GetImageAncestry', { ImageId: imageId })
    .then((doc) => {
      const chain = items(doc, 'imageAncestryEntrySet').map((e) => ({ id: text(e, 'imageId') ?? '', sourceRegion: text(e, 'sourceImageRegion'), alias: text(e, 'imageOwnerAlias'), created: text(e, 'creationDate') ?? '' }));
      // each entry's region is the region its successor was copied from (the first one's is ours)
      const regions = [region, ...chain.map((e) => e.sourceRegion ?? region)];
      ancestry.replaceChildren(
        chain.length > 1
          ? h('ol', { class: 'ancestry' }, chain.map((e, i) => h('li', null, i === 0 ? h('code', null, e.id) : h('a', { href: href(`images/${e.id}`, { region: regions[i] }) }, e.id), ` (${regions[i]}${e.alias ? `, ${e.alias}` : ''}) ${e.created.slice(0, 10)}`)))
          : h('p', null, 'No ancestor: this image was registered, not copied or created from another AMI.'),
      );
    })
    .catch((e: unknown) => ancestry.replaceChildren(errorBanner(e)));
  void derivedIn(region, imageId)
    .then((rows) => derived.replaceChildren(derivedTable(rows)))
    .catch((e: unknown) => derived.replaceChildren(errorBanner(e)));
  void call('ec2', 'DescribeImageReferences', { 'ImageId.1': imageId, IncludeAllResourceTypes: true })
    .then((doc) => {
      const refs = items(doc, 'imageReferenceSet').map((r) => ({ type: text(r, 'resourceType') ?? '', arn: text(r, 'arn') ?? '' }));
      usedBy.replaceChildren(
        table(
          [
            { id: 'type', label: 'Resource type', cell: (r) => r.type },
            { id: 'arn', label: 'ARN', cell: (r) => (r.type === 'ec2:Instance' ? h('a', { href: href('instances') }, h('code', null, r.arn)) : h('code', null, r.arn)) },
          ],
          refs,
          { empty: 'Nothing in this region uses it.' },
        ),
      );
    })
    .catch((e: unknown) => usedBy.replaceChildren(errorBanner(e)));

  return h(
    'section',
    { id: 'lineage' },
    h('h2', null, 'Lineage'),
    h('h3', null, 'Ancestry (GetImageAncestry)'),
    ancestry,
    h('h3', null, 'Copies and images created from it'),
    derived,
    everywhere,
    h('h3', null, 'Used by (DescribeImageReferences)'),
    usedBy,
  );
}
