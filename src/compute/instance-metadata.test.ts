import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMetadata, lookup, withoutCategory } from './instance-metadata.js';
import { sampleFacts } from './imds/sample-facts.js';

const facts = sampleFacts();

test('IMDS paths answer values; directories list their children, subdirectories with a slash', () => {
  const md = buildMetadata(facts);
  assert.equal(lookup(md, 'instance-id'), facts.instanceId);
  assert.equal(lookup(md, '/ami-launch-index'), '2');
  assert.equal(lookup(md, 'placement/availability-zone-id'), 'use1-az1');
  const root = lookup(md, '')!.split('\n');
  for (const entry of ['ami-id', 'block-device-mapping/', 'instance-id', 'network/', 'placement/', 'public-keys/', 'tags/']) assert.ok(root.includes(entry), entry);
  assert.equal(lookup(md, 'block-device-mapping/'), 'ami\nebs1\nroot');
  assert.equal(lookup(md, 'public-keys'), '0=k1');
  assert.equal(lookup(md, 'public-keys/0/openssh-key'), 'ssh-ed25519 AAAA k1');
  assert.equal(lookup(md, `network/interfaces/macs/${facts.macAddress}/subnet-id`), facts.subnetId);
  assert.equal(lookup(md, 'tags/instance/Name'), 'web');
  assert.equal(lookup(md, 'nothing/here'), undefined);
  assert.equal(md.userData!.toString(), '#!/bin/sh\n');
  assert.equal(md.identityDocument.instanceId, facts.instanceId);
});

test('without metadata tags there is no tags/ directory', () => {
  const md = buildMetadata({ ...facts, tags: undefined, publicKeys: [] });
  assert.equal(lookup(md, 'tags/instance'), undefined);
  assert.equal(lookup(md, 'public-keys'), undefined);
});

test('the identity document carries every field EC2 writes, in its order, pendingTime in whole seconds', () => {
  const md = buildMetadata({ ...facts, launchTime: '2026-01-01T00:00:00.789Z' });
  assert.deepEqual(Object.keys(md.identityDocument), [
    'accountId', 'architecture', 'availabilityZone', 'billingProducts', 'devpayProductCodes', 'marketplaceProductCodes', 'imageId',
    'instanceId', 'instanceType', 'kernelId', 'pendingTime', 'privateIp', 'ramdiskId', 'region', 'version',
  ]);
  assert.equal(md.identityDocument.pendingTime, '2026-01-01T00:00:00Z');
  assert.equal(md.identityDocument.marketplaceProductCodes, null);
  assert.equal(md.identityDocument.version, '2017-09-30');
  const coded = buildMetadata({ ...facts, productCodes: ['1abc2defghijklm3nopqrs4tu'] });
  assert.deepEqual(coded.identityDocument.marketplaceProductCodes, ['1abc2defghijklm3nopqrs4tu']);
  assert.equal(lookup(coded, 'product-codes'), '1abc2defghijklm3nopqrs4tu');
});

test('withoutCategory drops a category from values and listings', () => {
  const md = withoutCategory(buildMetadata(facts), 'tags');
  assert.equal(lookup(md, 'tags/instance/Name'), undefined);
  assert.equal(lookup(md, 'tags'), undefined);
  assert.ok(!lookup(md, '')!.split('\n').includes('tags/'));
  assert.equal(lookup(md, 'instance-id'), facts.instanceId);
});
