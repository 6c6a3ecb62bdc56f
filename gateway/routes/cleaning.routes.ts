import express, { Router } from 'express';
import { badRequest } from '../../errors/outcome.js';
import { cleaningStats, type AreaFilter } from '../../records/cleaning.repo.js';
import { requireRole } from '../http/auth.js';
import { cleaningList, importReturnedList } from '../services/cleaning.service.js';
import type { ReviewDeps } from '../services/review.service.js';
import { parsePeriod } from './api.routes.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Largest returned list accepted (a district's list in XLSX is a few MB). */
const MAX_RETURN_BYTES = 20 * 1024 * 1024;
const AREA_CODE = { province: /^\d{2,3}$/, district: /^\d{3}$/, commune: /^\d{5}$/, facility: /^[0-9A-Za-z]{5}$/ } as const;

function areaFilterOf(q: Record<string, unknown>): AreaFilter {
  const f: AreaFilter = {};
  for (const [name, re] of Object.entries(AREA_CODE) as Array<[keyof AreaFilter, RegExp]>) {
    const v = q[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !re.test(v)) throw badRequest(`${name} must be a ${name === 'facility' ? '5-character MA_CSKCB' : 'GSO code'}`, [name]);
    f[name] = v;
  }
  return f;
}

/**
 * The cleaning round trip (docs/cleaning.md), admin keys only: the list for the commune police
 * (`GET /api/cleaning/list?format=xlsx|csv&commune=…`), the list they hand back
 * (`POST /api/cleaning/return`, CSV or XLSX), and the count of every step per area
 * (`GET /api/cleaning/stats?by=commune|district|province|facility`).
 */
export function cleaningRoutes(deps: ReviewDeps & { clock: () => Date }): Router {
  const router = Router();
  const actor = (req: { principal?: { keyId: string } }) => `key:${req.principal?.keyId ?? 'unknown'}`;

  router.get('/list', requireRole('admin'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const format = q.format ?? 'xlsx';
    if (format !== 'xlsx' && format !== 'csv') throw badRequest('format must be xlsx or csv', ['format']);
    const filter = areaFilterOf(q);
    const { body, rows } = await cleaningList(deps, filter, format, actor(req));
    res.locals.audit = { resource: `cleaning-list/${Object.values(filter).join('-') || 'all'}` };
    const name = `danh-sach-xac-minh-${Object.values(filter).join('-') || 'toan-tinh'}.${format}`;
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('X-Record-Count', String(rows));
    res.type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX).send(body);
  });

  router.post('/return', requireRole('admin'), express.raw({ type: [XLSX, 'text/csv', 'application/octet-stream'], limit: MAX_RETURN_BYTES }), async (req, res) => {
    const type = req.headers['content-type'] ?? '';
    const kind = type.startsWith('text/csv') ? 'csv' : type.startsWith(XLSX) ? 'xlsx' : undefined;
    if (!kind || !Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw badRequest(`send the returned list as text/csv or ${XLSX}`, ['Content-Type']);
    }
    res.locals.audit = { resource: 'cleaning-return' };
    res.json(await importReturnedList(deps, req.body, kind, actor(req)));
  });

  router.get('/stats', requireRole('admin'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const by = q.by ?? 'commune';
    if (!['province', 'district', 'commune', 'facility'].includes(by as string)) throw badRequest('by must be province, district, commune or facility', ['by']);
    const { from, to } = parsePeriod(q, deps.clock());
    res.json({ from: from.toISOString(), to: to.toISOString(), by, areas: await cleaningStats(deps.pool, from, to, by as 'commune') });
  });
  return router;
}
