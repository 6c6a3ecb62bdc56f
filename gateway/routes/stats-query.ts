import { badRequest } from '../../errors/outcome.js';
import { FORMATS, formatByName } from '../../mappers/registry.js';
import { RECORD_KINDS, type RecordKind } from '../../records/model.js';
import { COUNT_DIMENSIONS, type CountDimension, type CountQuery } from '../../reporting/counts.repo.js';
import { addDays, isDay, isMonth, reportingMonth, vnDay } from '../../reporting/period.js';

const FACILITY = /^[0-9A-Za-z]{5}$/;
const AREA = { province: /^\d{2}$/, district: /^\d{3}$/, commune: /^\d{5}$/ } as const;
const KNOWN = ['from', 'to', 'month', 'monthStart', 'basis', 'by', 'facility', 'kind', 'format', 'province', 'district', 'commune'];

/** The longest period one question may span (ten years of days). */
const MAX_DAYS = 3660;

/**
 * The period of a statistics question: `month=YYYY-MM` (a reporting month, from the day
 * `monthStart` — default REPORT_MONTH_START_DAY — of the month before), or `from`/`to` days
 * (both inclusive), or by default the current calendar month up to today.
 */
export function periodOf(query: Record<string, unknown>, now: Date, monthStartDay: number): { from: string; to: string } {
  if (query.month !== undefined) {
    if (query.from !== undefined || query.to !== undefined) throw badRequest('give month, or from and to, not both', ['month']);
    if (!isMonth(query.month)) throw badRequest('month must be YYYY-MM', ['month']);
    let start = monthStartDay;
    if (query.monthStart !== undefined) {
      start = Number(query.monthStart);
      if (typeof query.monthStart !== 'string' || !/^\d{1,2}$/.test(query.monthStart) || start < 1 || start > 28) throw badRequest('monthStart must be a day 1–28', ['monthStart']);
    }
    return reportingMonth(query.month, start);
  }
  const today = vnDay(now);
  if (query.from !== undefined && !isDay(query.from)) throw badRequest('from must be a real date YYYY-MM-DD', ['from']);
  if (query.to !== undefined && !isDay(query.to)) throw badRequest('to must be a real date YYYY-MM-DD', ['to']);
  const from = (query.from as string | undefined) ?? `${today.slice(0, 7)}-01`;
  const to = addDays((query.to as string | undefined) ?? today, 1);
  if (to <= from) throw badRequest('to must not be before from', ['to']);
  if (Date.parse(to) - Date.parse(from) > MAX_DAYS * 86_400_000) throw badRequest(`a period spans at most ${MAX_DAYS} days`, ['from']);
  return { from, to };
}

/**
 * `GET /api/stats` parameters → a counters query. `callerFacility` (a facility key) narrows to that
 * facility whatever was asked.
 */
export function statsQueryOf(query: Record<string, unknown>, now: Date, monthStartDay: number, callerFacility: string | null): CountQuery {
  const unknown = Object.keys(query).find((k) => !KNOWN.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown parameter "${unknown.slice(0, 40)}"; allowed: ${KNOWN.join(', ')}`, [unknown.slice(0, 40)]);
  for (const [k, v] of Object.entries(query)) if (typeof v !== 'string') throw badRequest(`${k} must be given once`, [k]);
  const { basis = 'arrival', by, facility, kind, format } = query as Record<string, string | undefined>;
  if (basis !== 'arrival' && basis !== 'service') throw badRequest('basis must be arrival (day received) or service (date of service)', ['basis']);
  if (by !== undefined && !(COUNT_DIMENSIONS as readonly string[]).includes(by)) throw badRequest(`by must be one of ${COUNT_DIMENSIONS.join(', ')}`, ['by']);
  if (facility !== undefined && !FACILITY.test(facility)) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
  if (kind !== undefined && !(RECORD_KINDS as readonly string[]).includes(kind)) throw badRequest(`kind must be one of ${RECORD_KINDS.join(', ')}`, ['kind']);
  if (format !== undefined && !formatByName(format)) throw badRequest(`format must be one of ${FORMATS.map((f) => f.format).join(', ')}`, ['format']);
  const areas = (Object.keys(AREA) as Array<keyof typeof AREA>).filter((l) => query[l] !== undefined);
  if (areas.length > 1) throw badRequest('give one of province, district, commune', [areas[1]!]);
  const level = areas[0];
  if (level && !AREA[level].test(query[level] as string)) throw badRequest(`${level} must be a GSO code of ${{ province: 2, district: 3, commune: 5 }[level]} digits`, [level]);
  return {
    basis, ...periodOf(query, now, monthStartDay),
    ...(callerFacility ? { facility: callerFacility } : facility ? { facility } : {}),
    ...(kind ? { kind: kind as RecordKind } : {}),
    ...(format ? { format } : {}),
    ...(level ? { area: { level, code: query[level] as string } } : {}),
    ...(by ? { by: by as CountDimension } : {}),
  };
}
