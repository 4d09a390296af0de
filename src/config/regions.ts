// The regions and zones Imago serves: every AWS commercial region (src/api/regions.json,
// generated from the pinned SDK's partition data and model/regions.json).
import { readFileSync } from 'node:fs';

export interface Zone {
  name: string;
  id: string;
}

export interface Region {
  name: string;
  description: string;
  optIn: boolean;
  zones: Zone[];
}

const data = JSON.parse(readFileSync(new URL('../api/regions.json', import.meta.url), 'utf8')) as { regions: Region[] };

export const REGIONS: readonly Region[] = data.regions;
const byName = new Map(REGIONS.map((r) => [r.name, r]));
const zoneByName = new Map(REGIONS.flatMap((r) => r.zones.map((z) => [z.name, { region: r, zone: z }] as const)));
const zoneById = new Map(REGIONS.flatMap((r) => r.zones.map((z) => [z.id, { region: r, zone: z }] as const)));

export function findRegion(name: string): Region | undefined {
  return byName.get(name);
}

export function findZone(nameOrId: string): { region: Region; zone: Zone } | undefined {
  return zoneByName.get(nameOrId) ?? zoneById.get(nameOrId);
}
