/**
 * Error review through HTTP with real PostgreSQL + Redis (docs/error-review.md): records of several
 * categories in two facilities (and a former code of one) seeded through real ingest — CSV with bad
 * CCCDs, a gzip upload, claim XML, a link that fails at the EHR, source conflicts held for review —
 * then GET /api/errors filters against the expected records computed here, the facility key's
 * fence, the CSV and XLSX exports, the upload history, the error file and its corrected re-upload,
 * and the bulk re-runs of failed and held records as the statistics see them.
 */
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startFlakyEhr } from '../helpers/flaky-ehr.js';
import { startTestGateway, unusedFacility, waitFor } from '../helpers/gateway.js';
import { citizen, doseCsv, recordByKey, waitForStatus, type TestCitizen } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
interface Expected { key: string; facility: string; status: string; category: string; format: string; submissionId: string }
interface Answer { submissionId: string; records: Array<{ key: string; status: string; issues: Array<{ category: string }> }> }

const vnToday = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
/** A supertest parser keeping the body as bytes (CSV with its BOM, XLSX). */
const binary = ((res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}) as unknown as (res: request.Response, cb: (err: Error | null, body: unknown) => void) => void;

describe('error review: GET /api/errors, exports, upload history, error files, bulk re-runs', () => {
  let gw: Gateway;
  let ehr: Awaited<ReturnType<typeof startFlakyEhr>>;
  let fa: string, fb: string, fc: string;
  let keyA: string, keyB: string, keyC: string, adminKey: string;
  /** Every record seeded, as its 202 answer and its settled state say. */
  const expected: Expected[] = [];
  const uploads: Record<string, string> = {};
  const people: Record<string, TestCitizen> = {};

  const get = (path: string, key: string, query: Record<string, string> = {}) => request(gw.url).get(path).query(query).set('Authorization', `Bearer ${key}`);
  const sendCsv = async (csv: string, key: string, gzip = false) => {
    let req = request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${key}`).set('Content-Type', 'text/csv; charset=utf-8');
    if (gzip) req = req.set('Content-Encoding', 'gzip');
    const res = await req.send(gzip ? gzipSync(csv) : csv);
    expect(res.status).toBe(202);
    return res.body as Answer;
  };
  const sendXml = async (facility: string, key: string, docs: string[]) => {
    const res = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, docs.map((d) => [['XML1', d]])));
    expect(res.status).toBe(202);
    return res.body as Answer;
  };
  /** Wait until no record of the submission is pending, then note each record's settled status. */
  const settle = async (answer: Answer, facility: string, format: string) => {
    const view = await waitFor(async () => {
      const v = (await get(`/api/submissions/${answer.submissionId}`, adminKey)).body;
      return v.counts.accepted + v.counts.unverified === 0 ? v : undefined;
    }, 20_000, `submission ${answer.submissionId} to settle`);
    answer.records.forEach((r, i) => {
      const stored = view.records[i];
      expected.push({ key: r.key, facility: stored.facility, status: stored.status, category: stored.status === 'failed' ? 'LINK_FAILED' : r.issues[0]?.category ?? '', format, submissionId: answer.submissionId });
    });
    return view;
  };
  const attention = (e: Expected) => ['rejected', 'failed', 'held'].includes(e.status);
  const keysOf = (items: Array<{ recordKey: string }>) => items.map((i) => i.recordKey).sort();
  const expectedKeys = (pred: (e: Expected) => boolean) => expected.filter((e) => attention(e) && pred(e)).map((e) => e.key).sort();
  /** Every page of GET /api/errors, following the cursor. */
  const allErrors = async (key: string, query: Record<string, string>, limit = '500') => {
    const items: Array<Record<string, unknown> & { recordKey: string; receivedAt: string; id: number }> = [];
    let after: string | undefined;
    do {
      const res = await get('/api/errors', key, { ...query, limit, ...(after ? { after } : {}) });
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      after = res.body.next ?? undefined;
    } while (after);
    return items;
  };

  beforeAll(async () => {
    let linkerKey: string | undefined;
    ehr = await startFlakyEhr(() => gw.url, () => linkerKey);
    gw = await startTestGateway({ VERIFICATION: 'off', EHR_FHIR_URL: ehr.url, LINK_ATTEMPTS: '2', LINK_BACKOFF_MS: '100', EHR_TIMEOUT_MS: '2000', BREAKER_FAILURES: '100' });
    linkerKey = await gw.key('linker');
    fa = await unusedFacility(gw.pool);
    do fb = await unusedFacility(gw.pool); while (fb === fa);
    do fc = await unusedFacility(gw.pool); while (fc === fa || fc === fb);
    [keyA, keyB, keyC, adminKey] = [await gw.key('facility', fa), await gw.key('facility', fb), await gw.key('facility', fc), await gw.key('admin')];
    // The register (another module's API writes it): A in province 46, B in 48; C is A's former code.
    for (const [code, province] of [[fa, '46'], [fb, '48']] as const) {
      await gw.pool.query(`INSERT INTO facilities (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [code, `Trạm y tế ${code}`]);
      await gw.pool.query(`INSERT INTO facility_areas (facility, valid_from, province, district, commune) VALUES ($1, '2000-01-01', $2, $3, NULL)
                           ON CONFLICT (facility, valid_from) DO UPDATE SET province = EXCLUDED.province, district = EXCLUDED.district`, [code, province, `${province}4`]);
    }
    await gw.pool.query(`INSERT INTO facility_successions (old_code, new_code, effective) VALUES ($1, $2, '2025-07-01') ON CONFLICT (old_code) DO UPDATE SET new_code = EXCLUDED.new_code`, [fc, fa]);

    Object.assign(people, {
      p1: citizen('Nguyễn Thị Hồng Nhung', '1990-05-12', 'female'), q1: citizen('Trần Văn Đức', '1985-02-03', 'male'),
      sci: citizen('Lê Văn Khoa', '1979-11-21', 'male'), dob: citizen('Phạm Thị Mai', '1990-08-08', 'female'), p2: citizen('Hồ Văn Tâm', '1966-06-06', 'male'),
    });
    const { p1, q1, sci, dob, p2 } = people as Record<string, TestCitizen>;
    uploads.a1 = 'pending';
    const a1 = await sendCsv(doseCsv([
      { p: p1!, id: `A1-${p1!.cccd}` },
      { p: { name: `Không Có Số ${fa}`, birthDate: '1970-01-01', gender: 'male' }, id: `A2-${fa}` },
      { p: { ...sci!, cccd: '4,63241E+11' }, id: `A3-${sci!.cccd}` },
      { p: { name: 'Đỗ Văn Bình', birthDate: '1990-01-01', gender: 'male', cccd: `999090${sci!.cccd.slice(-6)}` }, id: `A4-${fa}` },
      { p: { ...dob!, birthDate: '1985-08-08' }, id: `A5-${dob!.cccd}` },
      { p: q1!, id: `A6-${q1!.cccd}` },
    ]), keyA);
    uploads.a1 = a1.submissionId;
    await settle(a1, fa, 'csv');
    const b1 = await sendCsv(doseCsv([
      { p: { ...p1!, birthDate: '1990-12-05' }, id: `B1-${p1!.cccd}` },
      { p: { ...q1!, birthDate: '1985-03-02' }, id: `B2-${q1!.cccd}` },
      { p: { ...p2!, cccd: '0011' }, id: `B3-${p2!.cccd}` },
      { p: p2!, id: `B4-${p2!.cccd}` },
    ]), keyB, true);
    uploads.b1 = b1.submissionId;
    await settle(b1, fb, 'csv');
    const c1 = await sendCsv(doseCsv([{ p: { name: 'Vũ Thị Lan', birthDate: '2001-01-01', gender: 'female', cccd: '123' }, id: `C1-${fc}` }]), keyC);
    uploads.c1 = c1.submissionId;
    await settle(c1, fc, 'csv');
    // Claim XML: one episode the EHR refuses (503 on every attempt → failed), one with a broken SO_CCCD (rejected).
    ehr.mode = '503';
    const seed = Math.floor(Math.random() * 1e9);
    const x1 = await sendXml(fa, keyA, [xml1Document(makeXml1(fa, `LK-FAIL-${fa}-${seed}`, seed)), xml1Document(makeXml1(fa, `LK-BAD-${fa}-${seed}`, seed + 1, { SO_CCCD: '04612345' }))]);
    uploads.x1 = x1.submissionId;
    await settle(x1, fa, 'qd130');
    ehr.mode = 'up';
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await ehr?.close();
  });

  it('the seeds are what the filters are checked against: several categories, statuses and formats', () => {
    const of = (f: string) => expected.filter((e) => e.facility === f).map((e) => `${e.status}:${e.category}`);
    expect(of(fa)).toEqual(['linked:', 'rejected:CCCD_MISSING', 'rejected:CCCD_FORMAT', 'rejected:CCCD_PROVINCE_UNKNOWN', 'rejected:CCCD_DOB_MISMATCH', 'linked:', 'failed:LINK_FAILED', 'rejected:CCCD_FORMAT']);
    expect(of(fb)).toEqual(['held:SOURCE_CONFLICT', 'held:SOURCE_CONFLICT', 'rejected:CCCD_FORMAT', 'linked:']);
    expect(of(fc)).toEqual(['rejected:CCCD_FORMAT']);
  });

  it('filters by facility, category, group, status, format and period return exactly the expected records', async () => {
    const cases: Array<[Record<string, string>, (e: Expected) => boolean]> = [
      [{ facility: fa }, (e) => e.facility === fa],
      [{ facility: fb }, (e) => e.facility === fb],
      [{ facility: fa, category: 'CCCD_FORMAT' }, (e) => e.facility === fa && e.category === 'CCCD_FORMAT'],
      [{ facility: fa, group: 'malformed-id' }, (e) => e.facility === fa && ['CCCD_FORMAT', 'CCCD_PROVINCE_UNKNOWN'].includes(e.category)],
      [{ facility: fa, group: 'no-id' }, (e) => e.facility === fa && e.category === 'CCCD_MISSING'],
      [{ facility: fa, group: 'verification-mismatch' }, (e) => e.facility === fa && e.category === 'CCCD_DOB_MISMATCH'],
      [{ facility: fa, group: 'other' }, (e) => e.facility === fa && e.category === 'LINK_FAILED'],
      [{ facility: fa, status: 'failed' }, (e) => e.facility === fa && e.status === 'failed'],
      [{ facility: fb, status: 'held' }, (e) => e.facility === fb && e.status === 'held'],
      [{ facility: fb, status: 'rejected,failed' }, (e) => e.facility === fb && e.status === 'rejected'],
      [{ facility: fa, format: 'qd130' }, (e) => e.facility === fa && e.format === 'qd130'],
      [{ facility: fa, kind: 'immunization' }, (e) => e.facility === fa && e.format === 'csv'],
      [{ facility: fa, from: vnToday(), to: vnToday() }, (e) => e.facility === fa],
      [{ facility: fa, from: new Date(Date.now() + 31 * 3600_000).toISOString().slice(0, 10) }, () => false],
      [{ facility: fa, to: new Date(Date.now() - 17 * 3600_000).toISOString().slice(0, 10) }, () => false],
    ];
    for (const [query, pred] of cases) expect([query, keysOf(await allErrors(adminKey, query))]).toEqual([query, expectedKeys(pred)]);
  });

  it('area filters use the facility\'s area on the arrival day, former codes included', async () => {
    const mine = new Set(expected.map((e) => e.key));
    const inProvince = async (province: string) => keysOf((await allErrors(adminKey, { province, from: vnToday() })).filter((i) => mine.has(i.recordKey)));
    expect(await inProvince('46')).toEqual(expectedKeys((e) => e.facility === fa || e.facility === fc));
    expect(await inProvince('48')).toEqual(expectedKeys((e) => e.facility === fb));
    const [row] = await allErrors(adminKey, { facility: fc });
    expect(row).toMatchObject({ facility: fc, facilityArea: { province: '46', district: '464' } });
  });

  it('each row: position, key fields from the sealed facts, the last error of a failed record; newest first across pages', async () => {
    const all = await allErrors(adminKey, { facility: fa });
    const paged = await allErrors(adminKey, { facility: fa }, '2');
    expect(paged.map((i) => i.id)).toEqual(all.map((i) => i.id));
    const order = [...all].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id - a.id);
    expect(all.map((i) => i.id)).toEqual(order.map((i) => i.id));
    const sci = all.find((i) => i.recordKey === expected[2]!.key)!;
    expect(sci).toMatchObject({
      submissionId: uploads.a1, seq: 3, position: { row: 3 }, format: 'csv', kind: 'immunization', status: 'rejected', category: 'CCCD_FORMAT', group: 'malformed-id',
      patient: { name: people.sci!.name, birthDate: people.sci!.birthDate, SO_CCCD: '4,63241E+11' }, lastError: null,
    });
    expect(sci.issues).toEqual([expect.objectContaining({ category: 'CCCD_FORMAT', field: 'row 3, column patient.cccd' })]);
    const failed = all.find((i) => i.status === 'failed')!;
    expect(failed).toMatchObject({ format: 'qd130', position: null, category: 'LINK_FAILED', lastError: expect.stringContaining('EHR 503'), patient: null });
  });

  it('a facility key sees only its own facility, whatever it asks; parameters are checked', async () => {
    const own = keysOf(await allErrors(adminKey, { facility: fa }));
    expect(keysOf(await allErrors(keyA, { facility: fb }))).toEqual(own);
    expect(keysOf(await allErrors(keyB, {}))).toEqual(keysOf(await allErrors(adminKey, { facility: fb })));
    for (const [query, name] of [[{ group: 'x' }, 'group'], [{ limit: '501' }, 'limit'], [{ after: 'nope' }, 'after'], [{ sort: 'asc' }, 'sort'], [{ from: '2026-02-30' }, 'from']] as const) {
      const res = await get('/api/errors', adminKey, query);
      expect([res.status, res.body.issue[0].expression]).toEqual([400, [name]]);
    }
    expect((await get('/api/errors', await gw.key('portal'))).status).toBe(403);
  });

  it('CSV export: BOM, Vietnamese headers, one line per record; the cap is stated', async () => {
    const res = await get('/api/errors/export', adminKey, { format: 'csv', facility: fa }).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    const text = (res.body as Buffer).toString('utf8');
    expect(text.startsWith('\uFEFFSTT,Mã CSKCB,Mã liên kết (MA_LK),')).toBe(true);
    for (const h of ['Ngày nhận', 'Trạng thái', 'Nhóm lỗi', 'Mã lỗi', 'Trường', 'Mô tả lỗi', 'Họ tên', 'Ngày sinh', 'Số CCCD']) expect(text.split('\r\n')[0]).toContain(h);
    const n = expectedKeys((e) => e.facility === fa).length;
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(n + 1);
    expect(res.headers).toMatchObject({ 'x-record-count': String(n), 'x-export-cap': '100000', 'x-export-truncated': 'false' });
    expect(text).toContain(`${people.sci!.name},${people.sci!.birthDate},"4,63241E+11"`);
    const cut = await get('/api/errors/export', adminKey, { format: 'csv', facility: fa, limit: '2' }).buffer(true).parse(binary);
    expect(cut.headers).toMatchObject({ 'x-record-count': '2', 'x-export-truncated': 'true' });
    expect((cut.body as Buffer).toString('utf8')).toMatch(/Chỉ xuất 2 dòng đầu tiên/);
    expect((await get('/api/errors/export', adminKey, { format: 'pdf' })).body.issue[0].expression).toEqual(['format']);
  });

  it('XLSX export read back with exceljs: headers, the same rows as the list, IDs typed as text', async () => {
    const res = await get('/api/errors/export', keyB, { format: 'xlsx', facility: fa }).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('Danh sach loi')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['STT', 'Mã CSKCB', 'Mã liên kết (MA_LK)']);
    const col = (h: string) => header.indexOf(h) + 1;
    const list = await allErrors(keyB, {});
    expect(sheet.actualRowCount).toBe(list.length + 1);
    list.forEach((item, i) => {
      const row = sheet.getRow(i + 2);
      expect([row.getCell(col('STT')).value, row.getCell(col('Mã CSKCB')).value, row.getCell(col('Mã liên kết (MA_LK)')).value, row.getCell(col('Mã lỗi')).value])
        .toEqual([i + 1, fb, item.recordKey, item.category]);
    });
    const conflict = list.findIndex((i) => i.status === 'held');
    const cccd = sheet.getRow(conflict + 2).getCell(col('Số CCCD'));
    expect(typeof cccd.value).toBe('string');
    expect(cccd.numFmt).toBe('@');
    expect(sheet.getRow(conflict + 2).getCell(col('Trạng thái')).value).toBe('Chờ xem xét');
    expect(workbook.getWorksheet('Thong tin')!.getRow(4).getCell(2).value).toMatch(/^100000 dòng/);
  });

  it('upload history: each upload with counts by status that add up; a facility key sees its own', async () => {
    const history = (await get('/api/submissions', adminKey, { facility: fa, from: vnToday() })).body.items as Array<{ id: string; recordCount: number; counts: Record<string, number>; format: string; byteSize: number }>;
    expect(history.map((h) => h.id)).toEqual([uploads.x1, uploads.a1]);
    for (const h of history) {
      const mine = expected.filter((e) => e.submissionId === h.id);
      expect(h.recordCount).toBe(mine.length);
      expect(h.counts).toEqual({
        linked: mine.filter((e) => e.status === 'linked').length, rejected: mine.filter((e) => e.status === 'rejected').length,
        held: mine.filter((e) => e.status === 'held').length, failed: mine.filter((e) => e.status === 'failed').length, pending: 0,
      });
      expect(Object.values(h.counts).reduce((a, b) => a + b, 0)).toBe(h.recordCount);
      expect(h.byteSize).toBeGreaterThan(0);
    }
    const asB = (await get('/api/submissions', keyB, { facility: fa })).body.items as Array<{ facility: string }>;
    expect(asB.length).toBeGreaterThan(0);
    expect(asB.every((s) => s.facility === fb)).toBe(true);
    expect((await get(`/api/submissions/${uploads.a1}/errors`, keyB)).status).toBe(403);
  });

  it('the CSV error file: original header and failing rows + LOI; corrected and sent again, the row links', async () => {
    const res = await get(`/api/submissions/${uploads.a1}/errors`, keyA).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const text = (res.body as Buffer).toString('utf8');
    const lines = text.split('\r\n');
    const sent = doseCsv([]).split('\r\n')[0];
    expect(lines[0]).toBe(`\uFEFF${sent},LOI`);
    expect(lines.filter(Boolean)).toHaveLength(5);
    expect(lines[2]).toMatch(new RegExp(`^"4,63241E\\+11",${people.sci!.name},.*,A3-${people.sci!.cccd},.*,"row 3, column patient\\.cccd: .*scientific notation`));
    const all = (await get(`/api/submissions/${uploads.a1}/errors`, keyA, { rows: 'all' }).buffer(true).parse(binary)).body.toString('utf8');
    expect(all.split('\r\n').filter(Boolean)).toHaveLength(7);

    const fixed = text.replace('"4,63241E+11"', people.sci!.cccd);
    const again = await sendCsv(fixed, keyA);
    expect(again.records.map((r) => r.status)).toEqual(['rejected', 'accepted', 'rejected', 'rejected']);
    await waitForStatus(gw.pool, `A3-${people.sci!.cccd}`, ['linked']);

    const gz = (await get(`/api/submissions/${uploads.b1}/errors`, keyB).buffer(true).parse(binary)).body.toString('utf8');
    expect(gz.split('\r\n').filter(Boolean)).toHaveLength(4);
    const xml = (await get(`/api/submissions/${uploads.x1}/errors`, adminKey).buffer(true).parse(binary)).body.toString('utf8');
    expect(xml.split('\r\n')[0]).toBe('\uFEFFSTT,MA_CSKCB,MA_LK,TRANG_THAI,MA_LOI,HO_TEN,NGAY_SINH,SO_CCCD,LOI');
    expect(xml).toMatch(/\r\n1,\d{5},LK-FAIL-[^,]+,failed,LINK_FAILED,,,,EHR: EHR 503/);
    expect(xml).toMatch(/\r\n2,\d{5},LK-BAD-[^,]+,rejected,CCCD_FORMAT,.+,04612345,XML1\.SO_CCCD: /);
  });

  it('an upload whose raw bytes were archived answers 410 with a clear message', async () => {
    const small = await sendCsv(doseCsv([{ p: { name: 'Mai Văn Hùng', birthDate: '1950-01-01', gender: 'male', cccd: '77' }, id: `B9-${fb}` }]), keyB);
    await gw.pool.query(`UPDATE submissions SET archived_at = now(), archive_file = 'test.bin' WHERE id = $1`, [small.submissionId]);
    await gw.pool.query('DELETE FROM submission_chunks WHERE submission_id = $1', [small.submissionId]);
    const res = await get(`/api/submissions/${small.submissionId}/errors`, keyB);
    expect(res.status).toBe(410);
    expect(res.body.issue[0].diagnostics).toMatch(/archived on \d{4}-\d{2}-\d{2} \(RAW_RETENTION_DAYS\)/);
  });

  it('bulk re-run: failed by facility and category re-queued; held records of one facility decided again, as the statistics show', async () => {
    const rerun = (body: unknown) => request(gw.url).post('/api/records/rerun').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
    for (const [body, name] of [[{ status: 'held' }, 'all'], [{ status: 'x', facility: fa }, 'status'], [{ facility: fa, from: '2026-13-01' }, 'from'], [{ province: '4' }, 'province'], [{ category: 'X', facility: fa }, 'category'], [{ all: true, province: '46' }, 'all']] as const) {
      const res = await rerun(body);
      expect([res.status, res.body.issue[0].expression]).toEqual([400, [name]]);
    }
    const failed = expected.find((e) => e.status === 'failed')!;
    const requeued = await rerun({ facility: fa, category: 'LINK_FAILED', from: vnToday() });
    expect([requeued.status, requeued.body]).toEqual([202, { requeued: 1 }]);
    await waitForStatus(gw.pool, failed.key, ['linked']);

    // P1's own facility sends the birth date B gave: held too, the reviewer accepts it, and the person now has B's birth date.
    const p1 = people.p1!;
    const [own] = (await sendCsv(doseCsv([{ p: { ...p1, birthDate: '1990-12-05' }, id: `A7-${p1.cccd}` }]), keyA)).records;
    expect(own).toMatchObject({ status: 'held', issues: [{ category: 'SOURCE_CONFLICT' }] });
    const held = await recordByKey(gw.pool, own!.key);
    const item = (await get(`/api/review/${held.id}`, adminKey)).body;
    const accept = await request(gw.url).post(`/api/review/${held.id}/accept`).set('Authorization', `Bearer ${adminKey}`).set('Content-Type', 'application/json')
      .send(JSON.stringify({ personId: item.candidates[0].personId }));
    expect(accept.body.status).toBe('accepted');
    await waitForStatus(gw.pool, own!.key, ['linked']);

    const statsOf = async () => (await get('/api/stats/facilities', adminKey, { facility: fb })).body.facilities.find((f: { facility: string }) => f.facility === fb);
    const before = await statsOf();
    const decided = await rerun({ status: 'held', facility: fb });
    expect([decided.status, decided.body]).toEqual([202, { requeued: 0, decided: { accepted: 1, held: 1, rejected: 0, unverified: 0, skipped: 0 } }]);
    const [b1, b2] = expected.filter((e) => e.facility === fb);
    await waitForStatus(gw.pool, b1!.key, ['linked']);
    expect((await recordByKey(gw.pool, b2!.key)).status).toBe('held');
    const after = await statsOf();
    expect([after.held, after.linked, after.received]).toEqual([before.held - 1, before.linked + 1, before.received]);
    expect(keysOf(await allErrors(adminKey, { facility: fb, status: 'held' }))).toEqual([b2!.key]);
  });
});
