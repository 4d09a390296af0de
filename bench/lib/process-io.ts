// What a process has written and how much memory it held, from /proc (Linux).
import { readFileSync } from 'node:fs';

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
