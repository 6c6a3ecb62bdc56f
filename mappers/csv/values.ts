import type { FactDate, IssueCategory } from '../contract.js';
import { TRANG_THAI_MUI_TIEM } from '../shared/code-maps/index.js';
import { quoteValue } from '../shared/quote.js';

/**
 * Cell values of CSV files: dates, citizen IDs, gender and dose status. Damage a spreadsheet does to
 * a column (scientific notation, dropped leading zeros, date serials, re-formatted dates) is named,
 * never repaired: a repaired ID could be someone else's (docs/formats/csv.md, "Excel damage").
 */

/** A value that could not be read: the category and a message that says what to fix. */
export interface CellProblem {
  category: IssueCategory;
  message: string;
}

const TZ = '+07:00';
const p2 = (n: number) => String(n).padStart(2, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function makeDate(year: number, month: number, day: number, time?: { h: number; m: number; s: number }): FactDate | undefined {
  if (year < 1850 || year > 2200 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (time && (time.h > 23 || time.m > 59 || time.s > 59)) return undefined;
  const fhirDate = `${year}-${p2(month)}-${p2(day)}`;
  const d: FactDate = { year, month, day, fhirDate, fhirDateTime: fhirDate };
  if (time) {
    d.minutes = time.h * 60 + time.m;
    d.fhirDateTime = `${fhirDate}T${p2(time.h)}:${p2(time.m)}:${p2(time.s)}${TZ}`;
  }
  return d;
}

/** Excel's day 0 of the 1900 date system, as JavaScript counts (Excel's 1900-02-29 bug folded in). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/**
 * A date cell: ISO `yyyy-MM-dd` (optionally `THH:mm[:ss]` or ` HH:mm[:ss]`, local time, `+07:00`
 * accepted), or Vietnamese `dd/MM/yyyy` with both day and month written with two digits (NIIS
 * writes dates so). Refused with a message: Excel date serials (`45678`), `d/M/yyyy` and other
 * re-formatted dates, whose day and month cannot be told apart. A column profile's `patterns`
 * (mappers/csv/profile.ts) are tried after ISO: a site that declares `d/M/yyyy` has said which is which.
 */
export function parseCsvDate(raw: string, column: string, allowTime: boolean, patterns: readonly RegExp[] = []): FactDate | CellProblem {
  const s = raw.trim();
  const fix = `write ${column} as yyyy-mm-dd${allowTime ? ' (optionally with THH:mm)' : ''}, with the column formatted as text`;
  const problem = (why: string): CellProblem => ({ category: 'SCHEMA', message: `${column} ${quoteValue(s)} ${why}: ${fix}` });
  const timeOf = (h?: string, m?: string, sec?: string) => (h === undefined ? undefined : { h: Number(h), m: Number(m), s: Number(sec ?? 0) });

  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\+07:00)?)?$/.exec(s);
  for (const pattern of iso ? [] : patterns) {
    const g = pattern.exec(s)?.groups;
    if (!g) continue;
    const time = timeOf(g.h, g.mi ?? '0', g.s);
    if (time && !allowTime) return problem('carries a time; a date is expected');
    return makeDate(Number(g.y), Number(g.mo), Number(g.d), time) ?? problem('is not a calendar date');
  }
  const vn = iso ? undefined : /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  // [year, month, day, hour, minute, second] as written
  const parts = iso ? iso.slice(1) : vn ? [vn[3], vn[2], vn[1], vn[4], vn[5], vn[6]] : undefined;
  if (parts) {
    const [year, month, day, h, mi, sec] = parts;
    const time = timeOf(h, mi, sec);
    if (time && !allowTime) return problem('carries a time; a date is expected');
    const d = makeDate(Number(year), Number(month), Number(day), time);
    if (d) return d;
    if (vn && Number(month) > 12 && Number(day) <= 12) return problem('is not a date as dd/MM/yyyy (it reads as MM/dd/yyyy, a US format)');
    return problem('is not a calendar date');
  }
  if (/^\d{1,6}([.,]\d+)?$/.test(s) && Number(s.replace(',', '.')) >= 1 && Number(s.replace(',', '.')) < 2_958_466) {
    const serial = Math.floor(Number(s.replace(',', '.')));
    const shown = new Date(EXCEL_EPOCH + serial * 86_400_000).toISOString().slice(0, 10);
    return problem(`is an Excel date serial number (in Excel's 1900 system it would be ${shown}), not a date`);
  }
  if (/^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}( .*)?$/.test(s)) {
    return problem('is a date re-formatted by a spreadsheet (d/M/yyyy or M/d/yyyy): day and month cannot be told apart');
  }
  return problem('is not a date');
}

/** True when `x` is a problem rather than a value. */
export function isProblem<T extends object>(x: T | CellProblem): x is CellProblem {
  return 'category' in x && 'message' in x;
}

/**
 * Damage a spreadsheet does to a 12-digit citizen ID: scientific notation (`4,63241E+11`; digits
 * are lost), a dropped leading zero (11 digits; every CCCD province code starts with 0) and spaces
 * or separators inside the number. Returns undefined when none is found; the identity stage checks
 * the structure of what is left.
 */
export function cccdDamage(raw: string, column: string): CellProblem | undefined {
  const s = raw.trim();
  const fix = `format the ${column} column as text before saving, and send the 12 digits of the ID`;
  if (/^\d+([.,]\d+)?e[+-]?\d+$/i.test(s)) {
    return { category: 'CCCD_FORMAT', message: `${column} ${quoteValue(s)} is in scientific notation: a spreadsheet turned the ID into a number and its last digits are lost; ${fix}` };
  }
  if (/^\d{11}$/.test(s)) {
    return { category: 'CCCD_FORMAT', message: `${column} has 11 digits: a spreadsheet probably dropped the leading 0 (every CCCD starts with a 0xx province code); ${fix}` };
  }
  if (/^[\d\s.,\u00a0-]+$/.test(s) && /\d[\s.,\u00a0-]+\d/.test(s)) {
    return { category: 'CCCD_FORMAT', message: `${column} has spaces or separators inside the number; ${fix}` };
  }
  return undefined;
}

/** Gender cell: `male`/`female`/`unknown`, `nam`/`nữ`, `m`/`f`, or QĐ 130 codes 1/2/3. */
export function parseGender(raw: string): 'male' | 'female' | 'unknown' | undefined {
  const s = raw.normalize('NFC').trim().toLowerCase();
  if (['male', 'm', 'nam', '1'].includes(s)) return 'male';
  if (['female', 'f', 'nữ', 'nu', '2'].includes(s)) return 'female';
  if (['unknown', 'u', 'other', '3', 'không xác định'].includes(s)) return 'unknown';
  return undefined;
}

/** A dose's status and, for not-done, its v3-ActReason code and reason text. */
export interface DoseStatus {
  status: 'completed' | 'not-done' | 'entered-in-error';
  reasonCode?: string;
  reasonText?: string;
}

/** Words accepted for a dose status, after NFC and case folding (national codes 2–5 are read from the code table). */
const STATUS_WORDS: Record<string, DoseStatus> = {
  completed: { status: 'completed' },
  'đã tiêm': { status: 'completed' },
  'đã uống': { status: 'completed' },
  'not-done': { status: 'not-done' },
  'chưa tiêm': { status: 'not-done' },
  'không tiêm': { status: 'not-done' },
  'chống chỉ định': { status: 'not-done', reasonCode: 'MEDPREC' },
  'không đồng ý tiêm': { status: 'not-done', reasonCode: 'PATOBJ' },
  'từ chối': { status: 'not-done', reasonCode: 'PATOBJ' },
  'tạm hoãn': { status: 'not-done', reasonText: 'Tạm hoãn' },
  'entered-in-error': { status: 'entered-in-error' },
};

/** Dose status cell: NIIS TRANG_THAI_MUI_TIEM 2–5 (trang-thai-mui-tiem.json), FHIR codes or Vietnamese words; undefined when unknown. */
export function parseDoseStatus(raw: string): DoseStatus | undefined {
  const s = raw.normalize('NFC').trim().toLowerCase();
  const national = TRANG_THAI_MUI_TIEM.get(s);
  if (national) {
    return {
      status: national.status,
      ...(national.reason ? { reasonCode: national.reason } : {}),
      ...(national.status === 'not-done' && !national.reason ? { reasonText: national.display } : {}),
    };
  }
  return Object.hasOwn(STATUS_WORDS, s) ? STATUS_WORDS[s] : undefined;
}
