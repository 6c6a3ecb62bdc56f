/**
 * One person arriving by claim XML, HL7 v2 and CSV ends as one Patient with every encounter and dose,
 * and the statistics count encounters and vaccinations apart, by source format, with an unknown
 * vaccine code counted as a warning (accepted, linked as sent). Real PostgreSQL + Redis, over HTTP.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, startTestGateway, waitFor } from '../helpers/gateway.js';

const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const SEED = Math.floor(Math.random() * 1e9);

describe('one person, three formats (HTTP, real PostgreSQL + Redis)', () => {
  let gw: Gateway;
  let facility: string, facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facility, facilityKey, adminKey, portalKey } = await startGatewayWithKeys()));
  afterAll(async () => gw?.stop());

  const submit = (format: string, type: string, body: string, query: Record<string, string> = {}) =>
    request(gw.url).post(`/ingest/${format}`).query(query).set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', type).send(body);
  const settled = (location: string, n: number) => waitFor(async () => {
    const view = (await request(gw.url).get(location).set('Authorization', `Bearer ${adminKey}`)).body;
    return view.counts && view.counts.linked + view.counts.failed + view.counts.rejected === n ? view : undefined;
  }, 20_000, `${location} to settle`);
  const fhir = async (path: string, query: Record<string, string>) =>
    (await request(gw.url).get(`/fhir/${path}`).query(query).set('Authorization', `Bearer ${portalKey}`)).body;
  const stats = async (query: Record<string, string> = {}) =>
    (await request(gw.url).get('/api/stats/facilities').query({ facility, ...query }).set('Authorization', `Bearer ${adminKey}`)).body;

  it('claim XML, HL7 v2 VXU and CSV rows of one CCCD → one Patient with its encounter and all doses; statistics by kind and format', async () => {
    const p = makeXml1(facility, `LK-3F-${SEED}`, SEED);
    const [family, ...given] = p.HO_TEN!.split(' ');
    const birth = p.NGAY_SINH!.slice(0, 8);

    const xml = await submit('qd130', 'application/xml', envelope(facility, [[['XML1', xml1Document(p)]]]));
    expect(xml.status).toBe(202);
    await settled(`/api/submissions/${xml.body.submissionId}`, 1);

    const vxu = [
      `MSH|^~\\&|HIS|${facility}|GATEWAY|SYT|20260110093000+0700||VXU^V04^VXU_V04|VXU-3F-${SEED}|P|2.5.1`,
      `PID|1||${p.SO_CCCD}^^^BCA^NI||${family}^${given.join(' ')}||${birth}|${p.GIOI_TINH === '2' ? 'F' : 'M'}`,
      `ORC|RE||IMM-3F-${SEED}^${facility}`,
      'RXA|0|1|20260110090000|20260110090000|146^Infanrix Hexa^CVX|0.5|mL^^UCUM||00^New record^NIP001||||||A21CE123B|20270630||||CP|A',
    ].join('\r');
    const hl7 = await request(gw.url).post('/ingest/hl7v2').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'x-application/hl7-v2+er7').send(`${vxu}\r`);
    expect(hl7.status).toBe(200);
    expect(hl7.text).toMatch(/\rMSA\|AA\|VXU-3F-/);
    await settled(hl7.headers.location!, 1);

    // A VXU without PID is rejected, and still counted as a vaccination record (the message type says so).
    const noPid = await request(gw.url).post('/ingest/hl7v2').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'x-application/hl7-v2+er7')
      .send(`${vxu.split('\r').filter((seg) => !seg.startsWith('PID')).join('\r').replace(`VXU-3F-${SEED}`, `VXU-3F-NOPID-${SEED}`)}\r`);
    expect(noPid.text).toMatch(/\rMSA\|AE\|VXU-3F-NOPID-/);

    const iso = `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`;
    const csv = [
      'patient_cccd,patient_name,patient_birth_date,patient_gender,vaccine_national_code,vaccine_local_code,vaccine_name,occurrence,dose_number',
      `${p.SO_CCCD},${p.HO_TEN},${iso},${p.GIOI_TINH},53,,Viêm gan B,2026-02-01,1`,
      // 9999 is in no national table: accepted with the codes as sent, counted as a warning.
      `${p.SO_CCCD},${p.HO_TEN},${iso},${p.GIOI_TINH},9999,VX-LOCAL-7,Vắc xin thử nghiệm,2026-03-01,1`,
    ].join('\n');
    const rows = await submit('csv', 'text/csv', `${csv}\n`, { kind: 'immunization' });
    expect(rows.status).toBe(202);
    expect(rows.body.records.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    expect(rows.body.records[1].warnings).toEqual([expect.objectContaining({ code: 'UNKNOWN_VACCINE', field: 'row 2, column immunization.vaccineCode', message: expect.stringMatching(/"9999" is not in the NIIS code table/) })]);
    await settled(`/api/submissions/${rows.body.submissionId}`, 2);

    const patients = await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${p.SO_CCCD}` });
    expect(patients.total).toBe(1);
    const subject = `Patient/${patients.entry[0].resource.id}`;
    expect((await fhir('Encounter', { patient: subject })).total).toBe(1);
    const doses = await fhir('Immunization', { patient: subject });
    expect(doses.total).toBe(3);
    const unknown = doses.entry.map((e: { resource: { vaccineCode: { coding: Array<{ system: string; code: string }> } } }) => e.resource)
      .find((d: { vaccineCode: { coding: Array<{ code: string }> } }) => d.vaccineCode.coding.some((c) => c.code === '9999'));
    expect(unknown.vaccineCode.coding.map((c: { system: string }) => c.system.split('/').pop())).toEqual(['niis-vaccine', facility]);

    const { totals, facilities } = await stats();
    expect(facilities).toHaveLength(1);
    expect(totals.received).toBe(5);
    expect(totals.kinds.encounter).toMatchObject({ received: 1, linked: 1, doses: 0 });
    expect(totals.kinds.immunization).toMatchObject({ received: 4, linked: 3, rejected: 1, doses: 3, dosesLinked: 3 });
    expect(totals.kinds.person.received).toBe(0);
    expect(Object.fromEntries(Object.entries(totals.formats).map(([f, c]) => [f, (c as { linked: number }).linked]))).toEqual({ qd130: 1, hl7v2: 1, csv: 2 });
    expect(totals.warnings).toEqual({ UNKNOWN_VACCINE: 1 });

    const onlyDoses = await stats({ kind: 'immunization' });
    expect(onlyDoses.totals).toMatchObject({ received: 4, linked: 3, rejected: 1 });
    expect((await stats({ format: 'csv' })).totals).toMatchObject({ received: 2, doses: 2 });
    const bad = await request(gw.url).get('/api/stats/facilities').query({ kind: 'lab' }).set('Authorization', `Bearer ${adminKey}`);
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toEqual(['kind']);
  });
});
