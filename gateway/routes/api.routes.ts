import { Router } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { badRequest, forbidden, notFound } from '../errors.js';
import { requireRole } from '../http/auth.js';
import { queueAccepted, type EnqueueLink } from '../services/ingest.service.js';
import { reopenFailed } from '../store/linkage.repo.js';
import { facilityStats } from '../store/stats.repo.js';
import { getSubmission, getSubmissionFacility } from '../store/submissions.repo.js';

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
export function apiRoutes(deps: { pool: pg.Pool; enqueueLink: EnqueueLink; log: Logger; linkBatchSize: number; clock: () => Date }): Router {
  const router = Router();

  router.get('/submissions/:id', requireRole('facility', 'admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw badRequest('submission id must be a UUID', ['id']);
    if (req.principal?.role === 'facility') {
      const owner = await getSubmissionFacility(deps.pool, id);
      if (!owner) throw notFound(`submission ${id} not found`);
      if (owner.facility !== req.principal.facility) throw forbidden('this submission belongs to another facility');
    }
    const view = await getSubmission(deps.pool, id);
    if (!view) throw notFound(`submission ${id} not found`);
    res.locals.audit = { resource: `submission/${id}` };
    res.json(view);
  });

  router.get('/stats/facilities', requireRole('admin'), async (req, res) => {
    const { from, to } = parsePeriod(req.query as Record<string, unknown>, deps.clock());
    const facility = req.query.facility;
    if (facility !== undefined && (typeof facility !== 'string' || !FACILITY.test(facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
    const facilities = await facilityStats(deps.pool, from, to, facility as string | undefined);
    const totals = facilities.reduce(
      (t, f) => ({ received: t.received + f.received, linked: t.linked + f.linked, rejected: t.rejected + f.rejected, failed: t.failed + f.failed, pending: t.pending + f.pending }),
      { received: 0, linked: 0, rejected: 0, failed: 0, pending: 0 },
    );
    res.json({ from: from.toISOString(), to: to.toISOString(), totals, facilities });
  });

  router.post('/records/rerun', requireRole('admin'), async (req, res) => {
    const body = (req.body ?? {}) as { facility?: unknown; submissionId?: unknown; keys?: unknown };
    if (body.facility !== undefined && (typeof body.facility !== 'string' || !FACILITY.test(body.facility))) throw badRequest('facility must be a 5-character MA_CSKCB', ['facility']);
    if (body.submissionId !== undefined && (typeof body.submissionId !== 'string' || !UUID.test(body.submissionId))) throw badRequest('submissionId must be a UUID', ['submissionId']);
    if (body.keys !== undefined && (!Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string' && /^[^\u0000-\u001f\ud800-\udfff]{1,200}$/.test(k)) || body.keys.length > 10_000)) {
      throw badRequest('keys must be an array of MA_LK strings', ['keys']);
    }
    const ids = await reopenFailed(deps.pool, {
      ...(body.facility ? { facility: body.facility as string } : {}),
      ...(body.submissionId ? { submissionId: body.submissionId as string } : {}),
      ...(body.keys ? { keys: body.keys as string[] } : {}),
    });
    await queueAccepted(ids, deps);
    res.locals.audit = { resource: `rerun/${ids.length}` };
    res.status(202).json({ requeued: ids.length });
  });

  return router;
}
