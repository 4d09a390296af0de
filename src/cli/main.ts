// The `imago` command. `imago serve` is what `npm start` runs.
// What only some commands need is loaded when one of them runs (the server, the offline store,
// `images`, `audit`): `imago import` / `export` then start without compiling the server's code,
// ~0.07 s of CPU less for each, on the machine the server runs on (docs/architecture.md).
import { parseArgs } from 'node:util';
import { DEFAULTS, type BlocksOptions, type ImagoConfig, type LogLevel } from '../config/config.js';
import { parseS3Url } from '../blocks/backends/s3/s3-location.js';
import { CredentialsError } from '../config/credentials.js';
import { Logger } from '../logger.js';
import { callAdmin } from './admin-client.js';
import { Ec2Client } from './ec2-client.js';
import { exportSnapshot, importImage } from './image-transfer.js';
import { PublicAddressPool } from '../services/ec2/networking/public-addresses.js';
import { KEK_FILE_ENV } from '../services/kms/kek.js';

/** The usage text; `images` and `audit` describe themselves. */
async function usage(): Promise<string> {
  const [{ IMAGES_USAGE }, { AUDIT_USAGE }] = await Promise.all([import('./images.js'), import('./audit.js')]);
  return `usage: imago <command> [options]

commands:
  serve     run the service
            --port N            (default 4566; 0 picks a free port)
            --host ADDR         (default 127.0.0.1)
            --data-dir DIR      (default ./.imago-data)
            --credentials FILE  AWS INI file; every signature is then verified
            --log-level LEVEL   debug | info | warn | error | silent (default info)
            --default-account ID  dev mode: account for non-12-digit access keys
            --durability MODE   full (default) | normal
            --settle-ms N       how long pending resources take to become ready (default 1000)
            --compat moto       a drop-in for moto's server mode: every key is account
                                123456789012 (or --default-account), pending states settle
                                before the next call, moto's example images (ami-12c6146b, …)
                                exist; --settle-ms 0 and --compute none unless given
            --deregistered-visible-ms N  how long a deregistered image stays listed to its
                                owner before it is unknown (default 3600000)
            --terminated-visible-ms N  how long a terminated instance stays listed
                                before it is unknown (default 3600000)
            --nbd-port N        serve volumes (vol-…) and snapshots (snap-…) over NBD on
                                this port of --host (0 picks a free port); loopback only
            --compute MODE      auto (default): instances are QEMU VMs when qemu-system-x86_64
                                and socat are installed, else nothing boots; qemu | none
            --compute-memory-mib N  memory for all running VMs (default: half the host's);
                                a launch beyond it is InsufficientInstanceCapacity
            --public-address-pool CIDR  loopback block of running instances' public
                                addresses (default 127.100.0.0/16)
            --vm-stop-timeout-ms N  a guest's time to shut down before it is forced off
                                (default 60000)
            --vm-boot-timeout-ms N  a guest not up this long fails its status check
                                (default 600000)
            --metrics-period-seconds N  how often instances' detailed-monitoring metrics are
                                published (default 60; basic monitoring: five times it)
            --image-cache DIR   built images (default $IMAGO_IMAGE_CACHE or ~/.cache/imago/images)
            --no-build-images   with qemu, do not build missing public images at start-up
            --database URL      metadata in PostgreSQL: postgres://user:pass@host:port/db (or
                                $IMAGO_DATABASE_URL; the database's collation must be C);
                                default SQLite in the data dir
            --kek-file FILE     the key-encryption key (base64 of 32 bytes; or $IMAGO_KEK_FILE)
                                that wraps the master and identity keys in the database; every
                                node sharing a --database needs the same one (default
                                DATA_DIR/kek.key, created on first start)
            --node-id NAME      this node's name among nodes sharing a database (default: one
                                kept in DATA_DIR/node.json)
            --advertise-url URL  where peer nodes reach this one (default http://HOST:PORT)
            --failover-ms N     how long a silent node's jobs and instances wait before its
                                peers take them over (default 30000)
            --blocks URL        where block data lives: fs (default: DATA_DIR/blocks) or
                                s3://bucket/prefix (or $IMAGO_BLOCKS_URL); a data dir keeps
                                the store it started with
            --s3-endpoint URL   S3-compatible endpoint (default $AWS_ENDPOINT_URL_S3,
                                $AWS_ENDPOINT_URL, else AWS); path-style addressing
            --s3-region R       (default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)
            --s3-profile NAME   credentials from this ~/.aws profile when
                                $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY are not set
            --blocks-cache-mib N  local read cache of S3 blocks (default 1024; 0: none)
            --import-s3-endpoint URL  the S3-compatible endpoint ImportImage, ImportSnapshot,
                                ExportImage and the store/restore image tasks use for UserBucket,
                                s3:// URLs and exports (default: --s3-endpoint and its
                                region and credentials)
            --audit on|off      record every call in the audit trail (default on)
            --audit-retention-days N  how long audit events are kept (default 90, CloudTrail's
                                event history; 0: forever)
  import FILE   upload a disk image (raw, or qcow2/vmdk/vhdx/... through qemu-img) into a new
            snapshot of a running server, skipping zero blocks; re-running resumes
            --endpoint URL      (default http://127.0.0.1:4566)  --region R  --format F
            --description D  --concurrency N  --allow-backing-file  --no-progress
            --register NAME     then register an AMI on the snapshot (--architecture A,
                                default x86_64; --boot-mode M; --root-device-name D,
                                default /dev/xvda)
  export SNAPSHOT|AMI FILE   write a snapshot (an AMI: its root device's) as a sparse
            raw image (--format F converts)
            --endpoint URL  --region R  --concurrency N  --no-progress
  (import/export sign with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; region from
   --region, AWS_REGION or AWS_DEFAULT_REGION, else us-east-1)
${IMAGES_USAGE}${AUDIT_USAGE}  gc        garbage-collect unreferenced block maps and chunks (plan, then execute)
            --dry-run           print the plan only
            --grace-seconds N   keep chunks written in the last N seconds (default 3600)
  fsck      check that every snapshot's and volume's data is present and intact
            --no-verify-data    check presence only (do not decode and re-hash)
  (gc and fsck work on a stopped server's --data-dir DIR — with the block store it recorded,
   or --blocks URL --s3-endpoint URL, and its --database URL --kek-file FILE if it had them —
   or on a running one with --endpoint URL, signed with
   AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when set)
`;
}

class UsageError extends Error {}

function fail(message: string, code = 2): never {
  process.stderr.write(`imago: ${message}\n`);
  process.exit(code);
}

function serveConfig(args: string[]): ImagoConfig {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      credentials: { type: 'string' },
      'log-level': { type: 'string' },
      'default-account': { type: 'string' },
      durability: { type: 'string' },
      'settle-ms': { type: 'string' },
      compat: { type: 'string' },
      'deregistered-visible-ms': { type: 'string' },
      'terminated-visible-ms': { type: 'string' },
      'nbd-port': { type: 'string' },
      compute: { type: 'string' },
      'compute-memory-mib': { type: 'string' },
      'public-address-pool': { type: 'string' },
      'vm-stop-timeout-ms': { type: 'string' },
      'vm-boot-timeout-ms': { type: 'string' },
      'metrics-period-seconds': { type: 'string' },
      'alarm-evaluation-interval-ms': { type: 'string' },
      'image-cache': { type: 'string' },
      'no-build-images': { type: 'boolean' },
      'node-id': { type: 'string' },
      'advertise-url': { type: 'string' },
      'failover-ms': { type: 'string' },
      audit: { type: 'string' },
      'audit-retention-days': { type: 'string' },
      ...BLOCKS_OPTIONS,
    },
    strict: true,
  });
  const port = values.port === undefined ? DEFAULTS.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  const logLevel = (values['log-level'] ?? DEFAULTS.logLevel) as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw new UsageError(`unknown --log-level ${logLevel}`);
  const durability = (values.durability ?? DEFAULTS.durability) as ImagoConfig['durability'];
  if (durability !== 'full' && durability !== 'normal') throw new UsageError(`--durability must be full or normal`);
  if (values.compat !== undefined && values.compat !== 'moto') throw new UsageError(`--compat must be moto, got ${values.compat}`);
  const compat = values.compat === 'moto' ? ('moto' as const) : undefined;
  if (compat && values.credentials !== undefined) throw new UsageError('--compat moto is a dev-mode option (moto checks no credentials); it cannot be combined with --credentials');
  const settleMs = values['settle-ms'] === undefined ? (compat ? 0 : DEFAULTS.settleMs) : Number(values['settle-ms']);
  if (!Number.isInteger(settleMs) || settleMs < 0) throw new UsageError('--settle-ms must be a whole number of milliseconds');
  const deregisteredVisibleMs = values['deregistered-visible-ms'] === undefined ? DEFAULTS.deregisteredVisibleMs : Number(values['deregistered-visible-ms']);
  if (!Number.isInteger(deregisteredVisibleMs) || deregisteredVisibleMs < 0) throw new UsageError('--deregistered-visible-ms must be a whole number of milliseconds');
  const terminatedVisibleMs = values['terminated-visible-ms'] === undefined ? DEFAULTS.terminatedVisibleMs : Number(values['terminated-visible-ms']);
  if (!Number.isInteger(terminatedVisibleMs) || terminatedVisibleMs < 0) throw new UsageError('--terminated-visible-ms must be a whole number of milliseconds');
  const nbdPort = values['nbd-port'] === undefined ? undefined : Number(values['nbd-port']);
  if (nbdPort !== undefined && (!Number.isInteger(nbdPort) || nbdPort < 0 || nbdPort > 65535)) throw new UsageError(`--nbd-port must be 0..65535, got ${values['nbd-port']}`);
  const compute = (values.compute ?? (compat ? 'none' : DEFAULTS.compute)) as ImagoConfig['compute'];
  if (!['auto', 'qemu', 'none'].includes(compute)) throw new UsageError(`--compute must be auto, qemu or none, got ${values.compute}`);
  const computeMemoryMiB = values['compute-memory-mib'] === undefined ? undefined : Number(values['compute-memory-mib']);
  if (computeMemoryMiB !== undefined && (!Number.isInteger(computeMemoryMiB) || computeMemoryMiB < 0)) throw new UsageError('--compute-memory-mib must be a whole number of MiB');
  const wholeMs = (name: string, fallback: number) => {
    const v = values[name as keyof typeof values];
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number of milliseconds`);
    return n;
  };
  const publicAddressPool = values['public-address-pool'] ?? DEFAULTS.publicAddressPool;
  try {
    new PublicAddressPool(publicAddressPool);
  } catch (e) {
    throw new UsageError(`--public-address-pool: ${(e as Error).message}`);
  }
  const defaultAccount = values['default-account'];
  if (defaultAccount !== undefined && !/^\d{12}$/.test(defaultAccount)) throw new UsageError('--default-account must be 12 digits');
  return {
    port,
    host: values.host ?? DEFAULTS.host,
    dataDir: values['data-dir'] ?? DEFAULTS.dataDir,
    credentialsFile: values.credentials,
    logLevel,
    defaultAccount,
    durability,
    settleMs,
    deregisteredVisibleMs,
    terminatedVisibleMs,
    nbdPort,
    compute,
    computeMemoryMiB,
    publicAddressPool,
    vmStopTimeoutMs: wholeMs('vm-stop-timeout-ms', DEFAULTS.vmStopTimeoutMs),
    vmBootTimeoutMs: wholeMs('vm-boot-timeout-ms', DEFAULTS.vmBootTimeoutMs),
    metricsPeriodSeconds: metricsPeriod(values['metrics-period-seconds']),
    ...(values['alarm-evaluation-interval-ms'] !== undefined ? { alarmEvaluationIntervalMs: wholeMs('alarm-evaluation-interval-ms', 0) } : {}),
    imageCache: values['image-cache'],
    buildImages: !values['no-build-images'],
    blocks: blocksOptions(values),
    importS3Endpoint: values['import-s3-endpoint'],
    databaseUrl: databaseUrl(values.database),
    kekFile: kekFile(values['kek-file']),
    nodeId: values['node-id'],
    advertiseUrl: advertiseUrl(values['advertise-url']),
    failoverMs: failoverMs(wholeMs('failover-ms', DEFAULTS.failoverMs)),
    ...auditOptions(values.audit, values['audit-retention-days']),
    ...(compat ? { compat } : {}),
  };
}

function auditOptions(audit: string | undefined, days: string | undefined): Pick<ImagoConfig, 'audit' | 'auditRetentionDays'> {
  if (audit !== undefined && audit !== 'on' && audit !== 'off') throw new UsageError('--audit must be on or off');
  if (days !== undefined && !/^\d+$/.test(days)) throw new UsageError('--audit-retention-days must be a whole number of days (0: forever)');
  return { audit: audit !== 'off', auditRetentionDays: days === undefined ? DEFAULTS.auditRetentionDays : Number(days) };
}

function metricsPeriod(v: string | undefined): number {
  if (v === undefined) return DEFAULTS.metricsPeriodSeconds;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 60) throw new UsageError('--metrics-period-seconds must be a whole number of seconds, 1..60');
  return Number(v);
}

function failoverMs(ms: number): number {
  if (ms < 1000) throw new UsageError('--failover-ms must be at least 1000 (heartbeats are sent six times per failover time)');
  return ms;
}

function advertiseUrl(flag: string | undefined): string | undefined {
  if (flag !== undefined && !/^https?:\/\/[^/]+\/?$/.test(flag)) throw new UsageError('--advertise-url must be http(s)://host:port');
  return flag;
}

/** --kek-file (or IMAGO_KEK_FILE); `<data-dir>/kek.key` otherwise. */
function kekFile(flag: string | undefined): string | undefined {
  return (flag ?? process.env[KEK_FILE_ENV]) || undefined;
}

/** --database (or IMAGO_DATABASE_URL): postgres://… ; SQLite in the data dir otherwise. */
function databaseUrl(flag: string | undefined): string | undefined {
  const url = flag ?? process.env.IMAGO_DATABASE_URL;
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) throw new UsageError('--database must be a postgres:// URL (SQLite in the data dir is the default)');
  return url || undefined;
}

const BLOCKS_OPTIONS = {
  database: { type: 'string' },
  'kek-file': { type: 'string' },
  blocks: { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-profile': { type: 'string' },
  'import-s3-endpoint': { type: 'string' },
  'blocks-cache-mib': { type: 'string' },
} as const;

/** --blocks and the S3 options (blocks/open-chunk-store.ts). */
function blocksOptions(values: { blocks?: string; 's3-endpoint'?: string; 's3-region'?: string; 's3-profile'?: string; 'blocks-cache-mib'?: string }): BlocksOptions {
  const url = values.blocks ?? process.env.IMAGO_BLOCKS_URL;
  if (url !== undefined && url !== 'fs') {
    try {
      parseS3Url(url);
    } catch (e) {
      throw new UsageError(`--blocks must be fs or s3://bucket/prefix: ${(e as Error).message}`);
    }
  }
  const cache = values['blocks-cache-mib'];
  if (cache !== undefined && !/^\d+$/.test(cache)) throw new UsageError('--blocks-cache-mib must be a whole number of MiB');
  return { url, s3Endpoint: values['s3-endpoint'], s3Region: values['s3-region'], s3Profile: values['s3-profile'], readCacheMiB: cache === undefined ? undefined : Number(cache) };
}

async function serve(args: string[]): Promise<void> {
  const config = serveConfig(args);
  const log = new Logger(config.logLevel);
  const { startServer } = await import('../server.js');
  const server = await startServer(config, log);
  log.log('info', 'listening', {
    url: server.url,
    port: server.port,
    nbdPort: server.nbdPort,
    compute: server.compute,
    database: config.databaseUrl ? 'postgres' : 'sqlite',
    dataDir: config.dataDir,
    auth: config.credentialsFile ? 'verify' : 'dev',
    ...(config.compat ? { compat: config.compat } : {}),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    server
      .close()
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((e: unknown) => {
        log.error('shutdown failed', { err: String(e) });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function ebsTarget(values: { endpoint?: string; region?: string }) {
  return {
    endpoint: values.endpoint ?? `http://127.0.0.1:${DEFAULTS.port}`,
    region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'imago-cli',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'imago-cli',
  };
}

async function transfer(command: 'import' | 'export', args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      region: { type: 'string' },
      format: { type: 'string' },
      description: { type: 'string' },
      concurrency: { type: 'string' },
      'allow-backing-file': { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      register: { type: 'string' },
      architecture: { type: 'string' },
      'boot-mode': { type: 'string' },
      'root-device-name': { type: 'string' },
    },
    strict: true,
  });
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) throw new UsageError('--concurrency must be 1..64');
  const progress = values['no-progress'] ? false : undefined;
  if (command === 'import') {
    if (positionals.length !== 1) throw new UsageError('usage: imago import FILE [--register NAME]');
    if (values.register === undefined && (values.architecture ?? values['boot-mode'] ?? values['root-device-name']) !== undefined) {
      throw new UsageError('--architecture, --boot-mode and --root-device-name go with --register');
    }
    const target = ebsTarget(values);
    const r = await importImage({ ...target, file: positionals[0], format: values.format, description: values.description, concurrency, allowBackingFile: values['allow-backing-file'], progress });
    let imageId: string | undefined;
    if (values.register !== undefined) {
      const ec2 = new Ec2Client(target);
      await ec2.waitForSnapshot(r.snapshotId);
      imageId = await ec2.registerImage({
        name: values.register,
        snapshotId: r.snapshotId,
        description: values.description,
        architecture: values.architecture ?? 'x86_64',
        bootMode: values['boot-mode'],
        rootDeviceName: values['root-device-name'] ?? '/dev/xvda',
      });
    }
    process.stdout.write(`${JSON.stringify(imageId ? { ...r, imageId } : r)}\n`);
  } else {
    if (positionals.length !== 2) throw new UsageError('usage: imago export SNAPSHOT|AMI FILE');
    const target = ebsTarget(values);
    const source = positionals[0];
    const snapshotId = source.startsWith('ami-') ? await new Ec2Client(target).rootSnapshot(source) : source;
    const r = await exportSnapshot({ ...target, snapshotId, file: positionals[1], format: values.format, concurrency, progress });
    process.stdout.write(`${JSON.stringify({ snapshotId, ...r })}\n`);
  }
}

/** gc / fsck: in-process on a data dir, or through a running server. */
async function operator(command: 'gc' | 'fsck', args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      endpoint: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'grace-seconds': { type: 'string' },
      'no-verify-data': { type: 'boolean' },
      ...BLOCKS_OPTIONS,
    },
    strict: true,
  });
  const grace = values['grace-seconds'];
  if (grace !== undefined && !/^\d+$/.test(grace)) throw new UsageError('--grace-seconds must be a whole number');
  let result: unknown;
  if (values.endpoint) {
    const target = { endpoint: values.endpoint, accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
    result =
      command === 'gc'
        ? await callAdmin(target, 'POST', '/_imago/gc', { dryRun: values['dry-run'] ? 'true' : undefined, graceSeconds: grace })
        : await callAdmin(target, 'POST', '/_imago/fsck', { verifyData: values['no-verify-data'] ? 'false' : undefined });
  } else {
    const { openOffline } = await import('./offline.js');
    const ctx = await openOffline(values['data-dir'] ?? DEFAULTS.dataDir, blocksOptions(values), databaseUrl(values.database), kekFile(values['kek-file']));
    try {
      result =
        command === 'gc'
          ? await ctx.maintenance.gc({ dryRun: values['dry-run'], graceMs: grace === undefined ? undefined : Number(grace) * 1000 })
          : await ctx.maintenance.fsck({ verifyData: !values['no-verify-data'] });
    } finally {
      await ctx.close();
    }
  }
  printReport(command, result);
  if (command === 'fsck' && !(result as { ok?: boolean }).ok) process.exitCode = 1;
}

function printReport(command: string, result: unknown): void {
  const r = result as Record<string, unknown>;
  if (command === 'gc') {
    const dead = (r.deadChunks as unknown[]).length;
    const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    process.stdout.write(
      `${r.dryRun ? 'plan (dry run)' : 'collected'}: ${(r.deadMaps as unknown[]).length} unreferenced block maps, ${dead} unreferenced chunks (${mib(r.reclaimableBytes as number)}); ` +
        `live: ${r.liveMaps} maps, ${r.liveChunks} chunks; chunks written after ${r.cutoff} kept` +
        (r.dryRun ? '\n' : `; deleted ${r.deletedMaps} maps, ${r.deletedChunks} chunks, reclaimed ${mib(r.reclaimedBytes as number)}\n`),
    );
  } else {
    const issues = r.issues as { kind: string; detail: string }[];
    for (const i of issues) process.stdout.write(`${i.kind}: ${i.detail}\n`);
    process.stdout.write(`${r.ok ? 'clean' : `${issues.length} problem(s)`}: ${r.maps} block maps, ${r.chunks} chunks, ${r.bytesVerified} bytes verified\n`);
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve(rest);
        break;
      case 'images':
        await (await import('./images.js')).imagesCommand(rest);
        break;
      case 'audit':
        await (await import('./audit.js')).auditCommand(rest);
        break;
      case 'gc':
      case 'fsck':
        await operator(command, rest);
        break;
      case 'import':
      case 'export':
        await transfer(command, rest);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(await usage());
        break;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    // the commands' own errors, from their modules when they were loaded (already, then)
    const own = async <T>(name: string, load: () => Promise<T>, pick: (m: T) => new (...args: never[]) => Error) => command === name && e instanceof pick(await load());
    if (
      e instanceof UsageError ||
      (await own('images', () => import('./images.js'), (m) => m.ImagesUsageError)) ||
      (await own('audit', () => import('./audit.js'), (m) => m.AuditUsageError)) ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      fail(`${(e as Error).message}\n\n${await usage()}`);
    }
    if (e instanceof CredentialsError || (await own('serve', () => import('../server.js'), (m) => m.StartupError))) fail((e as Error).message, 1);
    if (['gc', 'fsck', 'import', 'export', 'images', 'audit'].includes(command ?? '') && e instanceof Error) fail(e.message, 1);
    if (e instanceof Error && 'code' in e && e.code === 'EADDRINUSE') fail(`address in use: ${e.message}`, 1);
    throw e;
  }
}
