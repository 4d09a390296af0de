// Unix cron (the five fields AWS's scheduled actions take: minute, hour, day of month, month,
// day of week) evaluated in an IANA time zone through Node's Intl, no library. Fields take `*`,
// numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists, and month and weekday names (JAN,
// SUN; 0 and 7 are both Sunday). As in Vixie cron, when day of month and day of week are both
// restricted a day matching either fires. Across DST: a wall-clock time the change skips does
// not fire that day, one it repeats fires once, at its first occurrence.

export interface CronSchedule {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** day of month and day of week both restricted: either matches */
  either: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class CronError extends Error {}

function field(text: string, min: number, max: number, names: string[] = [], nameBase = 0): number[] {
  const value = (s: string): number => {
    const i = names.indexOf(s.toUpperCase());
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s)) throw new CronError(`'${s}' is not a number`);
    const n = Number(s);
    if (n < min || n > max) throw new CronError(`${n} is outside ${min}-${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new CronError(`'${part}' is not a cron field`);
    const step = stepText === undefined ? 1 : value(stepText);
    if (step < 1) throw new CronError('a step must be at least 1');
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw new CronError(`'${range}' is an empty range`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

export function parseCron(expr: string): CronSchedule {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError('a cron expression has five fields: minute hour day-of-month month day-of-week');
  const [m, h, dom, mon, dow] = parts;
  const weekdays = new Set(field(dow, 0, 7, WEEKDAYS).map((d) => d % 7));
  return {
    minutes: field(m, 0, 59),
    hours: field(h, 0, 23),
    days: new Set(field(dom, 1, 31)),
    months: new Set(field(mon, 1, 12, MONTHS, 1)),
    weekdays,
    either: !dom.startsWith('*') && !dow.startsWith('*'),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `timeZone` at instant `ms`, as milliseconds of a UTC date with those fields. */
function wall(ms: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(new Date(ms))) if (type !== 'literal') p[type] = Number(value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** The first instant showing wall-clock time `local` in the zone, or undefined in a DST gap. */
function instantOf(local: number, timeZone: string): number | undefined {
  // the zone's offsets a day either side (a DST change between them makes two candidates)
  const offsets = [wall(local - DAY, timeZone) - (local - DAY), wall(local + DAY, timeZone) - (local + DAY)];
  const candidates = [...new Set(offsets.map((o) => local - o))].sort((a, b) => a - b);
  return candidates.find((c) => wall(c, timeZone) === local);
}

const DAY = 86_400_000;
/** far enough for every real schedule (a 29 February on a Monday recurs within 28 years) */
const HORIZON_DAYS = 366 * 30;

/** The first time after `after` (strictly) the schedule fires in `timeZone`; undefined if never. */
export function nextFire(schedule: CronSchedule, after: Date, timeZone = 'UTC'): Date | undefined {
  const afterMs = after.getTime();
  const startLocal = wall(afterMs, timeZone);
  let day = Math.floor(startLocal / DAY) * DAY;
  for (let i = 0; i < HORIZON_DAYS; i++, day += DAY) {
    const d = new Date(day);
    if (!schedule.months.has(d.getUTCMonth() + 1)) continue;
    const domOk = schedule.days.has(d.getUTCDate());
    const dowOk = schedule.weekdays.has(d.getUTCDay());
    if (schedule.either ? !(domOk || dowOk) : !(domOk && dowOk)) continue;
    for (const h of schedule.hours) {
      for (const m of schedule.minutes) {
        const local = day + h * 3600_000 + m * 60_000;
        if (local < startLocal - 3 * 3600_000) continue; // far before `after` even across a DST change
        const at = instantOf(local, timeZone);
        if (at !== undefined && at > afterMs) return new Date(at);
      }
    }
  }
  return undefined;
}
