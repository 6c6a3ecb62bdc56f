/**
 * FHIR dates as ranges (http://hl7.org/fhir/R4/search.html#date): a value stands for the whole
 * period its precision names — `2025` the year, `2025-03` the month, `2025-03-04` the day,
 * `2025-03-04T08:30` the minute. Values without a time zone are Vietnam time (UTC+07:00), as the
 * facilities that send them write them. Ranges are half-open: [lo, hi).
 */

/** A period of time, `hi` exclusive; null ends are unbounded. */
export interface DateRange {
  lo: Date | null;
  hi: Date | null;
}

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const DEFAULT_ZONE = '+07:00';

function offsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

/** The range a FHIR date, dateTime or instant stands for; undefined when it is not one. */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  const shift = offsetMinutes(zone ?? DEFAULT_ZONE) * 60_000;
  const local = (yy: number, mm: number, dd: number, hh = 0, mn = 0, ss = 0, ms = 0) => new Date(Date.UTC(yy, mm - 1, dd, hh, mn, ss, ms) - shift);
  const lo = local(year, month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), frac ? Math.floor(Number(frac) * 1000) : 0);
  if (d !== undefined && new Date(Date.UTC(year, month - 1, day)).getUTCMonth() !== month - 1) return undefined; // 2025-02-30
  let hi: Date;
  if (!mo) hi = local(year + 1, 1, 1);
  else if (!d) hi = local(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1);
  else if (h === undefined) hi = new Date(lo.getTime() + 86_400_000);
  else if (s === undefined) hi = new Date(lo.getTime() + 60_000);
  else if (!frac) hi = new Date(lo.getTime() + 1000);
  else hi = new Date(lo.getTime() + 1);
  return { lo, hi };
}

/** A Period (start, end) as a range; an open end is unbounded (an encounter still in progress). */
export function periodRange(start: string | undefined, end: string | undefined): DateRange | undefined {
  const s = start ? dateRange(start) : undefined;
  const e = end ? dateRange(end) : undefined;
  if (!s && !e) return undefined;
  return { lo: s?.lo ?? null, hi: e?.hi ?? null };
}

/** Search prefixes supported (http://hl7.org/fhir/R4/search.html#prefix); `ap` is not. */
export const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/** `ge2025-03-01` → prefix and range; undefined when the value is not a date with a known prefix. */
export function parseDateSearch(raw: string): { prefix: DatePrefix; range: { lo: Date; hi: Date } } | undefined {
  const head = raw.slice(0, 2);
  const prefix = (DATE_PREFIXES as readonly string[]).includes(head) ? (head as DatePrefix) : 'eq';
  const range = dateRange(prefix === 'eq' && head !== 'eq' ? raw : raw.slice(2));
  if (!range?.lo || !range.hi) return undefined;
  return { prefix, range: { lo: range.lo, hi: range.hi } };
}
