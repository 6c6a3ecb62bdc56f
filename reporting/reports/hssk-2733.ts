/**
 * The six-monthly table of QĐ 2733/QĐ-BYT Điều 8 (electronic health book on VNeID): visits of six
 * visit types × (BHYT, non-BHYT) × (visits, visits linked), by date of service (NGAY_VAO), from the
 * encounter counters (reporting/counts.repo.ts countVisits). The grouping of MA_LOAI_KCB codes is the
 * gateway's reading (reporting/data/visit-types-2733.json).
 */
import type { Db } from '../../db/pool.js';
import { countVisits } from '../counts.repo.js';
import { facilityNames } from '../facilities/names.repo.js';
import { addDays } from '../period.js';
import type { ReportDefinition, ReportQuery } from './definition.js';
import { numbered, periodSubtitle, totalsRow, type ReportColumn, type ReportRow, type ReportTable } from './table.js';
import { groupingOn, visitTypeGroup, VISIT_TYPE_GROUPINGS } from './visit-types.js';
import { formatVnNumber } from './vn-number.js';

const COLUMNS: ReportColumn[] = [
  { key: 'stt', header: 'STT', type: 'ordinal', width: 6 },
  { key: 'type', header: 'Loại hình khám bệnh, chữa bệnh', type: 'text', width: 44 },
  { key: 'codes', header: 'Mã loại KCB', type: 'text', width: 16 },
  { key: 'insuredVisits', header: 'Số lượt KCB', group: 'Có BHYT', type: 'integer', width: 14 },
  { key: 'insuredLinked', header: 'Số lượt đã liên thông', group: 'Có BHYT', type: 'integer', width: 16 },
  { key: 'uninsuredVisits', header: 'Số lượt KCB', group: 'Không BHYT', type: 'integer', width: 14 },
  { key: 'uninsuredLinked', header: 'Số lượt đã liên thông', group: 'Không BHYT', type: 'integer', width: 16 },
];

/** "6 tháng đầu năm 2025" / "6 tháng cuối năm 2025". */
export function halfLabel(half: string): string {
  return `6 tháng ${half.endsWith('1') ? 'đầu' : 'cuối'} năm ${half.slice(0, 4)}`;
}

async function build(db: Db, q: ReportQuery): Promise<ReportTable> {
  const lastDay = addDays(q.to, -1);
  const grouping = groupingOn(lastDay) ?? VISIT_TYPE_GROUPINGS[VISIT_TYPE_GROUPINGS.length - 1]!;
  const visits = await countVisits(db, q.from, q.to, q.facility);
  const rows = new Map<number, ReportRow>(grouping.groups.map((g) => [g.group, {
    stt: null, type: g.name, codes: g.codes.join(', '), insuredVisits: 0, insuredLinked: 0, uninsuredVisits: 0, uninsuredLinked: 0,
  }]));
  let unknown = 0;
  for (const v of visits) {
    const { group, known } = visitTypeGroup(grouping, v.visitType);
    if (!known) unknown += v.n;
    const row = rows.get(group.group)!;
    const side = v.insured ? 'insured' : 'uninsured';
    row[`${side}Visits`] = (row[`${side}Visits`] as number) + v.n;
    if (v.status === 'linked') row[`${side}Linked`] = (row[`${side}Linked`] as number) + v.n;
  }
  const list = [...rows.values()];
  const scope = q.facility ? ` · Cơ sở ${(await facilityNames(db, [q.facility])).get(q.facility)?.name ?? q.facility} (${q.facility})` : '';
  return {
    name: 'hssk-2733', sheet: 'QĐ 2733',
    title: 'Kết quả liên thông dữ liệu khám bệnh, chữa bệnh lên Sổ sức khỏe điện tử',
    subtitle: `${halfLabel(q.half ?? q.label)}, ${periodSubtitle(q.from, q.to).toLowerCase()}${scope}`,
    columns: COLUMNS, rows: numbered(list, 'stt'), totals: totalsRow(COLUMNS, list, 'type', 'Tổng'),
    notes: [
      'Theo QĐ 2733/QĐ-BYT Điều 8; lượt khám chữa bệnh tính theo ngày vào (NGAY_VAO), mọi trạng thái; đã liên thông = đã đẩy thành công.',
      `Nhóm mã loại KCB (MA_LOAI_KCB) là cách đọc của cổng liên thông: ${grouping.source}.`,
      ...(unknown > 0 ? [`Trong đó ${formatVnNumber(unknown)} lượt không có mã loại KCB đã biết, tính vào nhóm ${grouping.groups.find((g) => g.otherwise)?.group ?? grouping.groups.length}.`] : []),
    ],
  };
}

/** QĐ 2733 Đ8: visits per visit type and BHYT, six-monthly. */
export const hssk2733: ReportDefinition = {
  name: 'hssk-2733',
  title: 'Kết quả liên thông dữ liệu khám bệnh, chữa bệnh lên Sổ sức khỏe điện tử',
  description: 'QĐ 2733/QĐ-BYT Điều 8, 6 tháng một lần: 6 loại hình KCB × (có BHYT, không BHYT) × (số lượt, số lượt đã liên thông)',
  period: 'half',
  options: ['facility'],
  build,
};
