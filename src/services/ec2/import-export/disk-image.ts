// An untrusted disk image as a raw file, safely: the format is told from its magic bytes (and
// must match a declared one), qemu-img only ever runs with an explicit -f (a raw image cannot
// pose as qcow2), images naming a backing file or VMDK descriptors naming extent files are
// refused (they would read files of this host), and the virtual size is bounded (EBS's 16 TiB,
// as `imago import` does). Failures read as AWS reports them: `ClientError: …`.
import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { TaskFailure } from './task-failure.js';

const run = promisify(execFile);

/** EBS's largest volume. */
export const MAX_VIRTUAL_BYTES = 16384 * 1024 ** 3;

/** AWS's names (DiskContainer.Format, upper case on the wire) -> qemu-img's. qcow2 is Imago's addition. */
const QEMU_FORMAT: Record<string, string> = { raw: 'raw', vhd: 'vpc', vhdx: 'vhdx', vmdk: 'vmdk', qcow2: 'qcow2' };

export const unsupportedFormat = () => new TaskFailure('ClientError: Unsupported format');
const invalid = (why: string) => new TaskFailure(`ClientError: Disk validation failed [${why}]`);

/** The format the bytes say (raw when nothing else matches); `ova` is recognised only to be refused. */
export async function sniffFormat(path: string): Promise<string> {
  const { size } = await stat(path);
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    await fh.read(head, 0, 512, 0);
    const tail = Buffer.alloc(512);
    if (size >= 512) await fh.read(tail, 0, 512, size - 512);
    const ascii = head.toString('latin1');
    if (ascii.startsWith('QFI\xfb')) return 'qcow2';
    if (ascii.startsWith('KDMV') || ascii.startsWith('# Disk DescriptorFile')) return 'vmdk';
    if (ascii.startsWith('vhdxfile')) return 'vhdx';
    if (ascii.startsWith('conectix') || tail.toString('latin1', 0, 8) === 'conectix') return 'vhd';
    if (head.toString('latin1', 257, 262) === 'ustar') return 'ova';
    return 'raw';
  } finally {
    await fh.close();
  }
}

export interface RawImage {
  path: string;
  /** the disk's size in bytes (the raw file's) */
  virtualBytes: number;
  /** the format read: raw, vhd, vhdx, vmdk, qcow2 */
  format: string;
}

/** `path` (downloaded) as a raw image at `rawPath` (or itself when raw). */
export async function toRaw(path: string, rawPath: string, declared?: string): Promise<RawImage> {
  const sniffed = await sniffFormat(path);
  const wanted = declared?.toLowerCase();
  if (wanted !== undefined && !(wanted in QEMU_FORMAT)) throw unsupportedFormat();
  if (sniffed === 'ova') throw unsupportedFormat();
  // a declared raw image is taken as raw whatever its bytes say (never interpreted)
  const format = wanted ?? sniffed;
  if (wanted && wanted !== 'raw' && wanted !== sniffed && !(wanted === 'vhd' && sniffed === 'vhdx')) {
    throw invalid(`Unsupported specified file format: the image is not ${declared}`);
  }
  if (format === 'raw') {
    const { size } = await stat(path);
    if (size > MAX_VIRTUAL_BYTES) throw invalid('the disk is larger than 16384 GiB');
    if (size === 0) throw invalid('the disk image is empty');
    return { path, virtualBytes: size, format };
  }
  const f = QEMU_FORMAT[format === 'vhd' && sniffed === 'vhdx' ? 'vhdx' : format];
  if (sniffed === 'vmdk' && (await readHead(path, 21)) === '# Disk DescriptorFile') {
    throw invalid('the VMDK is a descriptor naming extent files; upload a monolithic or streamOptimized VMDK');
  }
  let info: { 'virtual-size': number; 'backing-filename'?: string; 'full-backing-filename'?: string; children?: unknown };
  try {
    const { stdout } = await run('qemu-img', ['info', '--output=json', '-f', f, path], { maxBuffer: 4 * 1024 * 1024, timeout: 60_000 });
    info = JSON.parse(stdout) as typeof info;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('qemu-img is needed to import this format (apt-get install qemu-utils)');
    throw invalid(`the ${format} image cannot be read: ${lastLine(e)}`);
  }
  if (info['backing-filename'] || info['full-backing-filename']) throw invalid(`the image names a backing file (${info['backing-filename'] ?? info['full-backing-filename']}): backing files are not allowed`);
  if (!(info['virtual-size'] > 0)) throw invalid('the disk has no size');
  if (info['virtual-size'] > MAX_VIRTUAL_BYTES) throw invalid('the disk is larger than 16384 GiB');
  try {
    await run('qemu-img', ['convert', '-f', f, '-O', 'raw', '-S', String(BLOCK_SIZE), path, rawPath], { timeout: 6 * 3600_000 });
  } catch (e) {
    throw invalid(`the ${format} image cannot be converted: ${lastLine(e)}`);
  }
  return { path: rawPath, virtualBytes: info['virtual-size'], format };
}

/** A raw file written as `format` (RAW: itself; VMDK streamOptimized; VHD dynamic), for ExportImage. */
export async function fromRaw(rawPath: string, outPath: string, format: 'RAW' | 'VHD' | 'VMDK'): Promise<string> {
  if (format === 'RAW') return rawPath;
  const args = format === 'VMDK' ? ['-O', 'vmdk', '-o', 'subformat=streamOptimized'] : ['-O', 'vpc', '-o', 'subformat=dynamic'];
  await run('qemu-img', ['convert', '-f', 'raw', ...args, rawPath, outPath], { timeout: 6 * 3600_000 });
  return outPath;
}

async function readHead(path: string, n: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, 0);
    return b.toString('latin1');
  } finally {
    await fh.close();
  }
}

function lastLine(e: unknown): string {
  const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message ?? '').trim();
  return stderr.split('\n').pop()?.replace(/^qemu-img: /, '') ?? 'unknown error';
}
