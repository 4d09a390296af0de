// Instances: the domain API the EC2 handlers, launch templates and Auto Scaling call. No wire
// parsing here; requests use the generated RunInstances shape so every caller gets RunInstances'
// full semantics (launch templates, tags, devices, encryption, ClientToken).
//
//   run(caller, request, { checkpoint, systemTags, requesterId })  -> Launched (reservation, rows)
//       RunInstances; `systemTags` are `aws:` tags set on the instances (aws:autoscaling:groupName)
//   terminate(caller, ids, checkpoint?) / stop(caller, ids, force, checkpoint?) /
//   start(caller, ids, checkpoint?) / reboot(caller, ids, checkpoint?) -> StateChange[]
//   summaries(caller, ids?) -> InstanceSummary[]   (state, image, type, zone, launch template)
//   launchedFrom(caller, imageIds, states?)         (DescribeImageReferences' ec2:Instance)
//   describe(caller, DescribeInstancesRequest)      -> reservations as on the wire
//   setLaunchSources({ launchTemplates, imageParameters, subscriptions })  wiring of the
//       resolvers other services provide (see launch-sources.ts)
//
// Parts: launch-plan.ts (checks), instance-launcher.ts (writes), instance-lifecycle.ts (state
// machine and jobs), instance-query.ts (describe, status), instance-attributes.ts,
// volume-attachments.ts, and imageSource (what CreateImage, in images/, needs of an instance).
// What runs an instance is the driver
// (src/compute/).
import type { Instance, InstanceMonitoring, RunInstancesRequest } from '../../../api/ec2/types.js';
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { KmsService } from '../../kms/kms-service.js';
import type { StorageDomain } from '../storage-domain.js';
import type { ImageService } from '../images/image-service.js';
import type { KeyPairService } from '../key-pairs/key-pair-service.js';
import type { NetworkService } from '../networking/network-service.js';
import type { Taggable } from '../tags/taggable.js';
import type { ImageSource } from '../images/image-from-instance.js';
import { InstanceAttributes } from './instance-attributes.js';
import { InstanceLauncher, type Launched, type RunOptions } from './instance-launcher.js';
import { InstanceLifecycle, type StateChange } from './instance-lifecycle.js';
import { InstanceQuery } from './instance-query.js';
import { setMonitoring } from './instance-monitoring.js';
import { instanceOut } from './instance-output.js';
import { groupsOf, instanceNotFound, specOf, type InstanceStateName } from './instance-row.js';
import { DEFAULT_LAUNCH_SOURCES, type LaunchSources } from './launch-sources.js';
import { VolumeAttachments } from './volume-attachments.js';
import type { PublicAddressPool } from '../networking/public-addresses.js';

export type { Launched, RunOptions } from './instance-launcher.js';
export type { StateChange } from './instance-lifecycle.js';
export type { LaunchSources, ResolvedLaunchTemplate } from './launch-sources.js';

export interface InstanceServiceDeps {
  store: Store;
  jobs: JobRunner;
  kms: KmsService;
  blocks: BlockStorage;
  storage: StorageDomain;
  images: ImageService;
  network: NetworkService;
  keyPairs: KeyPairService;
  driver: InstanceDriver;
  /** running instances' public addresses (drivers with a public network) */
  addresses: PublicAddressPool;
  settleMs: number;
  terminatedVisibleMs: number;
  /** this node, when the driver runs VMs here (see the lifecycle) */
  node?: string;
}

export interface InstanceSummary {
  instanceId: string;
  state: InstanceStateName;
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  launchTime: string;
  launchTemplate?: { id: string; name: string; version: string };
  stateReason?: { code: string; message: string };
}

const noCheckpoint = () => undefined;

/** How long a guest gets to shut down for CreateImage before it is paused as it is. */
const QUIESCE_MS = 45_000;

export class InstanceService {
  readonly lifecycle: InstanceLifecycle;
  readonly query: InstanceQuery;
  readonly attributes: InstanceAttributes;
  readonly attachments: VolumeAttachments;
  readonly taggable: Taggable;
  private readonly launcher: InstanceLauncher;
  private readonly sources: LaunchSources = { ...DEFAULT_LAUNCH_SOURCES };

  constructor(private readonly deps: InstanceServiceDeps) {
    const { store, jobs, storage, settleMs } = deps;
    this.lifecycle = new InstanceLifecycle({ store, jobs, keys: storage.keys, blocks: deps.blocks, volumes: storage.volumes, driver: deps.driver, addresses: deps.addresses, settleMs, terminatedVisibleMs: deps.terminatedVisibleMs, node: deps.node });
    this.launcher = new InstanceLauncher({ store, jobs, settleMs, node: deps.node, driver: deps.driver, kms: deps.kms, defaults: storage.defaults, images: deps.images, network: deps.network, keyPairs: deps.keyPairs, sources: this.sources });
    this.query = new InstanceQuery({ store, groups: deps.network.groups, lifecycle: this.lifecycle, driver: deps.driver, settleMs });
    this.attributes = new InstanceAttributes(store, deps.network.groups, (id) => this.networkChanged([id]));
    deps.network.groups.onRulesChanged(async (caller, groupIds) => {
      const running = await store.instances.list(caller, { states: ['running'], terminatedAfter: this.lifecycle.visibleSince() });
      await this.networkChanged(running.filter((r) => groupsOf(r).some((g) => groupIds.includes(g))).map((r) => r.instance_id));
    });
    this.attachments = new VolumeAttachments({ store, jobs, volumes: storage.volumes, lifecycle: this.lifecycle, driver: deps.driver, settleMs });
    this.taggable = {
      prefix: 'i',
      resourceType: 'instance',
      visible: async (caller, id) => (await store.instances.list(caller, { ids: [id], terminatedAfter: this.lifecycle.visibleSince() })).length > 0,
      notFound: (id) => instanceNotFound(id),
    };
  }

  /** Elastic IPs moved: the running ones among these instances are reached at their new public address. */
  addressesChanged(instanceIds: string[]): Promise<void> {
    return this.networkChanged(instanceIds);
  }

  /** Running VMs re-apply what reaches them (their security groups or their rules changed). */
  private async networkChanged(instanceIds: string[]): Promise<void> {
    for (const row of await this.deps.store.instances.getMany(instanceIds)) {
      if (row.state !== 'running') continue;
      await this.deps.driver.networkChanged(this.lifecycle.driverOf(row)).catch(() => undefined);
    }
  }

  /** Wires the resolvers other services provide (launch templates, SSM parameters, Marketplace). */
  setLaunchSources(sources: Partial<LaunchSources>): void {
    Object.assign(this.sources, sources);
  }

  /** MonitorInstances / UnmonitorInstances: detailed monitoring on or off. */
  async monitor(caller: Scope, instanceIds: readonly string[], enabled: boolean, checkpoint: () => void): Promise<InstanceMonitoring[]> {
    return setMonitoring(this.deps.store, await this.lifecycle.owned(caller, instanceIds), enabled, this.deps.settleMs, checkpoint);
  }

  run(caller: Scope, request: RunInstancesRequest, opts: RunOptions = {}): Promise<Launched> {
    return this.launcher.run(caller, request, opts);
  }

  terminate(caller: Scope, instanceIds: readonly string[], checkpoint: () => void = noCheckpoint): Promise<StateChange[]> {
    return this.lifecycle.terminate(caller, instanceIds, checkpoint);
  }

  stop(caller: Scope, instanceIds: readonly string[], force = false, checkpoint: () => void = noCheckpoint): Promise<StateChange[]> {
    return this.lifecycle.stop(caller, instanceIds, force, checkpoint);
  }

  start(caller: Scope, instanceIds: readonly string[], checkpoint: () => void = noCheckpoint): Promise<StateChange[]> {
    return this.lifecycle.start(caller, instanceIds, checkpoint);
  }

  reboot(caller: Scope, instanceIds: readonly string[], checkpoint: () => void = noCheckpoint): Promise<void> {
    return this.lifecycle.reboot(caller, instanceIds, checkpoint);
  }

  /** The caller's instances (all live and recently terminated ones, or exactly those named). */
  async summaries(caller: Scope, instanceIds?: readonly string[]): Promise<InstanceSummary[]> {
    const rows = instanceIds ? await this.lifecycle.owned(caller, instanceIds) : await this.deps.store.instances.list(caller, { terminatedAfter: this.lifecycle.visibleSince() });
    return rows.map((r) => ({
      instanceId: r.instance_id,
      state: r.state as InstanceStateName,
      imageId: r.image_id,
      instanceType: r.instance_type,
      availabilityZone: r.availability_zone,
      launchTime: r.launch_time,
      launchTemplate: specOf(r).launchTemplate,
      stateReason: r.state_reason_code ? { code: r.state_reason_code, message: r.state_reason_message ?? '' } : undefined,
    }));
  }

  /** GetConsoleOutput: the serial console's most recent output (empty when nothing ran). */
  async consoleOutput(caller: Scope, instanceId: string): Promise<Buffer> {
    const [row] = await this.lifecycle.owned(caller, [instanceId]);
    return this.deps.driver.consoleOutput(row.instance_id);
  }

  /** The caller's instance as CreateImage needs it: its facts, its volumes, and a way to hold its guest still. */
  async imageSource(caller: Scope, instanceId: string): Promise<ImageSource> {
    const { store, driver } = this.deps;
    const [row] = await this.lifecycle.owned(caller, [instanceId]);
    const spec = specOf(row);
    const attached = (await store.instances.attachments([row.instance_id])).filter((a) => a.status !== 'detaching');
    return {
      instanceId: row.instance_id,
      state: row.state,
      imageId: row.image_id,
      region: row.region,
      architecture: row.architecture,
      rootDeviceName: row.root_device_name,
      virtualizationType: spec.virtualizationType,
      hypervisor: spec.hypervisor,
      platform: spec.platform,
      platformDetails: spec.platformDetails,
      usageOperation: spec.usageOperation,
      enaSupport: spec.enaSupport,
      sriovNetSupport: spec.sriovNetSupport,
      bootMode: spec.bootMode,
      tpmSupport: spec.tpmSupport,
      kernelId: spec.kernelId,
      ramdiskId: spec.ramdiskId,
      productCodes: spec.productCodes,
      instanceStore: spec.instanceStore,
      volumes: attached.map((a) => ({ volumeId: a.volume_id, deviceName: a.device_name, deleteOnTermination: Boolean(a.delete_on_termination) })),
      quiesce: async (clean) => {
        // a clean image reboots the instance (recorded: the none driver has nothing else to show)
        if (clean) await store.instances.update(row.instance_id, { spec: JSON.stringify({ ...spec, reboots: (spec.reboots ?? 0) + 1 }) });
        return driver.quiesce(this.lifecycle.driverOf(row), { clean, timeoutMs: QUIESCE_MS });
      },
    };
  }

  /** The caller's running instances among `instanceIds` whose status checks fail (EC2 health checks). */
  async impaired(caller: Scope, instanceIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.deps.store.instances.list(caller, { ids: instanceIds, states: ['running'], terminatedAfter: this.lifecycle.visibleSince() });
    const out = new Set<string>();
    const checks = await this.query.checks(rows);
    for (const r of rows) {
      const s = this.query.statusOf(r, checks);
      if (s.InstanceStatus?.Status === 'impaired' || s.SystemStatus?.Status === 'impaired') out.add(r.instance_id);
    }
    return out;
  }

  /** The caller's instances launched from any of `imageIds` (in the given states, else all). */
  async launchedFrom(caller: Scope, imageIds: readonly string[], states?: readonly string[]): Promise<{ instanceId: string; imageId: string }[]> {
    const rows = await this.deps.store.instances.list(caller, { equals: [{ column: 'image_id', values: imageIds }], states, terminatedAfter: this.lifecycle.visibleSince() });
    return rows.map((r) => ({ instanceId: r.instance_id, imageId: r.image_id }));
  }

  /** Launched instances as the wire shape (RunInstances' answer). */
  async instancesOut(caller: Scope, launched: Launched): Promise<Instance[]> {
    if (launched.context) return launched.instances.map((r) => instanceOut(r, launched.context!));
    return (await this.query.described(caller, launched.instances)).map((d) => d.instance);
  }
}
