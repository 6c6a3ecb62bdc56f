import { escapeHtml, raw, type SafeHtml } from './html.js';

/**
 * Inline SVG charts rendered on the server (no script, so the dashboard's CSP holds): pure functions
 * from numbers and labels to markup, every label escaped.
 */

/** One stacked series of a bar chart: its name (legend), fill colour and one value per bar. */
export interface Series {
  name: string;
  color: string;
  values: readonly number[];
}

/** A stacked bar chart: one bar per label, the series stacked bottom-up. */
export interface StackedBars {
  title: string;
  labels: readonly string[];
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Shown instead of bars when every value is 0. */
  empty: string;
}

const AXIS = 40;
const LEGEND = 22;
const BOTTOM = 34;

/** A "nice" upper bound of the axis: 1, 2 or 5 × 10^k at or above `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function emptyChart(title: string, width: number, height: number, text: string): SafeHtml {
  return raw(`<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${escapeHtml(title)}</title>`
    + `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">${escapeHtml(text)}</text></svg>`);
}

function legend(series: readonly Series[]): string {
  let x = AXIS;
  return series.map((s) => {
    const item = `<rect x="${x}" y="4" width="12" height="12" fill="${escapeHtml(s.color)}"/><text x="${x + 16}" y="15" font-size="12">${escapeHtml(s.name)}</text>`;
    x += 24 + s.name.length * 7;
    return item;
  }).join('');
}

/** The SVG of a stacked bar chart; bar totals never exceed the axis, labels thin out when crowded. */
export function stackedBarChart(c: StackedBars): SafeHtml {
  const width = c.width ?? 720;
  const height = c.height ?? 260;
  const totals = c.labels.map((_, i) => c.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  if (totals.every((t) => t <= 0)) return emptyChart(c.title, width, height, c.empty);
  const top = niceMax(Math.max(...totals));
  const plotH = height - LEGEND - BOTTOM;
  const slot = (width - AXIS - 8) / c.labels.length;
  const barW = Math.max(2, slot * 0.7);
  const every = Math.ceil(c.labels.length / Math.max(1, Math.floor((width - AXIS) / 48)));
  const parts: string[] = [];
  c.labels.forEach((label, i) => {
    const x = AXIS + i * slot + (slot - barW) / 2;
    let y = LEGEND + plotH;
    for (const s of c.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const hgt = (v / top) * plotH;
      y -= hgt;
      parts.push(`<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(barW)}" height="${fmt(hgt)}" fill="${escapeHtml(s.color)}"><title>${escapeHtml(`${label} · ${s.name}: ${v}`)}</title></rect>`);
    }
    if (i % every === 0) parts.push(`<text x="${fmt(x + barW / 2)}" y="${height - BOTTOM + 14}" font-size="11" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  const axis = `<line x1="${AXIS}" y1="${LEGEND}" x2="${AXIS}" y2="${LEGEND + plotH}" stroke="#999"/>`
    + `<line x1="${AXIS}" y1="${LEGEND + plotH}" x2="${width - 4}" y2="${LEGEND + plotH}" stroke="#999"/>`
    + `<text x="${AXIS - 4}" y="${LEGEND + 10}" font-size="11" text-anchor="end">${top}</text>`
    + `<text x="${AXIS - 4}" y="${LEGEND + plotH}" font-size="11" text-anchor="end">0</text>`;
  return raw(`<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${escapeHtml(c.title)}</title>`
    + legend(c.series) + axis + parts.join('') + '</svg>');
}

/** A horizontal bar chart: one labelled bar per entry, largest first as given. */
export interface HorizontalBars {
  title: string;
  bars: ReadonlyArray<{ label: string; value: number }>;
  color: string;
  width?: number;
  empty: string;
}

const ROW = 24;
const LABEL_W = 220;

/** The SVG of a horizontal bar chart (error categories), each bar with its value at its end. */
export function horizontalBarChart(c: HorizontalBars): SafeHtml {
  const width = c.width ?? 720;
  const bars = c.bars.filter((b) => b.value > 0);
  if (bars.length === 0) return emptyChart(c.title, width, 60, c.empty);
  const height = bars.length * ROW + 8;
  const top = Math.max(...bars.map((b) => b.value));
  const plotW = width - LABEL_W - 60;
  const rows = bars.map((b, i) => {
    const y = 4 + i * ROW;
    const w = Math.max(1, (b.value / top) * plotW);
    return `<text x="${LABEL_W - 6}" y="${y + 15}" font-size="12" text-anchor="end">${escapeHtml(b.label)}</text>`
      + `<rect x="${LABEL_W}" y="${y + 3}" width="${fmt(w)}" height="${ROW - 8}" fill="${escapeHtml(c.color)}"><title>${escapeHtml(`${b.label}: ${b.value}`)}</title></rect>`
      + `<text x="${fmt(LABEL_W + w + 4)}" y="${y + 15}" font-size="12">${b.value}</text>`;
  });
  return raw(`<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${escapeHtml(c.title)}</title>`
    + rows.join('') + '</svg>');
}
