import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { numbered, periodSubtitle, totalsRow, type ReportColumn, type ReportTable } from './table.js';
import { HEADER_ROW, INTEGER_FORMAT, renderXlsx } from './xlsx.js';

const COLUMNS: ReportColumn[] = [
  { key: 'stt', header: 'STT', type: 'ordinal' },
  { key: 'name', header: 'Loại hình', type: 'text' },
  { key: 'a', header: 'Số lượt KCB', group: 'Có BHYT', type: 'integer' },
  { key: 'b', header: 'Đã liên thông', group: 'Có BHYT', type: 'integer' },
];
const rows = numbered([
  { stt: null, name: 'Phòng khám đa khoa Medic, 69 Nguyễn Huệ', a: 1084417, b: 4336 },
  { stt: null, name: '=HYPERLINK("x") <b>', a: 0, b: 1 },
], 'stt');
const table: ReportTable = {
  name: 'demo', sheet: 'Demo: [1]', title: 'Bảng thử', subtitle: periodSubtitle('2018-05-01', '2019-01-01'),
  columns: COLUMNS, rows, totals: totalsRow(COLUMNS, rows, 'name', 'Tổng'), notes: ['Ghi chú'],
};

describe('report renderers', () => {
  it('writes the subtitle of a period with its last day', () => {
    expect(table.subtitle).toBe('Tính từ ngày 01/05/2018 đến ngày 31/12/2018');
    expect(table.totals).toEqual({ stt: null, name: 'Tổng', a: 1084417, b: 4337 });
  });

  it('CSV: BOM, grouped headers, plain numbers, quoting and no formula injection', () => {
    const csv = renderCsv(table);
    expect(csv.startsWith('\uFEFFSTT,Loại hình,Có BHYT - Số lượt KCB,Có BHYT - Đã liên thông\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[1]).toBe('1,"Phòng khám đa khoa Medic, 69 Nguyễn Huệ",1084417,4336');
    expect(lines[2]).toBe(`2,"'=HYPERLINK(""x"") <b>",0,1`);
    expect(lines[3]).toBe(',Tổng,1084417,4337');
  });

  it('HTML: escaped text, Vietnamese numbers, two header rows for grouped columns', () => {
    const html = renderHtml(table);
    expect(html).toContain('<td class="num">1.084.417</td>');
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<th colspan="2">Có BHYT</th>');
    expect(html).toContain('<th rowspan="2">STT</th>');
    expect(html).toMatch(/<tfoot><tr><td><\/td><td>Tổng<\/td><td class="num">1\.084\.417<\/td><td class="num">4\.337<\/td><\/tr><\/tfoot>/);
    expect(html).not.toMatch(/<script|<link|src=/);
  });

  it('XLSX: merged title, grouped header, numeric cells with thousands format, SUM totals with their values', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await renderXlsx(table)) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.name).toBe('Demo   1 ');
    expect(sheet.getCell('A1').value).toBe('Bảng thử');
    expect(sheet.getCell('D1').isMerged).toBe(true);
    expect(sheet.getCell(HEADER_ROW, 3).value).toBe('Có BHYT');
    expect(sheet.getCell(HEADER_ROW + 1, 3).value).toBe('Số lượt KCB');
    expect(sheet.getCell(HEADER_ROW, 1).font?.bold).toBe(true);
    const first = HEADER_ROW + 2;
    expect(sheet.getCell(first, 3).value).toBe(1084417);
    expect(sheet.getCell(first, 3).numFmt).toBe(INTEGER_FORMAT);
    const total = sheet.getCell(first + 2, 4);
    expect(total.value).toEqual({ formula: `SUM(D${first}:D${first + 1})`, result: 4337 });
    expect(total.font?.bold).toBe(true);
  });
});
