// Encoding and decoding blocks on worker threads, so the thread that serves HTTP and NBD never
// spends its ~1.5-2 ms per 512 KiB block in zstd and AES (docs/blocks.md, "Codec pool").
//
// - Size: one worker per core but one (the main thread keeps a core for HTTP, SigV4, SQLite),
//   at least one; IMAGO_CODEC_THREADS overrides it (0: everything inline).
// - Workers start once a few blocks (8) have been coded. Until one is ready (~0.3-0.5 s: each
//   loads the TypeScript codec through tsx), and for good if none can start, tasks run inline on
//   the calling thread: the pool only ever makes things faster, never unavailable.
// - Each worker has up to eight tasks in flight: it must not idle while the main thread is busy
//   elsewhere (a synchronous SQLite commit with its fsync takes milliseconds) and cannot hand it
//   results. The rest wait in a FIFO queue of at most `maxQueued` tasks, beyond which callers
//   wait (backpressure for loops that would otherwise queue a whole volume).
// - A worker that dies takes no task down with it: its tasks are retried once, each alone on a
//   worker (a task that kills two workers is rejected, as is one whose buffer was given up), and
//   a replacement starts; after repeated deaths without a completed task the pool stops respawning and runs
//   inline.
// - Inputs are copied once, when sent (only the view's bytes), so callers must leave them
//   unchanged until the promise settles, as with fs writes; a caller that gives its buffer up
//   (`transfer: true`) saves that copy. Results always move back without a copy, and an encoded
//   block's buffer comes back with its result for the next block (block-buffers.ts).
// - Idle workers are unref'd: an idle pool never keeps the process alive, so nothing has to
//   close the shared pool; `close()` exists for tests and orderly shutdowns.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BlockCodec, type EncodedChunk } from './block-codec.js';
import { recycleBlockBuffer } from './block-buffers.js';
import type { ChunkKey } from './chunk-key.js';
import { errorFromWire, forSending, type CodecReply, type CodecRequest, type WireKey } from './codec-messages.js';
import type { ChunkId } from './chunk-store.js';

export interface CodecPoolOptions {
  /** worker threads (default: cores - 1, at least 1; 0 runs every task inline) */
  size?: number;
  /** tasks waiting for a worker before callers wait too (default 64) */
  maxQueued?: number;
}

export interface PoolDecodeOptions {
  key?: ChunkKey;
  verify?: boolean;
  /** the caller gives the payload up (its buffer moves to the worker) */
  transfer?: boolean;
}

export interface CodecPoolStats {
  size: number;
  ready: number;
  inline: number;
  offloaded: number;
  crashes: number;
  queued: number;
  /** why the last worker failed, if one did */
  lastError?: string;
}

type Job = { op: 'encode'; key?: WireKey; id?: ChunkId; sha256?: string } | { op: 'decode'; id: ChunkId; key?: WireKey; verify?: boolean } | { op: 'exit'; code: number };

interface Task {
  job: Job;
  /** the block or payload, as the caller gave it */
  input: Uint8Array;
  /** the caller gave `input` up: it moves to the worker on the first attempt */
  given: boolean;
  /** how many workers died running it */
  deaths: number;
  resolve(reply: CodecReply & { ok: true }): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  inflight: Map<number, Task>;
}

const PER_WORKER = 8;
/**
 * Tasks run inline before workers are started: a process that codes a few blocks (a test
 * server, the catalog's tiny base disks) never pays a worker's start (~0.4 s of CPU, ~30 MiB).
 */
const START_AFTER = 8;
/** deaths in a row (no task completed in between) after which the pool runs inline */
const GIVE_UP_AFTER = 3;

export function defaultPoolSize(): number {
  const env = process.env.IMAGO_CODEC_THREADS;
  if (env !== undefined && env !== '' && Number.isInteger(Number(env)) && Number(env) >= 0) return Number(env);
  return Math.max(1, availableParallelism() - 1);
}

export class CodecPool {
  readonly size: number;
  readonly #maxQueued: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  readonly #waitingForRoom: (() => void)[] = [];
  #inlineCodec: BlockCodec | undefined;
  #seq = 0;
  #started = false;
  #closed = false;
  #deathsInARow = 0;
  #gaveUp = false;
  #lastError: string | undefined;
  readonly #stats = { inline: 0, offloaded: 0, crashes: 0 };

  constructor(options: CodecPoolOptions = {}) {
    this.size = options.size ?? defaultPoolSize();
    this.#maxQueued = Math.max(1, options.maxQueued ?? 64);
  }

  /**
   * Encodes a block (see BlockCodec.encode: `sha256` is the SHA-256 the block must have);
   * `transfer`: the caller gives the block up.
   */
  async encode(block: Uint8Array, key?: ChunkKey, id?: ChunkId, transfer = false, sha256?: string): Promise<EncodedChunk> {
    if (this.#inline()) return this.#codec().encode(block, key, id, sha256);
    const reply = await this.#run({ op: 'encode', key: wireKey(key), id, sha256 }, block, transfer);
    return { id: reply.id!, payload: asBuffer(reply.data) };
  }

  /** Decodes a chunk (see BlockCodec.decode); the result is a buffer of its own. */
  async decode(id: ChunkId, payload: Uint8Array, options: PoolDecodeOptions = {}): Promise<Buffer> {
    // a plain, uncompressed chunk (incompressible data) decodes to a view of its payload: a
    // trip to a worker would cost more than it saves
    if (payload[0] === 0 && !options.verify) return this.#codec().decode(id, payload, { key: options.key });
    if (this.#inline()) return this.#codec().decode(id, payload, { key: options.key, verify: options.verify });
    const reply = await this.#run({ op: 'decode', id, key: wireKey(options.key), verify: options.verify }, payload, options.transfer ?? false);
    return asBuffer(reply.data);
  }

  stats(): CodecPoolStats {
    const ready = [...this.#slots].filter((s) => s.ready).length;
    return { size: this.size, ready, queued: this.#queue.length, ...this.#stats, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  /** Resolves once at least one worker is ready (or the pool runs inline); for benchmarks and tests. */
  async warmUp(): Promise<void> {
    this.#start();
    while (this.size > 0 && !this.#gaveUp && !this.#closed && ![...this.#slots].some((s) => s.ready)) await new Promise((r) => setTimeout(r, 10));
  }

  /** Lets queued and running tasks finish, then stops the workers; later tasks run inline. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#queue.length || [...this.#slots].some((s) => s.inflight.size)) {
      await new Promise((r) => setTimeout(r, 5));
      this.#dispatch();
    }
    const slots = [...this.#slots];
    this.#slots.clear();
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const wake of this.#waitingForRoom.splice(0)) wake();
  }

  /** @internal tests: a task that makes the worker running it exit with `code`. */
  crashWorker(code = 1): Promise<unknown> {
    return this.#run({ op: 'exit', code }, new Uint8Array(0), false);
  }

  // --- scheduling ---

  /** Inline when there are no workers to be had, or none is ready yet. */
  #inline(): boolean {
    if (this.size === 0 || this.#gaveUp) return this.#countInline();
    if (this.#closed) return this.#countInline();
    if (this.#stats.inline >= START_AFTER) this.#start();
    if (![...this.#slots].some((s) => s.ready)) return this.#countInline();
    return false;
  }

  #countInline(): true {
    this.#stats.inline++;
    return true;
  }

  #codec(): BlockCodec {
    return (this.#inlineCodec ??= new BlockCodec());
  }

  async #run(job: Job, input: Uint8Array, given: boolean): Promise<CodecReply & { ok: true }> {
    while (this.#queue.length >= this.#maxQueued && !this.#closed) await new Promise<void>((r) => this.#waitingForRoom.push(r));
    this.#stats.offloaded++;
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, input, given, deaths: 0, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      while (slot.ready && this.#queue.length && this.#hasRoom(slot, this.#queue[0])) this.#send(slot, this.#queue.shift()!);
    }
    // no worker left (every one died and the pool gave up): what is queued runs inline
    if (this.#slots.size === 0) for (const task of this.#queue.splice(0)) this.#runInline(task);
    while (this.#waitingForRoom.length && this.#queue.length < this.#maxQueued) this.#waitingForRoom.shift()!();
    // a worker keeps the process alive only while it has (or is about to get) work
    for (const slot of this.#slots) {
      if (slot.inflight.size > 0 || this.#queue.length > 0) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  /**
   * A task that was running when its worker died runs alone on the next, so a task that kills
   * workers takes none of its neighbours down twice.
   */
  #hasRoom(slot: Slot, next: Task): boolean {
    if (slot.inflight.size === 0) return true;
    if (next.deaths > 0 || [...slot.inflight.values()].some((t) => t.deaths > 0)) return false;
    return slot.inflight.size < PER_WORKER;
  }

  #send(slot: Slot, task: Task): void {
    const seq = ++this.#seq;
    slot.inflight.set(seq, task);
    const { data, transfer, moved } = forSending(task.input, task.given);
    task.given = moved; // a buffer that could not move was copied: the task can be retried
    const request: CodecRequest =
      task.job.op === 'encode' ? { seq, ...task.job, block: data } : task.job.op === 'decode' ? { seq, ...task.job, payload: data } : { seq, ...task.job };
    slot.worker.postMessage(request, transfer);
  }

  #runInline(task: Task): void {
    const { job, input } = task;
    this.#stats.inline++;
    try {
      if (job.op === 'encode') {
        const e = this.#codec().encode(input, job.key, job.id, job.sha256);
        task.resolve({ seq: 0, ok: true, id: e.id, data: e.payload });
      } else if (job.op === 'decode') {
        task.resolve({ seq: 0, ok: true, data: this.#codec().decode(job.id, input, { key: job.key, verify: job.verify }) });
      } else {
        task.reject(new Error('no codec worker to exit'));
      }
    } catch (e) {
      task.reject(e as Error);
    }
  }

  // --- workers ---

  #start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    for (let i = 0; i < this.size; i++) this.#spawn();
  }

  #spawn(): void {
    let worker: Worker;
    try {
      worker = startWorker();
    } catch {
      this.#died(undefined);
      return;
    }
    const slot: Slot = { worker, ready: false, inflight: new Map() };
    this.#slots.add(slot);
    worker.unref(); // until it has work (#dispatch)
    worker.on('message', (msg: CodecReply | 'ready') => {
      if (msg === 'ready') {
        slot.ready = true;
        this.#dispatch();
        return;
      }
      const task = slot.inflight.get(msg.seq);
      if (!task) return;
      slot.inflight.delete(msg.seq);
      this.#deathsInARow = 0;
      if (msg.ok && msg.block) recycleBlockBuffer(msg.block.buffer as ArrayBuffer);
      if (msg.ok) task.resolve(msg);
      else task.reject(errorFromWire(msg.error));
      this.#dispatch();
    });
    worker.on('error', (e) => {
      this.#lastError = e.message; // 'exit' follows and handles the worker's tasks
    });
    worker.on('exit', () => {
      if (!this.#slots.delete(slot)) return; // terminated by close()
      this.#died(slot);
    });
  }

  /** A worker ended (or never started): retry its tasks once, replace it or give up. */
  #died(slot: Slot | undefined): void {
    this.#stats.crashes++;
    this.#deathsInARow++;
    // back to the front of the queue, in their original order
    for (const task of [...(slot?.inflight.values() ?? [])].reverse()) {
      task.deaths++;
      if (task.given) task.reject(new Error(`the codec worker running this ${task.job.op} task died (its buffer went with it)`));
      else if (task.deaths >= 2) task.reject(new Error(`a codec worker died twice running this ${task.job.op} task`));
      else this.#queue.unshift(task);
    }
    slot?.inflight.clear();
    if (this.#deathsInARow >= GIVE_UP_AFTER) this.#gaveUp = true;
    if (!this.#gaveUp && !this.#closed) this.#spawn();
    this.#dispatch();
  }
}

/**
 * The worker runs TypeScript like the rest of Imago: through tsx, registered in the worker
 * (workers do not inherit the loader `bin/imago.mjs` registers). A compiled build would load
 * codec-worker.js directly.
 */
function startWorker(): Worker {
  const typescript = import.meta.url.endsWith('.ts');
  const entry = new URL(typescript ? './codec-worker.ts' : './codec-worker.js', import.meta.url).href;
  const tsx = typescript ? import.meta.resolve('tsx/esm/api') : undefined;
  const boot = `
    const { parentPort } = require('node:worker_threads');
    (async () => {
      ${tsx ? `(await import(${JSON.stringify(tsx)})).register();` : ''}
      await import(${JSON.stringify(entry)});
      parentPort.postMessage('ready');
    })().catch((e) => { process.nextTick(() => { throw e; }); });`;
  // IMAGO_CODEC_PROFILE=DIR: the workers write CPU profiles there (bench/README.md)
  const profile = process.env.IMAGO_CODEC_PROFILE;
  return new Worker(boot, { eval: true, execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [], stdout: false, stderr: false });
}

function wireKey(key: ChunkKey | undefined): WireKey | undefined {
  return key && { idKey: key.idKey, encryptionKey: key.encryptionKey };
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

let shared: CodecPool | undefined;

/** The process-wide pool BlockStorage and fsck use unless given their own. */
export function sharedCodecPool(): CodecPool {
  return (shared ??= new CodecPool());
}
