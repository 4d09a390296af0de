// DescribeRegions and DescribeAvailabilityZones: the static catalog of AWS commercial regions.
// Every region is enabled in Imago, so opt-in regions report `opted-in`.
import type { AvailabilityZone, Operations, Region as RegionOut } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import { REGIONS, findRegion, type Region } from '../../../config/regions.js';
import { compileFilters } from '../filters.js';
import { invalidParameterValue } from '../ec2-errors.js';

function regionOut(r: Region): RegionOut {
  return {
    RegionName: r.name,
    Endpoint: `ec2.${r.name}.amazonaws.com`,
    OptInStatus: r.optIn ? 'opted-in' : 'opt-in-not-required',
  };
}

function zonesOf(region: Region): AvailabilityZone[] {
  return region.zones.map((z) => ({
    ZoneName: z.name,
    ZoneId: z.id,
    State: 'available',
    RegionName: region.name,
    ZoneType: 'availability-zone',
    OptInStatus: 'opt-in-not-required',
    GroupName: `${region.name}-zg-1`,
    GroupLongName: `${region.description} 1`,
    NetworkBorderGroup: region.name,
    Messages: [],
  }));
}

export const regionHandlers: HandlerMap<Operations> = {
  DescribeRegions(_ctx, input) {
    for (const name of input.RegionNames ?? []) {
      if (!findRegion(name)) throw invalidParameterValue(`Invalid region: ${name}`);
    }
    const wanted = input.RegionNames?.length ? new Set(input.RegionNames) : undefined;
    const match = compileFilters<RegionOut>(input.Filters, {
      fields: {
        endpoint: (r) => r.Endpoint,
        'opt-in-status': (r) => r.OptInStatus,
        'region-name': (r) => r.RegionName,
      },
    });
    const Regions = REGIONS.filter((r) => !wanted || wanted.has(r.name))
      .map(regionOut)
      .filter(match);
    return { Regions };
  },

  DescribeAvailabilityZones(ctx, input) {
    const region = findRegion(ctx.region)!;
    const zones = zonesOf(region);
    for (const name of input.ZoneNames ?? []) {
      if (!zones.some((z) => z.ZoneName === name)) throw invalidParameterValue(`Invalid availability zone: [${name}]`);
    }
    for (const id of input.ZoneIds ?? []) {
      if (!zones.some((z) => z.ZoneId === id)) throw invalidParameterValue(`Invalid availability zone ID: [${id}]`);
    }
    const names = new Set(input.ZoneNames ?? []);
    const ids = new Set(input.ZoneIds ?? []);
    const match = compileFilters<AvailabilityZone>(input.Filters, {
      fields: {
        'group-name': (z) => z.GroupName,
        'group-long-name': (z) => z.GroupLongName,
        message: () => undefined,
        'network-border-group': (z) => z.NetworkBorderGroup,
        'opt-in-status': (z) => z.OptInStatus,
        'parent-zone-id': (z) => z.ParentZoneId,
        'parent-zone-name': (z) => z.ParentZoneName,
        'region-name': (z) => z.RegionName,
        state: (z) => z.State,
        'zone-id': (z) => z.ZoneId,
        'zone-name': (z) => z.ZoneName,
        'zone-type': (z) => z.ZoneType,
      },
    });
    const AvailabilityZones = zones
      .filter((z) => (names.size === 0 && ids.size === 0) || names.has(z.ZoneName!) || ids.has(z.ZoneId!))
      .filter(match);
    return { AvailabilityZones };
  },
};
