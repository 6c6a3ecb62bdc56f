import { Router } from 'express';
import { badRequest } from '../../errors/outcome.js';
import { requireRole } from '../http/auth.js';
import { rerunFailed, statisticsOf, viewSubmission, type RecordsServiceDeps } from '../services/records.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FACILITY = /^[0-9A-Za-z]{5}$/;

/** A period in days, Vietnam time (UTC+7): `from` inclusive, `to` inclusive (whole day). Defaults to the current month. */
export function parsePeriod(query: Record<string, unknown>, now: Date): { from: Date; to: Date } {
  const day = (v: unknown, name: string) => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw badRequest(`${name} must be a date YYYY-MM-DD`, [name]);
    const d = new Date(`${v}T00:00:00+07:00`);
    if (Number.isNaN(d.getTime()) || new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 10) !== v) throw badRequest(`${name} is not a real date`, [name]);
    return d;
  };
  const local = new Date(now.getTime() + 7 * 3600_000);
  const monthStart = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - 7 * 3600_000);
  const from = query.from === undefined ? monthStart : day(query.from, 'from');
  const to = query.to === undefined ? new Date(now.getTime() + 1) : new Date(day(query.to, 'to').getTime() + 86_400_000);
  if (to <= from) throw badRequest('to must not be before from', ['to']);
  return { from, to };
}

/** Administrative API: submission status, statistics, re-runs. */
export function apiRoutes(deps: RecordsServiceDeps & { clock: () => Date }): Router {
  const router = Router();

  router.get('/submissions/:id', requireRole('facility', 'admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw badRequest('submission id must be a UUID', ['id']);
    const view = await viewSubmission(deps, id, req.principal?.role === 'facility' ? req.principal.facility : null);
    res.locals.audit = { resource: `submission/${id}` };
    res.json(view);
  });

  router.get('/stats/facilities', requireRole('admin'), async (req, res) => {
    const { from, to } = parsePeriod(req.query as Record<string, unknown>, deps.clock());
    const facility = req.query.facility;
    if (facility !== undefined && (typeof facility !== 'string' || !FACILITY.test(facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
    const { totals, facilities } = await statisticsOf(deps, from, to, facility as string | undefined);
    res.json({ from: from.toISOString(), to: to.toISOString(), totals, facilities });
  });

  router.post('/records/rerun', requireRole('admin'), async (req, res) => {
    const body = (req.body ?? {}) as { facility?: unknown; submissionId?: unknown; keys?: unknown };
    if (body.facility !== undefined && (typeof body.facility !== 'string' || !FACILITY.test(body.facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
    if (body.submissionId !== undefined && (typeof body.submissionId !== 'string' || !UUID.test(body.submissionId))) throw badRequest('submissionId must be a UUID', ['submissionId']);
    if (body.keys !== undefined && (!Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string' && /^[^\u0000-\u001f\ud800-\udfff]{1,200}$/.test(k)) || body.keys.length > 10_000)) {
      throw badRequest('keys must be an array of MA_LK strings', ['keys']);
    }
    const requeued = await rerunFailed(deps, {
      ...(body.facility ? { facility: body.facility as string } : {}),
      ...(body.submissionId ? { submissionId: body.submissionId as string } : {}),
      ...(body.keys ? { keys: body.keys as string[] } : {}),
    });
    res.locals.audit = { resource: `rerun/${requeued}` };
    res.status(202).json({ requeued });
  });

  return router;
}
