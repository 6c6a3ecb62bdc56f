import type { Db } from '../db/pool.js';
import type { RecordKind } from '../records/model.js';

/** Count records by the day they arrived, or by their date of service. */
export type CountBasis = 'arrival' | 'service';
/** What a count can be grouped by besides status and category. */
export const COUNT_DIMENSIONS = ['facility', 'province', 'district', 'commune', 'format', 'kind', 'day', 'month'] as const;
export type CountDimension = (typeof COUNT_DIMENSIONS)[number];
export type AreaLevel = 'province' | 'district' | 'commune';

/** Optional narrowing of the statistics. */
export interface StatsFilter {
  facility?: string;
  kind?: RecordKind;
  format?: string;
}

/** A slice of the counters: days in Vietnam time, `from` inclusive, `to` exclusive (`YYYY-MM-DD`). */
export interface CountQuery {
  basis: CountBasis;
  from: string;
  to: string;
  /** A facility's current code: records sent under its former codes count too. */
  facility?: string;
  kind?: RecordKind;
  format?: string;
  /** The facility's area on the day counted (old units before 1 July 2025, new ones after). */
  area?: { level: AreaLevel; code: string };
  by?: CountDimension;
}

/** One group of counters; `key` is the value of `by` (null when the facility has no area on that day). */
export interface CountRow {
  key: string | null;
  kind: RecordKind;
  format: string;
  status: string;
  category: string;
  warning: string;
  n: number;
  doses: number;
}

/** `YYYY-MM-DD` of the first day of the month after `day`'s. */
function nextMonth(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

/**
 * How [from, to) splits into whole months (read from `stats_monthly`), the days around them (read
 * from `stats_daily`) and, where that reads fewer rows, days subtracted from a whole month: a
 * reporting month 10/01–09/02 is January minus 01–09/01 plus 01–09/02 (9 + 9 days, not 22 + 9).
 * Grouping by day reads days only.
 */
export function splitPeriod(from: string, to: string, byDay: boolean): { months?: [string, string]; days: Array<[string, string]>; minus?: Array<[string, string]> } {
  if (byDay) return { days: [[from, to]] };
  const fromMonth = `${from.slice(0, 7)}-01`;
  const lead = dayNumber(nextMonth(from)) - dayNumber(from); // days of from's month in the period
  const wholeLead = from !== fromMonth && lead * 2 > dayNumber(nextMonth(from)) - dayNumber(fromMonth);
  const firstMonth = from.endsWith('-01') || wholeLead ? fromMonth : nextMonth(from);
  const toMonth = `${to.slice(0, 7)}-01`;
  const trail = dayNumber(to) - dayNumber(toMonth);
  const wholeTrail = to !== toMonth && trail * 2 > dayNumber(nextMonth(toMonth)) - dayNumber(toMonth);
  const endMonth = wholeTrail ? nextMonth(toMonth) : toMonth;
  if (firstMonth >= endMonth) return { days: [[from, to]] };
  const days: Array<[string, string]> = [];
  const minus: Array<[string, string]> = [];
  if (from < firstMonth) days.push([from, firstMonth]);
  else if (from > firstMonth) minus.push([firstMonth, from]);
  if (endMonth < to) days.push([endMonth, to]);
  else if (endMonth > to) minus.push([to, endMonth]);
  return { months: [firstMonth, endMonth], days, ...(minus.length ? { minus } : {}) };
}

const KEY_SQL: Record<CountDimension, string> = {
  facility: 'fc.code',
  province: 'fa.province',
  district: 'fa.district',
  commune: 'fa.commune',
  format: 'agg.format',
  kind: 'agg.kind',
  day: "to_char(agg.day, 'YYYY-MM-DD')",
  month: "to_char(date_trunc('month', agg.day), 'YYYY-MM')",
};

/**
 * Counters over a period, grouped by `by` (or not at all), kind, format, status, category and warning: the daily
 * and monthly tables plus the deltas not folded yet, read in one statement (one snapshot). Former
 * facility codes count under the current one; areas are the facility's on the day counted.
 */
export async function countRecords(db: Db, q: CountQuery): Promise<CountRow[]> {
  const params: unknown[] = [q.basis === 'arrival' ? 'a' : 's'];
  const p = (v: unknown) => `$${params.push(v)}`;
  const split = splitPeriod(q.from, q.to, q.by === 'day');
  const dayCol = q.basis === 'arrival' ? 'arrival_day' : 'service_day';
  const cols = 'facility, kind, format, status, category, warning, n, doses';
  const sources: string[] = [];
  // The filters again inside each source (a superset: former codes, any period of an area), so the
  // counters of other facilities, kinds and formats are never summed; the exact test follows below.
  const narrow: string[] = [];
  if (q.facility) {
    const code = p(q.facility);
    narrow.push(`(facility = ${code} OR facility IN (SELECT old_code FROM facility_successions WHERE new_code = ${code}))`);
  }
  if (q.kind) narrow.push(`kind = ${p(q.kind)}`);
  if (q.format) narrow.push(`format = ${p(q.format)}`);
  if (q.area) {
    const inArea = `SELECT facility FROM facility_areas WHERE ${q.area.level} = ${p(q.area.code)}`;
    narrow.push(`(facility IN (${inArea}) OR facility IN (SELECT old_code FROM facility_successions WHERE new_code IN (${inArea})))`);
  }
  const and = narrow.map((c) => ` AND ${c}`).join('');
  if (split.months) {
    sources.push(`SELECT month AS day, ${cols} FROM stats_monthly WHERE basis = $1 AND month >= ${p(split.months[0])}::date AND month < ${p(split.months[1])}::date${and}`);
  }
  for (const [a, b] of split.days) {
    sources.push(`SELECT day, ${cols} FROM stats_daily WHERE basis = $1 AND day >= ${p(a)}::date AND day < ${p(b)}::date${and}`);
  }
  // Days taken off a whole month count, like the month, on its first day (the area of the 1st).
  for (const [a, b] of split.minus ?? []) {
    sources.push(`SELECT date_trunc('month', day)::date AS day, facility, kind, format, status, category, warning, -n AS n, -doses AS doses
      FROM stats_daily WHERE basis = $1 AND day >= ${p(a)}::date AND day < ${p(b)}::date${and}`);
  }
  sources.push(`SELECT ${dayCol} AS day, ${cols} FROM stats_deltas WHERE latency_le IS NULL AND ${dayCol} >= ${p(q.from)}::date AND ${dayCol} < ${p(q.to)}::date${and}`);
  const where: string[] = [];
  if (q.facility) where.push(`fc.code = ${p(q.facility)}`);
  if (q.kind) where.push(`agg.kind = ${p(q.kind)}`);
  if (q.format) where.push(`agg.format = ${p(q.format)}`);
  if (q.area) where.push(`fa.${q.area.level} = ${p(q.area.code)}`);
  const needsArea = !!q.area || q.by === 'province' || q.by === 'district' || q.by === 'commune';
  // The day survives the first aggregation only when something depends on it (an area on that day, a time series).
  const timeSeries = q.by === 'day' || q.by === 'month';
  const keepDay = needsArea || timeSeries;
  // A facility whose one area row covers the whole period needs no day to find its area: its counters
  // are summed over the period (counted on its first day), so only facilities that moved keep a day.
  const stableArea = needsArea && !timeSeries
    ? `WITH stable AS (
         SELECT facility AS code FROM facility_areas
          WHERE valid_from <= ${p(q.from)}::date AND (valid_to IS NULL OR valid_to >= ${p(q.to)}::date - 1)),
       stable_raw AS (SELECT code FROM stable UNION SELECT old_code FROM facility_successions WHERE new_code IN (SELECT code FROM stable))`
    : '';
  const dayKey = !keepDay ? 'NULL::date AS day'
    : stableArea ? `CASE WHEN src.facility IN (SELECT code FROM stable_raw) THEN ${p(q.from)}::date ELSE src.day END AS day`
    : q.by === 'month' && !needsArea ? "date_trunc('month', src.day)::date AS day" : 'src.day';
  // The facility survives the first aggregation only when the answer depends on it.
  const facilityKey = q.by === 'facility' || q.facility || needsArea ? 'src.facility' : 'NULL::text AS facility';
  const key = q.by ? KEY_SQL[q.by] : 'NULL::text';
  // Sum the sources first (tens of thousands of counter rows become a few thousand), then map former
  // facility codes and areas once per group rather than once per counter row.
  const { rows } = await db.query<{ key: string | null; kind: RecordKind; format: string; status: string; category: string; warning: string; n: string; doses: string }>(
    `${stableArea}
     SELECT ${key} AS key, agg.kind, agg.format, agg.status, agg.category, agg.warning, sum(agg.n)::bigint AS n, sum(agg.doses)::bigint AS doses
       FROM (SELECT ${dayKey}, ${facilityKey}, src.kind, src.format, src.status, src.category, src.warning, sum(src.n) AS n, sum(src.doses) AS doses
               FROM (${sources.join('\n UNION ALL ')}) src
              GROUP BY 1, 2, 3, 4, 5, 6, 7) agg
       LEFT JOIN facility_successions fs ON fs.old_code = agg.facility
       CROSS JOIN LATERAL (SELECT coalesce(fs.new_code, agg.facility) AS code) fc
       ${needsArea ? `LEFT JOIN facility_areas fa ON fa.facility = fc.code AND agg.day >= fa.valid_from AND (fa.valid_to IS NULL OR agg.day <= fa.valid_to)` : ''}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      GROUP BY 1, 2, 3, 4, 5, 6
     HAVING sum(agg.n) <> 0 OR sum(agg.doses) <> 0`,
    params,
  );
  return rows.map((r) => ({ key: r.key, kind: r.kind, format: r.format, status: r.status, category: r.category, warning: r.warning, n: Number(r.n), doses: Number(r.doses) }));
}

/** Encounters by visit type (MA_LOAI_KCB), BHYT and status over whole months of service [fromMonth, toMonth) (QĐ 2733 Đ8). */
export async function countVisits(db: Db, fromMonth: string, toMonth: string, facility?: string): Promise<Array<{ facility: string; visitType: string; insured: boolean; status: string; n: number }>> {
  const { rows } = await db.query(
    `SELECT fc.code AS facility, v.visit_type, v.insured, v.status, sum(v.n)::bigint AS n
       FROM (SELECT facility, visit_type, insured, status, n FROM stats_visits_monthly WHERE month >= $1::date AND month < $2::date
             UNION ALL
             SELECT facility, visit_type, insured, status, n FROM stats_deltas
              WHERE latency_le IS NULL AND warning = '' AND kind = 'encounter' AND service_day >= $1::date AND service_day < $2::date) v
       CROSS JOIN LATERAL (SELECT coalesce((SELECT new_code FROM facility_successions WHERE old_code = v.facility), v.facility) AS code) fc
      WHERE $3::text IS NULL OR fc.code = $3
      GROUP BY 1, 2, 3, 4 HAVING sum(v.n) <> 0`,
    [fromMonth, toMonth, facility ?? null],
  );
  return rows.map((r) => ({ facility: r.facility, visitType: r.visit_type, insured: r.insured, status: r.status, n: Number(r.n) }));
}

/** The linkage-latency histogram: observations per bucket upper bound (seconds), folded and not. */
export async function linkLatencyBuckets(db: Db): Promise<Array<{ le: number; n: number }>> {
  const { rows } = await db.query(
    `SELECT le, sum(n)::bigint AS n FROM (SELECT le, n FROM stats_link_latency UNION ALL SELECT latency_le, n FROM stats_deltas WHERE latency_le IS NOT NULL) x
      GROUP BY le ORDER BY le`,
  );
  return rows.map((r) => ({ le: Number(r.le), n: Number(r.n) }));
}
