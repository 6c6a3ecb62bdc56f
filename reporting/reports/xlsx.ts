/**
 * A report as an XLSX workbook (exceljs), one sheet: the title and the period merged across the
 * table (rows 1–2), the bold header from row 4 (two rows when columns carry groups, the group cells
 * merged), the rows, the bold totals row, then the notes. Numbers are numeric cells with the format
 * `#,##0`: the spreadsheet shows the thousands separator of the reader's locale (1.084.417 with
 * Vietnamese regional settings, 1,084,417 with English ones) and the cells can be summed. The totals
 * are SUM / COUNTIF formulas with their value stored, so they stay right if a row is edited.
 */
import ExcelJS from 'exceljs';
import type { Cell, ReportColumn, ReportTable } from './table.js';

/** First header row (rows 1–2 title and period, row 3 empty). */
export const HEADER_ROW = 4;
/** The number format of integer cells: thousands separators as the reader's locale writes them. */
export const INTEGER_FORMAT = '#,##0';

const THIN: Partial<ExcelJS.Borders> = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } };
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };

/** A sheet name Excel accepts: no `[]:*?/\`, at most 31 characters. */
function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Báo cáo';
}

/** Excel's column letters of a 1-based index (1 → A, 27 → AA). */
function letter(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

function headerRows(sheet: ExcelJS.Worksheet, columns: readonly ReportColumn[]): number {
  const grouped = columns.some((c) => c.group);
  const top = sheet.getRow(HEADER_ROW);
  columns.forEach((c, i) => {
    top.getCell(i + 1).value = c.group ?? c.header;
    if (grouped) sheet.getRow(HEADER_ROW + 1).getCell(i + 1).value = c.group ? c.header : null;
  });
  if (grouped) {
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      if (!c.group) { sheet.mergeCells(HEADER_ROW, i + 1, HEADER_ROW + 1, i + 1); continue; }
      let span = 1;
      while (columns[i + span]?.group === c.group) span++;
      if (span > 1) sheet.mergeCells(HEADER_ROW, i + 1, HEADER_ROW, i + span);
      i += span - 1;
    }
  }
  const last = grouped ? HEADER_ROW + 1 : HEADER_ROW;
  for (let r = HEADER_ROW; r <= last; r++) {
    sheet.getRow(r).eachCell({ includeEmpty: true }, (cell, col) => {
      if (col > columns.length) return;
      cell.font = { bold: true };
      cell.fill = HEADER_FILL;
      cell.border = THIN;
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    });
  }
  return last;
}

function put(cell: ExcelJS.Cell, c: ReportColumn, v: Cell | undefined): void {
  cell.value = v ?? null;
  cell.border = THIN;
  if (typeof v === 'number') {
    cell.numFmt = c.type === 'ordinal' ? '0' : INTEGER_FORMAT;
    cell.alignment = { horizontal: c.type === 'ordinal' ? 'center' : 'right' };
  }
}

/** The totals formula of a column over data rows [first, last], with its value stored. */
function totalsFormula(c: ReportColumn, col: number, first: number, last: number, value: Cell | undefined): ExcelJS.CellValue {
  if (typeof value !== 'number' || last < first || c.type === 'ordinal') return value ?? null;
  const range = `${letter(col)}${first}:${letter(col)}${last}`;
  // A yes/no column's total counts its RỒI (Bảng 2), the others add up.
  return c.type === 'integer' ? { formula: `SUM(${range})`, result: value } : { formula: `COUNTIF(${range},"RỒI")`, result: value };
}

/** The XLSX bytes of a report. */
export async function renderXlsx(t: ReportTable): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'vn-fhir-linkage-gateway';
  book.title = t.title;
  const n = t.columns.length;
  const sheet = book.addWorksheet(sheetName(t.sheet), {
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = t.columns.map((c) => ({ width: c.width ?? 14 }));
  sheet.getCell(1, 1).value = t.title;
  sheet.getCell(1, 1).font = { bold: true, size: 14 };
  sheet.getCell(2, 1).value = `(${t.subtitle})`;
  sheet.getCell(2, 1).font = { italic: true };
  for (const r of [1, 2]) {
    sheet.mergeCells(r, 1, r, n);
    sheet.getCell(r, 1).alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  }
  sheet.getRow(1).height = 36;
  const headerEnd = headerRows(sheet, t.columns);
  sheet.views = [{ state: 'frozen', ySplit: headerEnd }];
  const first = headerEnd + 1;
  t.rows.forEach((row, i) => t.columns.forEach((c, j) => put(sheet.getCell(first + i, j + 1), c, row[c.key])));
  const last = first + t.rows.length - 1;
  const totalsRow = sheet.getRow(last + 1);
  t.columns.forEach((c, j) => {
    const cell = totalsRow.getCell(j + 1);
    put(cell, c, t.totals[c.key]);
    cell.value = totalsFormula(c, j + 1, first, last, t.totals[c.key]);
    if (typeof t.totals[c.key] === 'number' && c.type !== 'integer') { cell.numFmt = INTEGER_FORMAT; cell.alignment = { horizontal: 'center' }; }
    cell.font = { bold: true };
  });
  t.notes.forEach((note, i) => {
    const r = last + 3 + i;
    sheet.getCell(r, 1).value = note;
    sheet.getCell(r, 1).font = { italic: true, size: 10 };
    sheet.mergeCells(r, 1, r, n);
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}
