import {
  RECORD_KINDS, RECORD_STATUSES, REPORT_GROUPS, reportGroupOf,
  type RecordKind, type RecordStatus, type ReportCategory, type ReportGroup, type StatusCount, type WarningCode,
} from '../records/model.js';
import type { CountRow } from './counts.repo.js';

/** Counts by status, `received = linked + rejected + held + failed + pending`, with the vaccine doses those records carry. */
export type StatusCounts = { received: number; doses: number; dosesLinked: number } & Record<StatusCount, number>;

/**
 * The counters of one group (a facility, an area, a format, a day…) over a period: by status, by
 * rejection category and in the reports' grouping (Quảng Ngãi Phụ lục 01: no ID · malformed ID ·
 * verification mismatch · other), split by kind (Huế Bảng 2 encounters, Bảng 3 vaccinations) and format.
 */
export type GroupStats = {
  /** Rejected and failed records by category (`LINK_FAILED` for failed). */
  categories: Record<string, number>;
  /** The same, in the report's grouping. */
  groups: Record<ReportGroup, number>;
  /** Held records by the reason they wait for review. */
  heldCategories: Record<string, number>;
  kinds: Record<RecordKind, StatusCounts>;
  /** By source format: only formats that sent something. */
  formats: Record<string, StatusCounts>;
  /** Warnings of accepted records by code: counted, never rejecting. */
  warnings: Partial<Record<WarningCode, number>>;
  /** linked / received, or null when nothing was received. */
  successRate: number | null;
} & StatusCounts;

const COUNT_KEYS = ['received', 'linked', 'rejected', 'held', 'failed', 'pending', 'doses', 'dosesLinked'] as const satisfies ReadonlyArray<keyof StatusCounts>;

/** A zeroed set of status counts. */
export function emptyCounts(): StatusCounts {
  return Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as StatusCounts;
}

/** Add `n` records in `status` (carrying `doses` doses) to a set of counts. */
export function addCounts(c: StatusCounts, status: RecordStatus, n: number, doses: number): void {
  c.received += n;
  c[(RECORD_STATUSES[status] ?? RECORD_STATUSES.accepted).counts] += n;
  c.doses += doses;
  if (status === 'linked') c.dosesLinked += doses;
}

/** Zeroed group statistics. */
export function emptyGroup(): GroupStats {
  const groups = Object.fromEntries(Object.keys(REPORT_GROUPS).map((g) => [g, 0])) as Record<ReportGroup, number>;
  const kinds = Object.fromEntries(RECORD_KINDS.map((k) => [k, emptyCounts()])) as Record<RecordKind, StatusCounts>;
  return { ...emptyCounts(), categories: {}, groups, heldCategories: {}, kinds, formats: {}, warnings: {}, successRate: null };
}

/** Add one counter row to a group. */
function addRow(s: GroupStats, r: CountRow): void {
  if (r.warning) {
    s.warnings[r.warning as WarningCode] = (s.warnings[r.warning as WarningCode] ?? 0) + r.n;
    return;
  }
  const status = r.status as RecordStatus;
  addCounts(s, status, r.n, r.doses);
  addCounts(s.kinds[r.kind] ??= emptyCounts(), status, r.n, r.doses);
  addCounts(s.formats[r.format] ??= emptyCounts(), status, r.n, r.doses);
  if ((status === 'rejected' || status === 'failed') && r.category) {
    s.categories[r.category] = (s.categories[r.category] ?? 0) + r.n;
    s.groups[reportGroupOf(r.category as ReportCategory)] += r.n;
  } else if (status === 'held' && r.category) {
    s.heldCategories[r.category] = (s.heldCategories[r.category] ?? 0) + r.n;
  }
}

function withRate<T extends GroupStats>(s: T): T {
  s.successRate = s.received > 0 ? s.linked / s.received : null;
  return s;
}

/**
 * Counter rows → one statistics object per key (in key order) and their total. Every record is in
 * exactly one status and each status counts in one column, so `received` adds up in every breakdown.
 */
export function shapeCounts(rows: readonly CountRow[]): { totals: GroupStats; groups: Array<GroupStats & { key: string | null }> } {
  const totals = emptyGroup();
  const byKey = new Map<string | null, GroupStats & { key: string | null }>();
  for (const r of rows) {
    addRow(totals, r);
    let g = byKey.get(r.key);
    if (!g) byKey.set(r.key, (g = { key: r.key, ...emptyGroup() }));
    addRow(g, r);
  }
  const groups = [...byKey.values()].sort((a, b) => (a.key ?? '\uffff').localeCompare(b.key ?? '\uffff'));
  return { totals: withRate(totals), groups: groups.map(withRate) };
}
