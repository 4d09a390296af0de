// Date condition values: the W3C profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, then
// Thh:mm[:ss[.fraction]] with Z or ±hh:mm; a time without a zone is UTC) or epoch seconds.
// Both sides of a Date* comparison become milliseconds since the epoch.

const ISO =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/i;

const EPOCH = /^\d+(?:\.\d+)?$/;

/** Milliseconds since the epoch, or NaN when the text is neither form. */
export function parseDateValue(text: string): number {
  if (EPOCH.test(text)) return Number(text) * 1000;
  const m = ISO.exec(text);
  if (!m) return NaN;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Math.floor(Number(`0.${frac || '0'}`) * 1000));
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offset * 60_000;
  }
  return ms;
}
