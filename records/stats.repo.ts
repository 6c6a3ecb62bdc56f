import type { Db } from '../db/pool.js';
import {
  RECORD_KINDS, RECORD_STATUSES, REPORT_GROUPS, reportGroupOf,
  type RecordKind, type RecordStatus, type ReportCategory, type ReportGroup, type StatusCount, type WarningCode,
} from './model.js';

/** Counts by status, `received = linked + rejected + held + failed + pending`, with the vaccine doses those records carry. */
export type StatusCounts = { received: number; doses: number; dosesLinked: number } & Record<StatusCount, number>;

/**
 * Linkage counts of one facility over a period (Huế report Bảng 2 per facility, Bảng 3 for
 * vaccinations; Quảng Ngãi Phụ lục 01 categories), also split by what the records are about and by
 * the format they arrived in.
 */
export type FacilityStats = {
  facility: string;
  /** Rejected and failed records by category. */
  categories: Record<string, number>;
  /** The same, in the report's grouping (no ID · malformed ID · verification mismatch · other). */
  groups: Record<ReportGroup, number>;
  /** Encounters and immunization records counted apart. */
  kinds: Record<RecordKind, StatusCounts>;
  /** By source format (`qd130`, `hl7v2`, `csv`, …): only formats that sent something. */
  formats: Record<string, StatusCounts>;
  /** Warnings of accepted records by code, one per dose or field warned about (an unknown vaccine): counted, never rejecting. */
  warnings: Partial<Record<WarningCode, number>>;
} & StatusCounts;

/** Optional narrowing of the statistics. */
export interface StatsFilter {
  facility?: string;
  kind?: RecordKind;
  format?: string;
}

const COUNT_KEYS = ['received', 'linked', 'rejected', 'held', 'failed', 'pending', 'doses', 'dosesLinked'] as const satisfies ReadonlyArray<keyof StatusCounts>;

/** A zeroed set of status counts. */
export function emptyCounts(): StatusCounts {
  return Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as StatusCounts;
}

/** Add `n` records in `status` (carrying `doses` doses) to a set of counts. */
export function addCounts(c: StatusCounts, status: RecordStatus, n: number, doses: number): void {
  c.received += n;
  c[RECORD_STATUSES[status].counts] += n;
  c.doses += doses;
  if (status === 'linked') c.dosesLinked += doses;
}

function emptyFacility(facility: string): FacilityStats {
  const groups = Object.fromEntries(Object.keys(REPORT_GROUPS).map((g) => [g, 0])) as Record<ReportGroup, number>;
  const kinds = Object.fromEntries(RECORD_KINDS.map((k) => [k, emptyCounts()])) as Record<RecordKind, StatusCounts>;
  return { facility, ...emptyCounts(), categories: {}, groups, kinds, formats: {}, warnings: {} };
}

const WHERE = `r.received_at >= $1 AND r.received_at < $2 AND ($3::text IS NULL OR r.facility = $3)
               AND ($4::text IS NULL OR r.kind = $4) AND ($5::text IS NULL OR s.format = $5)`;

/**
 * Per-facility counts of records received in [from, to). Every record is in exactly one status and
 * each status counts in one column, so `received` adds up in every breakdown by construction.
 */
export async function facilityStats(db: Db, from: Date, to: Date, filter: StatsFilter = {}): Promise<FacilityStats[]> {
  const params = [from, to, filter.facility ?? null, filter.kind ?? null, filter.format ?? null];
  const { rows } = await db.query(
    `SELECT r.facility, r.kind, s.format, r.status, r.category, count(*)::int AS n, sum(r.doses)::int AS doses
       FROM records r JOIN submissions s ON s.id = r.submission_id
      WHERE ${WHERE}
      GROUP BY r.facility, r.kind, s.format, r.status, r.category
      ORDER BY r.facility`,
    params,
  );
  const byFacility = new Map<string, FacilityStats>();
  const of = (facility: string) => byFacility.get(facility) ?? byFacility.set(facility, emptyFacility(facility)).get(facility)!;
  for (const r of rows) {
    const s = of(r.facility);
    const status = r.status as RecordStatus;
    addCounts(s, status, r.n, r.doses);
    addCounts(s.kinds[r.kind as RecordKind] ?? (s.kinds[r.kind as RecordKind] = emptyCounts()), status, r.n, r.doses);
    addCounts(s.formats[r.format] ?? (s.formats[r.format] = emptyCounts()), status, r.n, r.doses);
    const category = status === 'failed' ? 'LINK_FAILED' : status === 'rejected' ? r.category : null;
    if (category) {
      s.categories[category] = (s.categories[category] ?? 0) + r.n;
      s.groups[reportGroupOf(category as ReportCategory) ?? 'other'] += r.n;
    }
  }
  const warnings = await db.query(
    `SELECT r.facility, w->>'code' AS code, count(*)::int AS n
       FROM records r JOIN submissions s ON s.id = r.submission_id, jsonb_array_elements(r.warnings) w
      WHERE ${WHERE} AND r.warnings <> '[]'::jsonb
      GROUP BY r.facility, w->>'code'`,
    params,
  );
  for (const w of warnings.rows) of(w.facility).warnings[w.code as WarningCode] = w.n;
  return [...byFacility.values()];
}

/** The sum of facilities' statistics (the province's row of the report). */
export function totalOf(facilities: readonly FacilityStats[]): Omit<FacilityStats, 'facility'> {
  const total = emptyFacility('');
  const addInto = (into: StatusCounts, from: StatusCounts) => {
    for (const k of COUNT_KEYS) into[k] += from[k];
  };
  for (const f of facilities) {
    addInto(total, f);
    for (const [k, c] of Object.entries(f.kinds)) addInto(total.kinds[k as RecordKind] ??= emptyCounts(), c);
    for (const [k, c] of Object.entries(f.formats)) addInto(total.formats[k] ??= emptyCounts(), c);
    for (const [k, n] of Object.entries(f.categories)) total.categories[k] = (total.categories[k] ?? 0) + n;
    for (const [k, n] of Object.entries(f.groups)) total.groups[k as ReportGroup] += n;
    for (const [k, n] of Object.entries(f.warnings)) total.warnings[k as WarningCode] = (total.warnings[k as WarningCode] ?? 0) + n;
  }
  const { facility: _facility, ...rest } = total;
  return rest;
}
