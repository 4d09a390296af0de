import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDomain, type DomainHarness } from '../../../test/helpers/storage-domain.js';
import { isServiceError } from '../../protocol/service-error.js';
import { createImageDomain, type ImageDomain } from '../ec2/image-domain.js';
import { Catalog } from '../ec2/catalog/catalog.js';
import { ParameterStore } from './parameter-store.js';
import { isSsmReference, ssmImageResolver, type SsmImageResolver } from './resolve-image-id.js';

const ALICE = { accountId: '111111111111', region: 'us-east-1' };
const BOB = { accountId: '222222222222', region: 'us-east-1' };

let h: DomainHarness;
let images: ImageDomain;
let catalog: Catalog;
let parameters: ParameterStore;
let resolve: SsmImageResolver;

async function fails(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isServiceError(e), String(e));
    assert.deepEqual([e.code, e.httpStatus], [code, 400]);
    if (message) assert.match(e.message, message);
    return true;
  });
}

before(async () => {
  h = await openDomain();
  images = createImageDomain({ store: h.store, kms: h.kms, storage: h, jobs: h.jobs, settleMs: 0 });
  catalog = new Catalog({ store: h.store, blocks: h.blocks, newRow: (o, f) => images.images.newRow(o, f), regions: ['us-east-1', 'eu-west-1'] });
  await catalog.seed();
  parameters = new ParameterStore({
    repo: h.store.ssmParameters,
    kms: h.kms,
    publicParameters: () => catalog.publicParameters(),
    imageVisible: (caller, id) => images.images.getVisible(caller, id).then(
      () => true,
      () => false,
    ),
  });
  resolve = ssmImageResolver(parameters);
});

after(() => h.close());

test('public parameters resolve to the region\'s image, latest or by version', async () => {
  const name = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
  const p = catalog.publicParameters();
  assert.equal(await resolve(ALICE, `resolve:ssm:${name}`), p.get('us-east-1', name)!.versions[1].value);
  assert.equal(await resolve(ALICE, `resolve:ssm:${name}:1`), p.get('us-east-1', name)!.versions[0].value);
  assert.equal(await resolve({ ...ALICE, region: 'eu-west-1' }, `resolve:ssm:${name}`), p.get('eu-west-1', name)!.versions[1].value);
  assert.ok(isSsmReference(`resolve:ssm:${name}`));
  assert.ok(!isSsmReference('ami-0123456789abcdef0'));
});

test("the account's aws:ec2:image parameters resolve by name, version, label and ARN; only the caller's", async () => {
  const [older, newer] = catalog.entries().filter((e) => e.name.startsWith('al2023-ami-2023.') && e.name.endsWith('kernel-6.1-arm64'));
  await parameters.put(ALICE, { Name: '/golden', Value: catalog.imageId('us-east-1', older.key), Type: 'String', DataType: 'aws:ec2:image' });
  await parameters.put(ALICE, { Name: '/golden', Value: catalog.imageId('us-east-1', newer.key), Overwrite: true });
  await parameters.label(ALICE, '/golden', ['stable'], 1);
  assert.equal(await resolve(ALICE, 'resolve:ssm:/golden'), catalog.imageId('us-east-1', newer.key));
  assert.equal(await resolve(ALICE, 'resolve:ssm:/golden:1'), catalog.imageId('us-east-1', older.key));
  assert.equal(await resolve(ALICE, 'resolve:ssm:/golden:stable'), catalog.imageId('us-east-1', older.key));
  assert.equal(await resolve(ALICE, `resolve:ssm:arn:aws:ssm:us-east-1:${ALICE.accountId}:parameter/golden`), catalog.imageId('us-east-1', newer.key));
  await fails(resolve(BOB, 'resolve:ssm:/golden'), 'SsmInvalidParameter', /does not exist/);
  await fails(resolve(ALICE, 'resolve:ssm:/golden:7'), 'SsmInvalidParameter', /could not find version 7/);
  await fails(resolve(ALICE, 'resolve:ssm:/golden:nolabel'), 'SsmInvalidParameter');
});

test('a text parameter is refused as EC2 refuses it; malformed references are InvalidParameterValue', async () => {
  await parameters.put(ALICE, { Name: '/plain-ami', Value: 'ami-0123456789abcdef0', Type: 'String' });
  await fails(resolve(ALICE, 'resolve:ssm:/plain-ami'), 'SsmInvalidParameter', /^Unsupported data type\. The following parameter data types are supported: aws:ec2:image$/);
  await fails(resolve(ALICE, 'resolve:ssm:'), 'InvalidParameterValue');
  await fails(resolve(ALICE, 'ami-0123456789abcdef0'), 'InvalidParameterValue');
  await fails(resolve(ALICE, 'resolve:ssm:/aws/service/none'), 'SsmInvalidParameter');
});
