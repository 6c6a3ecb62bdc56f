/**
 * Reader of the list the commune police hand back (CSV or XLSX): finds the columns by header,
 * reads KET_QUA and the corrections of every answered row, and reports what it cannot accept by
 * row and column, never by value. Pure: bytes in, rows and problems out. See docs/cleaning.md.
 */
import { zipInflatedSize } from './xlsx-size.js';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import {
  CLEANING_COLUMNS, foldKey, RESULT_LABELS,
  type ColumnHeader, type ListProblem, type ReturnedRow, type RowCorrections,
} from './police-list.js';
import { CORRECTION_COLUMNS, cellText, parseResult, type Cell } from './returned-values.js';
import { SHEET_NAME } from './write-list.js';

/** What a returned list said: the answered rows that can be applied, and the problems of the others. */
export interface ReturnedList {
  rows: ReturnedRow[];
  problems: ListProblem[];
}

/** The sheet as cells: `grid[0]` is spreadsheet row 1 (the header). */
type Grid = Cell[][];
type Columns = ReadonlyMap<ColumnHeader, number>;
/** A returned row before its reference is attached. */
type Answer = ReturnedRow extends infer R ? (R extends ReturnedRow ? Omit<R, 'ref'> : never) : never;

const REQUIRED: readonly ColumnHeader[] = ['MA_THAM_CHIEU', 'KET_QUA'];
/** Columns the reader uses; the informational ones may be reordered, renamed or deleted. */
const READ: readonly ColumnHeader[] = ['MA_THAM_CHIEU', 'KET_QUA', ...CORRECTION_COLUMNS.map((c) => c.header), 'GHI_CHU'];
const BY_FOLDED_HEADER: ReadonlyMap<string, ColumnHeader> = new Map(
  CLEANING_COLUMNS.flatMap((c) => [[foldKey(c.header), c.header], [foldKey(c.label), c.header]] as const),
);
const RESULT_CHOICES = Object.values(RESULT_LABELS).join(' / ');
const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted cell is closed and followed by other characters',
};

/**
 * Read a returned list. Columns are found by their header in row 1 (case, diacritics, spaces and
 * underscores ignored; the Vietnamese label such as `Kết quả` works too); only MA_THAM_CHIEU and
 * KET_QUA are required. Rows with an empty KET_QUA are not answered yet and are left out silently.
 * A row with any problem is left out of `rows`. File-level problems (not UTF-8, not a workbook)
 * are reported on row 1, column `*`.
 *
 * CSV: UTF-8 with or without a BOM, comma or semicolon separated (read off the header line).
 * XLSX: the sheet `Danh sach`, or the first sheet when it was renamed.
 */
export async function readReturnedList(bytes: Buffer, kind: 'csv' | 'xlsx'): Promise<ReturnedList> {
  const grid = kind === 'csv' ? readCsvGrid(bytes) : await readXlsxGrid(bytes);
  if (!Array.isArray(grid)) return { rows: [], problems: [grid] };
  const header = mapHeader(grid[0] ?? []);
  if (header.problems.length > 0) return { rows: [], problems: header.problems };
  return readRows(grid, header.columns);
}

/** Which column holds each header the reader uses; missing required and doubled headers are problems. */
function mapHeader(cells: Cell[]): { columns: Columns; problems: ListProblem[] } {
  const found = new Map<ColumnHeader, number[]>();
  cells.forEach((cell, i) => {
    const header = BY_FOLDED_HEADER.get(foldKey(cellText(cell)));
    if (header) found.set(header, [...(found.get(header) ?? []), i]);
  });
  const problems: ListProblem[] = [];
  for (const h of REQUIRED) if (!found.has(h)) problems.push({ row: 1, column: h, message: 'required column is missing' });
  for (const h of READ) if ((found.get(h)?.length ?? 0) > 1) problems.push({ row: 1, column: h, message: 'column appears more than once' });
  const columns = new Map([...found].map(([h, at]) => [h, at[0]!] as const));
  return { columns, problems };
}

function readRows(grid: Grid, columns: Columns): ReturnedList {
  const rows: ReturnedRow[] = [];
  const problems: ListProblem[] = [];
  const firstRowOfRef = new Map<string, number>();
  for (let i = 1; i < grid.length; i++) {
    const rowNumber = i + 1;
    const cell = (h: ColumnHeader): Cell => {
      const at = columns.get(h);
      return at === undefined ? undefined : grid[i]![at];
    };
    if (cellText(cell('KET_QUA')) === '') continue;
    const rowProblems: ListProblem[] = [];
    const report = (column: ColumnHeader, message: string) => rowProblems.push({ row: rowNumber, column, message });
    const ref = readRef(cellText(cell('MA_THAM_CHIEU')), rowNumber, firstRowOfRef, report);
    const answer = readAnswer(cell, rowNumber, report);
    problems.push(...rowProblems);
    if (rowProblems.length === 0 && ref !== undefined && answer) rows.push({ ...answer, ref });
  }
  return { rows, problems };
}

type Report = (column: ColumnHeader, message: string) => void;

/** MA_THAM_CHIEU of an answered row: present, and not already answered on an earlier row. */
function readRef(ref: string, rowNumber: number, firstRowOfRef: Map<string, number>, report: Report): string | undefined {
  if (ref === '') {
    report('MA_THAM_CHIEU', 'empty on an answered row');
    return undefined;
  }
  const first = firstRowOfRef.get(ref);
  if (first !== undefined) {
    report('MA_THAM_CHIEU', `same reference as row ${first}`);
    return undefined;
  }
  firstRowOfRef.set(ref, rowNumber);
  return ref;
}

/** KET_QUA with what goes with it: the corrections of `Sửa`, the note of `Không tìm thấy`. */
function readAnswer(cell: (h: ColumnHeader) => Cell, rowNumber: number, report: Report): Answer | undefined {
  const result = parseResult(cell('KET_QUA'));
  if (!result) {
    report('KET_QUA', `not one of ${RESULT_CHOICES}`);
    return undefined;
  }
  const corrections = readCorrections(cell, report);
  if (!corrections) return undefined;
  const filled = Object.keys(corrections).length > 0;
  if (result === 'corrected') {
    if (!filled) report('KET_QUA', `${RESULT_LABELS.corrected} but no corrected value (${CORRECTION_COLUMNS.map((c) => c.header).join(', ')})`);
    return filled ? { row: rowNumber, result, corrections } : undefined;
  }
  if (filled) {
    report('KET_QUA', `${RESULT_LABELS[result]} but corrected values are filled: answer ${RESULT_LABELS.corrected}, or clear them`);
    return undefined;
  }
  if (result === 'confirmed') return { row: rowNumber, result };
  const note = cellText(cell('GHI_CHU')).replace(/\s+/g, ' ');
  return note ? { row: rowNumber, result, note } : { row: rowNumber, result };
}

/** The filled correction columns; undefined when any of them cannot be read. */
function readCorrections(cell: (h: ColumnHeader) => Cell, report: Report): RowCorrections | undefined {
  const corrections: Record<string, string> = {};
  let ok = true;
  for (const c of CORRECTION_COLUMNS) {
    const value = cell(c.header);
    if (cellText(value) === '') continue;
    const parsed = c.parse(value);
    if (parsed.ok) corrections[c.field] = parsed.value;
    else {
      report(c.header, parsed.message);
      ok = false;
    }
  }
  return ok ? (corrections as RowCorrections) : undefined;
}

/** CSV bytes as a grid: UTF-8 (BOM optional), `,` or `;`; one grid row per CSV record, as Excel numbers them. */
function readCsvGrid(bytes: Buffer): Grid | ListProblem {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { row: 1, column: '*', message: 'not UTF-8 text: save the list as "CSV UTF-8", or send the XLSX' };
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const firstLine = /^[^\r\n]*/.exec(text)![0];
  try {
    const records = parse(text, {
      delimiter: detectDelimiter(firstLine),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
    }) as string[][];
    return records;
  } catch (err) {
    return csvProblem(err);
  }
}

/** `;` when the header line has more semicolons than commas outside quotes, else `,`. */
function detectDelimiter(headerLine: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** csv-parse's error, restated without quoting the file. */
function csvProblem(err: unknown): ListProblem {
  const { code, lines } = (err ?? {}) as { code?: unknown; lines?: unknown };
  const what = typeof code === 'string' ? CSV_ERRORS[code] ?? code : 'unreadable';
  return { row: typeof lines === 'number' ? lines : 1, column: '*', message: `not readable as CSV: ${what}` };
}

/** Most a returned workbook may inflate to (a district's list of 20,000 rows is about 10 MB), and its parts. */
const MAX_INFLATED_BYTES = 100 * 1024 * 1024;
const MAX_ENTRIES = 1000;

/** XLSX bytes as a grid of the list's sheet; a file exceljs cannot open is a problem. */
async function readXlsxGrid(bytes: Buffer): Promise<Grid | ListProblem> {
  // A returned list inflates to a few MB; refuse a ZIP bomb before exceljs decompresses anything.
  const size = zipInflatedSize(bytes);
  if (!size) return { row: 1, column: '*', message: 'not a readable XLSX workbook' };
  if (size.bytes > MAX_INFLATED_BYTES || size.entries > MAX_ENTRIES) {
    return { row: 1, column: '*', message: `the workbook would inflate to ${size.bytes} bytes in ${size.entries} parts: over the ${MAX_INFLATED_BYTES} bytes a returned list may hold` };
  }
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  } catch {
    return { row: 1, column: '*', message: 'not a readable XLSX workbook' };
  }
  const sheet = workbook.getWorksheet(SHEET_NAME) ?? workbook.worksheets[0];
  if (!sheet) return { row: 1, column: '*', message: 'the workbook has no sheet' };
  const grid: Grid = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells: Cell[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(xlsxCell(row.getCell(c).value));
    grid.push(cells);
  }
  return grid;
}

/** An exceljs cell value as text, number or Date: rich text joined, formulas by their result, links by their text. */
function xlsxCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return value;
  // A number in a date-formatted cell beyond Excel's calendar: shown as ####, never blank.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '#DATE!' : value;
  if (typeof value === 'boolean') return String(value);
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) {
    return xlsxCell((value as { result?: ExcelJS.CellValue }).result ?? null);
  }
  if ('text' in value) return xlsxCell(value.text as ExcelJS.CellValue);
  return undefined;
}
