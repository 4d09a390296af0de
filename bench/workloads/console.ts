// The web console (issue 14): time to interactive of the image list in Debian's Chromium at 10k
// and 100k images (written through the store, as images-100k does), cold (a fresh browser
// context: no cache) and warm (a reload: validated by ETag), the server's time for one page of
// 100 images (DescribeImages MaxResults=100, raw signed requests at one connection), and the
// JavaScript bundle's size gzipped. Targets: ≤ 1 s to interactive at 100k images, ≤ 200 KB gzip.
// "Interactive" here: the first page's rows are drawn and the main thread has answered a task
// queued after them (the console draws synchronously once the list call has answered).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleConsole } from '../../src/gateway/console.js';
import { launchBrowser } from '../../test/helpers/browser.js';
import { runLoad } from '../lib/http-load.js';
import { BENCH_KEY, startImago } from '../lib/peers.js';
import { fmt, table } from '../lib/report.js';
import { signedRawRequest } from '../lib/signed-request.js';
import { judge } from '../lib/targets.js';
import { populate } from './images.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function consoleBench(options: { counts: number[]; warmRuns: number; seconds: number }): Promise<void> {
  const js = await bundleConsole();
  const gz = gzipSync(js, { level: 9 }).length;
  console.log(`console bundle: ${fmt(js.length / 1024)} KB, ${fmt(gz / 1024)} KB gzip`);
  judge('console JavaScript, gzip', `${fmt(gz / 1024)} KB`, '<= 200 KB', gz <= 200 * 1024);

  const browser = await launchBrowser();
  const rows: (string | number)[][] = [];
  try {
    for (const count of options.counts) {
      const dir = mkdtempSync(join(tmpdir(), 'imago-bench-console-'));
      try {
        await populate(join(dir, 'data'), count);
        const imago = await startImago(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
        try {
          const url = `http://127.0.0.1:${imago.port}/console/#/images?tab=owned`;
          const session = JSON.stringify({ ...BENCH_KEY, region: 'us-east-1' });
          const newPage = async () => {
            const context = await browser.newContext();
            await context.addInitScript(`sessionStorage.setItem('imago.console.session', ${JSON.stringify(session)})`);
            return { context, page: await context.newPage() };
          };
          const interactive = async (page: import('playwright-core').Page, go: () => Promise<unknown>) => {
            const started = Date.now();
            await go();
            await page.locator('#images-table tr[data-image-id]').first().waitFor({ timeout: 60_000 });
            await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
            return Date.now() - started;
          };
          const cold: number[] = [];
          const warm: number[] = [];
          for (let run = 0; run < 3; run++) {
            const { context, page } = await newPage();
            cold.push(await interactive(page, () => page.goto(url)));
            for (let i = 0; i < options.warmRuns; i++) warm.push(await interactive(page, () => page.reload()));
            await context.close();
          }
          const raw = await signedRawRequest(imago.port, 'ec2', 'us-east-1', 'Action=DescribeImages&Version=2016-11-15&Owner.1=self&MaxResults=100');
          const load = await runLoad(imago.port, raw, 1, options.seconds);
          rows.push([count, Math.floor(count / 5), median(cold), median(warm), load.p50ms, load.p99ms]);
          if (count >= 100_000) judge(`console image list interactive at ${count} images (cold)`, `${median(cold)} ms`, '<= 1000 ms', median(cold) <= 1000);
        } finally {
          await imago.stop();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
  }
  console.log('image list (Owned by me, 50 a page) in Chromium: medians of 3 cold loads and of 3 × warm reloads; server time of DescribeImages MaxResults=100');
  console.log(table(['images', 'owned by the caller', 'cold ms', 'warm ms', 'page of 100 p50 ms', 'p99 ms'], rows));
}
