import { listReports, REPORT_FORMATS } from '../../services/reports.service.js';
import { h, queryString } from '../html.js';
import { page, type ViewContext } from '../layout.js';
import { monthOf, type PageDeps } from './deps.js';
import { monthForm } from './parts.js';

/** `/admin/reports`: every provincial report (docs/reports.md) with links to it for the chosen month in each format. */
export function reportsPage(deps: PageDeps, ctx: ViewContext, query: Record<string, unknown>): string {
  const month = monthOf(query, deps.clock());
  const rows = listReports().map((r) => h`<tr data-report="${r.name}"><td>${r.name}</td><td>${r.title}<br><span class="muted">${r.description}</span></td>
<td>${REPORT_FORMATS.map((f) => h`<a class="button" href="/admin/reports/${r.name}${queryString({ month, format: f })}">${f.toUpperCase()}</a> `)}</td></tr>`);
  const body = h`${monthForm(ctx, '/admin/reports', month)}
<table class="data" id="reports"><thead><tr><th>${ctx.t.code}</th><th>${ctx.t.title}</th><th>${ctx.t.download} (${ctx.t.reportMonth} ${month})</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page(ctx, { title: ctx.t.reports, active: '/admin/reports', body });
}
