import { Router } from 'express';
import { badRequest } from '../../errors/outcome.js';
import { requireRole } from '../http/auth.js';
import { csvFormat } from '../../mappers/csv/index.js';
import { FORMATS, formatByName } from '../../mappers/registry.js';
import { RECORD_KINDS, type RecordKind } from '../../records/model.js';
import type { StatsFilter } from '../../reporting/counts.repo.js';
import { addDays, isDay, vnDay } from '../../reporting/period.js';
import { statistics } from '../services/statistics.service.js';
import { statsQueryOf } from './stats-query.js';
import { readFormatProfile, storeFormatProfile } from '../services/format-profiles.service.js';
import { rerunFailed, viewSubmission, type RecordsServiceDeps, type RerunFilter } from '../services/records.service.js';
import { areaOf, arrivalPeriodOf, categoryOf } from '../services/errors.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FACILITY = /^[0-9A-Za-z]{5}$/;

/** A period in days, Vietnam time (UTC+7): `from` inclusive, `to` inclusive (whole day). Defaults to the current month. */
export function parsePeriod(query: Record<string, unknown>, now: Date): { from: Date; to: Date } {
  const day = (v: unknown, name: string) => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw badRequest(`${name} must be a date YYYY-MM-DD`, [name]);
    if (!isDay(v)) throw badRequest(`${name} is not a real date in the years 1900–2199`, [name]);
    return new Date(`${v}T00:00:00+07:00`);
  };
  const local = new Date(now.getTime() + 7 * 3600_000);
  const monthStart = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - 7 * 3600_000);
  const from = query.from === undefined ? monthStart : day(query.from, 'from');
  const to = query.to === undefined ? new Date(now.getTime() + 1) : new Date(day(query.to, 'to').getTime() + 86_400_000);
  if (to <= from) throw badRequest('to must not be before from', ['to']);
  return { from, to };
}

/** `facility`, `kind` (encounter · immunization · person) and `format` (a registered format) of `GET /api/stats/facilities`. */
export function statsFilterOf(query: Record<string, unknown>): StatsFilter {
  const { facility, kind, format } = query;
  if (facility !== undefined && (typeof facility !== 'string' || !FACILITY.test(facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
  if (kind !== undefined && (typeof kind !== 'string' || !(RECORD_KINDS as readonly string[]).includes(kind))) {
    throw badRequest(`kind must be one of ${RECORD_KINDS.join(', ')}`, ['kind']);
  }
  if (format !== undefined && (typeof format !== 'string' || !formatByName(format))) {
    throw badRequest(`format must be one of ${FORMATS.map((f) => f.format).join(', ')}`, ['format']);
  }
  return { ...(facility ? { facility } : {}), ...(kind ? { kind: kind as RecordKind } : {}), ...(format ? { format } : {}) };
}

const RERUN_FIELDS = ['facility', 'submissionId', 'keys', 'status', 'from', 'to', 'province', 'district', 'commune', 'category', 'all'];
const MAX_RERUN_KEYS = 10_000;

/**
 * The filter of `POST /api/records/rerun`: `status` (`failed`, the default: re-queued; `held`:
 * decided again through the identity stage) and any of `facility`, `submissionId`, `keys`,
 * `from`/`to` (Vietnam arrival days), `province`/`district`/`commune` (the facility's area) and
 * `category` (combined with AND), or `{"all": true}` for every facility's records of that status.
 * An absent or empty body never means "everything", and unknown fields are refused, so a typo
 * cannot widen the re-run (docs/error-review.md).
 */
export function rerunFilterOf(body: unknown): RerunFilter {
  const needAll = 'the body must name facility, submissionId, keys, from, to, province, district, commune or category, or be {"all": true} to re-run every facility\'s records';
  if (body === undefined || body === null) throw badRequest(needAll, ['all']);
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !RERUN_FIELDS.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown field "${unknown.slice(0, 50)}"; allowed: ${RERUN_FIELDS.join(', ')}`, [unknown.slice(0, 50)]);
  if (b.facility !== undefined && (typeof b.facility !== 'string' || !FACILITY.test(b.facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
  if (b.submissionId !== undefined && (typeof b.submissionId !== 'string' || !UUID.test(b.submissionId))) throw badRequest('submissionId must be a UUID', ['submissionId']);
  if (b.keys !== undefined && (!Array.isArray(b.keys) || b.keys.length === 0 || b.keys.length > MAX_RERUN_KEYS
    || !b.keys.every((k) => typeof k === 'string' && /^[^\u0000-\u001f\ud800-\udfff]{1,200}$/.test(k)))) {
    throw badRequest(`keys must be an array of 1–${MAX_RERUN_KEYS} MA_LK strings`, ['keys']);
  }
  if (b.status !== undefined && b.status !== 'failed' && b.status !== 'held') throw badRequest('status must be failed (the default: re-queued) or held (decided again)', ['status']);
  if (b.all !== undefined && typeof b.all !== 'boolean') throw badRequest('all must be a boolean (true re-runs every facility)', ['all']);
  const category = categoryOf(b.category);
  const filter: RerunFilter = {
    ...(b.facility !== undefined ? { facility: b.facility as string } : {}),
    ...(b.submissionId !== undefined ? { submissionId: b.submissionId as string } : {}),
    ...(b.keys !== undefined ? { keys: b.keys as string[] } : {}),
    ...arrivalPeriodOf(b.from, b.to), ...areaOf(b), ...(category ? { category } : {}),
  };
  const filtered = Object.keys(filter).length > 0;
  if (b.all === true && filtered) throw badRequest('all cannot be combined with facility, submissionId, keys, from, to, province, district, commune or category', ['all']);
  if (b.all !== true && !filtered) throw badRequest(needAll, ['all']);
  return { ...filter, ...(b.status === 'held' ? { status: 'held' as const } : {}) };
}

/** Administrative API: submission status, statistics, re-runs. */
export function apiRoutes(deps: RecordsServiceDeps & { clock: () => Date; reportMonthStartDay?: number }): Router {
  const router = Router();

  router.get('/submissions/:id', requireRole('facility', 'admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw badRequest('submission id must be a UUID', ['id']);
    const view = await viewSubmission(deps, id, req.principal?.role === 'facility' ? req.principal.facility : null);
    res.locals.audit = { resource: `submission/${id}` };
    res.json(view);
  });

  // Kept for callers of the first release: the same counters as GET /api/stats?by=facility.
  router.get('/stats/facilities', requireRole('admin'), async (req, res) => {
    const { from, to } = parsePeriod(req.query as Record<string, unknown>, deps.clock());
    const answer = await statistics(deps.pool, {
      basis: 'arrival', from: vnDay(from), to: addDays(vnDay(new Date(to.getTime() - 1)), 1), ...statsFilterOf(req.query as Record<string, unknown>), by: 'facility',
    });
    res.json({ from: from.toISOString(), to: to.toISOString(), totals: answer.totals, facilities: answer.rows.map(({ key, ...s }) => ({ facility: key, ...s })) });
  });

  // Statistics by period, facility, area, format, kind or day/month (docs/reporting.md); a facility key sees its own.
  router.get('/stats', requireRole('admin', 'facility'), async (req, res) => {
    const caller = req.principal?.role === 'facility' ? req.principal.facility ?? null : null;
    res.json(await statistics(deps.pool, statsQueryOf(req.query as Record<string, unknown>, deps.clock(), deps.reportMonthStartDay ?? 1, caller)));
  });

  router.post('/records/rerun', requireRole('admin'), async (req, res) => {
    const answer = await rerunFailed(deps, rerunFilterOf(req.body), `key:${req.principal?.keyId ?? 'unknown'}`);
    res.locals.audit = { resource: answer.decided ? `rerun-held/${Object.values(answer.decided).reduce((a, b) => a + b, 0)}` : `rerun/${answer.requeued}` };
    res.status(202).json(answer);
  });

  // Column profiles of CSV files (docs/formats/csv.md): stored by an administrator, named by senders with ?profile=.
  router.put('/csv-profiles/:name', requireRole('admin'), async (req, res) => {
    const name = req.params.name as string;
    const { created, profile } = await storeFormatProfile(deps.pool, csvFormat, name, req.body, req.principal?.keyId ?? null);
    res.locals.audit = { resource: `csv-profile/${name}` };
    res.status(created ? 201 : 200).json({ name, profile });
  });
  router.get('/csv-profiles/:name', requireRole('admin', 'facility'), async (req, res) => {
    const name = req.params.name as string;
    res.json({ name, profile: await readFormatProfile(deps.pool, csvFormat, name) });
  });

  return router;
}
