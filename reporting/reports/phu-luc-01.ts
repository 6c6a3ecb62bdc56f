/**
 * Phụ lục 01 of the Quảng Ngãi report of 12/02/2023 (Đề án 06): "Số lượt thông tin chưa được
 * “Làm sạch” tại các đơn vị", one row per area (seeds/000, lines 88–105): the records still rejected
 * or held for review at the end of the month, received from the beginning, in the report's three
 * groups (records/model.ts REPORT_GROUPS: no ID · malformed ID · verification mismatch). Records
 * rejected for other reasons (schema, dates) are not "làm sạch" work and are not in the table.
 * A backlog belongs to where its facility is at the end of the period (its area on the last day,
 * facility_areas): after the 1 July 2025 reform, records that arrived earlier count in the
 * facility's new commune. Rows by name in Vietnamese order, as the seed lists Quảng Ngãi's districts.
 */
import type { Db } from '../../db/pool.js';
import { reportGroupOf, type ReportCategory, type ReportGroup } from '../../records/model.js';
import { countRecords } from '../counts.repo.js';
import { addDays } from '../period.js';
import { NO_AREA, areaLabels, areaLevelOn } from './areas.js';
import type { ReportDefinition, ReportQuery } from './definition.js';
import { areasToList, facilityAreasOn } from './reports.repo.js';
import { numbered, totalsRow, untilSubtitle, type ReportColumn, type ReportRow, type ReportTable } from './table.js';

/** Counted from the first day the gateway could have received anything. */
export const BEGINNING = '1970-01-01';

/** The three groups of the appendix, in its column order. */
const GROUPS = ['no-id', 'malformed-id', 'verification-mismatch'] as const satisfies readonly ReportGroup[];

function columns(level: 'district' | 'commune'): ReportColumn[] {
  return [
    { key: 'tt', header: 'TT', type: 'ordinal', width: 6 },
    { key: 'area', header: level === 'district' ? 'Huyện' : 'Xã/Phường', type: 'text', width: 32 },
    { key: 'no-id', header: 'Không có CCCD/Mã định danh', type: 'integer', width: 18 },
    { key: 'malformed-id', header: 'CCCD/Mã định danh sai định dạng', type: 'integer', width: 18 },
    { key: 'verification-mismatch', header: 'Xác minh sai thông tin', type: 'integer', width: 18 },
    { key: 'total', header: 'Tổng', type: 'integer', width: 14 },
  ];
}

async function build(db: Db, q: ReportQuery): Promise<ReportTable> {
  const lastDay = addDays(q.to, -1);
  const level = areaLevelOn(lastDay);
  const kind = q.kind && q.kind !== 'all' ? { kind: q.kind } : q.kind === 'all' ? {} : { kind: 'immunization' as const };
  const [counts, listed] = await Promise.all([
    countRecords(db, { basis: 'arrival', from: BEGINNING, to: q.to, by: 'facility', ...kind }),
    areasToList(db, level, lastDay, q.province),
  ]);
  const areas = await facilityAreasOn(db, [...new Set(counts.map((r) => r.key).filter((k): k is string => k !== null))], lastDay);
  const byArea = new Map<string | null, Record<ReportGroup, number>>();
  for (const r of counts) {
    if (r.warning || (r.status !== 'rejected' && r.status !== 'held')) continue;
    const group = reportGroupOf(r.category as ReportCategory);
    if (group === 'other') continue;
    const at = r.key === null ? undefined : areas.get(r.key);
    if (q.province && at?.province !== q.province) continue;
    const key = at?.[level] ?? null;
    let g = byArea.get(key);
    if (!g) byArea.set(key, (g = { 'no-id': 0, 'malformed-id': 0, 'verification-mismatch': 0, other: 0 }));
    g[group] += r.n;
  }
  const codes = [...new Set([...listed, ...[...byArea.keys()].filter((k): k is string => k !== null)])];
  const names = await areaLabels(db, level, codes, lastDay);
  codes.sort((a, b) => names.get(a)!.localeCompare(names.get(b)!, 'vi') || a.localeCompare(b));
  const keys: Array<string | null> = [...codes, ...(byArea.has(null) ? [null] : [])];
  const rows: ReportRow[] = keys.map((k) => {
    const g = byArea.get(k);
    const cells = Object.fromEntries(GROUPS.map((c) => [c, g?.[c] ?? 0])) as Record<(typeof GROUPS)[number], number>;
    return { tt: null, area: k === null ? NO_AREA : names.get(k)!, ...cells, total: GROUPS.reduce((s, c) => s + cells[c], 0) };
  });
  const cols = columns(level);
  const what = q.kind === 'all' ? 'Mọi loại hồ sơ' : q.kind === 'encounter' ? 'Hồ sơ khám chữa bệnh' : q.kind === 'person' ? 'Hồ sơ thông tin cá nhân' : 'Hồ sơ tiêm chủng';
  return {
    name: 'phu-luc-01', sheet: 'Phụ lục 01',
    title: 'Số lượt thông tin chưa được “Làm sạch” tại các đơn vị',
    subtitle: `${what}, ${untilSubtitle(q.to).toLowerCase()}` + (q.province ? ` · Tỉnh/thành phố mã ${q.province}` : ''),
    columns: cols, rows: numbered(rows, 'tt'), totals: totalsRow(cols, rows, 'tt', 'Tổng'),
    notes: [
      'Hồ sơ nhận từ đầu đến ngày cuối kỳ còn bị từ chối hoặc đang chờ rà soát, theo địa bàn nơi đặt cơ sở vào ngày cuối kỳ.',
      'Tổng = Không có CCCD/Mã định danh + CCCD/Mã định danh sai định dạng + Xác minh sai thông tin; hồ sơ lỗi vì lý do khác (cấu trúc, ngày tháng) không tính.',
    ],
  };
}

/** Phụ lục 01: records awaiting "làm sạch" per area. */
export const phuLuc01: ReportDefinition = {
  name: 'phu-luc-01',
  title: 'Số lượt thông tin chưa được “Làm sạch” tại các đơn vị',
  description: 'Phụ lục 01 (Quảng Ngãi, Đề án 06): mỗi huyện (xã/phường từ 01/07/2025) một dòng; hồ sơ còn lỗi định danh đến cuối kỳ (mặc định tiêm chủng; kind=all mọi loại)',
  period: 'until',
  options: ['province', 'kind'],
  build,
};
