/**
 * The provincial reports (docs/reports.md): the catalog, and one report built from live counters and
 * rendered as XLSX, CSV or HTML with its file name.
 */
import type { Db } from '../../db/pool.js';
import { REPORTS } from '../../reporting/reports/catalog.js';
import { renderCsv } from '../../reporting/reports/csv.js';
import type { ReportDefinition, ReportQuery } from '../../reporting/reports/definition.js';
import { renderHtml } from '../../reporting/reports/html.js';
import { renderXlsx } from '../../reporting/reports/xlsx.js';

/** The formats a report is rendered in. */
export const REPORT_FORMATS = ['xlsx', 'csv', 'html'] as const;
/** One of REPORT_FORMATS. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const CONTENT_TYPES: Record<ReportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** The period parameters each period style takes. */
const PERIOD_PARAMETERS: Record<ReportDefinition['period'], string[]> = {
  period: ['month', 'monthStart', 'from', 'to'],
  until: ['month', 'monthStart', 'to'],
  half: ['half', 'month'],
};

/** The parameters a report accepts (period, options, format). */
export function reportParameters(def: ReportDefinition): string[] {
  return [...PERIOD_PARAMETERS[def.period], ...def.options, 'format'];
}

/** What GET /api/reports lists: each report's name, title, what it counts and its parameters. */
export function listReports(): Array<{ name: string; title: string; description: string; path: string; parameters: string[]; formats: readonly ReportFormat[] }> {
  return REPORTS.map((r) => ({
    name: r.name, title: r.title, description: r.description, path: `/api/reports/${r.name}`, parameters: reportParameters(r), formats: REPORT_FORMATS,
  }));
}

/** A rendered report: the bytes, their content type and the download's file name (`bang-2_2026-11.xlsx`). */
export interface RenderedReport {
  body: Buffer | string;
  contentType: string;
  fileName: string;
  /** Rows in the table (without the totals row). */
  rows: number;
}

/** Build `def` for `q` from the live counters and render it. */
export async function runReport(db: Db, def: ReportDefinition, q: ReportQuery, format: ReportFormat): Promise<RenderedReport> {
  const table = await def.build(db, q);
  const body = format === 'xlsx' ? await renderXlsx(table) : format === 'csv' ? renderCsv(table) : renderHtml(table);
  return { body, contentType: CONTENT_TYPES[format], fileName: `${def.name}_${q.label}.${format}`, rows: table.rows.length };
}
