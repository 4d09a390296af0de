// The composition root: config -> store -> services -> gateway -> listen.
import { join } from 'node:path';
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_ACCOUNT, isLoopback, type ImagoConfig } from './config/config.js';
import { loadCredentials } from './config/credentials.js';
import { Logger } from './logger.js';
import { Store } from './store/store.js';
import { DatabaseConfigError } from './store/dialects/postgres.js';
import { Authenticator } from './gateway/auth.js';
import { Gateway } from './gateway/gateway.js';
import { ConsoleAssets } from './gateway/console.js';
import { MAX_HEADER_SIZE, answerClientErrors } from './gateway/client-errors.js';
import type { ServiceDefinition } from './protocol/dispatch.js';
import { ec2Service } from './services/ec2/index.js';
import { createAutoscaling } from './services/autoscaling/index.js';
import { instanceCompute } from './services/autoscaling/instance-compute.js';
import { kmsService } from './services/kms/index.js';
import { ebsService } from './services/ebs/index.js';
import { openClusterKeys, type ClusterKeys } from './services/kms/master-key.js';
import { KeyMaterialError } from './services/kms/key-file.js';
import { loadIdentityKeys } from './compute/imds/identity-keys.js';
import { ssmService } from './services/ssm/index.js';
import { BlocksConfigError, openChunkStore, recordedBlockStore } from './blocks/open-chunk-store.js';
import type { ChunkStore } from './blocks/chunk-store.js';
import { BlockStorage } from './blocks/block-storage.js';
import { VolumeDevices } from './blocks/volume-devices.js';
import { JobRunner, type JobTraceEvent } from './jobs/job-runner.js';
import { createStorageDomain } from './services/ec2/storage-domain.js';
import { Maintenance } from './services/maintenance.js';
import { createImageDomain } from './services/ec2/image-domain.js';
import { ImportExportService } from './services/ec2/import-export/import-export-service.js';
import { TransferS3 } from './services/ec2/import-export/transfer-s3.js';
import { NbdServer } from './blocks/nbd/nbd-server.js';
import { BLOCK_SIZE } from './blocks/block-size.js';
import { nbdExports } from './services/nbd-exports.js';
import { createComputeDomain } from './services/ec2/compute-domain.js';
import { Catalog } from './services/ec2/catalog/catalog.js';
import { CatalogFileError } from './services/ec2/catalog/catalog-file.js';
import { catalogAdminRoutes } from './services/ec2/catalog/catalog-admin.js';
import { builtImageAdminRoutes } from './services/ec2/catalog/built-image-admin.js';
import { REGIONS } from './config/regions.js';
import { LaunchTemplateService } from './services/ec2/launch-templates/launch-template-service.js';
import { ComputeUnavailable, createDriver } from './compute/create-driver.js';
import type { InstanceDriver } from './compute/instance-driver.js';
import { InstanceCredentials } from './services/ec2/instance-profiles/instance-credentials.js';
import { listenGuestEndpoint } from './gateway/guest-endpoint.js';
import { PublicAddressPool } from './services/ec2/networking/public-addresses.js';
import { ensureBuiltImages } from './services/ec2/catalog/built-images.js';
import { keyPageTokens } from './services/page-tokens.js';
import { Cluster, StartupConflict } from './cluster/cluster.js';
import { NodeIdError, nodeIdFor } from './cluster/node-identity.js';
import { createIdentity } from './iam/identity-layer.js';
import { rootIdentity } from './iam/identities.js';
import { createEnforcer } from './iam/enforcement/create-enforcer.js';
import { createIam } from './services/iam/index.js';
import { stsService } from './services/sts/index.js';
import { AuditTrail } from './audit/audit-trail.js';
import { cloudTrailService } from './services/cloudtrail/index.js';
import { createCloudWatch } from './services/cloudwatch/index.js';
import { InstanceMetrics } from './services/ec2/monitoring/instance-metrics.js';
import { groupMetricsJob } from './services/autoscaling/group-metrics.js';
import { managedAlarmPeriod } from './services/autoscaling/policy-alarms.js';
import { MOTO_ACCOUNT, MOTO_EXAMPLE_AMI_ID, motoImages } from './services/ec2/catalog/moto-catalog.js';
import { MotoCompat } from './services/moto-compat.js';
import { OperatorMetrics } from './metrics/operator-metrics.js';
import { adminPaths } from './gateway/admin.js';

export class StartupError extends Error {}

/** IMAGO_JOB_TRACE=FILE: every job run's start and end appended to FILE as JSON lines (several nodes may share it). */
function jobTrace(file: string | undefined, metrics: (event: JobTraceEvent) => void): (event: JobTraceEvent) => void {
  if (!file) return metrics;
  return (event) => {
    metrics(event);
    appendFileSync(file, `${JSON.stringify(event)}\n`);
  };
}

export interface RunningServer {
  url: string;
  port: number;
  /** the NBD server's port, when --nbd-port was given */
  nbdPort?: number;
  /** what runs instances: qemu or none */
  compute: string;
  close(): Promise<void>;
}

export async function startServer(config: ImagoConfig, log = new Logger(config.logLevel)): Promise<RunningServer> {
  if (!config.credentialsFile && !isLoopback(config.host)) {
    throw new StartupError(
      `refusing to listen on ${config.host} without --credentials: dev mode accepts any signature, so it is loopback-only. ` +
        'Pass --credentials FILE (AWS INI with aws_access_key_id, aws_secret_access_key, aws_account_id) or bind 127.0.0.1.',
    );
  }
  if (config.credentialsFile && config.compat) {
    throw new StartupError(`--compat ${config.compat} is a dev-mode option; it cannot be combined with --credentials`);
  }
  if (config.credentialsFile && config.defaultAccount) {
    throw new StartupError('--default-account is a dev-mode option; it cannot be combined with --credentials');
  }
  if (config.nbdPort !== undefined && !isLoopback(config.host)) {
    throw new StartupError(
      `refusing to serve NBD on ${config.host}: NBD has no authentication (an export name is all a client needs), so --nbd-port needs a loopback --host (127.0.0.1 or ::1).`,
    );
  }
  const principals = config.credentialsFile ? loadCredentials(config.credentialsFile) : undefined;

  let store: Store;
  try {
    store = await Store.open({ dataDir: config.dataDir, durability: config.durability, databaseUrl: config.databaseUrl });
  } catch (e) {
    if (e instanceof DatabaseConfigError) throw new StartupError(e.message);
    throw e;
  }
  let keys: ClusterKeys;
  try {
    keys = await openClusterKeys(store, config.dataDir, config.kekFile);
  } catch (e) {
    await store.close();
    if (e instanceof KeyMaterialError) throw new StartupError(e.message);
    throw e;
  }
  const { masterKey } = keys;
  let chunks: ChunkStore;
  try {
    chunks = await openChunkStore(config.dataDir, { ...config.blocks, durability: config.durability, arbiter: store.chunkArbitration });
  } catch (e) {
    await store.close();
    if (e instanceof BlocksConfigError) throw new StartupError(e.message);
    throw e;
  }
  const blocks = new BlockStorage(chunks, store.blockMaps);
  // a device's flush ends with its overlay put: durable before the NBD client hears of it
  const devices = new VolumeDevices(blocks, {
    load: (id) => store.volumes.overlay(id),
    put: async (id, e) => {
      await store.volumes.putOverlay(id, e);
      await store.barrier();
    },
  });
  keyPageTokens(masterKey);
  // IAM users' keys and STS sessions, resolved by the authenticator; policiesFor for enforcement
  const identity = createIdentity({ store, masterKey, onError: (e) => log.warn('access key last use not recorded', { err: String(e) }) });
  // dev mode's account for keys that name none (moto's: every key's)
  const devAccount = config.defaultAccount ?? (config.compat === 'moto' ? MOTO_ACCOUNT : DEV_ACCOUNT);
  const auth = new Authenticator(principals ? { kind: 'verify', principals } : { kind: 'dev', defaultAccount: devAccount, ...(config.compat ? { compat: config.compat } : {}) }, identity.credentials);
  let localDriver: InstanceDriver;
  let guestApiSocket: string | undefined;
  // instance profile credentials, served by the metadata service of the instance
  const instanceCredentials = new InstanceCredentials({ store, sessions: identity.sessions });
  try {
    ({ driver: localDriver, guestApiSocket } = await createDriver(
      { compute: config.compute, dataDir: config.dataDir, memoryMiB: config.computeMemoryMiB, stopTimeoutMs: config.vmStopTimeoutMs, bootTimeoutMs: config.vmBootTimeoutMs },
      { masterKey, identity: () => loadIdentityKeys(keys.vault, config.dataDir, (msg) => log.warn(msg)), iam: (id, path, r) => instanceCredentials.answer(id, path, r) },
      (level, msg, fields) => log.log(level, msg, fields),
    ));
  } catch (e) {
    await chunks.close();
    await store.close();
    if (e instanceof ComputeUnavailable) throw new StartupError(e.message);
    throw e;
  }
  // one node of those sharing the database: its VMs' hooks run where each VM is
  let cluster: Cluster;
  try {
    cluster = new Cluster(store, masterKey, localDriver, { nodeId: nodeIdFor(config.dataDir, config.nodeId), failoverMs: config.failoverMs, blocks: recordedBlockStore(config.dataDir), log: (level, msg, fields) => log.log(level, msg, fields) });
    await cluster.checkPeers();
  } catch (e) {
    await localDriver.close();
    await chunks.close();
    await store.close();
    if (e instanceof NodeIdError || e instanceof StartupConflict) throw new StartupError(e.message);
    throw e;
  }
  const driver = cluster.driver;
  // operator metrics (GET /_imago/metrics); what they read of later parts is asked at a scrape
  const metrics = new OperatorMetrics({
    store,
    blocks,
    services: () => services.values(),
    adminPaths: () => adminPaths({ routes: adminRoutes }),
    nbdConnections: () => nbd?.connectionCount ?? 0,
    vms: localDriver.localVms && localDriver.counters ? { list: () => localDriver.localVms!(), counters: (id) => localDriver.counters!(id), memoryBudgetMiB: localDriver.memoryBudgetMiB } : undefined,
  });
  const jobs = new JobRunner(store.jobs, log, { owner: cluster.jobOwner, predecessors: cluster.jobOwnerPrefix, leaseMs: config.failoverMs, placement: () => cluster.placement(), trace: jobTrace(process.env.IMAGO_JOB_TRACE, metrics.jobEvent) });
  const kms = kmsService({ store, masterKey });
  const storage = createStorageDomain({ store, kms: kms.service, blocks, devices, jobs, settleMs: config.settleMs });

  const images = createImageDomain({ store, kms: kms.service, storage, jobs, settleMs: config.settleMs, deregisteredVisibleMs: config.deregisteredVisibleMs });
  // import/export tasks: images from URLs and S3 objects, exports to S3 (issue 12 §2)
  const transferS3 = new TransferS3({ endpoint: config.importS3Endpoint ?? config.blocks?.s3Endpoint, region: config.blocks?.s3Region, profile: config.blocks?.s3Profile });
  const importExport = new ImportExportService({ store, blocks, snapshots: storage.snapshots, images: images.images, jobs, keys: storage.keys, defaults: storage.defaults, s3: transferS3, log, workDir: join(config.dataDir, 'import-export') });
  const catalog = new Catalog({ store, blocks, newRow: (owner, fields) => images.images.newRow(owner, fields), regions: REGIONS.map((r) => r.name), dataDir: config.dataDir, ...(config.compat === 'moto' ? { extraImages: motoImages() } : {}) });
  const seedCatalog = async () => {
    for (const warning of (await cluster.exclusive('catalog', () => catalog.seed())).warnings) log.warn(warning);
  };
  try {
    // moto's example images exist under --compat moto only: a data dir that has them stays in that mode
    if (config.compat !== 'moto' && (await store.images.get(MOTO_EXAMPLE_AMI_ID))?.owner_alias === 'amazon') {
      throw new StartupError(`${config.dataDir} holds moto's example images (it was served with --compat moto): serve it with --compat moto again, or use another data dir`);
    }
    await seedCatalog();
  } catch (e) {
    await chunks.close();
    await store.close();
    if (e instanceof CatalogFileError) throw new StartupError(e.message);
    throw e;
  }
  const ssm = ssmService({
    repo: store.ssmParameters,
    kms: kms.service,
    publicParameters: () => catalog.publicParameters(),
    imageVisible: (caller, imageId) => images.images.getVisible(caller, imageId).then(
      () => true,
      () => false,
    ),
  });
  const launchTemplates = new LaunchTemplateService({ store, images: images.images });
  const compute = createComputeDomain({ store, kms: kms.service, blocks, jobs, storage, images: images.images, settleMs: config.settleMs, terminatedVisibleMs: config.terminatedVisibleMs, references: images.references, driver, node: cluster.placementNode, addresses: new PublicAddressPool(config.publicAddressPool) });
  storage.snapshots.remote = cluster.remoteVolumes;
  cluster.bind({
    resolve: async (id) => {
      const row = await store.instances.get(id);
      return row ? compute.instances.lifecycle.driverOf(row) : undefined;
    },
    resumeRunning: () => compute.instances.lifecycle.resumeRunning(),
    capture: (volumeId) => storage.snapshots.capture(volumeId),
  });
  compute.instances.setLaunchSources({
    launchTemplates: launchTemplates.resolve,
    imageParameters: (caller, parameter) => ssm.resolveSsmImageId(caller, `resolve:ssm:${parameter}`),
    subscriptions: (caller, image) => catalog.marketplace.assertCanLaunch(caller, image),
  });
  launchTemplates.setAliasResolver({ resolveImageId: (caller, parameter) => ssm.resolveSsmImageId(caller, `resolve:ssm:${parameter}`) });
  // under a shortened metrics period (a demo/test knob) target tracking's alarms are that short too
  const managedPeriod = managedAlarmPeriod(config.metricsPeriodSeconds);
  const autoscaling = createAutoscaling({
    store,
    jobs,
    log,
    templates: launchTemplates,
    images: images.images,
    compute: instanceCompute(compute.instances, launchTemplates),
    instanceData: (caller, instanceId) => launchTemplates.dataOf(compute.instances, caller, instanceId),
    subnets: async (caller, subnetId) => {
      try {
        return { subnetId, zone: (await compute.network.subnet(caller, subnetId)).zone.name };
      } catch {
        return undefined;
      }
    },
    settleMs: config.settleMs,
    // target tracking policies' managed alarms (CloudWatch is built just below; used after start-up)
    alarms: {
      putMetricAlarm: (scope, definition) => cloudwatch.alarms.putMetricAlarm(scope, definition),
      deleteAlarms: (scope, names) => cloudwatch.alarms.deleteAlarms(scope, names),
      describeAlarms: (scope, names) => cloudwatch.alarms.describeAlarms(scope, names),
      alarmsWithAction: (scope, actionArn) => cloudwatch.alarms.alarmsWithAction(scope, actionArn),
      periodSeconds: managedPeriod,
    },
  });
  // CloudWatch: metrics (what instances, volumes and groups emit, and PutMetricData) and alarms
  const cloudwatch = createCloudWatch({
    store,
    jobs,
    log,
    alarmEvaluationIntervalMs: config.alarmEvaluationIntervalMs,
    extraAlarmPeriodSeconds: managedPeriod < 10 ? managedPeriod : undefined,
    // EC2 alarm actions; recover (a move to other hardware) is a reboot here
    instanceActions: async (scope, instanceId, action) => {
      const lifecycle = compute.instances.lifecycle;
      const none = () => undefined;
      if (action === 'stop') await lifecycle.stop(scope, [instanceId], false, none);
      else if (action === 'terminate') await lifecycle.terminate(scope, [instanceId], none);
      else await lifecycle.reboot(scope, [instanceId], none);
    },
  });
  // an alarm whose action is a scaling policy's ARN runs the policy
  cloudwatch.alarmActions.register('arn:aws:autoscaling:', autoscaling.alarmTarget);
  // what instances and their volumes publish (AWS/EC2, AWS/EBS): each node samples the VMs it runs
  // AWS/AutoScaling group metrics (EnableMetricsCollection): one durable job for the cluster
  const groupMetrics = groupMetricsJob({ jobs, store, metrics: cloudwatch.metrics, periodSeconds: config.metricsPeriodSeconds, log });
  const instanceMetrics = new InstanceMetrics({
    store,
    driver,
    metrics: cloudwatch.metrics,
    node: cluster.placementNode,
    // the first live node by id publishes for what no live node runs
    leads: () => (cluster.registry.alive().map((n) => n.node_id).sort()[0] ?? cluster.registry.nodeId) === cluster.registry.nodeId,
    isAlive: (id) => cluster.registry.isAlive(id),
    periodSeconds: config.metricsPeriodSeconds,
    health: (rows) => compute.instances.query.health(rows),
    log,
  });
  const maintenance = new Maintenance({ store, blocks, keys: storage.keys });
  const iam = createIam({ store, changes: identity.changes, secrets: identity.secrets, policies: identity.policies });
  const sts = stsService({ role: (accountId, name) => iam.domain.roles.row(accountId, name), policies: identity.policies, sessions: identity.sessions });
  const services = new Map<string, ServiceDefinition>();
  // signed for `monitoring` (CloudWatch's credential scope); its IAM prefix and def.id are `cloudwatch`
  services.set('monitoring', cloudwatch.service);
  services.set('cloudtrail', cloudTrailService({ repo: store.auditEvents, pending: () => audit?.committed() ?? Promise.resolve() }));
  // who a key that failed authentication belongs to (the credentials file's roots; dev mode: the key's account)
  const keyOwner = (key: string) => (principals ? principals.get(key)?.accountId : /^\d{12}$/.test(key) && !config.compat ? key : devAccount);
  const audit = config.audit
    ? new AuditTrail({ repo: store.auditEvents, write: (fn) => store.writeAudit(fn), durable: () => store.barrier({ audit: true }), log, retentionDays: config.auditRetentionDays, identityOf: (key) => { const account = keyOwner(key); return account ? rootIdentity(account, key) : undefined; } })
    : undefined;
  audit?.start();
  // --compat moto: pending states settle before the next call, moto's image ids in every region
  const moto = config.compat === 'moto' ? new MotoCompat({ drain: () => jobs.drain(), nextDue: () => store.jobs.next() }) : undefined;
  const compat = (def: ServiceDefinition) => (moto ? moto.wrap(def) : def);
  for (const def of [compat(ec2Service({ store, kms: kms.service, storage, images, launchTemplates, compute, importExport })), compat(autoscaling.service), kms, compat(ebsService({ storage, blocks, store, jobs, masterKey, durability: config.durability })), ssm, iam.service, sts]) services.set(def.id, def);
  jobs.start();
  instanceMetrics.start();
  void groupMetrics.start().catch((e: unknown) => log.error('group metrics job not scheduled', { err: String(e) }));
  // in the background: the public images that boot are imported (or built) into this data dir
  const publishBuiltImages = () => {
    if (driver.name === 'qemu') void cluster.exclusive('built-images', () => ensureBuiltImages({ store, blocks, catalog, log, cacheDir: config.imageCache, build: config.buildImages })).catch(() => undefined);
  };
  if (driver.name === 'qemu') void compute.instances.lifecycle.resumeRunning().catch((e: unknown) => log.error('instances not resumed', { err: String(e) }));
  publishBuiltImages();
  const nbd = config.nbdPort === undefined ? undefined : new NbdServer({ resolve: nbdExports({ store, blocks, storage }), log: (level, msg, fields) => log.log(level, msg, fields), preferredBlockSize: BLOCK_SIZE });

  const reset = async () => {
    await nbd?.disconnectAll(); // their devices are about to be forgotten
    await instanceMetrics.stop();
    await jobs.stop();
    await driver.close();
    devices.reset();
    blocks.clearCache();
    await store.wipe();
    await chunks.clear();
    await seedCatalog();
    jobs.start();
    instanceMetrics.start();
    await groupMetrics.start();
    publishBuiltImages();
  };

  const adminRoutes = [...images.adminRoutes, ...catalogAdminRoutes({ store, blocks, marketplace: catalog.marketplace }), ...builtImageAdminRoutes({ store, blocks, catalog, log })];
  const gateway = new Gateway({
    services,
    auth,
    enforcer: createEnforcer(store, identity),
    log,
    durable: () => store.barrier(),
    audit,
    metrics,
    console: new ConsoleAssets({ devMode: !principals, defaultAccount: devAccount }),
    admin: {
      devMode: !principals,
      routes: adminRoutes,
      reset,
      gc: (o) => metrics.maintenance('gc', () => maintenance.gc(o)),
      fsck: (o) => metrics.maintenance('fsck', () => maintenance.fsck(o)),
      metrics,
      cluster: (headers, body) => cluster.calls.handle(headers, body),
    },
  });

  // in-flight accounting, so a graceful shutdown waits for running requests and no longer
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
    gateway.handle(req, res);
  };
  const server: Server = createServer({ keepAliveTimeout: 65_000, maxHeaderSize: MAX_HEADER_SIZE }, handle);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  // the API as the qemu driver's guests reach it (169.254.169.252)
  const guestApi = guestApiSocket ? await listenGuestEndpoint({ path: guestApiSocket, devMode: !principals, sessions: identity.sessions, handle }) : undefined;
  const port = (server.address() as AddressInfo).port;
  const nbdPort = nbd ? await nbd.listen(config.nbdPort!, config.host) : undefined;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  await cluster.start(config.advertiseUrl ?? (wildcard ? `http://127.0.0.1:${port}` : url));

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // stop accepting, let in-flight requests finish, drop idle keep-alive sockets
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      guestApi?.close();
      guestApi?.closeAllConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((r) => setTimeout(r, 30_000).unref())]);
      }
      server.closeAllConnections();
      await done;
      await instanceMetrics.stop();
      await jobs.stop();
      await importExport.stop();
      transferS3.close();
      await identity.usage.close();
      await driver.close(); // guests shut down; their disks' writes are flushed to the volumes
      await cluster.stop();
      await nbd?.close(); // clients' in-flight requests answered, their exports released (flushed)
      await devices.flushAll();
      await audit?.close();
      await chunks.close();
      await store.close();
    })());

  return { url, port, nbdPort, compute: driver.name, close };
}
