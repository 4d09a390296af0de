// Access keys' last use (GetAccessKeyLastUsed), recorded cheaply: requests note their key in
// memory and the latest use of each key is written every few seconds (and at close), never once
// per request. A crash loses at most the last interval's uses.
import type { KeyUse } from '../store/repos/iam-access-keys.js';

export interface KeyUseSink {
  recordUses(uses: KeyUse[]): Promise<void>;
}

export class KeyUsage {
  private pending = new Map<string, KeyUse>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: KeyUseSink,
    private readonly intervalMs = 5_000,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  note(accessKeyId: string, service: string, region: string, atMs: number): void {
    this.pending.set(accessKeyId, { accessKeyId, service, region, at: new Date(atMs).toISOString() });
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const uses = [...this.pending.values()];
    this.pending = new Map();
    if (uses.length) this.flushing = this.flushing.then(() => this.sink.recordUses(uses)).catch(this.onError);
    return this.flushing;
  }

  close(): Promise<void> {
    return this.flush();
  }
}
