/**
 * Bảng 3 of the Huế report 17/BC-BĐH (2018): "Kết quả liên thông dữ liệu Tiêm chủng vào hệ thống
 * hồ sơ sức khỏe điện tử", one row per area (seeds/004, lines 130–143): districts for a period
 * ending before 1 July 2025, communes after; a record counts in the area of the facility that sent
 * it on the day it arrived. Rows in GSO code order, as the seed lists Huế's districts.
 */
import type { Db } from '../../db/pool.js';
import { countRecords } from '../counts.repo.js';
import { addDays } from '../period.js';
import { shapeCounts } from '../statistics.js';
import { NO_AREA, areaLabels, areaLevelOn } from './areas.js';
import type { ReportDefinition, ReportQuery } from './definition.js';
import { areasToList, infantsUnderOne } from './reports.repo.js';
import { numbered, periodSubtitle, totalsRow, type ReportColumn, type ReportRow, type ReportTable } from './table.js';

const COLUMNS: ReportColumn[] = [
  { key: 'stt', header: 'STT', type: 'ordinal', width: 6 },
  { key: 'area', header: 'Tên địa phương', type: 'text', width: 36 },
  { key: 'infants', header: 'Số trẻ em < 1 tuổi đang quản lý', type: 'integer', width: 22 },
  { key: 'doses', header: 'Liên thông tiêm chủng', type: 'integer', width: 20 },
];

/** The day one year before `day` (29 February → 28 February), `YYYY-MM-DD`. */
export function oneYearBefore(day: string): string {
  const [y, m, d] = day.split('-') as [string, string, string];
  const prev = `${String(Number(y) - 1).padStart(4, '0')}-${m}-${d}`;
  return m === '02' && d === '29' ? prev.replace(/-29$/, '-28') : prev;
}

async function build(db: Db, q: ReportQuery): Promise<ReportTable> {
  const lastDay = addDays(q.to, -1);
  const level = areaLevelOn(lastDay);
  const province = q.province ? { province: q.province } : {};
  const area = q.province ? { area: { level: 'province' as const, code: q.province } } : {};
  const [counts, infants, listed] = await Promise.all([
    countRecords(db, { basis: 'arrival', from: q.from, to: q.to, kind: 'immunization', by: level, ...area }),
    infantsUnderOne(db, { to: q.to, lastDay, cutoff: oneYearBefore(lastDay), level, ...province }),
    areasToList(db, level, lastDay, q.province),
  ]);
  const doses = new Map(shapeCounts(counts).groups.map((g) => [g.key, g.dosesLinked]));
  const children = new Map(infants.map((i) => [i.key, i.n]));
  const codes = [...new Set([...listed, ...[...doses.keys(), ...children.keys()].filter((k): k is string => k !== null)])].sort();
  const names = await areaLabels(db, level, codes, lastDay);
  const keys: Array<string | null> = [...codes, ...(doses.has(null) || children.has(null) ? [null] : [])];
  const rows: ReportRow[] = keys.map((k) => ({
    stt: null, area: k === null ? NO_AREA : names.get(k)!, infants: children.get(k) ?? 0, doses: doses.get(k) ?? 0,
  }));
  return {
    name: 'bang-3', sheet: 'Bảng 3',
    title: 'Kết quả liên thông dữ liệu Tiêm chủng vào hệ thống hồ sơ sức khỏe điện tử',
    subtitle: periodSubtitle(q.from, q.to) + (q.province ? ` · Tỉnh/thành phố mã ${q.province}` : ''),
    columns: COLUMNS, rows: numbered(rows, 'stt'), totals: totalsRow(COLUMNS, rows, 'area', 'Tổng'),
    notes: [
      `Theo ${level === 'district' ? 'huyện' : 'xã/phường'} nơi đặt cơ sở tiêm chủng vào ngày nhận hồ sơ.`,
      'Liên thông tiêm chủng: số mũi tiêm của các hồ sơ tiêm chủng nhận trong kỳ đã liên thông thành công.',
      'Số trẻ em < 1 tuổi đang quản lý: số người (không trùng lặp) dưới 1 tuổi vào ngày cuối kỳ, có hồ sơ tiêm chủng đã liên thông nhận đến ngày cuối kỳ; mỗi trẻ tính ở địa bàn của hồ sơ liên thông gần nhất; chỉ tính ngày sinh đầy đủ.',
    ],
  };
}

/** Bảng 3: immunization per area. */
export const bang3: ReportDefinition = {
  name: 'bang-3',
  title: 'Kết quả liên thông dữ liệu Tiêm chủng vào hệ thống hồ sơ sức khỏe điện tử',
  description: 'Bảng 3 (Huế 17/BC-BĐH): mỗi huyện (xã/phường từ 01/07/2025) một dòng; trẻ < 1 tuổi đang quản lý, mũi tiêm đã liên thông',
  period: 'period',
  options: ['province'],
  build,
};
