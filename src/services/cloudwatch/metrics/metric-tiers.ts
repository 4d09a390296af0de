// AWS's retention of metric data as four tiers of per-period aggregates:
//
//   tier  period  kept        written for
//   1     1 s     3 hours     high-resolution data (StorageResolution 1)
//   60    1 min   15 days     every datum
//   300   5 min   63 days     every datum
//   3600  1 hour  455 days    every datum (15 months)
//
// Rollups are written through: a datum adds to its period in every tier at PutMetricData time
// (one upsert per tier), so a coarse tier is exact at once and late data (up to two weeks back)
// needs no re-rollup. The durable expiry job (metric-expiry.ts) deletes each tier's periods once
// older than its retention — what AWS does when it "rolls up" old data, since the coarser periods
// already exist. Raw values for percentiles (extended statistics) are kept in tiers 1 and 60
// only: percentiles of periods older than 15 days are not available (AWS keeps them approximated;
// Imago omits them, documented in README).
export const TIERS = [1, 60, 300, 3600] as const;
export type Tier = (typeof TIERS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const RETENTION_MS: Record<Tier, number> = { 1: 3 * HOUR, 60: 15 * DAY, 300: 63 * DAY, 3600: 455 * DAY };

/** tiers whose rows keep raw values (percentiles) */
export const VALUE_TIERS: ReadonlySet<Tier> = new Set<Tier>([1, 60]);

/** The tiers a datum of this storage resolution is written to. */
export const tiersFor = (resolution: 1 | 60): readonly Tier[] => (resolution === 1 ? TIERS : TIERS.slice(1));

/**
 * The tier a query of `periodSeconds` starting at `start` reads: below a minute the 1-second tier
 * (high-resolution data only); else the finest whole-minute tier that divides the period and still
 * holds data from `start`, or the finest that divides it (its older part expired). Every datum
 * is in the minute tiers, so a period of a minute or more sees high-resolution data too.
 */
export function tierFor(periodSeconds: number, start: Date, now: Date): Tier {
  if (periodSeconds < 60) return 1;
  const dividing = TIERS.filter((t) => t >= 60 && periodSeconds % t === 0);
  return dividing.find((t) => start.getTime() >= now.getTime() - RETENTION_MS[t]) ?? dividing[dividing.length - 1] ?? 60;
}

/**
 * Where a query's periods start: AWS rounds the start time down — to the second within 3 hours
 * (high resolution), to the minute within 15 days, 5 minutes within 63 days, else the hour — and
 * then to the period when the period is a whole number of those.
 */
export function alignedStart(start: Date, periodSeconds: number, now: Date): number {
  const age = now.getTime() - start.getTime();
  const unit = age <= RETENTION_MS[1] && periodSeconds < 60 ? 1 : age <= RETENTION_MS[60] ? 60 : age <= RETENTION_MS[300] ? 300 : 3600;
  const step = unit * 1000;
  return Math.floor(start.getTime() / step) * step;
}
