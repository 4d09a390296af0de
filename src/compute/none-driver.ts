// The `none` driver: nothing boots. Every transition succeeds at once, so instances move through
// AWS's states on the EC2 side's timers alone; their volumes stay real and reachable over NBD.
import type { InstanceDriver, InstanceHealth } from './instance-driver.js';

export class NoneDriver implements InstanceDriver {
  readonly name: string = 'none';
  readonly publicNetwork = false;
  readonly opensVolumes = false;

  async start(..._: Parameters<InstanceDriver['start']>): Promise<void> {}

  async stop(..._: Parameters<InstanceDriver['stop']>): Promise<boolean> {
    return true;
  }

  async reboot(): Promise<void> {}

  async terminate(..._: Parameters<InstanceDriver['terminate']>): Promise<boolean> {
    return true;
  }

  async consoleOutput(): Promise<Buffer> {
    return Buffer.alloc(0); // no guest ever wrote to a console
  }

  health(): InstanceHealth | undefined {
    return undefined;
  }

  async quiesce(): Promise<() => Promise<void>> {
    return async () => undefined;
  }

  async networkChanged(): Promise<void> {}

  async volumeAttached(): Promise<void> {}

  async volumeDetached(): Promise<void> {}

  listen(): void {}

  async forget(): Promise<void> {}

  async close(): Promise<void> {}
}
