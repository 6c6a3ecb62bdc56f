/**
 * Writers of the list sent to the commune police: CSV (for tools) and XLSX (for Excel, the format
 * to hand to people). Pure: rows in, bytes out. See docs/cleaning.md.
 */
import ExcelJS from 'exceljs';
import {
  CLEANING_COLUMNS, GENDER_LABELS, RESULT_LABELS, formatListDate,
  type CleaningColumn, type CleaningRow, type ColumnHeader,
} from './police-list.js';

/** Name of the one worksheet of the XLSX list. */
export const SHEET_NAME = 'Danh sach';

const BOM = '\uFEFF';
const CRLF = '\r\n';
/** Light yellow: the columns the police fill. */
const POLICE_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
/** Cells Excel and LibreOffice would run as a formula when a CSV is opened (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cells the gateway fills for one row, by header; the police columns are absent. */
export function gatewayCells(row: CleaningRow): Partial<Record<ColumnHeader, string>> {
  return {
    MA_THAM_CHIEU: row.ref,
    MA_CSKCB: row.facility,
    MA_TINH: row.area.province ?? '',
    MA_HUYEN: row.area.district ?? '',
    MA_XA: row.area.commune ?? '',
    LY_DO: row.reason,
    SO_CCCD: row.cccd,
    HO_TEN: row.name,
    NGAY_SINH: formatListDate(row.birthDate),
    GIOI_TINH: GENDER_LABELS[row.gender],
    DIA_CHI: row.address ?? '',
  };
}

/**
 * The list as CSV: UTF-8 with a BOM (so Excel shows Vietnamese), CRLF line ends, RFC 4180 quoting,
 * comma-separated, header codes on the first line, the police columns empty.
 *
 * CCCDs are plain digits, so that the file reads back exactly. Excel opening this CSV turns them
 * into numbers (leading zero lost, `1.23E+11`): the XLSX (`writeCleaningXlsx`) is the format to
 * open in Excel. Informational cells that would start a formula get a leading `'` (they are never
 * read back); MA_THAM_CHIEU is written unchanged.
 */
export function writeCleaningCsv(rows: CleaningRow[]): string {
  const lines = [CLEANING_COLUMNS.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) {
    const cells = gatewayCells(row);
    lines.push(CLEANING_COLUMNS.map((c) => csvField(csvSafe(c, cells[c.header] ?? ''))).join(','));
  }
  return BOM + lines.join(CRLF) + CRLF;
}

/** One RFC 4180 field: quoted when it holds a quote, a separator (`,` or `;`) or a line break. */
export function csvField(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvSafe(column: CleaningColumn, value: string): string {
  return column.filledBy === 'gateway' && column.header !== 'MA_THAM_CHIEU' && FORMULA_START.test(value)
    ? `'${value}` : value;
}

/**
 * The list as an XLSX workbook with one sheet `Danh sach`: bold, frozen header row with an
 * auto-filter; code, CCCD and date columns typed as text (`@`, values as strings) so leading zeros
 * and all 12 digits survive Excel; the police columns light yellow; a dropdown on KET_QUA
 * (`Đúng` / `Sửa` / `Không tìm thấy`); widths from `CLEANING_COLUMNS`. The title goes into the
 * workbook properties and the printed page header (row 1 stays the header row).
 */
export async function writeCleaningXlsx(rows: CleaningRow[], opts: { title: string }): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'vn-fhir-linkage-gateway';
  workbook.title = opts.title;
  const sheet = workbook.addWorksheet(SHEET_NAME, {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' },
    headerFooter: { oddHeader: `&C${opts.title.replace(/&/g, '&&')}`, oddFooter: '&CTrang &P / &N' },
  });
  sheet.columns = CLEANING_COLUMNS.map((c) => ({
    key: c.header, width: c.width, style: c.text ? { numFmt: '@' } : {},
  }));
  writeHeaderRow(sheet);
  rows.forEach((row, i) => writeDataRow(sheet, i + 2, row));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: CLEANING_COLUMNS.length } };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function writeHeaderRow(sheet: ExcelJS.Worksheet): void {
  const header = sheet.getRow(1);
  CLEANING_COLUMNS.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { bold: true };
    cell.fill = c.filledBy === 'police' ? POLICE_FILL : HEADER_FILL;
    cell.alignment = { vertical: 'middle' };
    if (c.text) cell.numFmt = '@';
  });
  header.commit();
}

function writeDataRow(sheet: ExcelJS.Worksheet, rowNumber: number, row: CleaningRow): void {
  const cells = gatewayCells(row);
  const sheetRow = sheet.getRow(rowNumber);
  CLEANING_COLUMNS.forEach((c, i) => {
    const cell = sheetRow.getCell(i + 1);
    if (c.text) cell.numFmt = '@';
    if (c.filledBy === 'gateway') {
      cell.value = cells[c.header] ?? '';
      return;
    }
    cell.fill = POLICE_FILL;
    if (c.header === 'KET_QUA') cell.dataValidation = resultValidation();
  });
  sheetRow.commit();
}

function resultValidation(): ExcelJS.DataValidation {
  const values = Object.values(RESULT_LABELS).join(',');
  return {
    type: 'list',
    allowBlank: true,
    formulae: [`"${values}"`],
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: 'Kết quả không hợp lệ',
    error: `Chọn một trong: ${Object.values(RESULT_LABELS).join(' / ')}`,
    showInputMessage: true,
    promptTitle: 'Kết quả đối chiếu',
    prompt: 'Đúng: thông tin khớp CSDL dân cư. Sửa: ghi thông tin đúng vào các cột _DUNG. Không tìm thấy: ghi chú lý do.',
  };
}
