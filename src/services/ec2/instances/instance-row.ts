// An instance as stored: indexed columns (InstancesTable) plus `spec`, the launch facts that
// are read back but never queried. The state machine (Appendix C of the spec, EC2 User Guide
// "Instance state changes"):
//
//   pending --> running --stop--> stopping --> stopped --start--> pending
//      |           |--terminate--> shutting-down --> terminated (visible ~1 h, then gone)
//      `-- launch failure (e.g. KMS) --> shutting-down --> terminated
import type { InstanceRow } from '../../../store/repos/instances.js';
import { ec2Error } from '../ec2-errors.js';
import { isId } from '../resource-ids.js';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export const LIVE_STATES: InstanceStateName[] = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

export interface MetadataOptions {
  httpTokens: 'optional' | 'required';
  hopLimit: number;
  httpEndpoint: 'enabled' | 'disabled';
  httpProtocolIpv6: 'enabled' | 'disabled';
  instanceMetadataTags: 'enabled' | 'disabled';
}

export interface InstanceSpec {
  virtualizationType: string;
  hypervisor: string;
  platform?: string;
  platformDetails: string;
  usageOperation: string;
  bootMode?: string;
  currentBootMode: 'legacy-bios' | 'uefi';
  enaSupport: boolean;
  sriovNetSupport?: string;
  tpmSupport?: string;
  kernelId?: string;
  ramdiskId?: string;
  productCodes: { code: string; type: string }[];
  ebsOptimized: boolean;
  sourceDestCheck: boolean;
  /** detailed monitoring (metrics every minute) */
  monitoring: boolean;
  /** a Monitor/UnmonitorInstances change reports pending/disabling until then (ISO) */
  monitoringSettlesAt?: string;
  metadata: MetadataOptions;
  cpu: { coreCount: number; threadsPerCore: number };
  hibernation: boolean;
  tenancy: string;
  iamInstanceProfile?: { arn: string; id: string };
  /** instance-store devices from the image or the request (`ephemeral0` …) */
  instanceStore: { deviceName: string; virtualName: string }[];
  launchTemplate?: { id: string; name: string; version: string };
  /** its subnet's and VPC's primary blocks (absent on instances from before: the default VPC's) */
  network?: { subnetCidr: string; vpcCidr: string };
  /** whether it takes a public address when it runs (absent on instances from before: no) */
  associatePublicIp?: boolean;
  creditSpecification?: string;
  /** who launched on the owner's behalf (an Auto Scaling group), if not the owner */
  requesterId?: string;
  /** hash of the RunInstances parameters that came with the ClientToken */
  requestHash?: string;
  /** how often RebootInstances ran (the none driver has nothing else to show for it) */
  reboots?: number;
}

// a reservation's instances share one spec text: parse each text once (read-only results)
const parsed = new Map<string, Readonly<InstanceSpec>>();

export function specOf(row: Pick<InstanceRow, 'spec'>): Readonly<InstanceSpec> {
  let spec = parsed.get(row.spec);
  if (!spec) {
    if (parsed.size >= 2000) parsed.clear();
    spec = Object.freeze(JSON.parse(row.spec) as InstanceSpec);
    parsed.set(row.spec, spec);
  }
  return spec;
}

export const groupsOf = (row: Pick<InstanceRow, 'security_groups'>): string[] => JSON.parse(row.security_groups) as string[];

export function stateOf(row: Pick<InstanceRow, 'state'>): { Code: number; Name: InstanceStateName } {
  const name = row.state as InstanceStateName;
  return { Code: STATE_CODES[name], Name: name };
}

export function instanceNotFound(ids: string | readonly string[]) {
  const list = typeof ids === 'string' ? [ids] : ids;
  return list.length === 1
    ? ec2Error('InvalidInstanceID.NotFound', `The instance ID '${list[0]}' does not exist`)
    : ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${list.join(', ')}' do not exist`);
}

export function assertInstanceId(id: string): void {
  if (!isId('i', id)) throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
}
