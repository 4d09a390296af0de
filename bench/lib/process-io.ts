// What a process has written and how much memory it held, from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** Bytes the process caused to be written to storage (`write_bytes` in /proc/PID/io), if known. */
export function bytesWritten(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /^write_bytes:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Current and peak resident set size in MiB (VmRSS, VmHWM), if known. */
export function residentMiB(pid: number | undefined): { now: number; peak: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) the process has used so far (/proc/PID/stat), if known; with
 * `reaped`, plus what its exited children used (once it waited for them: a PostgreSQL
 * postmaster's finished backends).
 */
export function cpuSeconds(pid: number | undefined, reaped = false): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (utime + stime + (reaped ? cutime + cstime : 0)) / CLOCK_TICKS;
}

/** The fields of /proc/PID/stat after the command name (field 3, the state, first). */
function statFields(pid: number | string | undefined): string[] | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** USER_HZ: Linux reports CPU times in hundredths of a second on every platform Node runs on. */
const CLOCK_TICKS = 100;

/** The children of `parent` (one level: a PostgreSQL postmaster's backends). */
export function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(statFields(entry)?.[1]) === parent)
    .map(Number);
}
