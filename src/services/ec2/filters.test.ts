import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilters, wildcard } from './filters.js';

test('wildcards: * any run, ? one character, backslash escapes, case-sensitive', () => {
  assert.ok(wildcard('my-app-*')('my-app-1.2'));
  assert.ok(wildcard('my-app-*')('my-app-'));
  assert.ok(!wildcard('my-app-*')('My-app-1'));
  assert.ok(wildcard('v?')('v1'));
  assert.ok(!wildcard('v?')('v12'));
  assert.ok(wildcard('\\*amazon\\?\\\\')('*amazon?\\'));
  assert.ok(!wildcard('\\*amazon')('xamazon'));
  assert.ok(wildcard('a.b')('a.b'));
  assert.ok(!wildcard('a.b*')('axb'));
  assert.ok(wildcard('2021-09-29T*')('2021-09-29T10:00:00.000Z'));
});

test('filters AND across names, OR across values; tag filters; unknown names rejected', () => {
  type Item = { name: string; arch: string; tags: { Key: string; Value: string }[] };
  const items: Item[] = [
    { name: 'web-1', arch: 'x86_64', tags: [{ Key: 'Version', Value: '1.2' }] },
    { name: 'web-2', arch: 'arm64', tags: [{ Key: 'Version', Value: '2.0' }, { Key: 'Team', Value: '' }] },
    { name: 'db-1', arch: 'arm64', tags: [] },
  ];
  const spec = { fields: { name: (i: Item) => i.name, architecture: (i: Item) => i.arch }, tags: (i: Item) => i.tags };
  const run = (filters: { Name: string; Values: string[] }[]) => items.filter(compileFilters(filters, spec)).map((i) => i.name);
  assert.deepEqual(run([{ Name: 'name', Values: ['web-*'] }]), ['web-1', 'web-2']);
  assert.deepEqual(run([{ Name: 'name', Values: ['web-*'] }, { Name: 'architecture', Values: ['arm64'] }]), ['web-2']);
  assert.deepEqual(run([{ Name: 'architecture', Values: ['i386', 'x86_64'] }]), ['web-1']);
  assert.deepEqual(run([{ Name: 'tag:Version', Values: ['1.*'] }]), ['web-1']);
  assert.deepEqual(run([{ Name: 'tag-key', Values: ['Team'] }]), ['web-2']);
  assert.deepEqual(run([{ Name: 'tag:Team', Values: [''] }]), ['web-2']);
  assert.throws(() => run([{ Name: 'colour', Values: ['x'] }]), { code: 'InvalidParameterValue' });
});
