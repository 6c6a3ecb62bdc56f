import { columnsOf, CsvFormatError, readCsvTable } from './csv-table.js';
import { levelOf, LEVEL_CODES, ownershipOf } from './facility-codes.js';
import { FACILITY_CODE, FIRST_NEW_DAY, LAST_OLD_DAY, OLD_LIST_FROM, type FacilityArea, type FacilityInput, type RowProblem } from './model.js';
import { foldKey, parseDay } from './text.js';
import type { AreaFields } from './unit-index.js';

type Column = 'MA_CSKCB' | 'TEN_CSKCB' | 'TUYEN' | 'HINH_THUC' | 'MA_TINH' | 'MA_HUYEN' | 'MA_XA' | 'MA_TINH_MOI' | 'MA_XA_MOI' | 'MA_CSKCB_CU' | 'NGAY_HIEU_LUC' | 'CAN_CU';

/** Header names accepted for each column (matched without case, diacritics or separators: `Mã CSKCB` is MA_CSKCB). */
const HEADERS: Record<Column, readonly string[]> = {
  MA_CSKCB: ['MA_CSKCB', 'MA_CS', 'MA_CO_SO'],
  TEN_CSKCB: ['TEN_CSKCB', 'TEN_CS', 'TEN_CO_SO'],
  TUYEN: ['TUYEN', 'CAP', 'TUYEN_CMKT'],
  HINH_THUC: ['HINH_THUC', 'LOAI_HINH', 'HINH_THUC_TO_CHUC'],
  MA_TINH: ['MA_TINH', 'MA_TINH_CU'],
  MA_HUYEN: ['MA_HUYEN', 'MA_HUYEN_CU'],
  MA_XA: ['MA_XA', 'MA_XA_CU'],
  MA_TINH_MOI: ['MA_TINH_MOI'],
  MA_XA_MOI: ['MA_XA_MOI'],
  MA_CSKCB_CU: ['MA_CSKCB_CU', 'MA_CU'],
  NGAY_HIEU_LUC: ['NGAY_HIEU_LUC'],
  CAN_CU: ['CAN_CU', 'QUYET_DINH'],
};
const REQUIRED: readonly Column[] = ['MA_CSKCB', 'TEN_CSKCB'];
const OLD_FIELDS: AreaFields = { validFrom: 'MA_TINH', province: 'MA_TINH', district: 'MA_HUYEN', commune: 'MA_XA' };
const NEW_FIELDS: AreaFields = { validFrom: 'MA_TINH_MOI', province: 'MA_TINH_MOI', district: 'MA_TINH_MOI', commune: 'MA_XA_MOI' };

/** One register row that parsed: the facility, where its areas came from, and its predecessor codes. */
export interface RegisterRow {
  row: number;
  line: number;
  facility: FacilityInput;
  /** The columns of each area, for the unit checks (`facility.areas[i]` ↔ `areaFields[i]`). */
  areaFields: AreaFields[];
  /** MA_CSKCB_CU: the codes this facility replaced, on `effective` (NGAY_HIEU_LUC). */
  predecessors: string[];
  effective: string | null;
  basis: string | null;
}

/** A register file as read: the rows that can be checked against the units, and every problem. */
export interface RegisterFile {
  /** Data rows read. */
  rows: number;
  valid: RegisterRow[];
  problems: RowProblem[];
  /** Header cells that name no known column (ignored). */
  ignoredColumns: string[];
}

/**
 * Read a Sở Y tế's facility list (docs/facilities.md): MA_CSKCB, TEN_CSKCB, TUYEN, HINH_THUC, the
 * units before 1 July 2025 (MA_TINH, MA_HUYEN, MA_XA), those from it (MA_TINH_MOI, MA_XA_MOI),
 * optionally MA_CSKCB_CU + NGAY_HIEU_LUC (+ CAN_CU). Old units give an area to 30/06/2025 and new
 * ones an area from 01/07/2025; only one set gives one open area. Pure: bytes in, rows and
 * problems (row, line, column) out; throws CsvFormatError when MA_CSKCB or TEN_CSKCB is missing.
 */
export function parseRegisterCsv(input: Buffer | string): RegisterFile {
  const { header, rows } = readCsvTable(input);
  const columns = columnsOf(header, HEADERS, foldKey);
  const missing = REQUIRED.filter((c) => !columns.has(c));
  if (missing.length > 0) throw new CsvFormatError(`the facility list has no ${missing.join(', no ')} column`);
  const known = new Set([...columns.values()].map((c) => c.index));
  const out: RegisterFile = { rows: rows.length, valid: [], problems: [], ignoredColumns: header.filter((h, i) => !known.has(i) && h !== '') };
  for (const { row, line, cells } of rows) {
    const cell = (c: Column) => { const col = columns.get(c); return col ? (cells[col.index] ?? '') : ''; };
    const problems: RowProblem[] = [];
    const report = (column: Column, message: string, severity: 'error' | 'warning' = 'error') => problems.push({ row, line, field: column, message, severity });
    const parsed = readRow(cell, report);
    out.problems.push(...problems);
    if (parsed && !problems.some((p) => p.severity === 'error')) out.valid.push({ row, line, ...parsed });
  }
  return out;
}

type Cell = (c: Column) => string;
type Report = (column: Column, message: string, severity?: 'error' | 'warning') => void;

function readRow(cell: Cell, report: Report): Omit<RegisterRow, 'row' | 'line'> | undefined {
  const code = cell('MA_CSKCB');
  const name = cell('TEN_CSKCB').replace(/\s+/g, ' ');
  if (!FACILITY_CODE.test(code)) report('MA_CSKCB', code ? 'not a 5-character MA_CSKCB' : 'empty');
  if (!name) report('TEN_CSKCB', 'empty');
  else if (name.length > 300) report('TEN_CSKCB', 'longer than 300 characters');
  const level = cell('TUYEN') ? levelOf(cell('TUYEN')) : null;
  if (level === undefined) report('TUYEN', `not a known level (tuyến trung ương/tỉnh/huyện/xã or 1–4, cấp ban đầu/cơ bản/chuyên sâu, tư nhân; codes ${LEVEL_CODES.join(', ')})`);
  const ownership = cell('HINH_THUC') ? ownershipOf(cell('HINH_THUC')) : null;
  if (ownership === undefined) report('HINH_THUC', 'must be công lập / tư nhân (or public / private)');
  const areas: FacilityArea[] = [];
  const areaFields: AreaFields[] = [];
  const old = { province: cell('MA_TINH'), district: cell('MA_HUYEN'), commune: cell('MA_XA') };
  const neu = { province: cell('MA_TINH_MOI'), commune: cell('MA_XA_MOI') };
  const hasOld = !!(old.province || old.district || old.commune);
  const hasNew = !!(neu.province || neu.commune);
  if (hasOld && !old.province) report('MA_TINH', 'empty, but MA_HUYEN or MA_XA is given');
  if (hasNew && !neu.province) report('MA_TINH_MOI', 'empty, but MA_XA_MOI is given');
  if (hasOld && old.province) {
    areas.push({ validFrom: OLD_LIST_FROM, validTo: hasNew ? LAST_OLD_DAY : null, province: old.province, district: old.district || null, commune: old.commune || null });
    areaFields.push(OLD_FIELDS);
  }
  if (hasNew && neu.province) {
    areas.push({ validFrom: FIRST_NEW_DAY, validTo: null, province: neu.province, district: null, commune: neu.commune || null });
    areaFields.push(NEW_FIELDS);
  }
  if (!hasOld && !hasNew) report('MA_TINH', 'no unit before or after 1 July 2025: reports by area count this facility under no area', 'warning');
  const prefix = code.slice(0, 2);
  if (FACILITY_CODE.test(code) && /^\d{2}$/.test(prefix) && areas.length > 0 && !areas.some((a) => a.province === prefix)) {
    report('MA_CSKCB', `its first two digits (${prefix}) are not the province of any of its areas`, 'warning');
  }
  const { predecessors, effective } = readSuccession(cell, report, code);
  const basis = cell('CAN_CU') || null;
  if (!FACILITY_CODE.test(code) || !name || level === undefined || ownership === undefined) return undefined;
  return { facility: { code, name, level, ownership, areas }, areaFields, predecessors, effective, basis: basis && basis.slice(0, 500) };
}

/** MA_CSKCB_CU (one or more codes, `|` or space separated) and the NGAY_HIEU_LUC they changed on. */
function readSuccession(cell: Cell, report: Report, code: string): { predecessors: string[]; effective: string | null } {
  const predecessors = [...new Set(cell('MA_CSKCB_CU').split(/[|\s]+/).filter((t) => t !== ''))];
  const effectiveText = cell('NGAY_HIEU_LUC');
  const effective = effectiveText ? parseDay(effectiveText) : null;
  if (predecessors.some((p) => !FACILITY_CODE.test(p))) report('MA_CSKCB_CU', 'each former code is a 5-character MA_CSKCB (several: separate them with |)');
  if (predecessors.includes(code)) report('MA_CSKCB_CU', 'names the facility\'s own code');
  if (effective === undefined) report('NGAY_HIEU_LUC', 'not a date (DD/MM/YYYY or YYYY-MM-DD)');
  if (predecessors.length > 0 && effective === null) report('NGAY_HIEU_LUC', 'empty: the date the code changed is needed with MA_CSKCB_CU');
  if (predecessors.length === 0 && effective) report('NGAY_HIEU_LUC', 'a date without MA_CSKCB_CU: nothing changed', 'warning');
  return { predecessors, effective: effective ?? null };
}
