/**
 * A report as a small standalone HTML page (no scripts, no external assets: it opens offline and
 * prints): title, period, the table with its totals row in bold, and the notes. Numbers are written
 * the Vietnamese way (`1.084.417`) by vn-number.ts.
 */
import type { Cell, ReportColumn, ReportTable } from './table.js';
import { formatVnNumber } from './vn-number.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE = `body{font-family:"Times New Roman",serif;margin:2em;color:#000}
h1{font-size:1.25em;text-align:center;margin:0 0 .3em}
p.subtitle{text-align:center;font-style:italic;margin:0 0 1em}
table{border-collapse:collapse;margin:0 auto}
th,td{border:1px solid #000;padding:.25em .5em}
th{background:#eee}
td.num{text-align:right;white-space:nowrap}
td.ord{text-align:center}
tfoot td{font-weight:bold}
ul.notes{font-size:.9em;font-style:italic;max-width:60em;margin:1em auto}`;

function td(c: ReportColumn, v: Cell | undefined): string {
  if (typeof v === 'number') return `<td class="${c.type === 'ordinal' ? 'ord' : 'num'}">${c.type === 'ordinal' ? String(v) : formatVnNumber(v)}</td>`;
  return `<td>${esc(v ?? '')}</td>`;
}

/** Header rows: one, or two when columns carry groups (a group spans its columns, the others span both rows). */
function thead(columns: readonly ReportColumn[]): string {
  if (!columns.some((c) => c.group)) return `<tr>${columns.map((c) => `<th>${esc(c.header)}</th>`).join('')}</tr>`;
  const top: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (!c.group) { top.push(`<th rowspan="2">${esc(c.header)}</th>`); continue; }
    let span = 1;
    while (columns[i + span]?.group === c.group) span++;
    top.push(`<th colspan="${span}">${esc(c.group)}</th>`);
    i += span - 1;
  }
  return `<tr>${top.join('')}</tr><tr>${columns.filter((c) => c.group).map((c) => `<th>${esc(c.header)}</th>`).join('')}</tr>`;
}

/** The page of a report. */
export function renderHtml(t: ReportTable): string {
  const body = t.rows.map((r) => `<tr>${t.columns.map((c) => td(c, r[c.key])).join('')}</tr>`).join('\n');
  const totals = `<tr>${t.columns.map((c) => td(c, t.totals[c.key])).join('')}</tr>`;
  const notes = t.notes.length ? `<ul class="notes">${t.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(t.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(t.title)}</h1>
<p class="subtitle">(${esc(t.subtitle)})</p>
<table>
<thead>${thead(t.columns)}</thead>
<tbody>
${body}
</tbody>
<tfoot>${totals}</tfoot>
</table>
${notes}
</body>
</html>
`;
}
