// The checked-in generated files must equal a fresh run of `npm run codegen`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateAll, ROOT } from '../scripts/codegen/generate.js';

test('src/api is what codegen produces from the pinned SDK models and model/', () => {
  const stale: string[] = [];
  for (const [rel, content] of generateAll()) {
    const path = join(ROOT, rel);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(rel);
  }
  assert.deepEqual(stale, [], 'run `npm run codegen` and commit the result');
});

test('the models carry the newer members the frozen v2 models lack', () => {
  const ec2 = JSON.parse(readFileSync(join(ROOT, 'src/api/ec2/model.json'), 'utf8'));
  assert.ok(ec2.shapes.DeregisterImageRequest.members.DeleteAssociatedSnapshots);
  assert.ok(ec2.allOperations.includes('GetImageAncestry'));
  assert.equal(ec2.shapes.DescribeImagesRequest.members.ImageIds.xmlName, 'ImageId');
  assert.ok(ec2.enums.ArchitectureValues.includes('arm64'));
});
