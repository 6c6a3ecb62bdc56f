import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, startTestGateway, waitFor } from '../helpers/gateway.js';

const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
/** Random per run: the dev database may hold earlier runs' patients. */
const SEED = Math.floor(Math.random() * 1e9);

describe('CSV in: POST /ingest/csv?kind=… → linked FHIR resources (HTTP, real PostgreSQL + Redis)', () => {
  let gw: Gateway;
  let facility: string, facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facility, facilityKey, adminKey, portalKey } = await startGatewayWithKeys()));
  afterAll(async () => gw?.stop());

  // The person of a claim-XML episode, written again as immunization rows (the facility comes from the key).
  const xml1 = () => makeXml1(facility, `LK-CSV-${facility}`, SEED + 1);
  const isoDate = (his: string) => `${his.slice(0, 4)}-${his.slice(4, 6)}-${his.slice(6, 8)}`;
  const immunizationCsv = (p: ReturnType<typeof makeXml1>) => [
    '\uFEFFsep=;',
    'patient_cccd;patient_name;patient_birth_date;patient_gender;vaccine_national_code;vaccine_name;occurrence;dose_number;lot_number;note',
    `${p.SO_CCCD};${p.HO_TEN};${isoDate(p.NGAY_SINH!)};${p.GIOI_TINH};53;Viêm gan B;2025-03-01;1;HB-1;`,
    `${p.SO_CCCD};${p.HO_TEN};${isoDate(p.NGAY_SINH!)};${p.GIOI_TINH};211;Td;2025-04-01T09:30;2;TD-2;"tiêm tại trạm\r\nxã Phú Lộc"`,
    `4,63241E+11;Phạm Văn An;2024-02-11;nam;3;Quinvaxem;2024-04-12;1;QV-1;`,
    '',
  ].join('\r\n');

  const submitCsv = (csv: string, kind = 'immunization', key = facilityKey) =>
    request(gw.url).post('/ingest/csv').query({ kind }).set('Authorization', `Bearer ${key}`).set('Content-Type', 'text/csv; charset=utf-8').send(csv);
  const fhir = (path: string, query: Record<string, string>) => request(gw.url).get(`/fhir/${path}`).query(query).set('Authorization', `Bearer ${portalKey}`);
  const waitSettled = (id: string, n: number) =>
    waitFor(async () => {
      const res = await request(gw.url).get(`/api/submissions/${id}`).set('Authorization', `Bearer ${adminKey}`);
      return res.body.counts.linked + res.body.counts.failed + res.body.counts.rejected === n ? res.body : undefined;
    }, 20_000, `submission ${id} to settle`);

  it('accepts the good rows, rejects the Excel-damaged one naming row and column, and links the doses to the person', async () => {
    const person = xml1();
    const res = await submitCsv(immunizationCsv(person));
    expect(res.status).toBe(202);
    expect(res.body.facility).toBe(facility);
    expect(res.body.records.map((r: { status: string; position: unknown }) => [r.status, r.position])).toEqual([
      ['accepted', { row: 1, line: 3 }], ['accepted', { row: 2, line: 4 }], ['rejected', { row: 3, line: 6 }],
    ]);
    expect(res.body.records[2].issues).toEqual([expect.objectContaining({ category: 'CCCD_FORMAT', field: 'row 3, column patient.cccd', message: expect.stringMatching(/scientific notation/) })]);

    const view = await waitSettled(res.body.submissionId, 3);
    expect(view.counts).toMatchObject({ linked: 2, rejected: 1, failed: 0 });
    const patients = await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${person.SO_CCCD}` });
    expect(patients.body.total).toBe(1);
    const patientId = patients.body.entry[0].resource.id;
    const doses = await fhir('Immunization', { patient: `Patient/${patientId}` });
    expect(doses.status).toBe(200);
    const byDate = doses.body.entry.map((e: { resource: Record<string, unknown> }) => e.resource)
      .sort((a: { occurrenceDateTime: string }, b: { occurrenceDateTime: string }) => a.occurrenceDateTime.localeCompare(b.occurrenceDateTime));
    expect(byDate.map((d: { occurrenceDateTime: string; lotNumber: string }) => [d.occurrenceDateTime, d.lotNumber])).toEqual([
      ['2025-03-01', 'HB-1'], ['2025-04-01T09:30:00+07:00', 'TD-2'],
    ]);
    expect(byDate[0].vaccineCode.coding[0]).toEqual({ system: 'http://hl7.org/fhir/sid/cvx', code: '08' });
    expect(byDate[1].note).toEqual([{ text: 'tiêm tại trạm\r\nxã Phú Lộc' }]);
  });

  it('a resend of the same file lands on the same records and resources', async () => {
    const person = xml1();
    const res = await submitCsv(immunizationCsv(person));
    expect(res.status).toBe(202);
    await waitSettled(res.body.submissionId, 3);
    const patients = await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${person.SO_CCCD}` });
    const doses = await fhir('Immunization', { patient: `Patient/${patients.body.entry[0].resource.id}` });
    expect(doses.body.total).toBe(2);
  });

  it('the same person sent as claim XML and as CSV is one Patient', async () => {
    const person = xml1();
    const xml = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, [[['XML1', xml1Document(person)]]]));
    expect(xml.status).toBe(202);
    await waitSettled(xml.body.submissionId, 1);
    const patients = await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${person.SO_CCCD}` });
    expect(patients.body.total).toBe(1);
    const patientId = patients.body.entry[0].resource.id;
    expect((await fhir('Encounter', { patient: `Patient/${patientId}` })).body.total).toBe(1);
    expect((await fhir('Immunization', { patient: `Patient/${patientId}` })).body.total).toBe(2);
  });

  it('reads encounter files, and refuses a request without a known kind or with the wrong content type', async () => {
    const person = makeXml1(facility, 'unused', SEED + 2);
    const csv = `encounter_identifier,patient_cccd,patient_name,patient_birth_date,patient_gender,encounter_type,period_start,period_end,diagnosis_main\n`
      + `KB-CSV-${SEED},${person.SO_CCCD},${person.HO_TEN},${isoDate(person.NGAY_SINH!)},${person.GIOI_TINH},01,2025-03-02T07:45,2025-03-02T10:10,J03.9\n`;
    const res = await submitCsv(csv, 'encounter');
    expect(res.status).toBe(202);
    expect(res.body.records).toEqual([{ key: `KB-CSV-${SEED}`, status: 'accepted', issues: [], position: { row: 1, line: 2 } }]);

    const noKind = await request(gw.url).post('/ingest/csv').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'text/csv').send(csv);
    expect(noKind.status).toBe(400);
    expect(noKind.body.issue[0]).toMatchObject({ expression: ['kind'], diagnostics: expect.stringMatching(/kind is missing/) });
    expect((await submitCsv(csv, 'lab')).status).toBe(400);
    const json = await request(gw.url).post('/ingest/csv').query({ kind: 'encounter' }).set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/json').send('{}');
    expect(json.status).toBe(415);
    const broken = await submitCsv('encounter_identifier,patient_cccd\nKB-1,"never closed\n', 'encounter');
    expect(broken.status).toBe(400);
    expect(broken.body.issue[0].expression).toEqual(['line 2']);
  });

  it('column profiles: an administrator stores one, a facility sends its own layout with ?profile=', async () => {
    const name = `tram-${facility}`;
    const profile = {
      kind: 'immunization',
      columns: { 'Số CCCD': 'patient.cccd', 'Họ và tên': 'patient.name', 'Ngày sinh': 'patient.birthDate', 'Giới tính': 'patient.gender',
        'Mã vắc xin': 'immunization.vaccineCode.national', 'Ngày tiêm': 'immunization.occurrence', 'Mũi': 'immunization.doseNumber' },
      datePatterns: ['d/M/yyyy'],
      skipLines: 1,
      values: { 'patient.gender': { trai: 'male', 'gái': 'female' } },
    };
    const put = (body: unknown, key = adminKey) => request(gw.url).put(`/api/csv-profiles/${name}`).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
    expect((await put(profile)).status).toBe(201);
    expect((await put(profile)).status).toBe(200);
    expect((await put(profile, facilityKey)).status).toBe(403);
    const bad = await put({ ...profile, columns: { X: 'encounter.class' } });
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toEqual(['columns.x']);
    const read = await request(gw.url).get(`/api/csv-profiles/${name}`).set('Authorization', `Bearer ${adminKey}`);
    expect(read.body.profile.columns['số cccd']).toBe('patient.cccd');

    const p = makeXml1(facility, 'unused', SEED + 3);
    const [y, m, d] = [p.NGAY_SINH!.slice(0, 4), Number(p.NGAY_SINH!.slice(4, 6)), Number(p.NGAY_SINH!.slice(6, 8))];
    const csv = `Báo cáo tháng 3\nSố CCCD;Họ và tên;Ngày sinh;Giới tính;Mã vắc xin;Ngày tiêm;Mũi\n${p.SO_CCCD};${p.HO_TEN};${d}/${m}/${y};${p.GIOI_TINH === '1' ? 'Trai' : 'Gái'};6;5/3/2026;1\n`;
    const res = await request(gw.url).post('/ingest/csv').query({ profile: name }).set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'text/csv').send(csv);
    expect(res.status).toBe(202);
    expect(res.body.records).toEqual([expect.objectContaining({ status: 'accepted', issues: [], position: { row: 1, line: 3 } })]);
    const unknown = await request(gw.url).post('/ingest/csv').query({ profile: 'nobody-stored-this' }).set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'text/csv').send(csv);
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0].expression).toEqual(['profile']);
  });
});
