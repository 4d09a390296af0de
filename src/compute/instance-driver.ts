// What runs an instance. The EC2 side owns the API state machine (pending -> running, stopping
// -> stopped, shutting-down -> terminated), the volumes and the durable jobs; a driver is told
// when an instance must come up or go down and answers when it has. Drivers:
//
//   none   the state machine only: nothing boots, but the volumes are real (readable and
//          writable through NBD) and everything else behaves as on AWS
//   qemu   a VM per instance booting its root volume's own bootloader, volumes served over
//          NBD from the block store, the metadata service, public addresses (qemu/)
//
// Hooks run inside durable jobs, so each may be called again after a crash: they must be
// idempotent (start of a running VM, stop of a stopped one: no-ops). A hook that throws leaves
// the transition to be retried with back-off; `start` failing with DriverLaunchError ends the
// launch (the instance terminates, or on StartInstances goes back to stopped) with its reason.
// `stop` and `terminate` must not hold a job for the length of a guest's shutdown: they start
// it and answer whether the instance is down yet; the job asks again until it is.
import type { InstanceMetadata } from './instance-metadata.js';
import type { VolumeDevice } from '../blocks/volume-device.js';
import type { VmCounters } from './vm-counters.js';

export interface DriverVolume {
  /** the device name the instance sees, e.g. /dev/xvda */
  deviceName: string;
  volumeId: string;
  /** opens the volume as a block device (shared with NBD and snapshots); release when done */
  open(): Promise<{ device: VolumeDevice; release: () => Promise<void> }>;
}

/** The instance metadata options the metadata service honours (ModifyInstanceMetadataOptions). */
export interface MetadataOptions {
  httpEndpoint: 'enabled' | 'disabled';
  httpTokens: 'optional' | 'required';
  hopLimit: number;
  instanceMetadataTags: 'enabled' | 'disabled';
}

export interface DriverInstance {
  instanceId: string;
  /** the node whose driver runs its VM (several nodes: src/cluster/cluster-driver.ts) */
  nodeId?: string;
  accountId: string;
  region: string;
  availabilityZone: string;
  instanceType: { name: string; vcpus: number; memoryMiB: number };
  architecture: string;
  /** legacy-bios | uefi */
  bootMode: string;
  rootDeviceName: string;
  network: {
    macAddress: string;
    privateIp: string;
    /** the subnet's router (.1) */
    gateway: string;
    /** the VPC's DNS address (base + 2) */
    dns: string;
    /** while running, on drivers with a public network */
    publicIp?: string;
  };
  /** the EBS volumes attached now (AttachVolume and DetachVolume change them while it runs) */
  volumes(): Promise<DriverVolume[]>;
  /** the user data, decoded (undefined when none was given) */
  userData?: Buffer;
  /** what the instance metadata service (169.254.169.254) answers, as of now */
  metadata(): Promise<InstanceMetadata>;
  metadataOptions(): Promise<MetadataOptions>;
  /** TCP ports its security groups open to the host's clients, as of now */
  openPorts(): Promise<number[]>;
}

export class DriverLaunchError extends Error {
  constructor(
    /** the instance's stateReason code, e.g. Server.InternalError */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An instance and the node its VM is on. */
export interface PlacedInstance {
  instanceId: string;
  nodeId?: string | null;
  /** when it last started running */
  runningSince?: string | null;
}

/** DescribeInstanceStatus' two checks, as the driver sees the VM. */
export interface InstanceHealth {
  /** the host side: is the VM process alive */
  system: 'ok' | 'impaired' | 'initializing';
  /** the guest: has its OS come up (reachability) */
  instance: 'ok' | 'impaired' | 'initializing';
  /** when the failing check started failing */
  impairedSince?: Date;
}

/** What a driver reports on its own, outside any API call. */
export interface DriverListener {
  /** the guest powered itself off (shutdown -h): EC2 applies InstanceInitiatedShutdownBehavior */
  guestShutdown(instanceId: string): void;
}

/** A VM this node runs, as operator metrics count it. */
export interface LocalVm {
  instanceId: string;
  vcpus: number;
  memoryMiB: number;
  /** its host process, when it has one */
  pid?: number;
}

export interface InstanceDriver {
  readonly name: string;
  /** whether running instances get public addresses from the pool (and ports forwarded to them) */
  readonly publicNetwork: boolean;
  /** memory for all running instances, MiB; a launch beyond it is InsufficientInstanceCapacity */
  readonly memoryBudgetMiB?: number;
  /** false when `start` opens no volume (nothing boots): a launch's volumes then become in-use in the commit that makes its instances run, not in one before */
  readonly opensVolumes?: boolean;
  /** brings the instance up (launch and StartInstances); resolves once it runs */
  start(instance: DriverInstance): Promise<void>;
  /** shuts it down (StopInstances; `force` skips the guest's shutdown); true once it is down */
  stop(instance: DriverInstance, options: { force: boolean }): Promise<boolean>;
  /** RebootInstances: asks the guest to reboot (hard reset if it does not); returns at once */
  reboot(instance: DriverInstance): Promise<void>;
  /** TerminateInstances: stops it for good (its volumes are handled by EC2 afterwards); true once down */
  terminate(instance: DriverInstance): Promise<boolean>;
  /** the serial console so far (GetConsoleOutput), raw bytes; empty when nothing ran */
  consoleOutput(instanceId: string): Promise<Buffer>;
  /** the VM's checks; undefined when the driver has nothing to say (EC2 then reports its own) */
  health(instanceId: string): InstanceHealth | undefined;
  /**
   * The cumulative counters of an instance's VM running on this node (its metrics: each node
   * samples its own VMs); undefined when it has none here. Absent on drivers that run nothing.
   */
  counters?(instanceId: string): Promise<VmCounters | undefined>;
  /** the VMs running on this node (operator metrics: src/metrics/); absent on drivers that run nothing */
  localVms?(): LocalVm[];
  /** several instances' checks wherever they run (several nodes: the cluster driver asks their nodes) */
  healthOf?(instances: readonly PlacedInstance[]): Promise<Map<string, InstanceHealth | undefined>>;
  /**
   * Holds the guest still for a consistent image (CreateImage): with `clean`, the guest is shut
   * down (a hard pause if it does not within `timeoutMs`), else paused at once; either way its
   * writes are flushed to the volumes. The returned function starts it again.
   */
  quiesce(instance: DriverInstance, options: { clean: boolean; timeoutMs: number }): Promise<() => Promise<void>>;
  /** its security groups or their rules changed: re-apply what reaches it */
  networkChanged(instance: DriverInstance): Promise<void>;
  /** AttachVolume / DetachVolume while it runs */
  volumeAttached(instance: DriverInstance, volume: DriverVolume): Promise<void>;
  volumeDetached(instance: DriverInstance, volumeId: string): Promise<void>;
  listen(listener: DriverListener): void;
  /** instances gone for good (terminated and purged): what the driver kept of them goes */
  forget(instanceIds: readonly string[]): Promise<void>;
  /** server shutdown: every VM is shut down (they come back with `start` after a restart) */
  close(): Promise<void>;
}
