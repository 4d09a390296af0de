// What Auto Scaling needs from EC2 instances, as an interface: launch one instance from a
// launch template version in a zone, terminate instances, and read their states. The server
// wires it to the instance service's domain API (instance-compute.ts); unit tests use a fake.
// Launch failures are thrown as the EC2 ServiceError (code and message become the activity's
// status message).
import type { Scope } from '../../store/scope.js';
import type { LaunchConfigData } from './launch-configs.js';

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface LaunchRequest {
  /** the launch template version it launches from (else a launch configuration) */
  launchTemplate?: { id: string; version: number };
  /** the launch configuration it launches from: its name and parameters */
  launchConfiguration?: { name: string; data: LaunchConfigData };
  zone: string;
  subnetId?: string;
  /** the group's PropagateAtLaunch tags plus aws:autoscaling:groupName; they win over the template's instance tags */
  tags: { Key: string; Value: string }[];
  /** a MixedInstancesPolicy override */
  instanceType?: string;
  imageId?: string;
  /** RunInstances' ClientToken: the same launch sent again after a crash starts nothing new */
  clientToken: string;
}

export interface LaunchedInstance {
  instanceId: string;
  zone: string;
  subnetId?: string;
  instanceType?: string;
  imageId?: string;
}

export interface AsgCompute {
  launch(caller: Scope, req: LaunchRequest): Promise<LaunchedInstance>;
  /** idempotent: terminated or unknown instances are ignored */
  terminate(caller: Scope, instanceIds: readonly string[]): Promise<void>;
  /** states of the instances that still exist (absent = gone) */
  states(caller: Scope, instanceIds: readonly string[]): Promise<Map<string, InstanceState>>;
  /** the running ones whose EC2 status checks fail (system or instance check impaired) */
  impaired?(caller: Scope, instanceIds: readonly string[]): Promise<Set<string>>;
  /** StopInstances / StartInstances for warm pools (without them a pool keeps its instances running) */
  stop?(caller: Scope, instanceIds: readonly string[]): Promise<void>;
  start?(caller: Scope, instanceIds: readonly string[]): Promise<void>;
  /** what AttachInstances checks: the caller's instances that exist, with state and placement */
  describe?(caller: Scope, instanceIds: readonly string[]): Promise<Map<string, InstanceDetails>>;
}

export interface InstanceDetails {
  state: InstanceState;
  zone: string;
  instanceType?: string;
  imageId?: string;
  launchTime?: string;
}
