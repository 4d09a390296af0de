// Host capacity: a driver that runs VMs has a memory budget for all of them, and an instance
// holds its type's memory from launch until it is stopped or terminated. A launch or start
// that does not fit fails as AWS's does when a zone has no capacity left —
// InsufficientInstanceCapacity, HTTP 500 (a server error: SDKs retry it) — and changes
// nothing. Launches of MinCount..MaxCount take as many as fit. With several nodes the budget is
// this node's, for the instances placed on it.
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import type { Store } from '../../../store/store.js';
import { ec2Error } from '../ec2-errors.js';
import { typeFacts } from './instance-types.js';

const memoryOf = (instanceType: string) => typeFacts(instanceType)?.memoryMiB ?? 1024;

export const insufficientCapacity = (instanceType: string, zone: string) =>
  ec2Error(
    'InsufficientInstanceCapacity',
    `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity.`,
    500,
  );

/** Memory free for new instances, MiB (Infinity when the driver has no budget). */
async function freeMemoryMiB(store: Store, driver: InstanceDriver, node: string | undefined): Promise<number> {
  if (driver.memoryBudgetMiB === undefined) return Infinity;
  let used = 0;
  for (const [type, n] of await store.instances.runningTypes(node)) used += memoryOf(type) * n;
  return driver.memoryBudgetMiB - used;
}

/** How many of `max` instances of a type fit now. */
export async function fittingCount(store: Store, driver: InstanceDriver, instanceType: string, max: number, node?: string): Promise<number> {
  const free = await freeMemoryMiB(store, driver, node);
  return free === Infinity ? max : Math.max(0, Math.min(max, Math.floor(free / memoryOf(instanceType))));
}

/** Throws InsufficientInstanceCapacity unless all of them fit together. */
export async function assertCapacity(store: Store, driver: InstanceDriver, instances: { instanceType: string; zone: string }[], node?: string): Promise<void> {
  if (instances.length === 0 || driver.memoryBudgetMiB === undefined) return;
  let free = await freeMemoryMiB(store, driver, node);
  for (const i of instances) {
    free -= memoryOf(i.instanceType);
    if (free < 0) throw insufficientCapacity(i.instanceType, i.zone);
  }
}
