/**
 * A report as CSV: UTF-8 with a BOM (so Excel shows Vietnamese), CRLF line ends, comma-separated,
 * RFC 4180 quoting; the Vietnamese headers on the first line (a grouped column as
 * "Có BHYT - Số lượt KCB"), then the rows and the totals row; numbers plain (`1084417`), so tools
 * read them as numbers. Title and period are in the file name, not in the file.
 */
import type { Cell, ReportTable } from './table.js';

const BOM = '\uFEFF';
const CRLF = '\r\n';
/** Text that a spreadsheet would run as a formula when the CSV is opened (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: quoted when it holds a quote, a comma, a semicolon or a line break. */
function field(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function cell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  return field(FORMULA_START.test(v) ? `'${v}` : v);
}

/** The CSV text of a report (BOM included). */
export function renderCsv(t: ReportTable): string {
  const header = t.columns.map((c) => cell(c.group ? `${c.group} - ${c.header}` : c.header));
  const lines = [header.join(','), ...[...t.rows, t.totals].map((r) => t.columns.map((c) => cell(r[c.key])).join(','))];
  return BOM + lines.join(CRLF) + CRLF;
}
