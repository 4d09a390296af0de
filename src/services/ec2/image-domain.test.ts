// The image domain in process, for what a server test cannot wait for or provoke: the end of a
// deregistration-protection cooldown, of the deregistered-visibility window and of a Recycle
// Bin retention period; a name taken between the check and the insert; a copy whose snapshot
// disappears or whose image is deregistered while it runs; images of aliased owners (amazon,
// aws-marketplace) with product codes, as the public catalog seeds them; failures injected
// between the writes of one operation leave nothing half-done.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDomain, sampleBlocks, type DomainHarness } from '../../../test/helpers/storage-domain.js';
import { createImageDomain, type ImageDomain } from './image-domain.js';
import type { ImageRow } from '../../store/repos/images.js';
import { isServiceError } from '../../protocol/service-error.js';
import { imageAncestry } from './images/image-ancestry.js';
import { TagsRepo } from '../../store/repos/tags.js';
import { ImagesRepo } from '../../store/repos/images.js';

const alice = { accountId: '111111111111', region: 'us-east-1' };
const noCheck = () => undefined;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isServiceError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

describe('image domain', () => {
  let d: DomainHarness;
  let images: ImageDomain;
  let snapshotId: string;
  let n = 0;
  const register = async (): Promise<ImageRow> =>
    images.images.register(alice, { Name: `img-${++n}`, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }] }, [], noCheck);

  before(async () => {
    d = await openDomain();
    images = createImageDomain({ store: d.store, kms: d.kms, storage: d, jobs: d.jobs, settleMs: 0, deregisteredVisibleMs: 0 });
    snapshotId = (await d.snapshotWith(alice, 1, sampleBlocks(2))).snapshot_id;
  });
  after(() => d.close());

  test('a finished cooldown reads `disabled` and lets the image be deregistered', async () => {
    const image = await register();
    await images.lifecycle.protect(image, true, noCheck);
    await images.lifecycle.unprotect((await d.store.images.get(image.image_id))!, noCheck);
    assert.equal(await code(images.images.deregister(alice, image.image_id, false, noCheck)), 'OperationNotPermitted');
    await d.store.images.update(image.image_id, { protection_cooldown_until: new Date(Date.now() - 1000).toISOString() });
    const [shown] = (await images.images.describe(alice, { ImageIds: [image.image_id] })).images;
    assert.equal(shown.DeregistrationProtection, 'disabled');
    assert.equal(await code(images.images.deregister(alice, image.image_id, false, noCheck)), 'ok');
  });

  test('with no visibility window, a deregistered image is unknown at once', async () => {
    const image = await register();
    await images.images.deregister(alice, image.image_id, false, noCheck);
    assert.equal(await code(images.images.describe(alice, { ImageIds: [image.image_id] })), 'InvalidAMIID.NotFound');
    assert.equal(await code(images.images.getVisible(alice, image.image_id)), 'InvalidAMIID.NotFound');
    assert.equal(await code(images.images.deregister(alice, image.image_id, false, noCheck)), 'InvalidAMIID.NotFound');
  });

  test('after its retention period an image leaves the Recycle Bin for good', async () => {
    await images.recycleBin.setRetentionDays(alice, 1);
    const image = await register();
    await images.images.deregister(alice, image.image_id, false, noCheck);
    assert.deepEqual((await images.recycleBin.list(alice)).map((r) => r.image_id), [image.image_id]);
    await d.store.images.update(image.image_id, { recycle_bin_until: new Date(Date.now() - 1000).toISOString() });
    assert.deepEqual(await images.recycleBin.list(alice), []);
    assert.equal(await images.recycleBin.get(alice, image.image_id), undefined);
    assert.equal(await code(images.images.describe(alice, { ImageIds: [image.image_id] })), 'InvalidAMIID.NotFound');
    await images.recycleBin.setRetentionDays(alice, undefined);
  });

  /** Makes a repo method fail (in every transaction) while `run` runs. */
  async function failing<T>(proto: object, method: string, run: () => Promise<T>): Promise<void> {
    const target = proto as Record<string, unknown>;
    const original = target[method];
    target[method] = async () => {
      throw new Error(`injected failure in ${method}`);
    };
    try {
      await assert.rejects(run(), /injected failure/);
    } finally {
      target[method] = original;
    }
  }

  test('atomicity: a failure after the image row leaves no image (RegisterImage with tags, a copy)', async () => {
    const name = `atomic-${++n}`;
    await failing(TagsRepo.prototype, 'put', () =>
      images.images.register(alice, { Name: name, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }] }, [{ key: 'team', value: 'a' }], noCheck),
    );
    assert.deepEqual((await images.images.describe(alice, { Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] })).images, []);
    // the name is still free: nothing of the failed image remains
    const ok = await images.images.register(alice, { Name: name, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }] }, [{ key: 'team', value: 'a' }], noCheck);
    assert.equal((await images.images.describe(alice, { ImageIds: [ok.image_id] })).images[0].Tags?.[0].Key, 'team');
  });

  test('atomicity: a failure inside DeregisterImage leaves the image registered and shared as it was', async () => {
    const image = await register();
    await images.sharing.modify(alice, image, { Add: [{ UserId: '222222222222' }] }, noCheck);
    await failing(ImagesRepo.prototype, 'clearLaunchPermissions', () => images.images.deregister(alice, image.image_id, false, noCheck));
    const after = (await d.store.images.get(image.image_id))!;
    assert.equal(after.state, 'available');
    assert.equal(after.deregistered_at, null);
    assert.equal((await d.store.images.launchPermissions(image.image_id)).length, 1);
  });

  test('a name taken between the check and the insert is InvalidAMIName.Duplicate', async () => {
    const first = await register();
    const twin = images.images.newRow(alice, { name: first.name, state: 'available' });
    assert.equal(await code(images.images.create({ row: twin, devices: [] })), 'InvalidAMIName.Duplicate');
  });

  test('a copy fails when its snapshot copy disappears, and leaves a deregistered copy alone', async () => {
    const source = await register();
    const lost = await images.copier.copy(alice, { Name: `copy-${++n}`, SourceImageId: source.image_id, SourceRegion: 'us-east-1' }, noCheck);
    const [device] = (await d.store.images.blockDevices([lost])).get(lost)!;
    await d.store.snapshots.delete(device.snapshot_id!);
    await d.settle();
    const failed = (await d.store.images.get(lost))!;
    assert.equal(failed.state, 'failed');
    assert.equal(failed.state_reason_code, 'Server.InternalError');
    assert.match(failed.state_reason_message!, /no longer exists/);

    const dropped = await images.copier.copy(alice, { Name: `copy-${++n}`, SourceImageId: source.image_id, SourceRegion: 'us-east-1' }, noCheck);
    await images.images.deregister(alice, dropped, false, noCheck);
    await d.settle();
    assert.equal((await d.store.images.get(dropped))!.state, 'deregistered');
  });

  test('aliased owners and product codes: Owners, owner-alias and product-code filters, ancestry roots, copies', async () => {
    const amazon = { accountId: '137112412989', region: 'us-east-1' };
    const marketplace = { accountId: '679593333241', region: 'us-east-1' };
    const base = images.images.newRow(amazon, { name: `al2023-${++n}`, state: 'available', owner_alias: 'amazon', public: 1 });
    await images.images.create({ row: base, devices: [{ position: 0, device_name: '/dev/xvda', virtual_name: null, no_device: 0, snapshot_id: null, volume_size: 8, volume_type: 'gp3', delete_on_termination: 1, encrypted: 0, iops: null, throughput: null, kms_key_id: null }] });
    const paid = images.images.newRow(marketplace, { name: `vendor-${++n}`, state: 'available', owner_alias: 'aws-marketplace', public: 1 });
    await images.images.create({ row: paid, devices: [], productCodes: [{ product_code: 'abcdef0123456789abcdef012', type: 'marketplace' }] });
    const ids = async (input: Parameters<typeof images.images.describe>[1]) => (await images.images.describe(alice, input)).images.map((i) => i.ImageId).sort();
    assert.deepEqual(await ids({ Owners: ['amazon'] }), [base.image_id]);
    assert.deepEqual(await ids({ Owners: ['aws-marketplace', 'amazon'] }), [base.image_id, paid.image_id].sort());
    assert.deepEqual(await ids({ Filters: [{ Name: 'owner-alias', Values: ['aws-marketplace'] }] }), [paid.image_id]);
    assert.deepEqual(await ids({ Filters: [{ Name: 'product-code', Values: ['abcdef*'] }, { Name: 'product-code.type', Values: ['marketplace'] }] }), [paid.image_id]);
    const [shown] = (await images.images.describe(alice, { ImageIds: [paid.image_id] })).images;
    assert.equal(shown.ImageOwnerAlias, 'aws-marketplace');
    assert.deepEqual(shown.ProductCodes, [{ ProductCodeId: 'abcdef0123456789abcdef012', ProductCodeType: 'marketplace' }]);
    // another account's Marketplace image cannot be copied; an Amazon image can, and roots the ancestry
    assert.equal(await code(images.copier.copy(alice, { Name: `copy-${++n}`, SourceImageId: paid.image_id, SourceRegion: 'us-east-1' }, noCheck)), 'InvalidRequest');
    const mine = await images.copier.copy(alice, { Name: `copy-${++n}`, SourceImageId: base.image_id, SourceRegion: 'us-east-1' }, noCheck);
    await d.settle();
    const chain = await imageAncestry(d.store, images.images, alice, mine);
    assert.deepEqual(chain.map((e) => [e.ImageId, e.ImageOwnerAlias]), [[mine, undefined], [base.image_id, 'amazon']]);
  });
});
