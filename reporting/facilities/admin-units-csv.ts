import { columnsOf, CsvFormatError, readCsvTable } from './csv-table.js';
import { UNIT_CODE, type AdminUnit, type AreaLevel, type RowProblem } from './model.js';
import { foldKey, foldWords, parseDay } from './text.js';

type Field = 'level' | 'code' | 'name' | 'parent' | 'validFrom' | 'validTo' | 'source';
const HEADERS: Record<Field, readonly string[]> = {
  level: ['level', 'cap'],
  code: ['code', 'ma'],
  name: ['name', 'ten'],
  parent: ['parent', 'ma_cha', 'parent_code'],
  validFrom: ['valid_from', 'hieu_luc_tu'],
  validTo: ['valid_to', 'hieu_luc_den'],
  source: ['source', 'can_cu'],
};
const REQUIRED: readonly Field[] = ['level', 'code', 'name', 'validFrom'];
const LEVELS: ReadonlyMap<string, AreaLevel> = new Map([
  ['province', 'province'], ['tinh', 'province'], ['district', 'district'], ['huyen', 'district'], ['commune', 'commune'], ['xa', 'commune'],
]);
/** What may sit above each level: a province has no parent; a district is in a province; a commune in a district (old) or a province (new). */
const PARENT_CODE: Record<AreaLevel, RegExp | null> = { province: null, district: UNIT_CODE.province, commune: /^(\d{2}|\d{3})$/ };

/** A unit list as read: the rows that can be stored and the problems of the others. */
export interface AdminUnitsFile {
  /** Data rows read. */
  rows: number;
  units: Array<AdminUnit & { row: number; line: number }>;
  problems: RowProblem[];
}

/**
 * Read an administrative-unit list (columns level, code, name, parent, valid_from, valid_to,
 * source; `docs/facilities.md`): the shipped data files and `npm run facilities -- areas FILE.csv`.
 * A row without `source` gets `defaultSource`. Bad rows are reported by row and column and skipped.
 */
export function parseAdminUnitsCsv(input: Buffer | string, defaultSource: string | null): AdminUnitsFile {
  const { header, rows } = readCsvTable(input);
  const columns = columnsOf(header, HEADERS, foldKey);
  const missing = REQUIRED.filter((f) => !columns.has(f));
  if (missing.length > 0) throw new CsvFormatError(`the unit list has no ${missing.map((f) => HEADERS[f][0]).join(', no ')} column`);
  const out: AdminUnitsFile = { rows: rows.length, units: [], problems: [] };
  for (const { row, line, cells } of rows) {
    const cell = (f: Field) => { const c = columns.get(f); return c ? cells[c.index] ?? '' : ''; };
    const before = out.problems.length;
    const error = (f: Field, message: string) => out.problems.push({ row, line, field: columns.get(f)?.header ?? HEADERS[f][0]!, message, severity: 'error' });
    const level = LEVELS.get(foldWords(cell('level')));
    const code = cell('code');
    const name = cell('name').replace(/\s+/g, ' ');
    const parent = cell('parent') || null;
    const validFrom = parseDay(cell('validFrom'));
    const validTo = cell('validTo') ? parseDay(cell('validTo')) : null;
    if (!level) error('level', 'must be province, district or commune');
    else if (!UNIT_CODE[level].test(code)) error('code', `a ${level} code has ${level === 'province' ? 2 : level === 'district' ? 3 : 5} digits`);
    if (!name) error('name', 'empty');
    else if (name.length > 200) error('name', 'longer than 200 characters');
    if (level && PARENT_CODE[level] === null && parent !== null) error('parent', 'a province has no parent');
    if (level && PARENT_CODE[level] !== null && (parent === null || !PARENT_CODE[level]!.test(parent))) {
      error('parent', level === 'district' ? 'a district needs its 2-digit province' : 'a commune needs its 3-digit district (before 1 July 2025) or 2-digit province (from it)');
    }
    if (!validFrom) error('validFrom', 'not a date (YYYY-MM-DD or DD/MM/YYYY)');
    if (validTo === undefined) error('validTo', 'not a date (YYYY-MM-DD or DD/MM/YYYY)');
    else if (validTo !== null && validFrom && validTo < validFrom) error('validTo', 'before valid_from');
    if (out.problems.length > before || !level || !validFrom || validTo === undefined) continue;
    out.units.push({ row, line, level, code, name, parent, validFrom, validTo, source: cell('source') || defaultSource });
  }
  return out;
}
