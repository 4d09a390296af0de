// Chooses and builds the instance driver from the configuration: `none`, `qemu`, or `auto`
// (qemu when this host can run it, else none with one log line saying why). For qemu it wires
// what each VM is served by: a per-instance NBD server exporting only that instance's volumes,
// and the metadata service (tokens keyed from the cluster's master key, so they stay valid
// across restarts and nodes; identity documents signed with the cluster's identity key;
// instance profile credentials from the `iam` hook the composition root gives).
import { createHash, hkdfSync } from 'node:crypto';
import { totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { NbdServer } from '../blocks/nbd/nbd-server.js';
import { volumeNbdDevice } from '../blocks/nbd/volume-export.js';
import { BLOCK_SIZE } from '../blocks/block-size.js';
import type { DriverInstance, InstanceDriver } from './instance-driver.js';
import { NoneDriver } from './none-driver.js';
import { MetadataService } from './imds/metadata-service.js';
import { IdentitySigner, type IdentityKeys } from './imds/identity-signer.js';
import { QemuDriver } from './qemu/qemu-driver.js';
import { probeQemu, QemuUnavailable, type QemuHost } from './qemu/qemu-probe.js';

export type ComputeMode = 'auto' | 'qemu' | 'none';

export interface ComputeConfig {
  compute: ComputeMode;
  dataDir: string;
  /** memory for all VMs, MiB (default: half the host's) */
  memoryMiB?: number;
  stopTimeoutMs: number;
  bootTimeoutMs: number;
}

type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export class ComputeUnavailable extends Error {}

/** Half the host's memory: the rest stays for the host, Imago and the guests' QEMU overhead. */
export const defaultMemoryBudgetMiB = () => Math.floor(totalmem() / 2 / 1024 / 1024);

/** Unix socket paths hold 107 bytes: VM sockets live under a short per-data-dir directory. */
export function runDirFor(dataDir: string): string {
  const tag = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 10);
  return join(tmpdir().length < 40 ? tmpdir() : '/tmp', `imago-${process.getuid?.() ?? 0}-${tag}`);
}

export interface ComputeKeys {
  masterKey: Buffer;
  /** the instance identity key and certificate (made on first use: only qemu needs them) */
  identity: () => Promise<IdentityKeys>;
  /** `meta-data/iam/` of an instance: its instance profile's credentials (ImdsSource.iam) */
  iam?: (instanceId: string, path: string, request: { tokenUsed: boolean }) => Promise<string | undefined>;
}

/** The unix socket guests' API requests arrive on (qemu's guestfwd to GUEST_API_ADDRESS:80). */
export const guestApiSocketFor = (dataDir: string) => join(runDirFor(dataDir), 'api.sock');

/** `guestApiSocket`: where the server must serve its API to guests (qemu only). */
export async function createDriver(config: ComputeConfig, keys: ComputeKeys, log: Log): Promise<{ driver: InstanceDriver; host?: QemuHost; guestApiSocket?: string }> {
  if (config.compute === 'none') return { driver: new NoneDriver() };
  const runDir = runDirFor(config.dataDir);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  let host: QemuHost;
  try {
    host = await probeQemu(runDir);
  } catch (e) {
    if (!(e instanceof QemuUnavailable)) throw e;
    if (config.compute === 'qemu') throw new ComputeUnavailable(`--compute qemu: ${e.message}`);
    log('warn', `compute: none (instances do not boot): ${e.message}`);
    return { driver: new NoneDriver() };
  }
  const signer = IdentitySigner.from(await keys.identity());
  const metadata = new MetadataService({
    tokenKey: Buffer.from(hkdfSync('sha256', keys.masterKey, Buffer.alloc(0), 'imago imds tokens v1', 32)),
    signer,
    log: (level, msg, fields) => log(level, msg, fields),
  });
  const guestApiSocket = guestApiSocketFor(config.dataDir);
  const driver = new QemuDriver({
    host,
    stateDir: join(config.dataDir, 'instances'),
    runDir,
    guestApiSocket,
    memoryBudgetMiB: config.memoryMiB ?? defaultMemoryBudgetMiB(),
    stopTimeoutMs: config.stopTimeoutMs,
    bootTimeoutMs: config.bootTimeoutMs,
    runtime: {
      serveMetadata: (socketPath, instance, onRequest, onTokenless) => {
        const iam = keys.iam;
        return metadata.serve(socketPath, { instanceId: instance.instanceId, options: () => instance.metadataOptions(), metadata: () => instance.metadata(), onRequest, onTokenless, iam: iam && ((path, r) => iam(instance.instanceId, path, r)) });
      },
      nbdServer: (instance) => instanceNbd(instance, log),
      log,
    },
  });
  log('info', `compute: qemu ${host.version} (${host.accel === 'kvm' ? 'KVM' : 'TCG, software emulation'}), memory budget ${driver.memoryBudgetMiB} MiB`, { accel: host.accel });
  return { driver, host, guestApiSocket };
}

/** An NBD server that exports the instance's own attached volumes, by volume id, and nothing else. */
function instanceNbd(instance: DriverInstance, log: Log): NbdServer {
  return new NbdServer({
    resolve: async (name) => {
      const volume = (await instance.volumes()).find((v) => v.volumeId === name);
      if (!volume) return undefined;
      const { device, release } = await volume.open();
      return { device: volumeNbdDevice(device), release };
    },
    log: (level, msg, fields) => log(level === 'info' ? 'debug' : level, msg, { instanceId: instance.instanceId, ...fields }),
    preferredBlockSize: BLOCK_SIZE,
    maxConnections: 64,
  });
}
