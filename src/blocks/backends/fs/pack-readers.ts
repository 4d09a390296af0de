// Open read handles to packs, shared by concurrent gets and counted, so compaction can retire a
// pack only once the reads that found it before the index switch are done.
import { open, type FileHandle } from 'node:fs/promises';

interface Handle {
  fh: Promise<FileHandle>;
  readers: number;
  drained?: () => void;
}

export class PackReaders {
  readonly #handles = new Map<number, Handle>();
  readonly #pathOf: (pack: number) => string;
  readonly #maxOpen: number;

  constructor(pathOf: (pack: number) => string, maxOpen = 64) {
    this.#pathOf = pathOf;
    this.#maxOpen = maxOpen;
  }

  /**
   * Runs `fn` with the pack open. The reader is counted before the first await, so a caller
   * that looked the location up in the same tick is safe from a concurrent retire.
   */
  async with<T>(pack: number, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let handle = this.#handles.get(pack);
    if (handle) {
      this.#handles.delete(pack); // re-insert: the map's order is least recently used first
    } else {
      handle = { fh: open(this.#pathOf(pack), 'r'), readers: 0 };
      handle.fh.catch(() => undefined); // observed below; never an unhandled rejection
    }
    this.#handles.set(pack, handle);
    handle.readers++;
    try {
      return await fn(await handle.fh);
    } catch (err) {
      // a pack that failed to open is not cached: the next read tries again
      if (this.#handles.get(pack) === handle && !(await isOpen(handle.fh))) this.#handles.delete(pack);
      throw err;
    } finally {
      handle.readers--;
      if (handle.readers === 0) handle.drained?.();
      this.#evict();
    }
  }

  /** Waits for the pack's readers, then closes its handle (the file can then be removed). */
  async retire(pack: number): Promise<void> {
    const handle = this.#handles.get(pack);
    if (!handle) return;
    this.#handles.delete(pack);
    if (handle.readers > 0) await new Promise<void>((resolve) => (handle.drained = resolve));
    await closeQuietly(handle.fh);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#handles.keys()].map((pack) => this.retire(pack)));
  }

  #evict(): void {
    if (this.#handles.size <= this.#maxOpen) return;
    for (const [pack, handle] of this.#handles) {
      if (this.#handles.size <= this.#maxOpen) break;
      if (handle.readers > 0) continue;
      this.#handles.delete(pack);
      void closeQuietly(handle.fh);
    }
  }
}

async function isOpen(fh: Promise<FileHandle>): Promise<boolean> {
  return fh.then(
    () => true,
    () => false,
  );
}

async function closeQuietly(fh: Promise<FileHandle>): Promise<void> {
  try {
    await (await fh).close();
  } catch {
    // a handle that failed to open has nothing to close
  }
}
