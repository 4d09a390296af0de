// A progress line on stderr: bytes done of total, MB/s, ETA. Redraws in place on a terminal,
// prints a line every few seconds otherwise (logs, CI).
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  add(bytes: number): void {
    this.done += bytes;
    const now = Date.now();
    if (this.enabled && now - this.lastDraw >= (this.out.isTTY ? 200 : 5000)) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  finish(): void {
    if (this.enabled) this.draw(true);
  }

  private draw(final: boolean): void {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const rate = this.done / seconds;
    const pct = this.total ? Math.min(100, (this.done / this.total) * 100) : 100;
    const eta = rate > 0 ? Math.max(0, (this.total - this.done) / rate) : 0;
    const mib = (n: number) => (n / 1048576).toFixed(1);
    const line = `${mib(this.done)}/${mib(this.total)} MiB  ${pct.toFixed(1)}%  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${final ? '0' : eta.toFixed(0)}s`;
    this.out.write(this.out.isTTY ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  }
}
