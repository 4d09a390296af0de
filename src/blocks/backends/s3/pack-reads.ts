// Range reads in flight per pack, counted, so compaction deletes a pack's object only once the
// reads that found the pack before its switch are done. `begin` is synchronous: a caller that
// looked a location up in the same tick is counted before compaction can retire the pack.
export class PackReads {
  readonly #reading = new Map<number, number>();
  readonly #drained = new Map<number, (() => void)[]>();

  begin(pack: number): void {
    this.#reading.set(pack, (this.#reading.get(pack) ?? 0) + 1);
  }

  end(pack: number): void {
    const n = (this.#reading.get(pack) ?? 1) - 1;
    if (n > 0) return void this.#reading.set(pack, n);
    this.#reading.delete(pack);
    for (const resolve of this.#drained.get(pack) ?? []) resolve();
    this.#drained.delete(pack);
  }

  /** Resolves once no read of these packs is in flight. */
  async drain(packs: readonly number[]): Promise<void> {
    await Promise.all(
      packs
        .filter((p) => this.#reading.has(p))
        .map((p) => new Promise<void>((resolve) => this.#drained.set(p, [...(this.#drained.get(p) ?? []), resolve]))),
    );
  }
}
