/**
 * The provincial reports (docs/reports.md), admin keys only: `GET /api/reports` lists them,
 * `GET /api/reports/{name}?month=YYYY-MM&format=xlsx|csv|html` builds one from the live counters.
 */
import { Router } from 'express';
import type { Db } from '../../db/pool.js';
import { badRequest, notFound } from '../../errors/outcome.js';
import { RECORD_KINDS } from '../../records/model.js';
import { addDays, halfYear, isDay, isMonth, reportingMonth } from '../../reporting/period.js';
import { REPORTS, reportByName } from '../../reporting/reports/catalog.js';
import type { ReportDefinition, ReportQuery } from '../../reporting/reports/definition.js';
import { FIRST_DAY_2733 } from '../../reporting/reports/visit-types.js';
import { requireRole } from '../http/auth.js';
import { REPORT_FORMATS, listReports, reportParameters, runReport, type ReportFormat } from '../services/reports.service.js';

/** The longest period one report may span (ten years of days, as GET /api/stats). */
const MAX_DAYS = 3660;
const HALF = /^\d{4}-H[12]$/;

/** `month` (+ `monthStart`) → the reporting month (REPORT_MONTH_START_DAY by default). */
function monthPeriod(q: Record<string, string>, startDay: number): { from: string; to: string } {
  if (!isMonth(q.month)) throw badRequest('month must be YYYY-MM', ['month']);
  let start = startDay;
  if (q.monthStart !== undefined) {
    start = Number(q.monthStart);
    if (!/^\d{1,2}$/.test(q.monthStart) || start < 1 || start > 28) throw badRequest('monthStart must be a day 1–28', ['monthStart']);
  }
  return reportingMonth(q.month, start);
}

/** The period of a report: its style's parameters checked, `to` exclusive, and the label of the file name. */
function periodOf(def: ReportDefinition, q: Record<string, string>, startDay: number): Pick<ReportQuery, 'from' | 'to' | 'label' | 'half'> {
  if (def.period === 'half') {
    if (q.half !== undefined && q.month !== undefined) throw badRequest('give half or month, not both', ['half']);
    if (q.half === undefined && q.month === undefined) throw badRequest('give half=YYYY-H1|YYYY-H2 (or month=YYYY-MM: its half-year)', ['half']);
    if (q.month !== undefined && !isMonth(q.month)) throw badRequest('month must be YYYY-MM', ['month']);
    const half = q.half ?? `${q.month!.slice(0, 4)}-H${Number(q.month!.slice(5, 7)) <= 6 ? 1 : 2}`;
    if (!HALF.test(half)) throw badRequest('half must be YYYY-H1 or YYYY-H2', ['half']);
    const p = halfYear(half);
    if (addDays(p.to, -1) < FIRST_DAY_2733) throw badRequest(`the QĐ 2733/QĐ-BYT table starts on ${FIRST_DAY_2733}: the first half-year is 2024-H2`, ['half']);
    return { ...p, label: half, half };
  }
  if (q.month !== undefined) {
    if (q.from !== undefined || q.to !== undefined) throw badRequest('give month, or from and to, not both', ['month']);
    const p = monthPeriod(q, startDay);
    return { ...p, label: q.month };
  }
  if (q.monthStart !== undefined) throw badRequest('monthStart goes with month', ['monthStart']);
  if (def.period === 'until') {
    if (q.to === undefined) throw badRequest(`${def.name} counts from the beginning: give month=YYYY-MM or to=YYYY-MM-DD (the last day)`, ['month']);
    if (!isDay(q.to)) throw badRequest('to must be a real date YYYY-MM-DD', ['to']);
    return { from: '1970-01-01', to: addDays(q.to, 1), label: `den-${q.to}` };
  }
  if (q.from === undefined || q.to === undefined) throw badRequest('give month=YYYY-MM, or from and to (YYYY-MM-DD, both inclusive)', ['month']);
  if (!isDay(q.from)) throw badRequest('from must be a real date YYYY-MM-DD', ['from']);
  if (!isDay(q.to)) throw badRequest('to must be a real date YYYY-MM-DD', ['to']);
  const to = addDays(q.to, 1);
  if (to <= q.from) throw badRequest('to must not be before from', ['to']);
  if (Date.parse(to) - Date.parse(q.from) > MAX_DAYS * 86_400_000) throw badRequest(`a period spans at most ${MAX_DAYS} days`, ['from']);
  return { from: q.from, to, label: `${q.from}_${q.to}` };
}

/** The checked query of one report run, and its format (xlsx by default). */
export function reportQueryOf(def: ReportDefinition, query: Record<string, unknown>, startDay: number): { q: ReportQuery; format: ReportFormat } {
  const allowed = reportParameters(def);
  const unknown = Object.keys(query).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown parameter "${unknown.slice(0, 40)}" for ${def.name}; allowed: ${allowed.join(', ')}`, [unknown.slice(0, 40)]);
  for (const [k, v] of Object.entries(query)) if (typeof v !== 'string') throw badRequest(`${k} must be given once`, [k]);
  const q = query as Record<string, string>;
  const format = (q.format ?? 'xlsx') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw badRequest(`format must be one of ${REPORT_FORMATS.join(', ')}`, ['format']);
  if (q.province !== undefined && !/^\d{2}$/.test(q.province)) throw badRequest('province must be a GSO code of 2 digits', ['province']);
  if (q.facility !== undefined && !/^[0-9A-Za-z]{5}$/.test(q.facility)) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
  const kinds = [...RECORD_KINDS, 'all'];
  if (q.kind !== undefined && !kinds.includes(q.kind)) throw badRequest(`kind must be one of ${kinds.join(', ')}`, ['kind']);
  return {
    format,
    q: {
      ...periodOf(def, q, startDay),
      ...(q.province ? { province: q.province } : {}),
      ...(q.facility ? { facility: q.facility } : {}),
      ...(q.kind ? { kind: q.kind as NonNullable<ReportQuery['kind']> } : {}),
    },
  };
}

/** `GET /api/reports` and `GET /api/reports/{name}`. */
export function reportsRoutes(deps: { pool: Db; reportMonthStartDay: number }): Router {
  const router = Router();
  router.get('/', requireRole('admin'), (_req, res) => {
    res.json({ reports: listReports() });
  });
  router.get('/:name', requireRole('admin'), async (req, res) => {
    const name = req.params.name as string;
    const def = reportByName(name);
    if (!def) throw notFound(`no report "${name.slice(0, 40)}"; reports: ${REPORTS.map((r) => r.name).join(', ')}`);
    const { q, format } = reportQueryOf(def, req.query as Record<string, unknown>, deps.reportMonthStartDay);
    const out = await runReport(deps.pool, def, q, format);
    res.locals.audit = { resource: `report/${def.name}/${q.label}` };
    res.setHeader('Content-Disposition', `${format === 'html' ? 'inline' : 'attachment'}; filename="${out.fileName}"`);
    if (format === 'html') res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.setHeader('X-Report-Rows', String(out.rows));
    res.type(out.contentType).send(out.body);
  });
  return router;
}
