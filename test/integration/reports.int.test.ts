/**
 * The provincial reports through HTTP with real PostgreSQL (docs/reports.md): the seeds' tables are
 * rebuilt from synthetic records whose counts are the seeds' numbers — Huế 17/BC-BĐH Bảng 2 and
 * Bảng 3 (seeds/004) and Quảng Ngãi Phụ lục 01 (seeds/000) — inserted straight into submissions and
 * records (the statement triggers count them), with the facilities and areas registered; then every
 * cell is compared, the totals row against totals computed here from the seed numbers.
 */
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import type pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
type Cell = string | number | null;

/** Read a binary download (supertest buffers it with this parser). */
function binary(res: request.Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/** A sheet read back: title, subtitle, header row(s), data rows (numbered in column A) and the totals row after them. */
async function readXlsx(body: Buffer, headerRows = 1) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = book.worksheets[0]!;
  const values = (r: number): Cell[] => Array.from({ length: sheet.columnCount }, (_, i) => {
    const v = sheet.getCell(r, i + 1).value as unknown;
    return v && typeof v === 'object' && 'result' in v ? (v as { result: Cell }).result : (v as Cell) ?? null;
  });
  const first = 4 + headerRows;
  let r = first;
  while (typeof sheet.getCell(r, 1).value === 'number') r++;
  return {
    sheet, title: sheet.getCell('A1').value, subtitle: sheet.getCell('A2').value,
    header: values(4), rows: Array.from({ length: r - first }, (_, i) => values(first + i)), totals: values(r), totalsRow: r,
  };
}

const tag = randomBytes(2).toString('hex').replace(/\d/g, (d) => 'ghijklmnop'[Number(d)]!).toUpperCase().slice(0, 2);
const code = (p: string, n: number) => `${p}${tag}${String(n).padStart(2, '0')}`;
const at = (vnTime: string) => `${vnTime}+07:00`;

/** Districts of Thừa Thiên Huế (46) and Quảng Ngãi (51) until 30/06/2025 (QĐ 124/2004/QĐ-TTg GSO codes). */
const HUE_DISTRICTS: Array<[string, string]> = [['474', 'Thành phố Huế'], ['476', 'Huyện Phong Điền'], ['477', 'Huyện Quảng Điền'], ['478', 'Huyện Phú Vang'],
  ['479', 'Thị xã Hương Thủy'], ['480', 'Thị xã Hương Trà'], ['481', 'Huyện A Lưới'], ['482', 'Huyện Phú Lộc'], ['483', 'Huyện Nam Đông']];
const QN_DISTRICTS: Array<[string, string]> = [['522', 'Thành phố Quảng Ngãi'], ['524', 'Huyện Bình Sơn'], ['525', 'Huyện Trà Bồng'], ['527', 'Huyện Sơn Tịnh'],
  ['528', 'Huyện Tư Nghĩa'], ['529', 'Huyện Sơn Hà'], ['530', 'Huyện Sơn Tây'], ['531', 'Huyện Minh Long'], ['532', 'Huyện Nghĩa Hành'], ['533', 'Huyện Mộ Đức'],
  ['534', 'Thị xã Đức Phổ'], ['535', 'Huyện Ba Tơ'], ['536', 'Huyện Lý Sơn']];

interface Batch {
  facility: string; kind?: 'encounter' | 'immunization'; status: string; category?: string; n: number; at: string;
  doses?: number; persons?: string[]; serviceDate?: string; visitType?: string; insured?: boolean;
}

/** One submission of `n` records (doses spread evenly); accepted ones look queued far ahead so the relay leaves them alone. */
async function insert(pool: pg.Pool, b: Batch): Promise<void> {
  const n = b.persons?.length ?? b.n;
  const doses = b.doses ?? 0;
  await pool.query(
    `WITH s AS (INSERT INTO submissions (id, format, facility, received_at) VALUES (gen_random_uuid(), $2, $1, $3) RETURNING id)
     INSERT INTO records (submission_id, seq, facility, record_key, status, category, payload, received_at, kind, doses, queued_at, person_id, service_date, visit_type, insured)
     SELECT s.id, g, $1, 'K' || s.id || '-' || g, $4, $5, '{}'::json, $3, $6,
            CASE WHEN g <= $8::int % $7::int THEN $8::int / $7::int + 1 ELSE $8::int / $7::int END,
            CASE WHEN $4 = 'accepted' THEN '2100-01-01'::timestamptz END, ($9::uuid[])[g], $10::date, $11, $12
       FROM s, generate_series(1, $7::int) g`,
    [b.facility, b.kind === 'immunization' ? 'csv' : 'qd130', at(b.at), b.status, b.category ?? null, b.kind ?? 'encounter', n, doses,
      b.persons ?? null, b.serviceDate ?? null, b.visitType ?? null, b.insured ?? null],
  );
}

/** `n` persons in the person index with this birth date (the shared Patient's, person_demographics). */
async function persons(pool: pg.Pool, n: number, birthDate: string): Promise<string[]> {
  const { rows } = await pool.query(
    `WITH p AS (INSERT INTO persons (id, kind) SELECT gen_random_uuid(), 'infant' FROM generate_series(1, $1::int) RETURNING id)
     INSERT INTO person_demographics (person_id, birth_date) SELECT id, $2 FROM p RETURNING person_id`, [n, birthDate]);
  return rows.map((r) => r.person_id as string);
}

/**
 * The reports list every facility registered in a province, so the areas other test files (run
 * before this one on the same database: fileParallelism is off) or earlier runs registered in
 * Huế (46) and Quảng Ngãi (51) are removed first; this file's facilities are then the only ones.
 */
async function forgetOtherFacilities(pool: pg.Pool): Promise<void> {
  await pool.query("DELETE FROM facility_areas WHERE province IN ('46', '51') AND facility !~ ('^[HQ]' || $1 || '[0-9]{2}$')", [tag]);
}

async function register(pool: pg.Pool, facility: string, name: string, areas: Array<{ from: string; to?: string; province: string; district?: string; commune?: string }>) {
  await pool.query('INSERT INTO facilities (code, name) VALUES ($1, $2)', [facility, name]);
  for (const a of areas) {
    await pool.query('INSERT INTO facility_areas (facility, valid_from, valid_to, province, district, commune) VALUES ($1, $2, $3, $4, $5, $6)',
      [facility, a.from, a.to ?? null, a.province, a.district ?? null, a.commune ?? null]);
  }
}

/** Bảng 2 facilities: the seed's numbers (Bình Điền also has records still in flight). */
const HUE = [
  { n: 1, name: 'Bệnh viện Đa khoa Bình Điền', district: '480', key: true, linked: 4710, rejected: 2987, failed: 0, pending: 12, held: 3 },
  { n: 2, name: 'Bệnh viện Đa khoa Chân Mây', district: '482', key: true, linked: 875, rejected: 0, failed: 0 },
  { n: 5, name: 'Bệnh viện Lao và bệnh phổi', district: '474', key: true, linked: 4335, rejected: 1, failed: 0 },
  { n: 9, name: 'Bệnh viện Răng Hàm Mặt', district: '474', key: true, linked: 3239, rejected: 50, failed: 29 },
  { n: 17, name: 'TTYT A Lưới', district: '481', key: true, linked: 83215, rejected: 3000, failed: 254 },
  { n: 18, name: 'TTYT Nam Đông', district: '483', key: true, linked: 12359, rejected: 17, failed: 0 },
  { n: 21, name: 'BV Đại học Y', district: '474', key: true, linked: 0, rejected: 0, failed: 0 },
  { n: 35, name: 'Phòng khám Bác sĩ gia đình thuộc Trung tâm Y học gia đình - Trường ĐH Y Dược Huế', district: '474', key: false, linked: 0, rejected: 0, failed: 0 },
].map((f) => ({ pending: 0, held: 0, ...f, code: code('H', f.n) }));
const hue = (n: number) => HUE.find((f) => f.n === n)!.code;
const MID_2018 = '2018-08-15T10:00:00';

async function seedHue(gw: Gateway): Promise<void> {
  const { pool } = gw;
  for (const [c, name] of HUE_DISTRICTS) {
    await pool.query(`INSERT INTO admin_units (level, code, name, parent, valid_from, valid_to, source) VALUES ('district', $1, $2, '46', '2008-08-01', '2025-06-30', 'test')
                      ON CONFLICT DO NOTHING`, [c, name]);
  }
  for (const f of HUE) {
    await register(pool, f.code, f.name, [{ from: '2008-08-01', to: '2025-06-30', province: '46', district: f.district }]);
    const key = await gw.key('facility', f.code);
    if (!f.key) await pool.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [key.split('_')[1]]); // a revoked key is no account
    for (const [status, n, category] of [['linked', f.linked], ['rejected', f.rejected, 'SCHEMA'], ['failed', f.failed, 'LINK_FAILED'], ['accepted', f.pending], ['held', f.held, 'IDENTITY_REVIEW']] as const) {
      if (n > 0 && !(f.n === 2 && status === 'linked')) await insert(pool, { facility: f.code, status, n, at: MID_2018, ...(category ? { category } : {}) });
    }
  }
  // Chân Mây's 875 at the edges of the period, in Vietnam time; around them records the period leaves out.
  await insert(pool, { facility: hue(2), status: 'linked', n: 3, at: '2018-05-01T00:10:00' });
  await insert(pool, { facility: hue(2), status: 'linked', n: 870, at: MID_2018 });
  await insert(pool, { facility: hue(2), status: 'linked', n: 2, at: '2018-12-31T23:30:00' });
  await insert(pool, { facility: hue(2), status: 'linked', n: 7, at: '2019-01-01T00:30:00' });
  await insert(pool, { facility: hue(2), status: 'rejected', category: 'SCHEMA', n: 4, at: '2018-04-30T23:50:00' });
  // Vaccinations are not encounters: Bảng 3 counts them (Phú Lộc: 20 doses, no persons).
  await insert(pool, { facility: hue(2), kind: 'immunization', status: 'linked', n: 20, doses: 20, at: MID_2018 });
  // An unregistered facility that sent encounters (listed, marked, when no province is asked).
  await insert(pool, { facility: code('U', 1), status: 'linked', n: 3, at: MID_2018 });
  await seedInfants(pool);
}

/**
 * Bảng 3: Nam Đông 512 children < 1 year and 2.945 doses, A Lưới 1.125 and 4.434 (seed lines 141, 139),
 * with the cases a child must count once or not at all.
 */
async function seedInfants(pool: pg.Pool): Promise<void> {
  const imm = (facility: string, status: string, ps: string[], doses: number, when: string) => insert(pool, { facility, kind: 'immunization', status, n: ps.length, persons: ps, doses, at: when });
  const [namDong, aLuoi] = [hue(18), hue(17)];
  await imm(namDong, 'linked', await persons(pool, 510, '2018-03-10'), 2920, '2018-09-10T09:00:00');
  const [x, y] = await persons(pool, 2, '2018-07-01'); // x was merged into y: one child
  await pool.query("UPDATE persons SET state = 'merged', merged_into = $2 WHERE id = $1", [x, y]);
  await imm(namDong, 'linked', [x!], 1, '2018-08-01T09:00:00');
  await imm(namDong, 'linked', [y!], 1, '2018-10-01T09:00:00');
  const [z] = await persons(pool, 1, '2018-02-01'); // vaccinated in A Lưới, then in Nam Đông: counted where the latest record is
  await imm(aLuoi, 'linked', [z!], 1, '2018-06-01T09:00:00');
  await imm(namDong, 'linked', [z!], 1, '2018-11-20T09:00:00');
  await imm(namDong, 'linked', await persons(pool, 10, '2017-12-31'), 20, MID_2018); // one year old on 31/12/2018
  await imm(namDong, 'rejected', await persons(pool, 3, '2018-04-04'), 9, MID_2018); // never linked
  await imm(namDong, 'linked', await persons(pool, 2, '2018-06'), 2, MID_2018); // birth month only
  await imm(namDong, 'linked', await persons(pool, 4, '2018-12-01'), 4, '2019-01-02T09:00:00'); // after the period
  const main = await persons(pool, 1118, '2018-01-15');
  await imm(aLuoi, 'linked', main, 4333, '2018-08-20T09:00:00');
  await imm(aLuoi, 'linked', main.slice(0, 100), 100, '2018-12-01T09:00:00'); // a second dose: the same children
  await imm(aLuoi, 'linked', await persons(pool, 7, '2018-02-20'), 7, '2018-04-20T09:00:00'); // managed, vaccinated before the period
}

/** Phụ lục 01: Minh Long 22/5/73, Lý Sơn 30/38/829, Nghĩa Hành 36/10/298 (seed lines 96, 93, 98), each group from several categories. */
const QN = [
  { n: 1, name: 'TTYT Minh Long', district: '531' },
  { n: 2, name: 'TTYT Lý Sơn', district: '536' },
  { n: 3, name: 'TTYT Nghĩa Hành', district: '532' },
].map((f) => ({ ...f, code: code('Q', f.n) }));
const QN_COMMUNE = '98531';

async function seedQuangNgai(gw: Gateway): Promise<void> {
  const { pool } = gw;
  for (const [c, name] of QN_DISTRICTS) {
    await pool.query(`INSERT INTO admin_units (level, code, name, parent, valid_from, valid_to, source) VALUES ('district', $1, $2, '51', '2008-08-01', '2025-06-30', 'test')
                      ON CONFLICT DO NOTHING`, [c, name]);
  }
  await pool.query(`INSERT INTO admin_units (level, code, name, parent, valid_from, source) VALUES ('commune', $1, '[TEST] Xã Minh Long (từ 01/07/2025)', '51', '2025-07-01', 'reports.int.test')
                    ON CONFLICT DO NOTHING`, [QN_COMMUNE]);
  for (const f of QN) {
    await register(pool, f.code, f.name, [
      { from: '2008-08-01', to: '2025-06-30', province: '51', district: f.district },
      ...(f.n === 1 ? [{ from: '2025-07-01', province: '51', commune: QN_COMMUNE }] : []),
    ]);
  }
  const [minhLong, lySon, nghiaHanh] = QN.map((f) => f.code) as [string, string, string];
  const dec = '2022-12-10T10:00:00';
  const rows: Array<[string, string, string, number, string?]> = [
    [minhLong, 'rejected', 'CCCD_MISSING', 20], [minhLong, 'held', 'IDENTITY_REVIEW', 2],
    [minhLong, 'rejected', 'CCCD_FORMAT', 3], [minhLong, 'rejected', 'CCCD_PROVINCE_UNKNOWN', 2],
    [minhLong, 'rejected', 'VERIFICATION_MISMATCH', 60], [minhLong, 'rejected', 'REGISTRY_NOT_FOUND', 10], [minhLong, 'held', 'SOURCE_CONFLICT', 3],
    [lySon, 'rejected', 'CCCD_MISSING', 30, '2021-06-01T08:00:00'], [lySon, 'rejected', 'CCCD_FORMAT', 38],
    [lySon, 'rejected', 'VERIFICATION_MISMATCH', 800], [lySon, 'rejected', 'VERIFICATION_MISMATCH', 29, '2023-01-31T23:59:00'],
    [nghiaHanh, 'rejected', 'CCCD_MISSING', 36], [nghiaHanh, 'rejected', 'CCCD_FORMAT', 10], [nghiaHanh, 'rejected', 'CCCD_DOB_MISMATCH', 298],
    // Not in the appendix: cleaned (linked), other errors, linkage failures, after the month.
    [minhLong, 'linked', '', 40], [minhLong, 'rejected', 'SCHEMA', 9], [minhLong, 'failed', 'LINK_FAILED', 4],
    [minhLong, 'rejected', 'CCCD_MISSING', 6, '2023-02-01T00:05:00'],
  ];
  for (const [facility, status, category, n, when] of rows) {
    await insert(pool, { facility, kind: 'immunization', status, n, doses: n, at: when ?? dec, ...(category ? { category } : {}) });
  }
  await insert(pool, { facility: minhLong, status: 'rejected', category: 'CCCD_MISSING', n: 4, at: dec }); // encounters: only with kind=all
}

/** The QĐ 2733 visits of one facility in 2025-H1, by date of service. */
async function seedVisits(gw: Gateway, facility: string): Promise<void> {
  const v = (visitType: string, insured: boolean, status: string, n: number, serviceDate = '2025-03-10') =>
    insert(gw.pool, { facility, status, n, at: '2025-07-05T10:00:00', visitType, insured, serviceDate, ...(status === 'rejected' ? { category: 'SCHEMA' } : status === 'failed' ? { category: 'LINK_FAILED' } : status === 'held' ? { category: 'IDENTITY_REVIEW' } : {}) });
  await v('01', true, 'linked', 300); await v('01', true, 'failed', 20); await v('01', false, 'linked', 50, '2025-06-30');
  await v('02', true, 'linked', 40); await v('05', true, 'linked', 10); await v('05', true, 'rejected', 5); await v('08', false, 'accepted', 7);
  await v('03', true, 'linked', 120); await v('03', true, 'held', 3); await v('3', true, 'linked', 2, '2025-01-01');
  await v('04', false, 'linked', 12); await v('09', true, 'linked', 8);
  await v('07', true, 'linked', 15); await v('10', false, 'linked', 4); await v('', false, 'linked', 6);
  await v('01', true, 'linked', 99, '2025-07-01'); // the next half
  await insert(gw.pool, { facility: hue(9), status: 'linked', n: 11, at: '2025-07-05T10:00:00', visitType: '01', insured: true, serviceDate: '2025-03-10' }); // another facility
}

describe('provincial reports rebuilt from the seeds (HTTP, real PostgreSQL)', () => {
  let gw: Gateway;
  let admin: string;
  const get = (path: string, query: Record<string, string>) => request(gw.url).get(path).query(query).set('Authorization', `Bearer ${admin}`);
  const getFile = (path: string, query: Record<string, string>) => get(path, query).buffer(true).parse(binary);

  beforeAll(async () => {
    gw = await startTestGateway();
    admin = await gw.key('admin');
    await forgetOtherFacilities(gw.pool);
    await seedHue(gw);
    await seedQuangNgai(gw);
    await seedVisits(gw, hue(5));
  }, 180_000);
  afterAll(async () => {
    // The commune list of province 51 would otherwise look loaded to other files (facilities.int.test.ts).
    await gw?.pool.query("DELETE FROM admin_units WHERE source = 'reports.int.test'");
    await gw?.stop();
  });

  const period = { from: '2018-05-01', to: '2018-12-31', province: '46' };

  it('Bảng 2 (XLSX): one row per facility, the seed numbers cell by cell, the totals row as the seed counts it', async () => {
    const res = await getFile('/api/reports/bang-2', { ...period, format: 'xlsx' });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="bang-2_2018-05-01_2018-12-31.xlsx"');
    const t = await readXlsx(res.body as Buffer);
    expect(t.title).toBe('Kết quả liên thông dữ liệu khám chữa bệnh vào hệ thống hồ sơ sức khỏe điện tử');
    expect(t.subtitle).toBe('(Tính từ ngày 01/05/2018 đến ngày 31/12/2018 · Tỉnh/thành phố mã 46)');
    expect(t.header).toEqual(['STT', 'Đơn vị', 'Cấp tài khoản', 'Liên thông', 'Tổng liên thông', 'Thành công', 'Lỗi', 'Đang xử lý']);
    const expected = HUE.map((f, i) => [i + 1, f.name, f.key ? 'RỒI' : 'CHƯA', f.linked > 0 ? 'RỒI' : 'CHƯA',
      f.linked + f.rejected + f.failed + f.pending + f.held, f.linked, f.rejected + f.failed, f.pending + f.held]);
    expect(t.rows).toEqual(expected);
    // Seed rows as printed: Chân Mây 875/875/0, Lao 4.336/4.335/1, Răng Hàm Mặt 3.318/3.239/79, BV Đại học Y RỒI · CHƯA · 0.
    expect(t.rows[1]!.slice(1, 7)).toEqual(['Bệnh viện Đa khoa Chân Mây', 'RỒI', 'RỒI', 875, 875, 0]);
    expect(t.rows[2]!.slice(4, 7)).toEqual([4336, 4335, 1]);
    expect(t.rows[3]!.slice(4, 7)).toEqual([3318, 3239, 79]);
    expect(t.rows[6]!.slice(1, 7)).toEqual(['BV Đại học Y', 'RỒI', 'CHƯA', 0, 0, 0]);
    expect(t.rows[0]![4]).toBe((t.rows[0]![5] as number) + (t.rows[0]![6] as number) + (t.rows[0]![7] as number));
    const sum = (k: 'linked' | 'rejected' | 'failed' | 'pending' | 'held') => HUE.reduce((s, f) => s + f[k], 0);
    expect(t.totals).toEqual([null, 'TỔNG SỐ', HUE.filter((f) => f.key).length, HUE.filter((f) => f.linked > 0).length,
      sum('linked') + sum('rejected') + sum('failed') + sum('pending') + sum('held'), sum('linked'), sum('rejected') + sum('failed'), sum('pending') + sum('held')]);
    expect(t.totals.slice(2, 4)).toEqual([7, 6]);
    const totalCell = t.sheet.getCell(t.totalsRow, 5);
    expect(totalCell.font?.bold).toBe(true);
    expect(totalCell.numFmt).toBe('#,##0');
    expect((totalCell.value as { formula: string }).formula).toBe(`SUM(E5:E${t.totalsRow - 1})`);
    expect(t.sheet.getCell('H1').isMerged).toBe(true);
  });

  it('Bảng 2 (HTML, CSV): Vietnamese numbers on the page, BOM and Vietnamese headers in the CSV; an unregistered sender is marked', async () => {
    const html = await get('/api/reports/bang-2', { ...period, format: 'html' });
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(html.text).toContain('<td class="num">4.336</td><td class="num">4.335</td><td class="num">1</td>');
    expect(html.text).toContain('<td class="num">86.469</td><td class="num">83.215</td><td class="num">3.254</td>');
    expect(html.text).toContain('Tính từ ngày 01/05/2018 đến ngày 31/12/2018');
    expect(html.text).not.toMatch(/<script|<link|https?:\/\//);

    const csv = await get('/api/reports/bang-2', { ...period, format: 'csv' });
    expect(csv.headers['content-disposition']).toBe('attachment; filename="bang-2_2018-05-01_2018-12-31.csv"');
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.text.slice(1).split('\r\n');
    expect(lines[0]).toBe('STT,Đơn vị,Cấp tài khoản,Liên thông,Tổng liên thông,Thành công,Lỗi,Đang xử lý');
    expect(lines[3]).toBe('3,Bệnh viện Lao và bệnh phổi,RỒI,RỒI,4336,4335,1,0');

    const all = await get('/api/reports/bang-2', { from: period.from, to: period.to, format: 'csv' });
    const unregistered = all.text.split('\r\n').find((l) => l.includes(`${code('U', 1)} (chưa đăng ký)`));
    expect(unregistered?.split(',').slice(1)).toEqual([`${code('U', 1)} (chưa đăng ký)`, 'CHƯA', 'RỒI', '3', '3', '0', '0']);
  });

  it('Bảng 3: per district in GSO order, children under one counted once, doses linked in the period', async () => {
    const res = await getFile('/api/reports/bang-3', { ...period, format: 'xlsx' });
    expect(res.status).toBe(200);
    const t = await readXlsx(res.body as Buffer);
    expect(t.header).toEqual(['STT', 'Tên địa phương', 'Số trẻ em < 1 tuổi đang quản lý', 'Liên thông tiêm chủng']);
    const expected: Record<string, [number, number]> = { 'Huyện A Lưới': [1125, 4434], 'Huyện Phú Lộc': [0, 20], 'Huyện Nam Đông': [512, 2945] };
    expect(t.rows).toEqual(HUE_DISTRICTS.map(([, name], i) => [i + 1, name, ...(expected[name] ?? [0, 0])]));
    expect(t.totals).toEqual([null, 'Tổng', 1125 + 512, 4434 + 20 + 2945]);
    // A period ending after 1 July 2025 lists communes (QĐ 19/2025/QĐ-TTg).
    const after = await get('/api/reports/bang-3', { month: '2025-08', province: '51', format: 'csv' });
    expect(after.text.split('\r\n').find((l) => l.includes('[TEST] Xã Minh Long'))?.split(',').slice(1)).toEqual(['[TEST] Xã Minh Long (từ 01/07/2025)', '0', '0']);
  });

  it('Phụ lục 01: per district in the seed order, the three groups from rejected and held records received up to the month end', async () => {
    const res = await getFile('/api/reports/phu-luc-01', { month: '2023-01', province: '51', format: 'xlsx' });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="phu-luc-01_2023-01.xlsx"');
    const t = await readXlsx(res.body as Buffer);
    expect(t.title).toBe('Số lượt thông tin chưa được “Làm sạch” tại các đơn vị');
    expect(t.subtitle).toBe('(Hồ sơ tiêm chủng, tính đến ngày 31/01/2023 · Tỉnh/thành phố mã 51)');
    expect(t.header).toEqual(['TT', 'Huyện', 'Không có CCCD/Mã định danh', 'CCCD/Mã định danh sai định dạng', 'Xác minh sai thông tin', 'Tổng']);
    const seed: Record<string, [number, number, number, number]> = { 'Huyện Minh Long': [22, 5, 73, 100], 'Huyện Lý Sơn': [30, 38, 829, 897], 'Huyện Nghĩa Hành': [36, 10, 298, 344] };
    const order = ['Huyện Ba Tơ', 'Huyện Bình Sơn', 'Huyện Lý Sơn', 'Huyện Minh Long', 'Huyện Mộ Đức', 'Huyện Nghĩa Hành', 'Huyện Sơn Hà', 'Huyện Sơn Tây',
      'Huyện Sơn Tịnh', 'Huyện Trà Bồng', 'Huyện Tư Nghĩa', 'Thành phố Quảng Ngãi', 'Thị xã Đức Phổ']; // seed lines 91–103
    expect(t.rows).toEqual(order.map((name, i) => [i + 1, name, ...(seed[name] ?? [0, 0, 0, 0])]));
    const col = (i: number) => Object.values(seed).reduce((s, r) => s + r[i]!, 0);
    expect(t.totals).toEqual(['Tổng', null, col(0), col(1), col(2), col(3)]);
    expect(t.totals.slice(2)).toEqual([88, 53, 1200, 1341]);
  });

  it('Phụ lục 01: kind=all adds the encounters; after the reform the backlog is listed per commune', async () => {
    const all = await get('/api/reports/phu-luc-01', { month: '2023-01', province: '51', kind: 'all', format: 'csv' });
    expect(all.text.split('\r\n').find((l) => l.includes('Huyện Minh Long'))).toBe('4,Huyện Minh Long,26,5,73,104');
    // A reporting month from the 10th (REPORT_MONTH_START_DAY, as the Quảng Ngãi report counts): up to 09/02/2023.
    const tenth = await get('/api/reports/phu-luc-01', { month: '2023-02', monthStart: '10', province: '51', format: 'html' });
    expect(tenth.text).toContain('Hồ sơ tiêm chủng, tính đến ngày 09/02/2023');
    expect(tenth.text).toContain('<td>Huyện Minh Long</td><td class="num">28</td><td class="num">5</td><td class="num">73</td><td class="num">106</td>');
    const after = await get('/api/reports/phu-luc-01', { month: '2025-08', province: '51', format: 'csv' });
    const lines = after.text.slice(1).split('\r\n');
    expect(lines[0]).toBe('TT,Xã/Phường,Không có CCCD/Mã định danh,CCCD/Mã định danh sai định dạng,Xác minh sai thông tin,Tổng');
    // Minh Long's backlog (and the six records of February 2023) under its facility's commune on 31/08/2025.
    expect(lines.find((l) => l.includes('[TEST] Xã Minh Long'))?.split(',').slice(1)).toEqual(['[TEST] Xã Minh Long (từ 01/07/2025)', '28', '5', '73', '106']);
    expect(lines.some((l) => l.includes('Huyện'))).toBe(false);
  });

  it('QĐ 2733: six visit types × BHYT × (visits, linked) for one facility and half-year, by date of service', async () => {
    const res = await getFile('/api/reports/hssk-2733', { half: '2025-H1', facility: hue(5), format: 'xlsx' });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="hssk-2733_2025-H1.xlsx"');
    const t = await readXlsx(res.body as Buffer, 2);
    expect(t.subtitle).toBe(`(6 tháng đầu năm 2025, tính từ ngày 01/01/2025 đến ngày 30/06/2025 · Cơ sở Bệnh viện Lao và bệnh phổi (${hue(5)}))`);
    expect(t.header).toEqual(['STT', 'Loại hình khám bệnh, chữa bệnh', 'Mã loại KCB', 'Có BHYT', 'Có BHYT', 'Không BHYT', 'Không BHYT']);
    expect(t.sheet.getCell(5, 4).value).toBe('Số lượt KCB');
    expect(t.rows).toEqual([
      [1, 'Khám bệnh', '01', 320, 300, 50, 50],
      [2, 'Điều trị ngoại trú', '02, 05, 08', 55, 50, 7, 0],
      [3, 'Điều trị nội trú', '03', 125, 122, 0, 0],
      [4, 'Điều trị nội trú ban ngày', '04, 09', 8, 8, 12, 12],
      [5, 'Điều trị lưu tại Trạm Y tế xã, Phòng khám đa khoa khu vực', '06', 0, 0, 0, 0],
      [6, 'Nhận thuốc theo hẹn và các trường hợp khác', '07, 10, 11, 12, 13, 14, 15, 16', 15, 15, 10, 10],
    ]);
    expect(t.totals).toEqual([null, 'Tổng', null, 523, 495, 79, 72]);
    const byMonth = await get('/api/reports/hssk-2733', { month: '2025-03', facility: hue(5), format: 'html' });
    expect(byMonth.headers['content-disposition']).toBe('inline; filename="hssk-2733_2025-H1.html"');
    expect(byMonth.text).toContain('<th colspan="2">Có BHYT</th>');
    expect(byMonth.text).toContain('Trong đó 6 lượt không có mã loại KCB đã biết, tính vào nhóm 6.');
  });

  it('lists the reports and refuses bad parameters with 400, unknown reports with 404, other roles with 403', async () => {
    const list = await get('/api/reports', {});
    expect(list.status).toBe(200);
    expect(list.body.reports.map((r: { name: string }) => r.name)).toEqual(['bang-2', 'bang-3', 'phu-luc-01', 'hssk-2733']);
    const bad: Array<[string, Record<string, string>, RegExp]> = [
      ['bang-2', {}, /give month/],
      ['bang-2', { month: '2025-13' }, /month must be YYYY-MM/],
      ['bang-2', { month: '2025-01', format: 'pdf' }, /format must be one of xlsx, csv, html/],
      ['bang-2', { month: '2025-01', to: '2025-01-31' }, /not both/],
      ['bang-2', { from: '2025-02-30', to: '2025-03-01' }, /from must be a real date/],
      ['bang-2', { from: '2025-03-01', to: '2025-02-01' }, /not be before/],
      ['bang-2', { month: '2025-01', province: '4' }, /province must be/],
      ['bang-2', { month: '2025-01', kind: 'all' }, /unknown parameter "kind" for bang-2/],
      ['phu-luc-01', { from: '2023-01-01', to: '2023-01-31' }, /unknown parameter "from"/],
      ['phu-luc-01', { month: '2023-01', kind: 'doses' }, /kind must be one of/],
      ['hssk-2733', { half: '2024-H1' }, /first half-year is 2024-H2/],
      ['hssk-2733', { half: '2025-H3' }, /half must be/],
      ['hssk-2733', { half: '2025-H1', facility: 'x' }, /facility must be/],
    ];
    for (const [name, query, message] of bad) {
      const res = await get(`/api/reports/${name}`, query);
      expect(res.status, `${name} ${JSON.stringify(query)}`).toBe(400);
      expect(res.body.issue[0].diagnostics).toMatch(message);
    }
    expect((await get('/api/reports/bang-9', { month: '2025-01' })).status).toBe(404);
    const facilityKey = await gw.key('facility', hue(5));
    expect((await request(gw.url).get('/api/reports/bang-2').query({ month: '2025-01' }).set('Authorization', `Bearer ${facilityKey}`)).status).toBe(403);
  });
});
