import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinCatalog, debian12BuildName, debianSerial } from './builtin-catalog.js';
import type { BuiltImageRecord } from './built-image-record.js';

const ANCHOR = new Date('2026-12-06T00:00:00Z');
const BUILT: BuiltImageRecord = { hash: '0123456789abcdef', mapId: 'map-built', builtAt: '2026-12-01T10:11:12.000Z', serial: 2010, retired: ['debian-12-amd64-20261130-2009'] };

test("Debian's build serial grows every two days", () => {
  assert.equal(debianSerial(new Date('2024-10-04T00:00:00Z')), 1894);
  assert.equal(debianSerial(new Date('2026-12-01T10:11:12Z')), 1894 + Math.floor(788 / 2));
});

test('without a build, Debian 12 amd64 is the placeholder over the base disk and nothing is retired', () => {
  const { images, retired } = builtinCatalog(ANCHOR);
  const d = images.find((i) => i.name.startsWith('debian-12-amd64-'))!;
  assert.deepEqual([d.name, d.disk, d.bootMode], [`debian-12-amd64-20261128-${debianSerial(new Date('2026-11-28T00:00:00Z'))}`, { builtin: 'x86_64' }, 'uefi-preferred']);
  assert.deepEqual(retired, []);
});

test('an imported build replaces the Debian 12 amd64 placeholder: its name, map, parameters; the placeholder and earlier builds are retired', () => {
  const plain = builtinCatalog(ANCHOR);
  const { images, retired } = builtinCatalog(ANCHOR, { 'debian-12': BUILT });
  const placeholder = plain.images.find((i) => i.name.startsWith('debian-12-amd64-'))!;
  const d = images.find((i) => i.name.startsWith('debian-12-amd64-'))!;
  assert.equal(d.name, 'debian-12-amd64-20261201-2010');
  assert.equal(debian12BuildName(BUILT), d.name);
  assert.deepEqual(
    [d.key, d.owner.accountId, d.description, d.architecture, d.creationDate, d.deprecationTime, d.bootMode, d.enaSupport, d.rootDeviceName, d.volumeSizeGiB, d.disk],
    [d.name, '136693071363', 'Debian 12 (20261201-2010)', 'x86_64', BUILT.builtAt, '2028-12-01T10:11:12.000Z', 'uefi-preferred', true, '/dev/xvda', 8, { mapId: 'map-built' }],
  );
  assert.deepEqual(
    d.parameters.map((p) => p.name),
    ['/aws/service/debian/release/12/latest/amd64', '/aws/service/debian/release/bookworm/latest/amd64', '/aws/service/debian/release/12/20261201-2010/amd64'],
  );
  assert.deepEqual(retired, [placeholder.key, 'debian-12-amd64-20261130-2009']);
  // every other image is the same
  const others = (list: typeof images) => list.filter((i) => !i.name.startsWith('debian-12-amd64-'));
  assert.deepEqual(others(images), others(plain.images));
});
