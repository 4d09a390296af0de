// The signed-in session: the access key pair and the region, in this tab's sessionStorage only
// (gone when the tab closes; never in localStorage, cookies or the URL).
import type { Credentials } from './sigv4.js';

export interface Session extends Credentials {
  region: string;
  /** the account, from sts:GetCallerIdentity at sign-in */
  accountId?: string;
  /** the caller's ARN, shown in the header */
  arn?: string;
}

const KEY = 'imago.console.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
