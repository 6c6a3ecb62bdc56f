import { notFound } from '../../../errors/outcome.js';
import { ATTENTION_STATUSES } from '../../../records/errors.repo.js';
import { facilityNames } from '../../../reporting/facilities/names.repo.js';
import { statsQueryOf } from '../../routes/stats-query.js';
import { listErrors, uploadHistory } from '../../services/errors.service.js';
import { statistics } from '../../services/statistics.service.js';
import { h, queryString, type SafeHtml } from '../html.js';
import { csrfField, num, page, type ViewContext } from '../layout.js';
import { monthOf, type PageDeps } from './deps.js';
import { errorsTable } from './errors-table.js';
import { categoryChart, dayChart, monthForm, statusCells, statusHeaders, totalsBlock, vnTime } from './parts.js';

/** A facility code (MA_CSKCB) in a path. */
export const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;
const RECENT_UPLOADS = 10;
const ERRORS_PER_UPLOAD = 20;

/** The recent uploads of a facility, each with its records that need attention. */
async function recentUploads(deps: PageDeps, ctx: ViewContext, code: string): Promise<SafeHtml> {
  const { items } = await uploadHistory(deps.pool, { facility: code, limit: RECENT_UPLOADS });
  if (items.length === 0) return h`<p class="muted">${ctx.t.none}</p>`;
  const blocks = [];
  for (const u of items) {
    const bad = u.counts.rejected + u.counts.failed + u.counts.held;
    const errors = bad > 0
      ? (await listErrors({ pool: deps.pool, keyring: deps.keyring }, { statuses: ATTENTION_STATUSES, facility: code, submissionId: u.id }, undefined, ERRORS_PER_UPLOAD)).items
      : [];
    blocks.push(h`<details class="upload"${bad > 0 ? h` open` : ''}><summary>${vnTime(u.receivedAt)} · ${u.format} · ${num(ctx, u.recordCount)} ${ctx.t.records}</summary>
<table class="data inline"><thead><tr>${statusHeaders(ctx, false)}</tr></thead><tbody><tr>${statusCells(ctx, u.counts)}</tr></tbody></table>
${bad > 0 ? errorsTable(ctx, errors, false) : ''}</details>`);
  }
  return h`${blocks}`;
}

/** The actions on a facility: re-run its failed records (POST), download its errors. */
function actions(ctx: ViewContext, code: string, requeued: unknown): SafeHtml {
  const done = typeof requeued === 'string' && /^\d{1,9}$/.test(requeued) ? h`<p class="notice" role="status" id="requeued">${ctx.t.requeued}: ${requeued} ${ctx.t.records}</p>` : '';
  return h`${done}<div class="actions">
<form method="post" action="/admin/facilities/${code}/rerun">${csrfField(ctx)}<button type="submit" id="rerun">${ctx.t.rerun}</button></form>
<a class="button" id="download-csv" href="/admin/errors/export${queryString({ facility: code, format: 'csv' })}">${ctx.t.downloadCsv}</a>
<a class="button" id="download-xlsx" href="/admin/errors/export${queryString({ facility: code, format: 'xlsx' })}">${ctx.t.downloadXlsx}</a>
</div>`;
}

/** `/admin/facilities/{code}`: the facility's month by day, its error categories, recent uploads with their errors, actions. */
export async function facilityPage(deps: PageDeps, ctx: ViewContext, code: string, query: Record<string, unknown>): Promise<string> {
  if (!FACILITY_CODE.test(code)) throw notFound('a facility code has 5 letters or digits');
  const month = monthOf(query, deps.clock());
  const stats = await statistics(deps.pool, statsQueryOf({ month, by: 'day', facility: code }, deps.clock(), deps.monthStartDay, null));
  const name = (await facilityNames(deps.pool, [code])).get(code)?.name ?? ctx.t.unregistered;
  const body = h`<p class="facility-name" id="facility-name">${code} · ${name}</p>
${monthForm(ctx, `/admin/facilities/${code}`, month)}
${actions(ctx, code, query.requeued)}
${totalsBlock(ctx, stats.totals)}
<section><h2>${ctx.t.perDay}</h2>${dayChart(ctx, stats.from, stats.to, stats.rows)}</section>
<section><h2>${ctx.t.categories}</h2>${categoryChart(ctx, stats.totals.categories)}</section>
<section><h2>${ctx.t.recentUploads}</h2>${await recentUploads(deps, ctx, code)}</section>`;
  return page(ctx, { title: `${ctx.t.facility} ${code}`, active: '/admin', body });
}
