// The `none` driver: nothing boots. Every transition succeeds at once, so instances move through
// AWS's states on the EC2 side's timers alone; their volumes stay real and reachable over NBD.
import type { InstanceDriver } from './instance-driver.js';

export class NoneDriver implements InstanceDriver {
  readonly name = 'none';

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async reboot(): Promise<void> {}

  async terminate(): Promise<void> {}

  async consoleOutput(): Promise<string> {
    return ''; // no guest ever wrote to a console
  }
}
