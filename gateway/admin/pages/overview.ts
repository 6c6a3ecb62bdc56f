import { facilityNames } from '../../../reporting/facilities/names.repo.js';
import { statsQueryOf } from '../../routes/stats-query.js';
import { statistics } from '../../services/statistics.service.js';
import { h, queryString } from '../html.js';
import { num, page, pct, type ViewContext } from '../layout.js';
import { monthOf, type PageDeps } from './deps.js';
import { categoryChart, dayChart, monthForm, statusCells, statusHeaders, totalsBlock } from './parts.js';

/**
 * `/admin`: the month's totals (the numbers of `GET /api/stats?month=`), records per day by status,
 * errors by category, and every facility that sent something with its counts and success rate.
 */
export async function overviewPage(deps: PageDeps, ctx: ViewContext, query: Record<string, unknown>): Promise<string> {
  const month = monthOf(query, deps.clock());
  const now = deps.clock();
  const byDay = await statistics(deps.pool, statsQueryOf({ month, by: 'day' }, now, deps.monthStartDay, null));
  const byFacility = await statistics(deps.pool, statsQueryOf({ month, by: 'facility' }, now, deps.monthStartDay, null));
  const names = await facilityNames(deps.pool, byFacility.rows.map((r) => r.key).filter((k): k is string => !!k));
  const rows = byFacility.rows.map((r) => {
    const name = r.key ? names.get(r.key)?.name : undefined;
    return h`<tr><td><a href="/admin/facilities/${r.key ?? ''}${queryString({ month })}">${r.key ?? '—'}</a></td><td>${name ?? ctx.t.unregistered}</td>${statusCells(ctx, r)}<td class="n">${pct(ctx, r.successRate)}</td></tr>`;
  });
  const body = h`${monthForm(ctx, '/admin', month)}
<p class="period">${byDay.from} → ${byDay.to}</p>
${totalsBlock(ctx, byDay.totals)}
<section><h2>${ctx.t.perDay}</h2>${dayChart(ctx, byDay.from, byDay.to, byDay.rows)}</section>
<section><h2>${ctx.t.categories}</h2>${categoryChart(ctx, byDay.totals.categories)}</section>
<section><h2>${ctx.t.facilities}</h2>
<table class="data" id="facilities"><thead><tr><th>${ctx.t.code}</th><th>${ctx.t.name}</th>${statusHeaders(ctx)}<th>${ctx.t.successRate}</th></tr></thead>
<tbody>${rows.length ? rows : h`<tr><td colspan="9">${ctx.t.none}</td></tr>`}</tbody></table>
<p class="muted">${num(ctx, byFacility.rows.length)} ${ctx.t.facilities}</p></section>`;
  return page(ctx, { title: ctx.t.overview, active: '/admin', body });
}
