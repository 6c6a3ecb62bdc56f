/**
 * HL7 v2 over HTTP (`POST /ingest/hl7v2`) end to end, real PostgreSQL + Redis: ACKs per message
 * after commit, A01 + A08 of one visit → one Encounter, VXU with 2 RXA → 2 Immunizations readable by
 * patient, AE with ERR-5 = the category, AR 400 for a body that is not HL7, and one Patient for the
 * same person sent as claim XML and as HL7.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, startTestGateway, waitFor } from '../helpers/gateway.js';

const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';
const ER7 = 'x-application/hl7-v2+er7';
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const SEED = Math.floor(Math.random() * 1e9);

/** A synthetic person (valid CCCD for birth year and sex) as PID fields. */
function person(facility: string, seed: number) {
  const x = makeXml1(facility, `P-${seed}`, seed);
  const [family, ...rest] = x.HO_TEN!.split(' ');
  return { x, cccd: x.SO_CCCD!, pid: (cccd = x.SO_CCCD!) => `PID|1||${cccd}^^^BCA^NI~BN${seed}^^^${facility}^MR||${family}^${rest.join(' ')}||${x.NGAY_SINH!.slice(0, 8)}|${x.GIOI_TINH === '2' ? 'F' : 'M'}` };
}
const msh = (facility: string, control: string, type: string) => `MSH|^~\\&|HIS|${facility}|GATEWAY|SYT|20260115083000||${type}|${control}|P|2.5.1`;
const pv1 = (visit: string, cls: string, admit: string, discharge = '') => `PV1|1|${cls}${'|'.repeat(17)}${visit}${'|'.repeat(25)}${admit}|${discharge}`;
const body = (...segments: string[]) => `${segments.join('\r')}\r`;

/** ACK segments of an answer, each split into fields. */
const segmentsOf = (text: string) => text.split('\r').filter(Boolean).map((s) => s.split('|'));
const msaOf = (text: string) => segmentsOf(text).filter((s) => s[0] === 'MSA').map((s) => [s[1], s[2]]);

describe('HL7 v2 over HTTP (real PostgreSQL + Redis)', () => {
  let gw: Gateway;
  let facility: string, facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facility, facilityKey, adminKey, portalKey } = await startGatewayWithKeys()));
  afterAll(async () => gw?.stop());

  const send = (text: string, type = ER7) => request(gw.url).post('/ingest/hl7v2').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', type)
    .buffer(true).parse((res, cb) => { let d = ''; res.setEncoding('utf8'); res.on('data', (c: string) => { d += c; }); res.on('end', () => cb(null, d)); })
    .send(text);
  const settle = (location: string, n: number) => waitFor(async () => {
    const view = (await request(gw.url).get(location).set('Authorization', `Bearer ${adminKey}`)).body;
    return view.counts && view.counts.linked + view.counts.failed + view.counts.rejected === n ? view : undefined;
  }, 20_000, `${location} to settle`);
  const fhir = async (path: string, query: Record<string, string>) =>
    (await request(gw.url).get(`/fhir/${path}`).query(query).set('Authorization', `Bearer ${portalKey}`)).body;
  const patientOf = async (cccd: string) => fhir('Patient', { identifier: `${CCCD_SYSTEM}|${cccd}` });

  it('answers each message with an ACK after commit; an A08 updates the A01\'s Encounter', async () => {
    const p = person(facility, SEED + 1);
    const visit = `V-${SEED}`;
    const a01 = await send(body(msh(facility, `A01-${SEED}`, 'ADT^A01^ADT_A01'), p.pid(), pv1(visit, 'I', '20260115083000'), 'DG1|1||J18.9^Viêm phổi^I10'));
    expect(a01.status).toBe(200);
    expect(a01.headers['content-type']).toMatch(/^x-application\/hl7-v2\+er7/);
    const ack = segmentsOf(a01.body as string);
    expect(ack[0]!.slice(0, 12)).toEqual(['MSH', '^~\\&', 'GATEWAY', 'SYT', 'HIS', facility, expect.stringMatching(/^\d{14}\+0700$/), '', 'ACK^A01^ACK', expect.any(String), 'P', '2.5.1']);
    expect(msaOf(a01.body as string)).toEqual([['AA', `A01-${SEED}`]]);
    await settle(a01.headers.location!, 1);

    const a08 = await send(body(msh(facility, `A08-${SEED}`, 'ADT^A08^ADT_A01'), p.pid(), pv1(visit, 'I', '20260115083000', '20260118093000'), 'DG1|1||J18.9^Viêm phổi^I10', 'DG1|2||I10^Tăng huyết áp^I10'));
    expect(msaOf(a08.body as string)).toEqual([['AA', `A08-${SEED}`]]);
    await settle(a08.headers.location!, 1);

    const patients = await patientOf(p.cccd);
    expect(patients.total).toBe(1);
    const encounters = await fhir('Encounter', { patient: `Patient/${patients.entry[0].resource.id}` });
    expect(encounters.total).toBe(1);
    expect(encounters.entry[0].resource).toMatchObject({
      status: 'finished', class: { code: 'IMP' }, identifier: expect.arrayContaining([expect.objectContaining({ value: visit })]),
      period: { start: '2026-01-15T08:30:00+07:00', end: '2026-01-18T09:30:00+07:00' },
    });
    expect(encounters.entry[0].resource.diagnosis).toHaveLength(2);
  });

  it('links a VXU with 2 RXA as 2 Immunizations readable by patient', async () => {
    const p = person(facility, SEED + 2);
    const res = await send(body(
      msh(facility, `VXU-${SEED}`, 'VXU^V04^VXU_V04'), p.pid(),
      `ORC|RE||IMM-${SEED}-1`, 'RXA|0|1|20260110090000||146^Infanrix Hexa^CVX|0.5|mL||||||||A21CE123B|20270630|||||CP',
      'RXR|IM^Intramuscular^HL70162|LT^Left thigh^HL70163',
      `ORC|RE||IMM-${SEED}-2`, 'RXA|0|1|20260110091500||2^BCG^NIIS|0.1|||||||||BCG-2511|||||||CP',
    ));
    expect(msaOf(res.body as string)).toEqual([['AA', `VXU-${SEED}`]]);
    await settle(res.headers.location!, 1);
    const patient = (await patientOf(p.cccd)).entry[0].resource;
    const doses = await fhir('Immunization', { patient: `Patient/${patient.id}` });
    expect(doses.total).toBe(2);
    const codes = doses.entry.map((e: { resource: { vaccineCode: { coding: Array<{ code: string }> } } }) => e.resource.vaccineCode.coding[0]!.code).sort();
    expect(codes).toEqual(['146', '19']);
  });

  it('answers AE with one ERR per issue (ERR-2 location, ERR-3 table 0357, ERR-5 category); another facility\'s MSH-4 is refused', async () => {
    const p = person(facility, SEED + 3);
    const other = facility === '46999' ? '46998' : '46999';
    const res = await send(body(
      msh(facility, `BAD-${SEED}`, 'ADT^A04'), p.pid(`${p.cccd.slice(0, 11)}X`), pv1(`V3-${SEED}`, 'O', '20260115'),
      msh(other, `OTHER-${SEED}`, 'ADT^A04'), p.pid(), pv1(`V4-${SEED}`, 'O', '20260115'),
    ));
    expect(res.status).toBe(200);
    expect(msaOf(res.body as string)).toEqual([['AE', `BAD-${SEED}`], ['AE', `OTHER-${SEED}`]]);
    const errs = segmentsOf(res.body as string).filter((s) => s[0] === 'ERR');
    expect(errs[0]!.slice(2, 6)).toEqual(['PID^1^3', '102^Data type error^HL70357', 'E', 'CCCD_FORMAT']);
    expect(errs[0]![8]).toBeTruthy();
    expect(errs[1]!.slice(2, 6)).toEqual(['MSH^1^4', '207^Application internal error^HL70357', 'E', 'FACILITY_MISMATCH']);
    const view = await settle(res.headers.location!, 2);
    expect(view.counts.rejected).toBe(2);
  });

  it('answers a body that is not HL7 with 400 and one AR ACK, and stores nothing', async () => {
    const before = (await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n;
    const res = await send('{"resourceType":"Patient"}', 'text/plain');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^x-application\/hl7-v2\+er7/);
    expect(msaOf(res.body as string)).toEqual([['AR', '']]);
    expect(segmentsOf(res.body as string).filter((s) => s[0] === 'ERR')[0]![3]).toBe('100^Segment sequence error^HL70357');
    expect((await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n).toBe(before);
  });

  it('keys the same person sent as claim XML and as HL7 to one Patient', async () => {
    const p = person(facility, SEED + 4);
    const xml = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, [[['XML1', xml1Document({ ...p.x, MA_LK: `LK-${SEED}` })]]]));
    expect(xml.status).toBe(202);
    await settle(xml.headers.location!, 1);
    const hl7 = await send(body(msh(facility, `A04-${SEED}`, 'ADT^A04'), p.pid(), pv1(`V5-${SEED}`, 'O', '20260120')));
    expect(msaOf(hl7.body as string)).toEqual([['AA', `A04-${SEED}`]]);
    await settle(hl7.headers.location!, 1);
    const patients = await patientOf(p.cccd);
    expect(patients.total).toBe(1);
    const encounters = await fhir('Encounter', { patient: `Patient/${patients.entry[0].resource.id}` });
    expect(encounters.total).toBe(2);
  });
});
