// The DescribeImageReferences registry: lookups per resource type, options with AWS's
// defaults, one answer per reference, paging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageReferences, type ReferenceOptions } from './image-references.js';

const caller = { accountId: '111111111111', region: 'us-east-1' };
const AMI = 'ami-0123456789abcdef0';
const arn = (i: number) => `arn:aws:ec2:us-east-1:111111111111:instance/i-${String(i).padStart(17, '0')}`;

test('each registered type is asked with its options; types nobody registered reference nothing', async () => {
  const refs = new ImageReferences();
  const asked: [string, ReferenceOptions][] = [];
  refs.register('ec2:Instance', async (_c, ids, options) => {
    asked.push(['ec2:Instance', options]);
    return ids.map((imageId) => ({ imageId, arn: arn(1) }));
  });
  refs.register('ec2:LaunchTemplate', async (_c, _ids, options) => {
    asked.push(['ec2:LaunchTemplate', options]);
    return [];
  });
  const all = await refs.describe(caller, { ImageIds: [AMI], IncludeAllResourceTypes: true });
  assert.deepEqual(all.references, [{ ImageId: AMI, ResourceType: 'ec2:Instance', Arn: arn(1) }]);
  assert.deepEqual(asked, [
    ['ec2:Instance', {}],
    ['ec2:LaunchTemplate', { versionDepth: 10 }],
  ]);
  asked.length = 0;
  await refs.describe(caller, {
    ImageIds: [AMI],
    IncludeAllResourceTypes: true,
    ResourceTypes: [
      { ResourceType: 'ec2:Instance', ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: ['running', 'stopped'] }] },
      { ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['100'] }] },
    ],
  });
  assert.deepEqual(asked, [
    ['ec2:Instance', { stateNames: ['running', 'stopped'] }],
    ['ec2:LaunchTemplate', { versionDepth: 100 }],
  ]);
});

test('references are answered once each, sorted, and paged', async () => {
  const refs = new ImageReferences();
  refs.register('ec2:Instance', async () => [7, 3, 3, 5, 1, 9, 2].map((i) => ({ imageId: AMI, arn: arn(i) })));
  const input = { ImageIds: [AMI], ResourceTypes: [{ ResourceType: 'ec2:Instance' as const }] };
  const first = await refs.describe(caller, { ...input, MaxResults: 5 });
  assert.deepEqual(first.references.map((r) => r.Arn), [1, 2, 3, 5, 7].map(arn));
  const rest = await refs.describe(caller, { ...input, MaxResults: 5, NextToken: first.nextToken });
  assert.deepEqual(rest.references.map((r) => r.Arn), [arn(9)]);
  assert.equal(rest.nextToken, undefined);
});
