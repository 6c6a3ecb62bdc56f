import express, { Router, type Request } from 'express';
import { badRequest } from '../../errors/outcome.js';
import { jsonBody } from '../../http-input/json-body.js';
import { AREA_LEVELS, FACILITY_CODE, UNIT_CODE, type AreaLevel } from '../../reporting/facilities/model.js';
import { isDay } from '../../reporting/facilities/text.js';
import { vnDay } from '../../reporting/period.js';
import { requireRole } from '../http/auth.js';
import { addSuccessor, facilitiesDeps, importFacilities, listAreas, listFacilities, putFacility, readFacility } from '../services/facilities.service.js';
import type pg from 'pg';

/** Largest facility list accepted (a province's register is well under 1 MB). */
const MAX_REGISTER_BYTES = 5 * 1024 * 1024;
/** JSON bodies of this router (a facility with its areas, a succession). */
const JSON_BODY = jsonBody({ types: ['application/json'], limit: '64kb', maxDepth: 8 });

function codeOf(req: Request): string {
  const code = req.params.code;
  if (typeof code !== 'string' || !FACILITY_CODE.test(code)) throw badRequest('the facility code (MA_CSKCB) is 5 letters or digits', ['code']);
  return code;
}

/**
 * The facility register and administrative units (docs/facilities.md), mounted on /api before the
 * /api JSON parser: each route parses its own body (the import is text/csv). Admin keys, except
 * `GET /api/facilities/{code}`, which a facility key may call for its own code.
 */
export function facilitiesRoutes(deps: { pool: pg.Pool; clock: () => Date }): Router {
  const router = Router();
  const service = facilitiesDeps(deps.pool);

  router.post('/facilities/import', requireRole('admin'), express.raw({ type: ['text/csv', 'application/csv', 'text/plain'], limit: MAX_REGISTER_BYTES }), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw badRequest('send the facility list as a text/csv body (UTF-8)', ['Content-Type']);
    res.locals.audit = { resource: 'facility-register' };
    res.json(await importFacilities(service, req.body));
  });

  router.get('/facilities', requireRole('admin'), async (req, res) => {
    const r = (req.query as Record<string, unknown>).registered;
    if (r !== undefined && r !== 'true' && r !== 'false') throw badRequest('registered must be true or false', ['registered']);
    res.json({ facilities: await listFacilities(service, r === undefined ? undefined : r === 'true') });
  });

  router.get('/facilities/:code', requireRole('admin', 'facility'), async (req, res) => {
    const code = codeOf(req);
    res.locals.audit = { resource: `facility/${code}` };
    res.json(await readFacility(service, code, { role: req.principal!.role, facility: req.principal!.facility }));
  });

  router.put('/facilities/:code', requireRole('admin'), ...JSON_BODY, async (req, res) => {
    const code = codeOf(req);
    res.locals.audit = { resource: `facility/${code}` };
    const { created, facility, warnings } = await putFacility(service, code, req.body);
    res.status(created ? 201 : 200).json({ ...facility, warnings });
  });

  router.post('/facilities/:code/successor', requireRole('admin'), ...JSON_BODY, async (req, res) => {
    const code = codeOf(req);
    res.locals.audit = { resource: `facility/${code}` };
    res.json(await addSuccessor(service, code, req.body));
  });

  router.get('/areas', requireRole('admin'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const level = (q.level ?? 'province') as AreaLevel;
    if (!AREA_LEVELS.includes(level)) throw badRequest(`level must be one of ${AREA_LEVELS.join(', ')}`, ['level']);
    const on = q.on ?? vnDay(deps.clock());
    if (typeof on !== 'string' || !isDay(on)) throw badRequest('on must be a date YYYY-MM-DD', ['on']);
    const parent = q.parent;
    if (parent !== undefined && (typeof parent !== 'string' || !(UNIT_CODE.province.test(parent) || UNIT_CODE.district.test(parent)))) {
      throw badRequest('parent must be a 2-digit province or 3-digit district code', ['parent']);
    }
    const areas = await listAreas(service, { level, on, ...(parent ? { parent } : {}) });
    res.json({ level, on, ...(parent ? { parent } : {}), areas });
  });
  return router;
}
