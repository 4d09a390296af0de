// Where a group's instances go: AvailabilityZones and/or VPCZoneIdentifier (comma-separated
// subnets) resolved to zones, the zone with the fewest instances chosen for each launch (AZ
// balance), and subnets within a zone used in turn.
import { findRegion } from '../../config/regions.js';
import type { Scope } from '../../store/scope.js';
import { validationError } from './asg-errors.js';

export interface SubnetRef {
  subnetId: string;
  zone: string;
}

/** Finds a subnet the caller owns (the networking service provides it; server.ts wires it). */
export type SubnetLookup = (caller: Scope, subnetId: string) => Promise<SubnetRef | undefined>;

/** Until networking is wired no subnet exists: VPCZoneIdentifier answers AWS's not-found error. */
export const noSubnets: SubnetLookup = async () => undefined;

export interface Placement {
  zones: string[];
  subnets: SubnetRef[];
}

export async function resolvePlacement(caller: Scope, lookup: SubnetLookup, zones: string[] | undefined, vpcZoneIdentifier: string | undefined): Promise<Placement> {
  const regionZones = findRegion(caller.region)?.zones.map((z) => z.name) ?? [];
  for (const z of zones ?? []) if (!regionZones.includes(z)) throw validationError(`Invalid Availability Zone [${z}]`);
  const subnetIds = (vpcZoneIdentifier ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!zones?.length && !subnetIds.length) throw validationError('At least one Availability Zone or VPC Subnet is required.');
  const subnets: SubnetRef[] = [];
  for (const id of new Set(subnetIds)) {
    const s = await lookup(caller, id);
    if (!s) throw validationError(`The subnet ID '${id}' does not exist`);
    subnets.push(s);
  }
  if (subnets.length && zones?.length) {
    const outside = subnets.find((s) => !zones.includes(s.zone));
    if (outside) throw validationError(`The subnet '${outside.subnetId}' is in Availability Zone ${outside.zone}, which is not one of the group's Availability Zones.`);
  }
  const ordered = subnets.length ? [...new Set(subnets.map((s) => s.zone))] : [...new Set(zones)];
  return { zones: ordered.sort(), subnets };
}

/** The zone (and subnet) for the next launch: fewest instances first, then zone order. */
export function nextSlot(placement: Placement, counts: Map<string, number>, subnetCounts: Map<string, number>): { zone: string; subnetId?: string } {
  let zone = placement.zones[0];
  for (const z of placement.zones) if ((counts.get(z) ?? 0) < (counts.get(zone) ?? 0)) zone = z;
  const inZone = placement.subnets.filter((s) => s.zone === zone);
  if (!inZone.length) return { zone };
  let subnet = inZone[0];
  for (const s of inZone) if ((subnetCounts.get(s.subnetId) ?? 0) < (subnetCounts.get(subnet.subnetId) ?? 0)) subnet = s;
  return { zone, subnetId: subnet.subnetId };
}
