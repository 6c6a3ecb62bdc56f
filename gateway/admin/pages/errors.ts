import { ATTENTION_STATUSES } from '../../../records/errors.repo.js';
import { ISSUE_CATEGORY_TABLE } from '../../../records/model.js';
import { cursorOf, errorFilterOf, listErrors } from '../../services/errors.service.js';
import { h, queryString, type SafeHtml } from '../html.js';
import { page, type ViewContext } from '../layout.js';
import { filterParams, type PageDeps } from './deps.js';
import { errorsTable } from './errors-table.js';

/** Rows per page of the errors review. */
const PAGE_SIZE = 50;
/** The filters the page offers (GET parameters, as `GET /api/errors` takes them). */
const FILTERS = ['facility', 'category', 'status', 'from', 'to'] as const;

function select(name: string, label: string, current: unknown, options: ReadonlyArray<[string, string]>, all: string): SafeHtml {
  return h`<label>${label} <select name="${name}"><option value="">${all}</option>${options.map(([v, text]) => h`<option value="${v}"${v === current ? h` selected` : ''}>${text}</option>`)}</select></label>`;
}

function filterForm(ctx: ViewContext, q: Record<string, unknown>): SafeHtml {
  const value = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '');
  return h`<form method="get" action="/admin/errors" class="filters">
<label>${ctx.t.facility} <input name="facility" value="${value('facility')}" pattern="[0-9A-Za-z]{5}" size="6"></label>
${select('category', ctx.t.category, q.category, Object.keys(ISSUE_CATEGORY_TABLE).map((c) => [c, c]), ctx.t.all)}
${select('status', ctx.t.status, q.status, ATTENTION_STATUSES.map((s) => [s, ctx.t[s]]), ctx.t.all)}
<label>${ctx.t.from} <input type="date" name="from" value="${value('from')}"></label>
<label>${ctx.t.to} <input type="date" name="to" value="${value('to')}"></label>
<button type="submit">${ctx.t.filter}</button></form>`;
}

/**
 * `/admin/errors`: records needing attention (rejected, failed, held) filtered by facility, category,
 * status and arrival period, newest first, a page at a time; names and CCCDs masked; exports of the
 * same filter as CSV or XLSX.
 */
export async function errorsPage(deps: PageDeps, ctx: ViewContext, query: Record<string, unknown>): Promise<string> {
  const q = filterParams(query);
  const filters = Object.fromEntries(FILTERS.filter((k) => typeof q[k] === 'string').map((k) => [k, q[k] as string]));
  const where = errorFilterOf(q, null, { formatParam: 'format', extra: ['after'] });
  const { items, next } = await listErrors({ pool: deps.pool, keyring: deps.keyring }, where, cursorOf(q), PAGE_SIZE);
  const paging = h`<p class="paging">${q.after ? h`<a href="/admin/errors${queryString(filters)}">${ctx.t.first}</a> ` : ''}${next ? h`<a id="next" href="/admin/errors${queryString({ ...filters, after: next })}">${ctx.t.next}</a>` : ''}</p>`;
  const body = h`${filterForm(ctx, q)}
<div class="actions">
<a class="button" id="export-csv" href="/admin/errors/export${queryString({ ...filters, format: 'csv' })}">${ctx.t.downloadCsv}</a>
<a class="button" id="export-xlsx" href="/admin/errors/export${queryString({ ...filters, format: 'xlsx' })}">${ctx.t.downloadXlsx}</a>
</div>
${errorsTable(ctx, items)}
${paging}`;
  return page(ctx, { title: ctx.t.errors, active: '/admin/errors', body });
}
