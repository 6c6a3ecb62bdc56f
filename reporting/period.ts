/**
 * Reporting periods in Vietnam days (UTC+7, no daylight saving): `from` inclusive, `to` exclusive,
 * both `YYYY-MM-DD`. A reporting month may start on another day than the 1st: the Quảng Ngãi report
 * of February 2023 counts from 10/01/2023 to 09/02/2023 (REPORT_MONTH_START_DAY=10).
 */
export interface DayPeriod {
  from: string;
  to: string;
}

const VN_OFFSET_MS = 7 * 3600_000;

/** The Vietnam calendar day of an instant. */
export function vnDay(t: Date): string {
  return new Date(t.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** `day` plus `n` days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM` plus `n` months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/**
 * The reporting month `YYYY-MM`: the calendar month when `startDay` is 1; otherwise from `startDay`
 * of the previous month to the day before `startDay` of this one (the month is named by its end).
 */
export function reportingMonth(month: string, startDay = 1): DayPeriod {
  if (startDay <= 1) return { from: `${month}-01`, to: `${addMonths(month, 1)}-01` };
  const dd = String(startDay).padStart(2, '0');
  return { from: `${addMonths(month, -1)}-${dd}`, to: `${month}-${dd}` };
}

/** The half-year `YYYY-H1` / `YYYY-H2` (QĐ 2733/QĐ-BYT Đ8 reports every six months). */
export function halfYear(half: string): DayPeriod {
  const [y, h] = [half.slice(0, 4), half.slice(-1)];
  return h === '1' ? { from: `${y}-01-01`, to: `${y}-07-01` } : { from: `${y}-07-01`, to: `${Number(y) + 1}-01-01` };
}

/**
 * Years a period may name: PostgreSQL has no year 0 and nothing the gateway counts is older than
 * the first health-insurance claim standards, so a query about year 0000 or 9999 is a mistake.
 */
const YEARS = /^(19|20|21)\d\d-/;

/** Whether `s` is a real `YYYY-MM-DD` calendar date in the years 1900–2199. */
export function isDay(s: unknown): s is string {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && YEARS.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))
    && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** Whether `s` is `YYYY-MM` with a real month in the years 1900–2199. */
export function isMonth(s: unknown): s is string {
  return typeof s === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(s) && YEARS.test(s);
}
