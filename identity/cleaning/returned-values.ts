/**
 * Reading the cells the police fill on a returned list: KET_QUA and the corrected values. Each
 * parser takes a cell as read from CSV (always text) or XLSX (text, number or Date) and returns the
 * value or a message. Messages never quote the cell: they are shown next to the row and column.
 */
import { decodeCccd, isCccdProblem } from '../cccd.js';
import { foldKey, RESULT_LABELS, type CleaningResult, type RowCorrections } from './police-list.js';

/** A cell as the reader hands it over: CSV cells are strings, XLSX cells may be numbers or dates. */
export type Cell = string | number | Date | undefined;

/** A parsed value, or why it could not be read. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_NAME_CHARS = 255;
const MIN_YEAR = 1800;
const MAX_YEAR = 2100;
const DATE_FORMATS = 'dd/mm/yyyy, mm/yyyy, yyyy or yyyy-mm-dd';

const RESULTS: ReadonlyMap<string, CleaningResult> = new Map([
  ...Object.entries(RESULT_LABELS).map(([result, label]) => [foldKey(label), result as CleaningResult] as const),
  [foldKey('confirmed'), 'confirmed'],
  [foldKey('corrected'), 'corrected'],
  [foldKey('not_found'), 'not_found'],
]);

const GENDERS: ReadonlyMap<string, 'male' | 'female'> = new Map([
  ['NAM', 'male'], ['MALE', 'male'], ['1', 'male'],
  ['NU', 'female'], ['FEMALE', 'female'], ['2', 'female'],
]);

/** The text of a cell: trimmed, NFC; numbers as digits, dates as `yyyy-mm-dd`; empty when blank. */
export function cellText(cell: Cell): string {
  if (cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return String(cell).normalize('NFC').trim();
}

/** KET_QUA: `Đúng` / `Sửa` / `Không tìm thấy`, with or without diacritics, any case, or the English result codes. */
export function parseResult(cell: Cell): CleaningResult | undefined {
  return RESULTS.get(foldKey(cellText(cell)));
}

/**
 * SO_CCCD_DUNG: 12 digits (spaces inside are dropped). Text of 11 digits is not padded: text keeps
 * zeros, so a digit is missing.
 *
 * An XLSX number cell is turned into its digits (never an exponent). Every province code starts
 * with 0 (001–096), so a number cannot hold a CCCD whole: Excel dropped one leading zero (11 digits,
 * e.g. 051… Quảng Ngãi) or two (10 digits, 001… Hà Nội). Such a number is left-padded to 12 and
 * accepted when the padded digits start with a known birth-registration province (TT 07/2016).
 */
export function parseCorrectedCccd(cell: Cell): Parsed<string> {
  if (typeof cell === 'number') return cccdFromNumber(cell);
  const text = cellText(cell).replace(/\s+/g, '');
  if (/^\d{12}$/.test(text)) return { ok: true, value: text };
  if (/^\d(?:[.,]\d+)?e\+?\d+$/i.test(text)) {
    return { ok: false, message: 'not 12 digits: scientific notation (e.g. 1.2E+11) has lost digits; type it as text or use the XLSX list' };
  }
  if (/^\d{11}$/.test(text)) return { ok: false, message: 'not 12 digits: 11 digits (a leading 0 may have been lost by Excel; use the XLSX list)' };
  return { ok: false, message: 'not 12 digits' };
}

function cccdFromNumber(n: number): Parsed<string> {
  const digits = Number.isSafeInteger(n) && n > 0 ? String(n) : '';
  if (digits.length < 10 || digits.length > 12) return { ok: false, message: 'not 12 digits' };
  const value = digits.padStart(12, '0');
  if (digits.length < 12 && isCccdProblem(decodeCccd(value))) {
    return { ok: false, message: 'not 12 digits: a number cell whose leading zeros cannot be restored; type the CCCD as text' };
  }
  return { ok: true, value };
}

/**
 * NGAY_SINH_DUNG as a FHIR date: `dd/mm/yyyy` (also `-` or `.` between), `mm/yyyy`, `yyyy`,
 * `yyyy-mm-dd` or `yyyy-mm`; an Excel date cell gives its calendar day; a number cell is only
 * accepted as a year. Must be a real calendar date between 1800 and 2100.
 */
export function parseCorrectedDate(cell: Cell): Parsed<string> {
  if (cell instanceof Date) return dateFromCell(cell);
  if (typeof cell === 'number') {
    return Number.isInteger(cell) && cell >= MIN_YEAR && cell <= MAX_YEAR
      ? { ok: true, value: String(cell) }
      : { ok: false, message: `a number, not a date (${DATE_FORMATS})` };
  }
  const value = parseDateText(cellText(cell));
  return value ? { ok: true, value } : { ok: false, message: `not a date (${DATE_FORMATS})` };
}

function dateFromCell(d: Date): Parsed<string> {
  if (Number.isNaN(d.getTime())) return { ok: false, message: `not a date (${DATE_FORMATS})` };
  // exceljs turns the sheet's serial day into a Date at UTC midnight: the UTC fields are the calendar day.
  const value = calendarDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  return value ? { ok: true, value } : { ok: false, message: `not a date between ${MIN_YEAR} and ${MAX_YEAR}` };
}

function parseDateText(text: string): string | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text))) return calendarDate(Number(m[3]), Number(m[2]), Number(m[1]));
  if ((m = /^(\d{1,2})[/.-](\d{4})$/.exec(text))) return calendarDate(Number(m[2]), Number(m[1]));
  if ((m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text))) {
    return calendarDate(Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), m[3] === undefined ? undefined : Number(m[3]));
  }
  return undefined;
}

/** `yyyy`, `yyyy-mm` or `yyyy-mm-dd`, or undefined when the year, month or day is out of range. */
function calendarDate(year: number, month?: number, day?: number): string | undefined {
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  if (month === undefined) return String(year);
  if (month < 1 || month > 12) return undefined;
  const mm = String(month).padStart(2, '0');
  if (day === undefined) return `${year}-${mm}`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  return `${year}-${mm}-${String(day).padStart(2, '0')}`;
}

/** GIOI_TINH_DUNG: Nam / Nữ (with or without diacritics, any case), male / female, or 1 / 2. */
export function parseCorrectedGender(cell: Cell): Parsed<'male' | 'female'> {
  const value = GENDERS.get(foldKey(cellText(cell)));
  return value ? { ok: true, value } : { ok: false, message: 'not Nam or Nữ (also accepted: male/female, 1/2)' };
}

/** HO_TEN_DUNG: trimmed, single spaces, NFC; must hold a letter and be at most 255 characters. */
export function parseCorrectedName(cell: Cell): Parsed<string> {
  const value = cellText(cell).replace(/\s+/g, ' ');
  if (!/\p{L}/u.test(value)) return { ok: false, message: 'not a name (no letters)' };
  if (value.length > MAX_NAME_CHARS) return { ok: false, message: `longer than ${MAX_NAME_CHARS} characters` };
  return { ok: true, value };
}

/** The correction columns, by header, with their parser and the field of `RowCorrections` they fill. */
export const CORRECTION_COLUMNS = [
  { header: 'SO_CCCD_DUNG', field: 'cccd', parse: parseCorrectedCccd },
  { header: 'HO_TEN_DUNG', field: 'name', parse: parseCorrectedName },
  { header: 'NGAY_SINH_DUNG', field: 'birthDate', parse: parseCorrectedDate },
  { header: 'GIOI_TINH_DUNG', field: 'gender', parse: parseCorrectedGender },
] as const satisfies readonly { header: string; field: keyof RowCorrections; parse: (cell: Cell) => Parsed<string> }[];
