// The web console in Debian's Chromium (playwright-core), against a real `imago serve` with a
// credentials file and the `none` compute driver: the seeds' life cycle done only in the browser —
// sign in, find the Debian image by filter, launch, watch it run, create an image, share it and
// see it from the other account's session, copy it to another region, deprecate, a refusal with
// AWS's error, deregister with its snapshots — and the image list at 10k images.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2, iam } from '../helpers/clients.js';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { launchBrowser, openConsole, signInWithKeys } from '../helpers/browser.js';
import { populate } from '../../bench/workloads/images.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The first page of the image list's rows once drawn. */
const imageRows = (page: Page) => page.locator('#images-table tbody tr[data-image-id]');

describe('the console with a credentials file', () => {
  let dir: string;
  let server: TestServer;
  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('the console is served with a Content-Security-Policy, and the API stays signed', async () => {
    const res = await fetch(`${server.url}/console/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    const js = await fetch(`${server.url}/console/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    const config = (await (await fetch(`${server.url}/console/config.json`)).json()) as { devMode: boolean; defaultAccount?: string };
    assert.deepEqual(config, { devMode: false }, 'no account picker (and nothing about accounts) with a credentials file');
    assert.equal((await fetch(`${server.url}/console/nothing.js`)).status, 404);
  });

  test('wrong keys are refused with AWS\'s error; no account picker outside dev mode', async () => {
    const { context, page } = await openConsole(browser, server.url);
    try {
      assert.equal(await page.getByText('Dev mode: pick an account').count(), 0);
      await signInWithKeys(page, { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-the-secret' });
      await page.locator('#signin-errors [role=alert]').waitFor();
      assert.match(await page.locator('#signin-errors').innerText(), /SignatureDoesNotMatch/);
    } finally {
      await context.close();
    }
  });

  test('an IAM user without a policy signs in, and the image list shows EC2\'s UnauthorizedOperation', async () => {
    const admin = iam(server.url, { account: ALICE });
    await admin.send(new CreateUserCommand({ UserName: 'console-viewer' }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'console-viewer' }))).AccessKey!;
    const { context, page } = await openConsole(browser, server.url);
    try {
      await signInWithKeys(page, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      const refusal = page.locator('main [role=alert]');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-error-code'), 'UnauthorizedOperation');
      assert.match(await refusal.innerText(), /not authorized to perform: ec2:DescribeImages/);
      assert.match((await page.locator('header .identity').getAttribute('title')) ?? '', /:user\/console-viewer$/);
    } finally {
      await context.close();
    }
  });

  test('the life cycle without a terminal: find Debian, launch, create an image, share, copy, deprecate, refuse, deregister', async () => {
    const { context, page } = await openConsole(browser, server.url);
    const bob = await openConsole(browser, server.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (/Content.Security.Policy/i.test(m.text()) && errors.push(m.text())));
    try {
      await signInWithKeys(page, ALICE);
      await page.locator('#images-table').waitFor();
      assert.equal(await page.locator('header .identity').innerText(), ALICE.accountId);
      // the key pair lives in this tab's sessionStorage only
      const storage = await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookies: document.cookie })');
      const { local, session, cookies } = JSON.parse(storage as string) as { local: object; session: object; cookies: string };
      assert.ok(JSON.stringify(session).includes(ALICE.secretAccessKey));
      assert.ok(!JSON.stringify(local).includes(ALICE.secretAccessKey) && !cookies.includes(ALICE.secretAccessKey));

      // find the Debian image by filter (public images, name debian-12-*, x86_64)
      await page.getByRole('link', { name: 'Public images' }).click();
      await page.getByLabel('Name filter').fill('debian-12-*');
      await page.getByLabel('Architecture filter').selectOption('x86_64');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/name=debian-12-/);
      await imageRows(page).first().waitFor();
      const names = await page.locator('#images-table td[data-col=name]').allInnerTexts();
      assert.ok(names.length >= 1 && names.every((n) => /^debian-12-amd64-/.test(n)), names.join(', '));
      await page.locator('#images-table td[data-col=name] a').first().click();
      await page.locator('#image-id').waitFor();
      const debianId = await page.locator('#image-id').innerText();

      // launch an instance from it and watch it reach running
      await page.getByRole('button', { name: 'Launch instance from AMI' }).click();
      await page.getByLabel('Name tag').fill('console-web');
      await page.getByLabel('Instance type').fill('t3.micro');
      await page.getByRole('button', { name: 'Launch', exact: true }).click();
      await page.waitForURL(/#\/instances/);
      const row = page.locator('#instances-table tbody tr', { hasText: 'console-web' });
      await row.locator('td[data-col=state]', { hasText: 'running' }).waitFor({ timeout: 30_000 });
      assert.match(await row.innerText(), new RegExp(debianId));

      // status checks, and the SSH command of a Debian image (user admin)
      await row.locator('td[data-col=checks]', { hasText: /checks passed|Initializing/ }).waitFor();
      await row.getByRole('button', { name: 'Connect' }).click();
      assert.match(await page.locator('#ssh-command').innerText(), /^ssh admin@\d+\.\d+\.\d+\.\d+$/);
      await page.getByRole('button', { name: 'Close' }).click();

      // the console output dialog opens (the none driver has no serial console: empty output)
      await row.getByRole('button', { name: 'Console output' }).click();
      await page.locator('#console-output').waitFor();
      await page.getByRole('button', { name: 'Close' }).click();

      // create an image from it
      await row.getByRole('button', { name: 'Create image' }).click();
      await page.getByLabel('Image name').fill('console-made');
      await page.getByRole('button', { name: 'Create image', exact: true }).last().click();
      await page.waitForURL(/#\/images\/ami-/);
      const imageId = await page.locator('#image-id').innerText();
      await page.locator('.page-head .pill', { hasText: 'available' }).waitFor({ timeout: 30_000 });

      // its storage figures come from an operator endpoint: Alice holds no admin key
      await page.getByRole('button', { name: 'Compute storage' }).click();
      const denied = page.locator('#storage [role=alert]');
      await denied.waitFor();
      assert.equal(await denied.getAttribute('data-error-code'), 'AccessDenied');
      assert.match(await denied.innerText(), /is not an Imago admin/);

      // share it with Bob, who sees it under "Shared with me"
      await page.getByLabel('AWS account ID to share with').fill(BOB.accountId);
      await page.getByRole('button', { name: 'Share with account' }).click();
      await page.locator('#permissions td', { hasText: BOB.accountId }).waitFor();
      await signInWithKeys(bob.page, BOB);
      await bob.page.locator('#images-table').waitFor();
      await bob.page.getByRole('link', { name: 'Shared with me' }).click();
      await bob.page.locator(`#images-table tr[data-image-id="${imageId}"]`).waitFor();

      // making it public asks first, with AWS's warning
      await page.getByRole('button', { name: 'Make public' }).click();
      await page.getByText('Anyone with an account can use it').waitFor();
      await page.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await page.locator('#visibility').innerText(), 'Private');

      // copy it to another region: the copy's page, in us-west-2
      await page.getByRole('button', { name: 'Copy AMI' }).click();
      await page.getByLabel('Destination region').fill('us-west-2');
      await page.getByRole('button', { name: 'Copy AMI', exact: true }).last().click();
      await page.waitForURL(/region=us-west-2/);
      await page.locator('.page-head .pill', { hasText: 'available' }).waitFor({ timeout: 30_000 });
      const copyId = await page.locator('#image-id').innerText();
      assert.notEqual(copyId, imageId);
      assert.equal(await page.locator('#region').inputValue(), 'us-west-2');
      const copies = await ec2(server.url, { account: ALICE, region: 'us-west-2' }).send(new DescribeImagesCommand({ ImageIds: [copyId] }));
      assert.equal(copies.Images?.[0]?.SourceImageId, imageId);
      // its lineage: the copy comes from our image (us-east-1), which comes from Debian's
      await page.locator('#ancestry a', { hasText: imageId }).waitFor();
      const ancestry = await page.locator('#ancestry li').allInnerTexts();
      assert.deepEqual(ancestry.map((line) => line.split(' ').slice(0, 2).join(' ')), [`${copyId} (us-west-2)`, `${imageId} (us-east-1)`, `${debianId} (us-east-1)`]);

      // and an encrypted copy (the account's default EBS key) in eu-west-1
      await page.goto(`${server.url}/console/#/images/${imageId}?region=us-east-1`);
      await page.getByRole('button', { name: 'Search every region' }).click();
      await page.locator('#derived a', { hasText: 'console-made' }).waitFor();
      assert.match(await page.locator('#derived').innerText(), /us-west-2/);
      await page.getByRole('button', { name: 'Copy AMI' }).click();
      await page.getByLabel('Destination region').fill('eu-west-1');
      await page.getByLabel('Encrypt EBS snapshots of AMI copy').check();
      await page.getByRole('button', { name: 'Copy AMI', exact: true }).last().click();
      await page.waitForURL(/region=eu-west-1/);
      await page.locator('.page-head .pill', { hasText: 'available' }).waitFor({ timeout: 30_000 });
      assert.deepEqual(await page.locator('td[data-col=encrypted]').allInnerTexts(), ['true']);

      // back to the original in us-east-1 (a bookmarkable URL): disable and re-enable it
      await page.goto(`${server.url}/console/#/images/${imageId}?region=us-east-1`);
      await page.locator('#image-id').waitFor();
      await page.getByRole('button', { name: 'Disable', exact: true }).click();
      await page.locator('.page-head .pill', { hasText: 'disabled' }).waitFor();
      await page.getByRole('button', { name: 'Re-enable' }).click();
      await page.locator('.page-head .pill', { hasText: 'available' }).waitFor();

      // deprecate it
      await page.goto(`${server.url}/console/#/images/${imageId}?region=us-east-1`);
      await page.locator('#image-id').waitFor();
      await page.getByRole('button', { name: 'Manage deprecation' }).click();
      await page.getByLabel('Deprecate at (UTC)').fill('2030-01-01T00:00');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#deprecation-time', { hasText: '2030-01-01T00:00:00' }).waitFor();

      // a refused action shows AWS's error: deregistering a protected image
      await page.getByRole('button', { name: 'Turn on deregistration protection' }).click();
      await page.locator('#deregistration-protection', { hasText: 'enabled' }).waitFor();
      await page.getByRole('button', { name: 'Deregister AMI' }).click();
      await page.getByRole('button', { name: 'Deregister', exact: true }).click();
      const refusal = page.locator('dialog [role=alert]');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-error-code'), 'OperationNotPermitted');
      assert.match(await refusal.innerText(), /deregistration protection is enabled/);
      await page.getByRole('button', { name: 'Cancel' }).click();

      // then turn protection off and deregister it with its snapshots
      const snapshotIds = await page.locator('td[data-col=snapshot]').allInnerTexts();
      assert.ok(snapshotIds.length >= 1 && snapshotIds.every((id) => id.startsWith('snap-')), snapshotIds.join());
      await page.getByRole('button', { name: 'Turn off deregistration protection' }).click();
      await page.locator('#deregistration-protection', { hasText: 'disabled' }).waitFor();
      await page.getByRole('button', { name: 'Deregister AMI' }).click();
      await page.getByRole('button', { name: 'Deregister', exact: true }).click();
      await page.waitForURL(/#\/images\?tab=owned/);
      // AWS keeps a deregistered image visible to its owner for a while, as `deregistered`
      const gone = page.locator(`#images-table tr[data-image-id="${imageId}"]`);
      await page.locator('#images-table').waitFor();
      if (await gone.count()) assert.equal(await gone.locator('td[data-col=state]').innerText(), 'deregistered');
      const left = await ec2(server.url, { account: ALICE }).send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      assert.ok(!left.Images?.length || left.Images[0].State === 'deregistered');
      const snapshots = await ec2(server.url, { account: ALICE }).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
      const remaining = new Set(snapshots.Snapshots?.map((s) => s.SnapshotId));
      assert.deepEqual(snapshotIds.filter((id) => remaining.has(id)), [], 'DeleteAssociatedSnapshots took its snapshots');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await bob.context.close();
    }
  });
});

describe('the image list at 10k images (dev mode)', () => {
  let server: TestServer;
  let dir: string;
  const CALLER = '123456789012'; // populate()'s caller: a fifth of the images, and 1% of the rest shared with it
  before(async () => {
    dir = tempDir();
    const started = Date.now();
    await populate(join(dir, 'data'), 10_000);
    console.log(`# 10k images written through the store in ${Date.now() - started} ms`);
    server = await startServer({ dataDir: join(dir, 'data') });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('the account picker signs in, and the first page renders at once; paging goes on with NextToken', async () => {
    const { context, page } = await openConsole(browser, server.url);
    try {
      // by keyboard: the picker's first button has the focus; tab to the account field, type, Enter
      // (the picker appears once config.json has answered, after the page's load event)
      await page.getByRole('button', { name: /Default account/ }).waitFor();
      assert.match(await page.evaluate('document.activeElement.textContent'), /Default account/);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Control+A');
      await page.keyboard.type(CALLER);
      const started = Date.now();
      await page.keyboard.press('Enter');
      await imageRows(page).first().waitFor();
      const ms = Date.now() - started;
      const serverMs = await page.locator('main').getAttribute('data-render-ms');
      console.log(`# first page of 'Owned by me' (2000 of 10k images): ${ms} ms from sign-in click to rows (list call + render ${serverMs} ms)`);
      assert.equal(await imageRows(page).count(), 50);
      await page.getByRole('button', { name: 'Next ›' }).click();
      await page.getByText('Page 2: 50 images').waitFor();
      await page.getByRole('link', { name: 'Shared with me' }).click();
      // the new view has rendered when its pager says page 1 (until then page 2's rows are still shown)
      await page.getByText(/^Page 1: \d+ images/).waitFor();
      const owners = await page.locator('#images-table td[data-col=owner]').allInnerTexts();
      assert.ok(owners.length > 0 && owners.every((o) => o !== CALLER), 'shared with me: other accounts\' images only');
      // the column chooser shows and hides columns (remembered for the next visit)
      assert.equal(await page.locator('#images-table th', { hasText: 'Platform' }).count(), 0);
      await page.getByText('Columns').click();
      await page.getByLabel('Platform', { exact: true }).check();
      await page.locator('#images-table th', { hasText: 'Platform' }).waitFor();
      await page.reload();
      await page.locator('#images-table th', { hasText: 'Platform' }).waitFor();

      // the search box narrows by name across the whole set
      await page.getByRole('link', { name: 'Owned by me' }).click();
      await imageRows(page).first().waitFor();
      await page.getByLabel('Search by name or AMI ID').fill('bulk-00990');
      await page.getByLabel('Search by name or AMI ID').press('Enter');
      await page.waitForURL(/q=bulk-00990/);
      await page.locator('#images-table td[data-col=name]', { hasText: 'bulk-009900' }).waitFor();
      assert.equal(await imageRows(page).count(), 2, 'bulk-009900..9 of which the caller owns every fifth: 009900 and 009905');

      // signing out forgets the session; the picker offers the account used last
      await page.getByRole('button', { name: 'Sign out' }).click();
      assert.equal(await page.evaluate('sessionStorage.length'), 0);
      await page.getByRole('button', { name: `Account ${CALLER}` }).click();
      await imageRows(page).first().waitFor();
      assert.equal(await page.locator('header .identity').innerText(), CALLER);
    } finally {
      await context.close();
    }
  });
});
