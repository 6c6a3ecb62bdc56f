import { describe, expect, it } from 'vitest';
import { horizontalBarChart, niceMax, stackedBarChart } from './charts.js';
import { escapeHtml, h } from './html.js';
import { maskId, maskIdsInText, maskName } from './mask.js';

const rects = (svg: string) => [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="([^"]+)">/g)]
  .map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]), fill: m[5] }));

describe('charts', () => {
  it.each([[0, 1], [1, 1], [3, 5], [7, 10], [12, 20], [120, 200], [501, 1000]])('niceMax(%d) is %d', (max, nice) => {
    expect(niceMax(max)).toBe(nice);
  });

  it('stacks each bar bottom-up, heights proportional to the values, the tallest bar reaching the nice maximum', () => {
    const svg = stackedBarChart({
      title: 'Hồ sơ', empty: 'none', labels: ['01', '02'], width: 240, height: 160,
      series: [{ name: 'linked', color: '#0a0', values: [6, 10] }, { name: 'rejected', color: '#a00', values: [4, 0] }],
    }).value;
    const bars = rects(svg);
    expect(bars.map((b) => b.fill)).toEqual(['#0a0', '#a00', '#0a0']);
    const plotH = 160 - 22 - 34;
    expect(bars[0]!.h).toBeCloseTo(plotH * 0.6, 0);
    expect(bars[1]!.h).toBeCloseTo(plotH * 0.4, 0);
    expect(bars[1]!.y + bars[1]!.h).toBeCloseTo(bars[0]!.y, 0); // stacked on top
    expect(bars[2]!.h).toBeCloseTo(plotH, 0);
    expect(svg).toContain('<title>Hồ sơ</title>');
  });

  it('escapes labels and titles, and says so when there is nothing to draw', () => {
    const svg = stackedBarChart({ title: '<script>', empty: 'Không có dữ liệu', labels: ['a'], series: [{ name: 'x"y', color: '#000', values: [0] }] }).value;
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('Không có dữ liệu');
    const bars = horizontalBarChart({ title: 't', empty: 'e', color: '#c00', bars: [{ label: '<b>CCCD_FORMAT</b>', value: 4 }, { label: 'CCCD_MISSING', value: 2 }, { label: 'zero', value: 0 }] }).value;
    expect(bars).toContain('&lt;b&gt;CCCD_FORMAT&lt;/b&gt;');
    expect(bars).not.toContain('zero');
    const widths = rects(bars).map((b) => b.w);
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 1);
  });
});

describe('html and masking', () => {
  it('the template escapes every value and keeps nested safe markup', () => {
    const name = 'Trạm y tế <script>alert("x")</script> & Huế';
    expect(h`<td>${name}</td>${h`<b>${"'"}</b>`}${[1, 2]}${null}`.value)
      .toBe('<td>Trạm y tế &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Huế</td><b>&#39;</b>12');
    expect(escapeHtml('Bệnh viện Đa khoa')).toBe('Bệnh viện Đa khoa');
  });

  it('shows initials and masked IDs only', () => {
    expect(maskName('Nguyễn Thị Hồng Nhung')).toBe('N. T. H. N.');
    expect(maskName('đỗ văn bình')).toBe('Đ. V. B.');
    expect(maskId('001190123456')).toBe('001•••••••56');
    expect(maskId('0011')).toBe('••••');
    expect(maskIdsInText('A1-001190123456 and 123456789 but not 20261001123456')).toBe('A1-001•••••••56 and 123••••89 but not 20261001123456');
  });
});
