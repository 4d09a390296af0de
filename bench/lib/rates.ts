// Timing helpers shared by the block benchmarks: medians of repeated runs, in MB/s (10^6 bytes).
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** MB/s of `fn` processing `bytes`, median of `runs` after a warm-up. */
export function rate(bytes: number, fn: () => void, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return bytes / 1e6 / (median(times) / 1000);
}

export async function rateAsync(bytes: number, fn: () => Promise<void>, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return bytes / 1e6 / (median(times) / 1000);
}

export const mbs = (x: number): string => `${x.toFixed(0)} MB/s`;
