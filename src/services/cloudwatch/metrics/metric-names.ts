// The rules AWS applies wherever a metric is named or read (PutMetricData, queries, alarms): at
// most 30 dimensions, each name once; periods of 1, 5, 10, 20, 30 seconds or whole minutes.
import { invalidParameterValue } from '../cloudwatch-errors.js';
import type { Dimension } from './metric-store.js';

export const MAX_DIMENSIONS = 30;

export function checkDimensions(dimensions: readonly Dimension[], at: string): void {
  if (dimensions.length > MAX_DIMENSIONS) throw invalidParameterValue(`The collection ${at} must not have a size greater than ${MAX_DIMENSIONS}.`);
  const names = new Set<string>();
  for (const d of dimensions) {
    if (names.has(d.name)) throw invalidParameterValue('No metric may specify the same dimension name twice.');
    names.add(d.name);
  }
}

/** The canonical key of a dimension set: sorted by name, so order never makes two metrics. */
export function dimensionKey(dimensions: readonly Dimension[]): string {
  return JSON.stringify([...dimensions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((d) => [d.name, d.value]));
}

/** Periods allowed: 1, 5, 10, 20, 30 (high resolution) or a multiple of 60 seconds. */
export function checkPeriod(period: number, at = 'Period'): void {
  if (!Number.isInteger(period) || period < 1 || (period < 60 ? ![1, 5, 10, 20, 30].includes(period) : period % 60 !== 0)) {
    throw invalidParameterValue(`The parameter ${at} must be a multiple of 60.`);
  }
}
