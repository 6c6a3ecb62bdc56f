/**
 * FHIR R4 Bundles over HTTP (`POST /ingest/fhir`) end to end, real PostgreSQL + Redis: a batch with
 * two good doses and one bad one → 200 batch-response with one OperationOutcome, the good doses
 * linked and found by patient; the same person sent before as claim XML and as CSV stays one
 * Patient; a transaction with an Encounter and its Conditions → transaction-response; bodies that
 * are not a batch or transaction Bundle → 400 OperationOutcome, a text over MAX_TEXT_NODE_KB → 413,
 * nothing stored.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, startTestGateway, waitFor } from '../helpers/gateway.js';

const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';
const FACILITY_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/ma-cskcb';
const FHIR_JSON = 'application/fhir+json';
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
/** Random per run: the dev database may hold earlier runs' patients. */
const SEED = Math.floor(Math.random() * 1e9);

type Person = ReturnType<typeof makeXml1>;
const isoDate = (his: string) => `${his.slice(0, 4)}-${his.slice(4, 6)}-${his.slice(6, 8)}`;
/** The claim-XML person as a FHIR Patient entry. */
const patientEntry = (p: Person, fullUrl: string) => ({
  fullUrl,
  resource: {
    resourceType: 'Patient', identifier: [{ system: CCCD_SYSTEM, value: p.SO_CCCD }], name: [{ text: p.HO_TEN }],
    gender: p.GIOI_TINH === '2' ? 'female' : 'male', birthDate: isoDate(p.NGAY_SINH!),
  },
  request: { method: 'POST', url: 'Patient' },
});
const doseEntry = (patient: string, id: string, national: string, date: string | undefined) => ({
  resource: {
    resourceType: 'Immunization', identifier: [{ value: id }], status: 'completed',
    vaccineCode: { coding: [{ system: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/niis-vaccine', code: national }] },
    patient: { reference: patient }, ...(date ? { occurrenceDateTime: date } : {}), protocolApplied: [{ doseNumberPositiveInt: 1 }],
  },
  request: { method: 'POST', url: 'Immunization' },
});
const bundle = (type: string, entry: unknown[]) => JSON.stringify({ resourceType: 'Bundle', type, entry });

describe('FHIR in: POST /ingest/fhir → batch-response, linked FHIR resources (HTTP, real PostgreSQL + Redis)', () => {
  let gw: Gateway;
  let facility: string, facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facility, facilityKey, adminKey, portalKey } = await startGatewayWithKeys()));
  afterAll(async () => gw?.stop());

  const send = (body: string, type = FHIR_JSON) => request(gw.url).post('/ingest/fhir').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', type).send(body);
  const fhir = async (path: string, query: Record<string, string>) =>
    (await request(gw.url).get(`/fhir/${path}`).query(query).set('Authorization', `Bearer ${portalKey}`)).body;
  const settle = (location: string, n: number) => waitFor(async () => {
    const view = (await request(gw.url).get(location).set('Authorization', `Bearer ${adminKey}`)).body;
    return view.counts && view.counts.linked + view.counts.failed + view.counts.rejected === n ? view : undefined;
  }, 20_000, `${location} to settle`);
  const statuses = (res: request.Response) => res.body.entry.map((e: { response: { status: string } }) => e.response.status);

  it('a batch with two good doses and one bad: 200 batch-response with one OperationOutcome; the person sent before as claim XML and CSV stays one Patient', async () => {
    const person = makeXml1(facility, `LK-FHIR-${SEED}`, SEED + 1);
    const xml = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, [[['XML1', xml1Document(person)]]]));
    expect(xml.status).toBe(202);
    await settle(`/api/submissions/${xml.body.submissionId}`, 1);
    const csv = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'text/csv')
      .send(`patient_cccd,patient_name,patient_birth_date,patient_gender,vaccine_national_code,occurrence,dose_number\n${person.SO_CCCD},${person.HO_TEN},${isoDate(person.NGAY_SINH!)},${person.GIOI_TINH},211,2025-03-01,1\n`);
    expect(csv.status).toBe(202);
    await settle(`/api/submissions/${csv.body.submissionId}`, 1);

    const res = await send(bundle('batch', [
      patientEntry(person, `urn:uuid:00000000-0000-4000-8000-${String(SEED).padStart(12, '0')}`),
      doseEntry(`Patient?identifier=${CCCD_SYSTEM}|${person.SO_CCCD}`, `IMM-${SEED}-1`, '1', '2026-01-10T09:00:00+07:00'),
      doseEntry(`urn:uuid:00000000-0000-4000-8000-${String(SEED).padStart(12, '0')}`, `IMM-${SEED}-2`, '2', '2026-01-10'),
      doseEntry('urn:uuid:00000000-0000-4000-8000-000000000000', `IMM-${SEED}-3`, '3', undefined),
    ]));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
    expect(statuses(res)).toEqual(['201 Created', '201 Created', '201 Created', '422 Unprocessable Entity']);
    const outcomes = res.body.entry.filter((e: { response: { outcome?: unknown } }) => e.response.outcome);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].response.outcome.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual(['Bundle.entry[3].resource.patient', 'Bundle.entry[3].resource.occurrenceDateTime']);

    const view = await settle(res.headers.location!, 3);
    expect(view.counts).toMatchObject({ linked: 2, rejected: 1, failed: 0 });
    const patients = await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${person.SO_CCCD}` });
    expect(patients.total).toBe(1);
    const patientId = patients.entry[0].resource.id;
    expect(res.body.entry[0].response.location).toBe(`Patient/${patientId}`);
    const doses = await fhir('Immunization', { patient: `Patient/${patientId}` });
    expect(doses.total).toBe(3);
    const locations = res.body.entry.slice(1, 3).map((e: { response: { location: string } }) => e.response.location);
    for (const location of locations) expect(doses.entry.map((e: { resource: { id: string } }) => `Immunization/${e.resource.id}`)).toContain(location);
    expect((await fhir('Encounter', { patient: `Patient/${patientId}` })).total).toBe(1);

    // A resend lands on the same records and resources.
    const again = await send(bundle('batch', [patientEntry(person, 'urn:uuid:p'), doseEntry('urn:uuid:p', `IMM-${SEED}-1`, '1', '2026-01-10T09:00:00+07:00')]));
    expect(statuses(again)).toEqual(['201 Created', '201 Created']);
    await settle(again.headers.location!, 1);
    expect((await fhir('Immunization', { patient: `Patient/${patientId}` })).total).toBe(3);
  });

  it('a transaction with an Encounter and its Conditions: transaction-response, one Encounter with its diagnoses; a Patient alone is a person record', async () => {
    const person = makeXml1(facility, 'unused', SEED + 2);
    const alone = makeXml1(facility, 'unused', SEED + 3);
    const res = await send(bundle('transaction', [
      patientEntry(person, 'urn:uuid:p'),
      { fullUrl: 'urn:uuid:o', resource: { resourceType: 'Organization', identifier: [{ system: FACILITY_SYSTEM, value: facility }] }, request: { method: 'POST', url: 'Organization' } },
      {
        fullUrl: 'urn:uuid:e',
        resource: {
          resourceType: 'Encounter', identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/ma-lk', value: `KB-FHIR-${SEED}` }], status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'urn:uuid:p' },
          period: { start: '2026-02-02T07:45:00+07:00', end: '2026-02-02T10:10:00+07:00' }, serviceProvider: { reference: 'urn:uuid:o' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      ...['J03.9', 'R50.9'].map((code) => ({
        resource: { resourceType: 'Condition', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] }, subject: { reference: 'urn:uuid:p' }, encounter: { reference: 'urn:uuid:e' } },
        request: { method: 'POST', url: 'Condition' },
      })),
      patientEntry(alone, 'urn:uuid:alone'),
    ]));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(statuses(res)).toEqual(Array(6).fill('201 Created'));
    await settle(res.headers.location!, 2);
    expect((await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${alone.SO_CCCD}` })).entry[0].resource.id).toBe(res.body.entry[5].response.location.split('/')[1]);
    const patientId = (await fhir('Patient', { identifier: `${CCCD_SYSTEM}|${person.SO_CCCD}` })).entry[0].resource.id;
    const encounters = await fhir('Encounter', { patient: `Patient/${patientId}` });
    expect(encounters.total).toBe(1);
    expect(`Encounter/${encounters.entry[0].resource.id}`).toBe(res.body.entry[2].response.location);
    expect(encounters.entry[0].resource.diagnosis).toHaveLength(2);
    expect((await fhir('Condition', { encounter: `Encounter/${encounters.entry[0].resource.id}` })).total).toBe(2);
  });

  it('answers a body that is not a batch or transaction Bundle with 400 (a text too long: 413) and an OperationOutcome, and stores nothing', async () => {
    const before = (await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n;
    for (const [body, expression] of [['{"resourceType":"Patient"}', 'Bundle.resourceType'], ['{"resourceType":"Bundle","type":"collection"}', 'Bundle.type'], ['{"resourceType":', 'Bundle'], [bundle('batch', []), 'Bundle.entry']] as const) {
      const res = await send(body, 'application/json; charset=utf-8');
      expect(res.status, body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', expression: [expression] }] });
    }
    expect((await send('{}', 'text/plain')).status).toBe(415);
    // A text over MAX_TEXT_NODE_KB (64 KB by default) anywhere in the Bundle: 413 naming the element.
    const long = await send(bundle('batch', [{ resource: { resourceType: 'Patient', name: [{ text: 'A'.repeat(100_000) }] } }]));
    expect(long.status).toBe(413);
    expect(long.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly', expression: ['Bundle.entry[0].resource.name[0].text'] }] });
    expect((await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n).toBe(before);
  });
});
