import type { Request, Response } from 'express';
import { badRequest, notFound } from '../../errors/outcome.js';
import { intParam, singleParam } from '../../http-input/params.js';
import { reportByName } from '../../reporting/reports/catalog.js';
import { reportQueryOf } from '../routes/reports.routes.js';
import { EXPORT_MAX_ROWS, errorItems, exportSize, writeErrorsCsv, writeErrorsXlsx } from '../services/error-export.js';
import { errorFilterOf } from '../services/errors.service.js';
import { runReport } from '../services/reports.service.js';
import { filterParams, type PageDeps } from './pages/deps.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * `/admin/errors/export?format=csv|xlsx&…filters`: the error export of `GET /api/errors/export`
 * (same service, same columns) for the signed-in administrator.
 */
export async function exportErrors(deps: PageDeps, req: Request, res: Response): Promise<void> {
  const q = filterParams(req.query as Record<string, unknown>);
  const format = singleParam(q, 'format') ?? 'xlsx';
  if (format !== 'csv' && format !== 'xlsx') throw badRequest('format must be csv or xlsx', ['format']);
  const where = errorFilterOf(q, null, { formatParam: 'sourceFormat', extra: ['format', 'limit'] });
  const cap = intParam(q, 'limit', { min: 1, max: EXPORT_MAX_ROWS, default: EXPORT_MAX_ROWS });
  const size = await exportSize(deps.pool, where, cap);
  const stamp = deps.clock().toISOString().slice(0, 10);
  res.locals.audit = { resource: 'errors-export', bulk: true };
  res.setHeader('Content-Disposition', `attachment; filename="danh-sach-loi-${where.facility ?? 'toan-tinh'}-${stamp}.${format}"`);
  res.setHeader('X-Record-Count', String(size.rows));
  const items = errorItems({ pool: deps.pool, keyring: deps.keyring }, where, size.rows);
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8');
    await writeErrorsCsv(items, res, { truncated: size.truncated, cap });
    return;
  }
  res.type(XLSX);
  await writeErrorsXlsx(items, res, {
    title: 'Danh sách hồ sơ lỗi cần xử lý', rows: size.rows, truncated: size.truncated, cap,
    filter: Object.entries(q).filter(([k]) => k !== 'format' && k !== 'limit').map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'tất cả',
  });
}

/** `/admin/reports/{name}?month=YYYY-MM&format=xlsx|csv|html`: one provincial report, as `GET /api/reports/{name}` builds it. */
export async function downloadReport(deps: PageDeps, req: Request, res: Response): Promise<void> {
  const name = req.params.name as string;
  const def = reportByName(name);
  if (!def) throw notFound(`no report "${name.slice(0, 40)}"`);
  const { q, format } = reportQueryOf(def, filterParams(req.query as Record<string, unknown>), deps.monthStartDay);
  const out = await runReport(deps.pool, def, q, format);
  res.locals.audit = { resource: `report/${def.name}/${q.label}` };
  res.setHeader('Content-Disposition', `${format === 'html' ? 'inline' : 'attachment'}; filename="${out.fileName}"`);
  // The report's own HTML carries its inline styles; it is a separate document without the dashboard's chrome.
  if (format === 'html') res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('X-Report-Rows', String(out.rows));
  res.type(out.contentType).send(out.body);
}
