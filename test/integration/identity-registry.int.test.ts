/**
 * Identity through HTTP with the population registry (VERIFICATION=registry, real PostgreSQL +
 * Redis): verified → linked; mismatch → rejected VERIFICATION_MISMATCH naming the fields; not in
 * the registry → REGISTRY_NOT_FOUND; a cancelled and re-issued CCCD → the same Patient; an infant
 * under the mother's CCCD → its own Patient linked to the mother, doses on the infant.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayWithKeys, startTestGateway } from '../helpers/gateway.js';
import { citizen, doseCsv, fhirRead, recordByKey, registerCitizens, waitForStatus } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';

describe('identity with the population registry (HTTP, VERIFICATION=registry)', () => {
  let gw: Gateway;
  let facilityKey: string, adminKey: string, portalKey: string;
  beforeAll(async () => ({ gw, facilityKey, adminKey, portalKey } = await startGatewayWithKeys({ VERIFICATION: 'registry' })));
  afterAll(async () => gw?.stop());

  const send = async (csv: string) => {
    const res = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'text/csv; charset=utf-8').send(csv);
    expect(res.status).toBe(202);
    return res.body.records as Array<{ key: string; status: string; issues: Array<{ category: string; field: string }>; warnings?: Array<{ code: string }> }>;
  };
  const person = async (id: string) => (await request(gw.url).get(`/api/persons/${id}`).set('Authorization', `Bearer ${adminKey}`)).body;

  it('verified (name typed without diacritics) → linked; mismatch names the fields; not found is its own category', async () => {
    const an = citizen('Nguyễn Văn An', '1990-05-12', 'male');
    const binh = citizen('Trần Thị Bình', '1985-02-03', 'female');
    const ghost = citizen('Lê Văn Ma', '1970-01-01', 'male');
    await registerCitizens(gw.pool, [an, { ...binh, birthDate: '1985-03-02' }]);
    const [ok, mismatch, missing] = await send(doseCsv([
      { p: { ...an, name: 'NGUYEN  VAN AN' }, id: `V-${an.cccd}` },
      { p: binh, id: `V-${binh.cccd}` },
      { p: ghost, id: `V-${ghost.cccd}` },
    ]));
    expect(ok!.status).toBe('accepted');
    expect(mismatch!.status).toBe('rejected');
    expect(mismatch!.issues[0]).toMatchObject({ category: 'VERIFICATION_MISMATCH', field: 'row 2, column patient.birthDate' });
    expect(missing!.issues[0]).toMatchObject({ category: 'REGISTRY_NOT_FOUND' });
    const linked = await waitForStatus(gw.pool, ok!.key, ['linked']);
    const view = await person(linked.personId!);
    expect(view.verified).toBe(true);
    // The registry's spelling wins over the facility's typing.
    expect(view.patient.name[0].text).toBe('Nguyễn Văn An');
    const found = await fhirRead(gw.url, portalKey, 'Patient', { identifier: `${CCCD_SYSTEM}|${an.cccd}` });
    expect(found.entry).toHaveLength(1);
    expect(found.entry[0].resource.name[0].text).toBe('Nguyễn Văn An');
  });

  it('a cancelled and re-issued CCCD finds the same Patient; the old number stays on it and is never given to another', async () => {
    const old = citizen('Phạm Thị Cúc', '1992-07-08', 'female');
    const current = citizen('Phạm Thị Cúc', '1992-07-08', 'female');
    await registerCitizens(gw.pool, [{ ...current, previousIds: [old.cccd] }]);
    const [first] = await send(doseCsv([{ p: old, id: `V-old-${old.cccd}` }]));
    const [second] = await send(doseCsv([{ p: current, id: `V-new-${current.cccd}` }]));
    const a = await waitForStatus(gw.pool, first!.key, ['linked']);
    const b = await waitForStatus(gw.pool, second!.key, ['linked']);
    expect(a.personId).toBe(b.personId);
    const view = await person(a.personId!);
    expect(view.identifiers).toEqual(expect.arrayContaining([
      expect.objectContaining({ system: 'cccd', value: current.cccd, state: 'current' }),
      expect.objectContaining({ system: 'cccd', value: old.cccd, state: 'previous' }),
    ]));
    const patient = await fhirRead(gw.url, portalKey, `Patient/${a.personId}`);
    expect(patient.identifier.find((i: { use: string }) => i.use === 'official').value).toBe(current.cccd);
    expect(patient.identifier.some((i: { use: string; value: string }) => i.use === 'old' && i.value === old.cccd)).toBe(true);
  });

  it('an infant under the mother\'s CCCD ("Con bà …") gets its own Patient linked to the mother; the dose is the infant\'s', async () => {
    const mother = citizen('Hoàng Thị Lan', '1996-04-04', 'female');
    await registerCitizens(gw.pool, [mother]);
    const [own] = await send(doseCsv([{ p: mother, id: `V-m-${mother.cccd}`, date: '2026-09-01' }]));
    const [baby] = await send(doseCsv([{ p: { cccd: mother.cccd, name: 'Con bà Lan', birthDate: '2026-10-20', gender: 'male' }, id: `V-b-${mother.cccd}`, date: '2026-10-21' }]));
    expect(baby!.status).toBe('accepted');
    expect(baby!.warnings?.map((w) => w.code)).toContain('INFANT_UNDER_MOTHER_ID');
    const m = await waitForStatus(gw.pool, own!.key, ['linked']);
    const b = await waitForStatus(gw.pool, baby!.key, ['linked']);
    expect(b.personId).not.toBe(m.personId);
    const infant = await fhirRead(gw.url, portalKey, `Patient/${b.personId}`);
    expect(infant.identifier[0].use).toBe('temp');
    expect(infant.birthDate).toBe('2026-10-20');
    expect(infant.link).toBeUndefined();
    const related = (await fhirRead(gw.url, portalKey, 'RelatedPerson', { patient: `Patient/${b.personId}` })).entry[0].resource;
    expect(related.relationship[0].coding[0].code).toBe('MTH');
    expect(related.identifier[0].value).toBe(mother.cccd);
    const doses = await fhirRead(gw.url, portalKey, 'Immunization', { patient: `Patient/${b.personId}` });
    expect(doses.entry).toHaveLength(1);
    const motherDoses = await fhirRead(gw.url, portalKey, 'Immunization', { patient: `Patient/${m.personId}` });
    expect(motherDoses.entry).toHaveLength(1);
    expect((await recordByKey(gw.pool, baby!.key)).warnings.map((w) => w.code)).toContain('INFANT_UNDER_MOTHER_ID');
  });
});
