// What the NBD server serves: a byte-addressed device by export name. The server knows nothing
// of volumes or snapshots; the composition root gives it a resolver (see services/nbd-exports).

/** A device as the server uses it (VolumeDevice fits). Operations may be issued concurrently. */
export interface NbdDevice {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Promise<Buffer>;
  write(offset: number, data: Uint8Array): Promise<void>;
  writeZeroes(offset: number, length: number): Promise<void>;
  /** makes every completed write durable */
  flush(): Promise<void>;
  /**
   * Optional, for NBD_CMD_BLOCK_STATUS (base:allocation): consecutive extents from `offset`
   * (lengths summing to at most `length`, at least one) and whether each reads as zeros without
   * being stored. Without it every range is reported as data.
   */
  extents?(offset: number, length: number): Promise<{ length: number; zero: boolean }[]>;
}

export interface NbdExport {
  device: NbdDevice;
  /** called once when the client is done (disconnect, INFO answered); flushes */
  release(): Promise<void>;
}

/**
 * Opens an export by name; undefined when there is no such export. A thrown error is a refusal
 * whose message the client sees (e.g. the volume's KMS key is disabled).
 */
export type NbdResolver = (name: string) => Promise<NbdExport | undefined>;

/** Where the server reports connections and problems (the service's Logger fits). */
export type NbdLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
