// What runs an instance. The EC2 side owns the API state machine (pending -> running, stopping
// -> stopped, shutting-down -> terminated), the volumes and the durable jobs; a driver is told
// when an instance must come up or go down and answers when it has. Drivers:
//
//   none   the state machine only: nothing boots, but the volumes are real (readable and
//          writable through NBD) and everything else behaves as on AWS
//   (a VM driver later: boots the root volume with qemu over NBD, serves the metadata service)
//
// Hooks run inside durable jobs, so each may be called again after a crash: they must be
// idempotent (start of a running VM, stop of a stopped one: no-ops). A hook that throws leaves
// the transition to be retried with back-off; `start` failing with DriverLaunchError ends the
// launch (the instance terminates, or on StartInstances goes back to stopped) with its reason.
import type { InstanceMetadata } from './instance-metadata.js';
import type { VolumeDevice } from '../blocks/volume-device.js';

export interface DriverVolume {
  /** the device name the instance sees, e.g. /dev/xvda */
  deviceName: string;
  volumeId: string;
  /** opens the volume as a block device (shared with NBD and snapshots); release when done */
  open(): Promise<{ device: VolumeDevice; release: () => Promise<void> }>;
}

export interface DriverInstance {
  instanceId: string;
  accountId: string;
  region: string;
  availabilityZone: string;
  instanceType: { name: string; vcpus: number; memoryMiB: number };
  architecture: string;
  /** legacy-bios | uefi */
  bootMode: string;
  rootDeviceName: string;
  /** the EBS volumes attached now (AttachVolume and DetachVolume change them while it runs) */
  volumes(): Promise<DriverVolume[]>;
  /** the user data, decoded (undefined when none was given) */
  userData?: Buffer;
  /** what the instance metadata service (169.254.169.254) answers, as of now */
  metadata(): Promise<InstanceMetadata>;
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

export interface InstanceDriver {
  readonly name: string;
  /** brings the instance up (launch and StartInstances); resolves once it runs */
  start(instance: DriverInstance): Promise<void>;
  /** shuts it down (StopInstances; `force` skips the guest's shutdown) */
  stop(instance: DriverInstance, options: { force: boolean }): Promise<void>;
  /** RebootInstances: the instance stays `running` in the API */
  reboot(instance: DriverInstance): Promise<void>;
  /** TerminateInstances: stops it for good; its volumes are handled by EC2 afterwards */
  terminate(instance: DriverInstance): Promise<void>;
  /** the serial console so far (GetConsoleOutput), raw text; empty when nothing ran */
  consoleOutput(instanceId: string): Promise<string>;
}
