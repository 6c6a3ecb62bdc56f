import type { GroupStats } from '../../../reporting/statistics.js';
import { addDays } from '../../../reporting/period.js';
import type { StatsRow } from '../../services/statistics.service.js';
import { horizontalBarChart, stackedBarChart } from '../charts.js';
import { h, type SafeHtml } from '../html.js';
import { num, pct, type ViewContext } from '../layout.js';

/** The status columns of the statistics with the colours the charts give them. */
export const STATUS_COLUMNS = [
  ['linked', '#2e7d32'], ['rejected', '#c62828'], ['held', '#ef6c00'], ['failed', '#6a1b9a'], ['pending', '#78909c'],
] as const;

/** The totals of a period as a row of figures. */
export function totalsBlock(ctx: ViewContext, s: GroupStats): SafeHtml {
  const items: Array<[string, string, string]> = [
    ['received', ctx.t.received, num(ctx, s.received)],
    ...STATUS_COLUMNS.map(([k]) => [k, ctx.t[k], num(ctx, s[k])] as [string, string, string]),
    ['success-rate', ctx.t.successRate, pct(ctx, s.successRate)],
  ];
  return h`<dl class="totals">${items.map(([k, label, v]) => h`<div class="total" data-total="${k}"><dt>${label}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/** Every day of [from, to] (both inclusive). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Records per day, stacked by status (rows grouped by `day`). */
export function dayChart(ctx: ViewContext, from: string, to: string, rows: readonly StatsRow[]): SafeHtml {
  const days = daysOf(from, to);
  const byDay = new Map(rows.map((r) => [r.key, r]));
  return stackedBarChart({
    title: ctx.t.perDay, empty: ctx.t.none, labels: days.map((d) => d.slice(8, 10)),
    series: STATUS_COLUMNS.map(([k, color]) => ({ name: ctx.t[k], color, values: days.map((d) => byDay.get(d)?.[k] ?? 0) })),
  });
}

/** Rejected and failed records by category, largest first. */
export function categoryChart(ctx: ViewContext, categories: Record<string, number>): SafeHtml {
  const bars = Object.entries(categories).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value }));
  return horizontalBarChart({ title: ctx.t.categories, empty: ctx.t.none, bars, color: '#c62828' });
}

/** A GET form choosing a month (`YYYY-MM`). */
export function monthForm(ctx: ViewContext, action: string, month: string): SafeHtml {
  return h`<form method="get" action="${action}" class="filters"><label>${ctx.t.month} <input type="month" name="month" value="${month}" required></label> <button type="submit">${ctx.t.show}</button></form>`;
}

/** The status counts of one row as table cells. */
export function statusCells(ctx: ViewContext, c: { received?: number } & Record<(typeof STATUS_COLUMNS)[number][0], number>): SafeHtml {
  return h`${c.received !== undefined ? h`<td class="n">${num(ctx, c.received)}</td>` : ''}${STATUS_COLUMNS.map(([k]) => h`<td class="n">${num(ctx, c[k])}</td>`)}`;
}

/** The header cells matching `statusCells`. */
export function statusHeaders(ctx: ViewContext, withReceived = true): SafeHtml {
  return h`${withReceived ? h`<th>${ctx.t.received}</th>` : ''}${STATUS_COLUMNS.map(([k]) => h`<th>${ctx.t[k]}</th>`)}`;
}

/** Vietnam local time of an ISO instant, `YYYY-MM-DD HH:MM`. */
export function vnTime(iso: string): string {
  return new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}
