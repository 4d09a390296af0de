// Polling for asynchronous state changes (creating -> available, pending -> completed).
// Bounded by attempts, never by wall-clock assertions.

/** Polls until `check` returns a value; throws after `attempts` tries `everyMs` apart. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, attempts = 400, everyMs = 25): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
