// Debian's Chromium (apt `chromium`) driven by playwright-core: no browser download, one
// headless browser per test file, a fresh context (its own sessionStorage) per signed-in user.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestAccount } from './server.js';

export const CHROMIUM = process.env.IMAGO_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: the tests run as root on CI hosts, where Chromium refuses its sandbox
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A new context and page at the console. */
export async function openConsole(browser: Browser, serverUrl: string, opts: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light', viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${serverUrl}/console/`);
  return { context, page };
}

/** Signs in with an access key pair through the sign-in form. */
export async function signInWithKeys(page: Page, account: Pick<TestAccount, 'accessKeyId' | 'secretAccessKey'>, region = 'us-east-1'): Promise<void> {
  await page.getByLabel('Access key ID').fill(account.accessKeyId);
  await page.getByLabel('Secret access key').fill(account.secretAccessKey);
  await page.getByLabel('Region', { exact: true }).fill(region);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}
