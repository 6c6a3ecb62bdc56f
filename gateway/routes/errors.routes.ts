import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import type pg from 'pg';
import type { DataKeyring } from '../../db/encryption.js';
import { badRequest } from '../../errors/outcome.js';
import { intParam, singleParam } from '../../http-input/params.js';
import { requireRole } from '../http/auth.js';
import { EXPORT_MAX_ROWS, errorItems, exportSize, writeErrorsCsv, writeErrorsXlsx } from '../services/error-export.js';
import { submissionErrorFile } from '../services/error-file.js';
import { cursorOf, errorFilterOf, listErrors, pageLimitOf, uploadHistory, uploadsQueryOf } from '../services/errors.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What error review needs: the read pool and the keyring that opens kept facts and raw chunks. */
export interface ErrorsRoutesDeps {
  pool: pg.Pool;
  keyring: DataKeyring | null;
}

/** The facility a facility key is bound to (forced on every filter); null for an admin. */
const callerOf = (req: Request) => (req.principal?.role === 'facility' ? req.principal.facility ?? '-none-' : null);

/**
 * Error review (docs/error-review.md), admin keys and facility keys (their own facility only):
 * `GET /api/errors` (filtered, keyset-paged records needing attention), `GET /api/errors/export`
 * (the same filter as CSV or XLSX), `GET /api/submissions` (the upload history with counts by
 * status) and `GET /api/submissions/{id}/errors` (the error file of one upload).
 */
export function errorsRoutes(deps: ErrorsRoutesDeps): Router {
  const router = Router();

  router.get('/errors', requireRole('admin', 'facility'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const where = errorFilterOf(q, callerOf(req), { formatParam: 'format', extra: ['after', 'limit'] });
    const page = await listErrors(deps, where, cursorOf(q), pageLimitOf(q));
    res.locals.audit = { resource: 'errors' };
    res.json(page);
  });

  router.get('/errors/export', requireRole('admin', 'facility'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const format = singleParam(q, 'format') ?? 'xlsx';
    if (format !== 'csv' && format !== 'xlsx') throw badRequest('format must be csv or xlsx (the submission format filter is sourceFormat)', ['format']);
    const where = errorFilterOf(q, callerOf(req), { formatParam: 'sourceFormat', extra: ['format', 'limit'] });
    const cap = intParam(q, 'limit', { min: 1, max: EXPORT_MAX_ROWS, default: EXPORT_MAX_ROWS });
    const size = await exportSize(deps.pool, where, cap);
    const stamp = new Date().toISOString().slice(0, 10);
    res.locals.audit = { resource: 'errors-export', bulk: true };
    res.setHeader('Content-Disposition', `attachment; filename="danh-sach-loi-${where.facility ?? 'toan-tinh'}-${stamp}.${format}"`);
    res.setHeader('X-Record-Count', String(size.rows));
    res.setHeader('X-Export-Cap', String(cap));
    res.setHeader('X-Export-Truncated', String(size.truncated));
    const items = errorItems(deps, where, size.rows);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8');
      await writeErrorsCsv(items, res, { truncated: size.truncated, cap });
    } else {
      res.type(XLSX);
      await writeErrorsXlsx(items, res, {
        title: 'Danh sách hồ sơ lỗi cần xử lý', rows: size.rows, truncated: size.truncated, cap,
        filter: Object.entries(q).filter(([k]) => k !== 'format' && k !== 'limit').map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'tất cả',
      });
    }
  });

  router.get('/submissions', requireRole('admin', 'facility'), async (req, res) => {
    const answer = await uploadHistory(deps.pool, uploadsQueryOf(req.query as Record<string, unknown>, callerOf(req)));
    res.locals.audit = { resource: 'submissions' };
    res.json(answer);
  });

  router.get('/submissions/:id/errors', requireRole('admin', 'facility'), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw badRequest('submission id must be a UUID', ['id']);
    const q = req.query as Record<string, unknown>;
    const unknown = Object.keys(q).find((k) => k !== 'rows');
    if (unknown !== undefined) throw badRequest(`unknown parameter "${unknown.slice(0, 50)}"; allowed: rows`, [unknown.slice(0, 50)]);
    const rows = singleParam(q, 'rows') ?? 'failing';
    if (rows !== 'failing' && rows !== 'all') throw badRequest('rows must be all (every row) or failing (the default)', ['rows']);
    const file = await submissionErrorFile(deps, id, callerOf(req), rows === 'all');
    res.locals.audit = { resource: `submission/${id}/errors` };
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    res.setHeader('X-Record-Count', String(file.records));
    res.type('text/csv; charset=utf-8');
    await pipeline(Readable.from(file.body), res);
  });

  return router;
}
