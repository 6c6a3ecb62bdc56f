/**
 * Bảng 2 of the Huế report 17/BC-BĐH (2018): "Kết quả liên thông dữ liệu khám chữa bệnh vào hệ
 * thống hồ sơ sức khỏe điện tử", one row per facility (seeds/004, lines 87–128). Every registered
 * facility is listed, those that sent nothing too (BV Đại học Y: RỒI · CHƯA · 0 · 0 · 0); a facility
 * that sent records without being registered is listed after them, marked.
 */
import type { Db } from '../../db/pool.js';
import { countRecords } from '../counts.repo.js';
import { facilityNames } from '../facilities/names.repo.js';
import { shapeCounts } from '../statistics.js';
import type { ReportDefinition, ReportQuery } from './definition.js';
import { facilitiesWithKey, registeredFacilities } from './reports.repo.js';
import { numbered, periodSubtitle, sumColumn, type ReportColumn, type ReportRow, type ReportTable } from './table.js';

const YES = 'RỒI';
const NO = 'CHƯA';

const COLUMNS: ReportColumn[] = [
  { key: 'stt', header: 'STT', type: 'ordinal', width: 6 },
  { key: 'unit', header: 'Đơn vị', type: 'text', width: 48 },
  { key: 'account', header: 'Cấp tài khoản', type: 'text', width: 14 },
  { key: 'linkedYet', header: 'Liên thông', type: 'text', width: 12 },
  { key: 'received', header: 'Tổng liên thông', type: 'integer', width: 16 },
  { key: 'linked', header: 'Thành công', type: 'integer', width: 14 },
  { key: 'errors', header: 'Lỗi', type: 'integer', width: 12 },
  // Added to the seed's layout: records still in flight, so that Tổng = Thành công + Lỗi + Đang xử lý.
  { key: 'inFlight', header: 'Đang xử lý', type: 'integer', width: 12 },
];

/** How an unregistered facility is shown: its code, marked. */
export const unregisteredLabel = (code: string) => `${code} (chưa đăng ký)`;

async function build(db: Db, q: ReportQuery): Promise<ReportTable> {
  const area = q.province ? { area: { level: 'province' as const, code: q.province } } : {};
  const { groups } = shapeCounts(await countRecords(db, { basis: 'arrival', from: q.from, to: q.to, kind: 'encounter', by: 'facility', ...area }));
  const counted = new Map(groups.filter((g) => g.key !== null).map((g) => [g.key as string, g]));
  const registered = await registeredFacilities(db, { from: q.from, to: q.to, ...(q.province ? { province: q.province } : {}) });
  const known = new Set(registered);
  const codes = [...registered, ...[...counted.keys()].filter((c) => !known.has(c)).sort()];
  const [names, keyed] = await Promise.all([facilityNames(db, codes), facilitiesWithKey(db, codes)]);
  const rows: ReportRow[] = codes.map((code) => {
    const g = counted.get(code);
    const name = known.has(code) ? names.get(code)?.name ?? code : unregisteredLabel(code);
    return {
      stt: null, unit: name,
      account: keyed.has(code) ? YES : NO,
      linkedYet: (g?.linked ?? 0) > 0 ? YES : NO,
      received: g?.received ?? 0,
      linked: g?.linked ?? 0,
      errors: (g?.rejected ?? 0) + (g?.failed ?? 0),
      inFlight: (g?.pending ?? 0) + (g?.held ?? 0),
    };
  });
  // The seed's totals row: how many RỒI in the yes/no columns (34, 33), sums elsewhere.
  const totals: ReportRow = {
    stt: null, unit: 'TỔNG SỐ',
    account: rows.filter((r) => r.account === YES).length,
    linkedYet: rows.filter((r) => r.linkedYet === YES).length,
    received: sumColumn(rows, 'received'), linked: sumColumn(rows, 'linked'), errors: sumColumn(rows, 'errors'), inFlight: sumColumn(rows, 'inFlight'),
  };
  return {
    name: 'bang-2', sheet: 'Bảng 2',
    title: 'Kết quả liên thông dữ liệu khám chữa bệnh vào hệ thống hồ sơ sức khỏe điện tử',
    subtitle: periodSubtitle(q.from, q.to) + (q.province ? ` · Tỉnh/thành phố mã ${q.province}` : ''),
    columns: COLUMNS, rows: numbered(rows, 'stt'), totals,
    notes: [
      'Hồ sơ khám chữa bệnh nhận được trong kỳ (theo ngày nhận). Tổng liên thông = Thành công + Lỗi + Đang xử lý.',
      'Lỗi: hồ sơ bị từ chối hoặc đẩy lên hệ thống HSSK thất bại. Đang xử lý: hồ sơ đang chờ liên thông, chờ xác minh hoặc chờ rà soát.',
      'Cấp tài khoản: đơn vị có khóa API còn hiệu lực. Dòng TỔNG SỐ của hai cột RỒI/CHƯA là số đơn vị RỒI.',
    ],
  };
}

/** Bảng 2: encounters per facility. */
export const bang2: ReportDefinition = {
  name: 'bang-2',
  title: 'Kết quả liên thông dữ liệu khám chữa bệnh vào hệ thống hồ sơ sức khỏe điện tử',
  description: 'Bảng 2 (Huế 17/BC-BĐH): mỗi cơ sở KCB một dòng; hồ sơ khám chữa bệnh nhận, thành công, lỗi, đang xử lý',
  period: 'period',
  options: ['province'],
  build,
};
