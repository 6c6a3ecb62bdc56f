import { uploadHistory, uploadsQueryOf } from '../../services/errors.service.js';
import { h, queryString } from '../html.js';
import { num, page, type ViewContext } from '../layout.js';
import { filterParams, type PageDeps } from './deps.js';
import { statusCells, statusHeaders, vnTime } from './parts.js';

/** Uploads per page. */
const PAGE_SIZE = '50';

/** `/admin/uploads`: the upload (submission) history, newest first, optionally of one facility, with counts by status. */
export async function uploadsPage(deps: PageDeps, ctx: ViewContext, query: Record<string, unknown>): Promise<string> {
  const q = filterParams(query);
  const facility = typeof q.facility === 'string' ? q.facility : '';
  const { items, next } = await uploadHistory(deps.pool, uploadsQueryOf({ ...q, limit: PAGE_SIZE }, null));
  const rows = items.map((u) => h`<tr><td>${vnTime(u.receivedAt)}</td><td>${u.facility ? h`<a href="/admin/facilities/${u.facility}">${u.facility}</a>` : '—'}</td><td>${u.format}</td><td class="n">${num(ctx, u.recordCount)}</td><td class="n">${num(ctx, u.byteSize)}</td>${statusCells(ctx, u.counts)}</tr>`);
  const body = h`<form method="get" action="/admin/uploads" class="filters"><label>${ctx.t.facility} <input name="facility" value="${facility}" pattern="[0-9A-Za-z]{5}" size="6"></label> <button type="submit">${ctx.t.filter}</button></form>
<table class="data" id="uploads"><thead><tr><th>${ctx.t.receivedAt}</th><th>${ctx.t.facility}</th><th>${ctx.t.format}</th><th>${ctx.t.recordCount}</th><th>${ctx.t.size} (B)</th>${statusHeaders(ctx, false)}</tr></thead>
<tbody>${rows.length ? rows : h`<tr><td colspan="10">${ctx.t.none}</td></tr>`}</tbody></table>
<p class="paging">${next ? h`<a id="next" href="/admin/uploads${queryString({ facility, after: next })}">${ctx.t.next}</a>` : ''}</p>`;
  return page(ctx, { title: ctx.t.uploads, active: '/admin/uploads', body });
}
