import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import type pg from 'pg';
import type { DataKeyring } from '../../db/encryption.js';
import { countAttention, listAttention, type AttentionCursor, type RecordsWhere } from '../../records/errors.repo.js';
import { REPORT_GROUPS } from '../../records/model.js';
import { errorItemOf, type ErrorItem } from './errors.service.js';

/**
 * Exports of error review (`GET /api/errors/export?format=csv|xlsx`, docs/error-review.md): the
 * records of a filter, one line per record, with Vietnamese headers; streamed page by page (the
 * XLSX through exceljs' streaming writer), at most `EXPORT_MAX_ROWS` rows.
 */

/** Most rows one export holds; the answer says when the filter matched more (X-Export-Truncated). */
export const EXPORT_MAX_ROWS = 100_000;
const PAGE = 1000;
const BOM = '\uFEFF';
const CRLF = '\r\n';
const FORMULA_START = /^[=+\-@\t\r]/;

const STATUS_LABELS: Record<ErrorItem['status'], string> = { rejected: 'Bị từ chối', failed: 'Liên thông thất bại', held: 'Chờ xem xét' };
const KIND_LABELS: Record<string, string> = { encounter: 'Khám chữa bệnh', immunization: 'Tiêm chủng', person: 'Thông tin cá nhân' };

/** Vietnam local time of an instant, `YYYY-MM-DD HH:MM:SS`. */
export function vnDateTime(iso: string): string {
  return new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** One column of the export: its Vietnamese header, width, whether it is an ID/date kept as text, its value. */
interface ExportColumn {
  header: string;
  width: number;
  /** Typed as text (`@`) in XLSX and never altered in CSV: codes, MA_LK, CCCD, dates. */
  text?: boolean;
  value: (item: ErrorItem, n: number) => string | number;
}

/** The columns of the export, in order. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { header: 'STT', width: 7, value: (_i, n) => n },
  { header: 'Mã CSKCB', width: 10, text: true, value: (i) => i.facility },
  { header: 'Mã liên kết (MA_LK)', width: 24, text: true, value: (i) => i.recordKey },
  { header: 'Mã lượt gửi', width: 38, text: true, value: (i) => i.submissionId },
  { header: 'Dòng trong tệp', width: 8, value: (i) => i.position?.row ?? '' },
  { header: 'Định dạng', width: 9, value: (i) => i.format },
  { header: 'Loại hồ sơ', width: 16, value: (i) => KIND_LABELS[i.kind] ?? i.kind },
  { header: 'Ngày nhận', width: 20, text: true, value: (i) => vnDateTime(i.receivedAt) },
  { header: 'Trạng thái', width: 18, value: (i) => STATUS_LABELS[i.status] },
  { header: 'Nhóm lỗi', width: 30, value: (i) => REPORT_GROUPS[i.group] },
  { header: 'Mã lỗi', width: 24, value: (i) => i.category ?? '' },
  { header: 'Trường', width: 30, value: (i) => i.issues.map((x) => x.field).join('; ') },
  { header: 'Mô tả lỗi', width: 60, value: (i) => (i.status === 'failed' ? i.lastError ?? '' : i.issues.map((x) => x.message).join('; ')) },
  { header: 'Họ tên', width: 26, value: (i) => i.patient?.name ?? '' },
  { header: 'Ngày sinh', width: 12, text: true, value: (i) => i.patient?.birthDate ?? '' },
  { header: 'Số CCCD', width: 15, text: true, value: (i) => i.patient?.SO_CCCD ?? '' },
];

/** The records of a filter, newest first, at most `max`, read a page at a time. */
export async function* errorItems(deps: { pool: pg.Pool; keyring: DataKeyring | null }, where: RecordsWhere, max: number): AsyncGenerator<ErrorItem> {
  let after: AttentionCursor | undefined;
  let left = max;
  while (left > 0) {
    const rows = await listAttention(deps.pool, deps.keyring, where, { ...(after ? { after } : {}), limit: Math.min(PAGE, left) });
    for (const r of rows) yield errorItemOf(r);
    left -= rows.length;
    if (rows.length < PAGE) return;
    after = { receivedAt: rows[rows.length - 1]!.receivedAt, id: rows[rows.length - 1]!.id };
  }
}

/** How many rows an export of this filter holds, and whether the cap cut it. */
export async function exportSize(pool: pg.Pool, where: RecordsWhere, cap: number): Promise<{ rows: number; truncated: boolean }> {
  const n = await countAttention(pool, where, cap + 1);
  return { rows: Math.min(n, cap), truncated: n > cap };
}

function csvField(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV line of one record (informational cells that would start a formula get a leading `'`). */
export function csvLineOf(item: ErrorItem, n: number): string {
  return EXPORT_COLUMNS.map((c) => {
    const v = String(c.value(item, n));
    return csvField(!c.text && FORMULA_START.test(v) ? `'${v}` : v);
  }).join(',');
}

/**
 * The export as CSV on `out`: UTF-8 with a BOM (Excel shows Vietnamese), CRLF, RFC 4180 quoting,
 * comma-separated, the header line first; when the cap cut the export, a last line says so.
 */
export async function writeErrorsCsv(items: AsyncIterable<ErrorItem>, out: Writable, note: { truncated: boolean; cap: number }): Promise<void> {
  async function* lines() {
    yield BOM + EXPORT_COLUMNS.map((c) => csvField(c.header)).join(',') + CRLF;
    let n = 0;
    let batch = '';
    for await (const item of items) {
      batch += csvLineOf(item, ++n) + CRLF;
      if (n % 500 === 0) { yield batch; batch = ''; }
    }
    if (note.truncated) batch += csvField(`Chỉ xuất ${note.cap} dòng đầu tiên (giới hạn mỗi lần xuất); lọc hẹp hơn để xem phần còn lại.`) + CRLF;
    yield batch;
  }
  await pipeline(Readable.from(lines()), out);
}

/** Name of the records sheet of the XLSX export. */
export const XLSX_SHEET = 'Danh sach loi';

/**
 * The export as XLSX on `out` (exceljs streaming writer, so memory stays flat): sheet `Danh sach loi`
 * with a bold frozen header row, ID and date columns typed as text so leading zeros and all 12 CCCD
 * digits survive; sheet `Thong tin` with the filter, the row count and the cap.
 */
export async function writeErrorsXlsx(items: AsyncIterable<ErrorItem>, out: Writable & { writableNeedDrain?: boolean }, info: { title: string; filter: string; rows: number; truncated: boolean; cap: number }): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'vn-fhir-linkage-gateway';
  workbook.title = info.title;
  const sheet = workbook.addWorksheet(XLSX_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = EXPORT_COLUMNS.map((c) => ({ key: c.header, width: c.width, ...(c.text ? { style: { numFmt: '@' } } : {}) }));
  const header = sheet.getRow(1);
  EXPORT_COLUMNS.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { bold: true };
  });
  header.commit();
  let n = 0;
  try {
    for await (const item of items) {
      n += 1;
      const row = sheet.addRow(EXPORT_COLUMNS.map((c) => c.value(item, n)));
      EXPORT_COLUMNS.forEach((c, i) => { if (c.text) row.getCell(i + 1).numFmt = '@'; });
      row.commit();
      if (n % PAGE === 0 && out.writableNeedDrain) await once(out, 'drain');
    }
  } catch (err) {
    out.destroy(err as Error); // the answer has started: cut it rather than leave a workbook that looks complete
    throw err;
  }
  await sheet.commit();
  const about = workbook.addWorksheet('Thong tin');
  about.columns = [{ width: 28 }, { width: 90 }];
  for (const line of [
    ['Báo cáo', info.title], ['Bộ lọc', info.filter], ['Số dòng', String(n)],
    ['Giới hạn mỗi lần xuất', `${info.cap} dòng${info.truncated ? ' — đã cắt: lọc hẹp hơn để xem phần còn lại' : ''}`],
  ]) about.addRow(line).commit();
  await about.commit();
  await workbook.commit();
}
