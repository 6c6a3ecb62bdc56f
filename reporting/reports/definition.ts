/** What a report is: its name, title, which parameters it takes and how it builds its table. */
import type { Db } from '../../db/pool.js';
import type { RecordKind } from '../../records/model.js';
import type { ReportTable } from './table.js';

/**
 * How a report reads its period: `period` = the days [from, to) (a reporting month or from/to),
 * `until` = everything received before `to` (from the beginning), `half` = a half-year (QĐ 2733).
 */
export type PeriodStyle = 'period' | 'until' | 'half';

/** Optional narrowing a report accepts besides its period. */
export type ReportOption = 'province' | 'kind' | 'facility';

/** The checked parameters of one run: days in Vietnam time, `to` exclusive. */
export interface ReportQuery {
  from: string;
  to: string;
  /** The period as the file name shows it: `2026-11`, `2018-05-01_2018-12-31`, `2025-H1`. */
  label: string;
  /** `YYYY-H1`/`YYYY-H2` for half-year reports. */
  half?: string;
  /** A province's GSO code: only facilities located in it. */
  province?: string;
  /** One kind of record, or every kind (`all`). */
  kind?: RecordKind | 'all';
  /** One facility's current code. */
  facility?: string;
}

/** A report of the catalog (GET /api/reports). */
export interface ReportDefinition {
  name: string;
  title: string;
  /** One line: what a row is and what it counts (the listing shows it). */
  description: string;
  period: PeriodStyle;
  options: readonly ReportOption[];
  build(db: Db, q: ReportQuery): Promise<ReportTable>;
}
