/**
 * The cleaning round trip ("làm sạch") through HTTP with real PostgreSQL + Redis: records rejected
 * for a registry mismatch are listed per commune as XLSX (and CSV); the commune police fill the
 * list (confirmed, corrected, not found, in an XLSX edited with exceljs as a spreadsheet program
 * would); importing it links the confirmed and corrected records, keeps the not-found one held
 * with the reason, and every step is counted per commune.
 */
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayWithKeys, startTestGateway } from '../helpers/gateway.js';
import { citizen, doseCsv, recordByKey, registerCitizens, waitForStatus } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Read an XLSX download (supertest buffers binary bodies with this parser). */
function binary(res: request.Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('cleaning round trip: list per commune → police answers → linked (HTTP, VERIFICATION=registry)', () => {
  let gw: Gateway;
  let facilityKey: string, adminKey: string;
  const commune = String(10_000 + Math.floor(Math.random() * 89_999));
  beforeAll(async () => ({ gw, facilityKey, adminKey } = await startGatewayWithKeys({ VERIFICATION: 'registry' })));
  afterAll(async () => gw?.stop());

  it('exports the mismatches of a commune, imports the police list, links what was confirmed or corrected and counts every step', async () => {
    const confirmed = citizen('Trương Thị Yến', '1993-02-14', 'female');
    const corrected = citizen('Huỳnh Văn Lộc', '1987-12-01', 'male');
    const notFound = citizen('Mai Văn Tâm', '1979-04-30', 'male');
    // The registry extract is stale for the first (police confirm the record), the facility typed the second's birth date wrong.
    await registerCitizens(gw.pool, [{ ...confirmed, birthDate: '1993-02-15' }, corrected, { ...notFound, name: 'Mai Văn Tài' }]);
    const area = { patient_commune_code: commune, patient_province_code: '51' };
    const sent = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'text/csv; charset=utf-8').send(doseCsv([
        { p: confirmed, id: `C1-${confirmed.cccd}`, extra: area },
        { p: { ...corrected, birthDate: '1987-01-12' }, id: `C2-${corrected.cccd}`, extra: area },
        { p: notFound, id: `C3-${notFound.cccd}`, extra: area },
      ]));
    expect(sent.body.records.map((r: { issues: Array<{ category: string }> }) => r.issues[0]?.category)).toEqual(['VERIFICATION_MISMATCH', 'VERIFICATION_MISMATCH', 'VERIFICATION_MISMATCH']);
    const keys = sent.body.records.map((r: { key: string }) => r.key) as string[];

    const csv = await request(gw.url).get('/api/cleaning/list').query({ commune, format: 'csv' }).set('Authorization', `Bearer ${adminKey}`);
    expect(csv.status).toBe(200);
    expect(csv.text.split('\r\n').filter((l) => /^R\d+/.test(l.replace(/^\uFEFF/, '')))).toHaveLength(3);

    const list = await request(gw.url).get('/api/cleaning/list').query({ commune, format: 'xlsx' }).set('Authorization', `Bearer ${adminKey}`).buffer(true).parse(binary);
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toContain(XLSX);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(list.body as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const col = (name: string) => header.indexOf(name);
    const byCccd = new Map<string, ExcelJS.Row>();
    sheet.eachRow((row, n) => { if (n > 1) byCccd.set(String(row.getCell(col('SO_CCCD')).value), row); });
    expect([...byCccd.keys()].sort()).toEqual([confirmed.cccd, corrected.cccd, notFound.cccd].sort());
    byCccd.get(confirmed.cccd)!.getCell(col('KET_QUA')).value = 'Đúng';
    const fix = byCccd.get(corrected.cccd)!;
    fix.getCell(col('KET_QUA')).value = 'Sửa';
    fix.getCell(col('NGAY_SINH_DUNG')).value = '01/12/1987';
    byCccd.get(notFound.cccd)!.getCell(col('KET_QUA')).value = 'Không tìm thấy';
    const returned = Buffer.from(await book.xlsx.writeBuffer());

    const imported = await request(gw.url).post('/api/cleaning/return').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', XLSX).send(returned);
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ rows: 3, confirmed: 1, corrected: 1, notFound: 1, linked: 2, stillHeld: 1, problems: [] });
    await waitForStatus(gw.pool, keys[0]!, ['linked']);
    const fixed = await waitForStatus(gw.pool, keys[1]!, ['linked']);
    expect(fixed.personId).toBeTruthy();
    const left = await recordByKey(gw.pool, keys[2]!);
    expect(left).toMatchObject({ status: 'rejected', category: 'REGISTRY_NOT_FOUND' });
    expect(left.issues[0]!.message).toMatch(/commune police/);

    const stats = (await request(gw.url).get('/api/cleaning/stats').query({ by: 'commune' }).set('Authorization', `Bearer ${adminKey}`)).body;
    expect(stats.areas.find((a: { area: string }) => a.area === commune)).toMatchObject({ listed: 3, confirmed: 1, corrected: 1, not_found: 1, linked: 2, still_held: 1, remaining: 1 });
    // The same list again: only what still waits is on it.
    const again = await request(gw.url).get('/api/cleaning/list').query({ commune, format: 'csv' }).set('Authorization', `Bearer ${adminKey}`);
    expect(again.headers['x-record-count']).toBe('1');
  });
});
