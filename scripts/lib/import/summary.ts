/**
 * The end of an import: each file's outcome, totals per facility (files, records, accepted,
 * rejected, rejected by category), the failed and skipped files, and the exit code. Pure.
 */
import type { ImportFormat } from './detect.js';
import type { RejectedRecord } from './answers.js';

/** A file the gateway answered with records. */
export interface SentFile {
  status: 'sent';
  file: string;
  format: ImportFormat;
  facility: string;
  submissionId?: string;
  accepted: number;
  rejected: RejectedRecord[];
}

/** A file that was refused, could not be sent, or was not sent (with the reason). */
export interface FailedFile {
  status: 'failed';
  file: string;
  format?: ImportFormat;
  reason: string;
}

/** A file in no format the gateway takes. */
export interface SkippedFile {
  status: 'skipped';
  file: string;
  reason: string;
}

export type FileOutcome = SentFile | FailedFile | SkippedFile;

/** One facility's line of the summary. */
export interface FacilityTotals {
  facility: string;
  files: number;
  records: number;
  accepted: number;
  rejected: number;
  /** Rejected records per category, categories sorted. */
  rejectedByCategory: Record<string, number>;
}

/** The summary printed at the end (and with `--json`, as is). */
export interface ImportSummary {
  facilities: FacilityTotals[];
  totals: { files: number; sent: number; failed: number; skipped: number; records: number; accepted: number; rejected: number };
  /** Each file the gateway answered with records: its facility, submission and counts. */
  files: Array<{ file: string; format: ImportFormat; facility: string; submissionId?: string; accepted: number; rejected: number }>;
  /** Every rejected record with its file and facility. */
  rejectedRecords: Array<RejectedRecord & { file: string; facility: string }>;
  failed: Array<{ file: string; format?: ImportFormat; reason: string }>;
  skipped: Array<{ file: string; reason: string }>;
  /** 0 when every record was accepted and no file failed; 1 otherwise. */
  exitCode: 0 | 1;
}

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Totals per facility over the files the gateway answered, facilities sorted by code. */
export function facilityTotals(sent: readonly SentFile[]): FacilityTotals[] {
  const rows = new Map<string, { files: number; accepted: number; rejected: number; categories: Map<string, number> }>();
  for (const f of sent) {
    const row = rows.get(f.facility) ?? { files: 0, accepted: 0, rejected: 0, categories: new Map<string, number>() };
    row.files += 1;
    row.accepted += f.accepted;
    row.rejected += f.rejected.length;
    for (const r of f.rejected) row.categories.set(r.category, (row.categories.get(r.category) ?? 0) + 1);
    rows.set(f.facility, row);
  }
  return [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([facility, r]) => ({
    facility, files: r.files, records: r.accepted + r.rejected, accepted: r.accepted, rejected: r.rejected,
    rejectedByCategory: sortedCounts(r.categories),
  }));
}

/** The summary of an import from its files' outcomes (in file order). */
export function buildSummary(outcomes: readonly FileOutcome[]): ImportSummary {
  const sent = outcomes.filter((o): o is SentFile => o.status === 'sent');
  const failed = outcomes.filter((o): o is FailedFile => o.status === 'failed');
  const skipped = outcomes.filter((o): o is SkippedFile => o.status === 'skipped');
  const facilities = facilityTotals(sent);
  const accepted = facilities.reduce((n, f) => n + f.accepted, 0);
  const rejected = facilities.reduce((n, f) => n + f.rejected, 0);
  return {
    facilities,
    totals: { files: outcomes.length, sent: sent.length, failed: failed.length, skipped: skipped.length, records: accepted + rejected, accepted, rejected },
    files: sent.map((f) => ({
      file: f.file, format: f.format, facility: f.facility, ...(f.submissionId ? { submissionId: f.submissionId } : {}), accepted: f.accepted, rejected: f.rejected.length,
    })),
    rejectedRecords: sent.flatMap((f) => f.rejected.map((r) => ({ file: f.file, facility: f.facility, ...r }))),
    failed: failed.map((f) => ({ file: f.file, ...(f.format ? { format: f.format } : {}), reason: f.reason })),
    skipped: skipped.map((f) => ({ file: f.file, reason: f.reason })),
    exitCode: rejected > 0 || failed.length > 0 ? 1 : 0,
  };
}

/** `1234567` → `1,234,567`. */
export const grouped = (n: number): string => n.toLocaleString('en-US');

/** Rows as aligned columns: text left, numbers right. */
export function alignColumns(rows: readonly string[][], numeric: readonly boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

function facilityTable(summary: ImportSummary): string[] {
  const categories = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k} ${grouped(n)}`).join(', ');
  const line = (name: string, f: Omit<FacilityTotals, 'facility'>) =>
    [name, grouped(f.files), grouped(f.records), grouped(f.accepted), grouped(f.rejected), categories(f.rejectedByCategory)];
  const rows = [['facility', 'files', 'records', 'accepted', 'rejected', 'rejected by category'], ...summary.facilities.map((f) => line(f.facility, f))];
  if (summary.facilities.length > 1) {
    const all = new Map<string, number>();
    for (const f of summary.facilities) for (const [k, n] of Object.entries(f.rejectedByCategory)) all.set(k, (all.get(k) ?? 0) + n);
    const t = summary.totals;
    rows.push(line('total', { files: t.sent, records: t.records, accepted: t.accepted, rejected: t.rejected, rejectedByCategory: sortedCounts(all) }));
  }
  return alignColumns(rows, [false, true, true, true, true, false]);
}

/** How many rejected records the text summary lists (all are in `--json`). */
export const REJECTED_SHOWN = 20;

function rejectedList(summary: ImportSummary): string[] {
  const all = summary.rejectedRecords;
  if (!all.length) return [];
  const withRows = all.some((r) => r.row !== undefined);
  const shown = all.slice(0, REJECTED_SHOWN).map((r) => [`  ${r.file}`, ...(withRows ? [r.row !== undefined ? `row ${r.row}` : ''] : []), r.key, r.category]);
  const more = all.length > REJECTED_SHOWN ? [`  … and ${grouped(all.length - REJECTED_SHOWN)} more (--json lists all)`] : [];
  return ['', `Rejected records (${grouped(all.length)}):`, ...alignColumns(shown, shown[0]!.map(() => false)), ...more];
}

function fileList(title: string, files: ReadonlyArray<{ file: string; reason: string }>): string[] {
  if (!files.length) return [];
  return ['', `${title} (${files.length}):`, ...alignColumns(files.map((f) => [`  ${f.file}`, f.reason]), [false, false])];
}

/** The summary as text for a terminal: the facility table, rejected records, failed and skipped files, one closing line. */
export function renderSummary(summary: ImportSummary): string {
  const t = summary.totals;
  const table = summary.facilities.length ? facilityTable(summary) : ['no file was answered with records'];
  const verdict = summary.exitCode === 0
    ? `All ${grouped(t.records)} records accepted.`
    : `${grouped(t.rejected)} record(s) rejected, ${t.failed} file(s) failed.`;
  return [
    ...table,
    ...rejectedList(summary),
    ...fileList('Failed files', summary.failed),
    ...fileList('Skipped files', summary.skipped),
    '',
    `${t.files} file(s): ${t.sent} sent, ${t.failed} failed, ${t.skipped} skipped. ${verdict}`,
  ].join('\n') + '\n';
}
