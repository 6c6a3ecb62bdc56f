/**
 * The format-neutral table every report builds (title, subtitle, columns, rows, totals) and the
 * renderers (xlsx.ts, csv.ts, html.ts) draw. See docs/reports.md.
 */
import { addDays } from '../period.js';
import { formatVnDate } from './vn-number.js';

/**
 * How a column's cells are written: text as is; integers as numbers with thousands separators,
 * summed in the totals row; ordinals (STT) as plain numbers, never summed.
 */
export type ColumnType = 'text' | 'integer' | 'ordinal';

/** One column: its key in the rows, its Vietnamese header and, for two-row headers, the group above it. */
export interface ReportColumn {
  key: string;
  header: string;
  type: ColumnType;
  /** A header spanning the adjacent columns with the same group (QĐ 2733: "Có BHYT", "Không BHYT"). */
  group?: string;
  /** Width in characters for spreadsheets. */
  width?: number;
}

/** A cell: text, a number, or empty. */
export type Cell = string | number | null;
/** One row, by column key. */
export type ReportRow = Record<string, Cell>;

/** A report ready to render. */
export interface ReportTable {
  /** The report's name in the URL (`bang-2`), also the file name's start. */
  name: string;
  /** Sheet name in the workbook (≤ 31 characters). */
  sheet: string;
  title: string;
  /** The period and scope: "Tính từ ngày 01/05/2018 đến ngày 31/12/2018". */
  subtitle: string;
  columns: ReportColumn[];
  rows: ReportRow[];
  /** The totals row ("TỔNG SỐ", "Tổng"), in bold. */
  totals: ReportRow;
  /** Lines printed under the table: what a column counts, where a grouping comes from. */
  notes: string[];
}

/** "Tính từ ngày 01/05/2018 đến ngày 31/12/2018" for the days [from, to) (`to` exclusive). */
export function periodSubtitle(from: string, to: string): string {
  return `Tính từ ngày ${formatVnDate(from)} đến ngày ${formatVnDate(addDays(to, -1))}`;
}

/** "Tính đến ngày 31/01/2023" for everything received before `to` (exclusive). */
export function untilSubtitle(to: string): string {
  return `Tính đến ngày ${formatVnDate(addDays(to, -1))}`;
}

/** The sum of an integer column over the rows. */
export function sumColumn(rows: readonly ReportRow[], key: string): number {
  return rows.reduce((s, r) => s + (typeof r[key] === 'number' ? (r[key] as number) : 0), 0);
}

/** Totals of the integer columns of `columns`, with `label` in the column `labelKey`. */
export function totalsRow(columns: readonly ReportColumn[], rows: readonly ReportRow[], labelKey: string, label: string): ReportRow {
  const totals: ReportRow = {};
  for (const c of columns) totals[c.key] = c.type === 'integer' ? sumColumn(rows, c.key) : null;
  totals[labelKey] = label;
  return totals;
}

/** Numbered rows: `STT`/`TT` 1, 2, 3… in the column `key`. */
export function numbered<T extends ReportRow>(rows: T[], key: string): T[] {
  return rows.map((r, i) => ({ ...r, [key]: i + 1 }));
}
