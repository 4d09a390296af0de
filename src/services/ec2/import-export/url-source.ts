// Disk images behind an http:// or https:// URL (ImportImage / ImportSnapshot `Url`), streamed
// into a file: never held in memory. Redirects are followed a few times; anything but 200 fails
// the task as AWS reports an unreadable URL.
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { TaskFailure } from './task-failure.js';
import { toFile } from './transfer-s3.js';

const MAX_REDIRECTS = 3;

function request(url: URL, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const req = get(url, { timeout: 60_000, signal }, resolve);
    req.on('timeout', () => req.destroy(new TaskFailure(`ClientError: Unable to download the disk image from ${url.href}: timed out`)));
    req.on('error', reject);
  });
}

export async function downloadUrl(href: string, path: string, maxBytes: number, onBytes: (n: number) => void, signal?: AbortSignal): Promise<number> {
  let url = new URL(href);
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await request(url, signal);
    } catch (e) {
      if (e instanceof TaskFailure || signal?.aborted) throw e;
      throw new TaskFailure(`ClientError: Unable to download the disk image from ${href}: ${(e as Error).message}`);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && hop < MAX_REDIRECTS) {
      res.resume();
      url = new URL(res.headers.location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TaskFailure(`ClientError: Unable to download the disk image from ${href}: redirected to ${url.protocol}`);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new TaskFailure(`ClientError: Unable to download the disk image from ${href}: HTTP ${status}`);
    }
    const length = Number(res.headers['content-length'] ?? NaN);
    if (length > maxBytes) {
      res.destroy();
      throw new TaskFailure(`ClientError: Disk validation failed [the disk image is larger than ${maxBytes} bytes]`);
    }
    return toFile(res, path, maxBytes, onBytes, signal);
  }
}
