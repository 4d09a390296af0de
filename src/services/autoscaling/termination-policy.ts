// Which instances go when a group scales in (the documented order): keep the zones balanced —
// always take from the zone with the most instances — then apply the group's termination
// policies in order (Default = oldest launch template, then closest to the next instance hour).
// A group on a launch configuration takes the instances not launched from it first.
import type { LaunchTemplateSpecification } from '../../api/autoscaling/types.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';

type Compare = (a: GroupInstanceRow, b: GroupInstanceRow) => number;

/** What the group launches from now: a template version, or a launch configuration. */
export type CurrentSource = { templateId: string; version: number } | { launchConfiguration: string };

const version = (m: GroupInstanceRow) => (m.launch_template ? (JSON.parse(m.launch_template) as LaunchTemplateSpecification) : undefined);

function comparators(policies: readonly string[], current: CurrentSource | undefined, now: number): Compare[] {
  const oldestTemplate: Compare = (a, b) => {
    const rank = (m: GroupInstanceRow) => {
      if (current && 'launchConfiguration' in current) return m.launch_configuration === current.launchConfiguration ? 1 : 0;
      const lt = version(m);
      if (!current || !lt) return 0;
      // instances not on the current template version go first, the oldest versions first
      return lt.LaunchTemplateId === current.templateId && Number(lt.Version) === current.version ? Number.MAX_SAFE_INTEGER : Number(lt.Version ?? 0);
    };
    return rank(a) - rank(b);
  };
  const toNextHour = (m: GroupInstanceRow) => 3600_000 - ((now - Date.parse(m.launched_at)) % 3600_000);
  const closestToHour: Compare = (a, b) => toNextHour(a) - toNextHour(b);
  const oldest: Compare = (a, b) => Date.parse(a.launched_at) - Date.parse(b.launched_at);
  const out: Compare[] = [];
  for (const p of policies) {
    if (p === 'OldestLaunchTemplate' || p === 'OldestLaunchConfiguration') out.push(oldestTemplate);
    else if (p === 'OldestInstance') out.push(oldest);
    else if (p === 'NewestInstance') out.push((a, b) => -oldest(a, b));
    else if (p === 'ClosestToNextInstanceHour') out.push(closestToHour);
    else if (p === 'Default') out.push(oldestTemplate, closestToHour);
  }
  return out;
}

/**
 * `count` instances out of `candidates`, zone by zone. `population` is everything that counts
 * for the balance (candidates included).
 */
export function pickVictims(
  population: readonly GroupInstanceRow[],
  candidates: readonly GroupInstanceRow[],
  count: number,
  policies: readonly string[],
  current?: CurrentSource,
  now = Date.now(),
): GroupInstanceRow[] {
  const chain = comparators(policies, current, now);
  const order: Compare = (a, b) => {
    for (const c of chain) {
      const d = c(a, b);
      if (d !== 0) return d;
    }
    return a.instance_id < b.instance_id ? -1 : a.instance_id > b.instance_id ? 1 : 0;
  };
  const perZone = new Map<string, number>();
  for (const m of population) perZone.set(m.availability_zone, (perZone.get(m.availability_zone) ?? 0) + 1);
  const left = [...candidates];
  const picked: GroupInstanceRow[] = [];
  while (picked.length < count && left.length) {
    let zone: string | undefined;
    for (const m of left) if (zone === undefined || (perZone.get(m.availability_zone) ?? 0) > (perZone.get(zone) ?? 0)) zone = m.availability_zone;
    const victim = left.filter((m) => m.availability_zone === zone).sort(order)[0];
    picked.push(victim);
    left.splice(left.indexOf(victim), 1);
    perZone.set(victim.availability_zone, (perZone.get(victim.availability_zone) ?? 1) - 1);
  }
  return picked;
}
