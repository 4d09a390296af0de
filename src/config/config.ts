// Typed configuration for `imago serve` and its defaults.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface ImagoConfig {
  host: string;
  port: number;
  dataDir: string;
  /** AWS INI credentials file; when set every signature is verified */
  credentialsFile?: string;
  logLevel: LogLevel;
  /** dev mode only: account for access keys that are not 12 digits (default DEV_ACCOUNT) */
  defaultAccount?: string;
  /** SQLite synchronous mode: 'full' survives power loss, 'normal' only process crashes */
  durability: 'full' | 'normal';
  /** how long pending -> ready transitions take (snapshots, volumes, images), in ms */
  settleMs: number;
  /** how long a deregistered image stays listed (state `deregistered`) to its owner, in ms */
  deregisteredVisibleMs: number;
  /** how long a terminated instance stays listed before it is unknown, in ms */
  terminatedVisibleMs: number;
  /** NBD server port (0: a free one); off when undefined. Loopback only: NBD has no auth. */
  nbdPort?: number;
  /** what runs instances: qemu VMs, nothing (none), or qemu when this host can (auto) */
  compute: 'auto' | 'qemu' | 'none';
  /** memory for all running VMs, MiB; undefined: half the host's */
  computeMemoryMiB?: number;
  /** CIDR block inside 127.0.0.0/8 that running instances' public addresses come from */
  publicAddressPool: string;
  /** how long a guest gets to shut down (stop, terminate) before it is forced off */
  vmStopTimeoutMs: number;
  /** a guest not up this long after its VM started fails its instance status check */
  vmBootTimeoutMs: number;
  /** where built images are cached (default $IMAGO_IMAGE_CACHE, else ~/.cache/imago/images) */
  imageCache?: string;
  /** with the qemu driver, build public images missing from the cache at start-up (root needed) */
  buildImages: boolean;
  /** where chunks live (blocks/open-chunk-store.ts): fs under the data dir, or an S3 bucket */
  blocks?: BlocksOptions;
  /** S3-compatible endpoint import/export tasks read images from and write exports to (default: the block store's --s3-endpoint) */
  importS3Endpoint?: string;
  /** postgres://… : metadata in PostgreSQL (default: SQLite in the data dir) */
  databaseUrl?: string;
  /** this node's name among those sharing the database (default: one kept in DATA_DIR/node.json) */
  nodeId?: string;
  /** where peer nodes reach this one (default http://HOST:PORT, 127.0.0.1 for a wildcard host) */
  advertiseUrl?: string;
  /** how long a silent node's jobs and instances wait before its peers take them over, ms */
  failoverMs: number;
  /** the key-encryption key every node shares (services/kms/kek.ts); default `<dataDir>/kek.key` */
  kekFile?: string;
  /** record every call in the audit trail (LookupEvents, `imago audit`) */
  audit: boolean;
  /** days audit events are kept (0: forever) */
  auditRetentionDays: number;
  /**
   * detailed monitoring's period in seconds (default 60; basic monitoring's is five times it):
   * shorter for tests and demos (services/ec2/monitoring/)
   */
  metricsPeriodSeconds: number;
  /** evaluate every CloudWatch alarm this often instead of AWS's cadence (hidden test option) */
  alarmEvaluationIntervalMs?: number;
  /** `moto`: what suites written for moto's server mode rely on (services/moto-compat.ts) */
  compat?: 'moto';
}

export interface BlocksOptions {
  /** 'fs' or 's3://bucket/prefix'; undefined: what the data dir used before (fs for a new one) */
  url?: string;
  /** default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then the one the data dir recorded, else AWS */
  s3Endpoint?: string;
  /** default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1 */
  s3Region?: string;
  /** credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), else this profile (default AWS_PROFILE) of ~/.aws */
  s3Profile?: string;
  /** local read cache of a remote store, MiB on disk (0: none) */
  readCacheMiB?: number;
}

/** LocalStack's habit; suites written for moto pass --default-account 123456789012 */
export const DEV_ACCOUNT = '000000000000';

export const DEFAULTS: ImagoConfig = {
  host: '127.0.0.1',
  port: 4566,
  dataDir: './.imago-data',
  logLevel: 'info',
  durability: 'full',
  settleMs: 1000,
  deregisteredVisibleMs: 3600_000,
  terminatedVisibleMs: 3600_000,
  compute: 'auto',
  publicAddressPool: '127.100.0.0/16',
  vmStopTimeoutMs: 60_000,
  vmBootTimeoutMs: 600_000,
  buildImages: true,
  failoverMs: 30_000,
  audit: true,
  auditRetentionDays: 90,
  metricsPeriodSeconds: 60,
};

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
