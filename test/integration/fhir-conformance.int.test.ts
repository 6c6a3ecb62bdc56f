import { randomUUID } from 'node:crypto';
import { Client } from 'fhir-kit-client';
import type { Bundle, CapabilityStatement, Encounter, FhirResource, Patient } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { startTestGateway } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

/**
 * The built-in store driven by a stock FHIR client we did not write (fhir-kit-client, from its own
 * install) through every interaction and search parameter the CapabilityStatement advertises.
 * Every write uses fresh identifiers, so leftovers of earlier runs never match.
 */
describe('FHIR R4 conformance of the built-in store (fhir-kit-client)', () => {
  let gw: Gateway;
  let writer: Client;
  let reader: Client;
  let portalKey: string;
  const run = randomUUID().slice(0, 8);
  const CCCD = 'http://fhir.hl7.org.vn/core/sid/cccd';
  const cccd = `0${String(Date.now() % 1e11).padStart(11, '0')}`;
  const ids: Record<string, string> = {};
  /** Every advertised search parameter a test below used, per type. */
  const exercised = new Map<string, Set<string>>();
  const search = async (resourceType: string, searchParams: Record<string, string | string[]>, options?: Record<string, unknown>) => {
    for (const k of Object.keys(searchParams)) {
      if (!exercised.has(resourceType)) exercised.set(resourceType, new Set());
      exercised.get(resourceType)!.add(k.split(':')[0]!);
    }
    return (await reader.search({ resourceType, searchParams, ...(options ? { options } : {}) } as never)) as unknown as Bundle;
  };
  const raw = (path: string, init: RequestInit = {}) => fetch(`${gw.url}/fhir/${path}`, { ...init, headers: { authorization: `Bearer ${portalKey}`, ...(init.headers ?? {}) } });
  const idsOf = (b: Bundle) => (b.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);

  const bundle = (orgSuffix: string): Bundle<FhirResource> => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Organization', identifier: [{ system: 'urn:test:org', value: `org-${run}` }], name: `BV ${orgSuffix}` }, request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=urn:test:org|org-${run}` } },
      {
        fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
        resource: { resourceType: 'Patient', identifier: [{ system: CCCD, value: cccd }, { system: 'urn:test:run', value: run }], name: [{ text: 'NGUYỄN THỊ HOA', family: 'Nguyễn', given: ['Thị', 'Hoa'] }], gender: 'female', birthDate: '1990-05-02', managingOrganization: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } },
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${CCCD}|${cccd}` },
      },
      { fullUrl: 'urn:uuid:33333333-3333-4333-8333-333333333333', resource: { resourceType: 'Encounter', identifier: [{ system: 'urn:test:lk', value: `LK-${run}-${orgSuffix}` }], status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' }, serviceProvider: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' }, period: { start: '2025-03-04T08:00:00+07:00', end: '2025-03-04T10:00:00+07:00' } }, request: { method: 'POST', url: 'Encounter' } },
      { resource: { resourceType: 'Condition', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J06.9' }] }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] }, subject: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' }, encounter: { reference: 'urn:uuid:33333333-3333-4333-8333-333333333333' }, recordedDate: '2025-03-04' }, request: { method: 'POST', url: 'Condition' } },
      { resource: { resourceType: 'Immunization', identifier: [{ system: 'urn:test:dose', value: `D-${run}-${orgSuffix}` }], status: 'completed', vaccineCode: { coding: [{ system: 'urn:test:vaccine', code: 'BCG' }] }, patient: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' }, occurrenceDateTime: '2025-03-10T09:00:00+07:00', performer: [{ actor: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } }] }, request: { method: 'POST', url: 'Immunization' } },
      { resource: { resourceType: 'RelatedPerson', identifier: [{ system: 'urn:test:rp', value: `RP-${run}-${orgSuffix}` }], patient: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' }, relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }] }, request: { method: 'POST', url: 'RelatedPerson' } },
    ],
  });

  beforeAll(async () => {
    gw = await startTestGateway();
    portalKey = (await createApiKey(gw.pool, { role: 'portal', label: 'conformance', scopes: ['bulk-read'] })).key;
    writer = new Client({ baseUrl: `${gw.url}/fhir`, bearerToken: await gw.key('linker') });
    reader = new Client({ baseUrl: `${gw.url}/fhir`, bearerToken: portalKey });
  });
  afterAll(async () => gw?.stop());

  it('transaction: urn:uuid fullUrls and references are rewritten to the ids assigned', async () => {
    const answer = (await writer.transaction({ body: bundle('A') as never })) as unknown as Bundle;
    const locations = answer.entry!.map((e) => e.response!.location!);
    expect(answer.entry!.map((e) => e.response!.status)).toEqual(Array(6).fill('201 Created'));
    for (const [i, type] of ['Organization', 'Patient', 'Encounter', 'Condition', 'Immunization', 'RelatedPerson'].entries()) ids[type] = locations[i]!.split('/')[1]!;
    const encounter = (await reader.read({ resourceType: 'Encounter', id: ids.Encounter! })) as unknown as Encounter;
    expect(encounter.subject!.reference).toBe(`Patient/${ids.Patient}`);
    expect(encounter.serviceProvider!.reference).toBe(`Organization/${ids.Organization}`);
    const patient = (await reader.read({ resourceType: 'Patient', id: ids.Patient! })) as unknown as Patient;
    expect(patient.managingOrganization!.reference).toBe(`Organization/${ids.Organization}`);
    expect(JSON.stringify(await reader.read({ resourceType: 'Condition', id: ids.Condition! }))).not.toContain('urn:uuid');
  });

  it('transaction: ifNoneExist creates no duplicate; the references point at the existing resources', async () => {
    const answer = (await writer.transaction({ body: bundle('B') as never })) as unknown as Bundle;
    expect(answer.entry![0]!.response!.status).toBe('200 OK');
    expect(answer.entry![1]!.response!.location).toMatch(new RegExp(`^Patient/${ids.Patient}/_history/`));
    const patients = await search('Patient', { identifier: `${CCCD}|${cccd}` });
    expect(patients.total).toBe(1);
    const encounters = await search('Encounter', { patient: ids.Patient!, _sort: 'date' });
    expect(encounters.total).toBe(2);
  });

  it('transaction: ifMatch with a stale version is 412 and changes nothing', async () => {
    const org = (await reader.read({ resourceType: 'Organization', id: ids.Organization! })) as unknown as FhirResource;
    const put = (ifMatch: string, name: string): Bundle<FhirResource> => ({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { ...org, name } as FhirResource, request: { method: 'PUT', url: `Organization/${ids.Organization}`, ifMatch } }] });
    const ok = (await writer.transaction({ body: put('W/"1"', 'BV renamed') as never })) as unknown as Bundle;
    expect(ok.entry![0]!.response!.etag).toBe('W/"2"');
    const stale = await writer.transaction({ body: put('W/"1"', 'BV stale') as never }).catch((e: { response?: { status: number } }) => e.response?.status);
    expect(stale).toBe(412);
    expect(((await reader.read({ resourceType: 'Organization', id: ids.Organization! })) as unknown as { name: string }).name).toBe('BV renamed');
  });

  it('read carries ETag and Last-Modified; vread and instance history give every version', async () => {
    const res = await raw(`Organization/${ids.Organization}`);
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(new Date(res.headers.get('last-modified')!).getTime()).toBeGreaterThan(Date.now() - 600_000);
    const v1 = (await reader.vread({ resourceType: 'Organization', id: ids.Organization!, version: '1' })) as unknown as { name: string; meta: { versionId: string } };
    expect(v1).toMatchObject({ name: 'BV A', meta: { versionId: '1' } });
    const history = (await reader.history({ resourceType: 'Organization', id: ids.Organization! })) as unknown as Bundle;
    expect(history).toMatchObject({ type: 'history', total: 2 });
    expect(history.entry!.map((e) => (e.resource as unknown as { name: string }).name)).toEqual(['BV renamed', 'BV A']);
    const typeHistory = (await reader.typeHistory({ resourceType: 'Organization', options: {} } as never)) as unknown as Bundle;
    expect(typeHistory.type).toBe('history');
    expect(idsOf(typeHistory)).toContain(`Organization/${ids.Organization}`);
  });

  it('searches by every Patient parameter, comma OR and system| included', async () => {
    const one = async (params: Record<string, string>) => idsOf(await search('Patient', { ...params, identifier: params.identifier ?? `urn:test:run|${run}` }));
    expect(await one({ name: 'nguyen thi' })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ name: 'HOA' })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ name: 'Lan' })).toEqual([]);
    expect(await one({ birthdate: '1990-05' })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ birthdate: 'gt1990-05-02' })).toEqual([]);
    expect(await one({ gender: 'female' })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ gender: 'male' })).toEqual([]);
    expect(await one({ _id: `nope,${ids.Patient}` })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ _lastUpdated: 'ge2020-01-01' })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ organization: ids.Organization! })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ identifier: `nope|x,${CCCD}|${cccd}` })).toEqual([`Patient/${ids.Patient}`]);
    expect(await one({ identifier: '|nothing-has-no-system' })).toEqual([]);
    const bySystem = await search('Patient', { identifier: 'urn:test:run|', _count: '1000' });
    expect(idsOf(bySystem)).toContain(`Patient/${ids.Patient}`);
  });

  it('searches encounters, conditions, immunizations and the rest by date prefixes, status, identifier and references', async () => {
    const p = ids.Patient!;
    expect((await search('Encounter', { subject: `Patient/${p}`, date: ['ge2025-03-04', 'le2025-03-04'], status: 'finished' })).total).toBe(2);
    expect((await search('Encounter', { patient: p, date: 'gt2025-03-04' })).total).toBe(0);
    expect((await search('Encounter', { identifier: `urn:test:lk|LK-${run}-A`, 'service-provider': ids.Organization!, _lastUpdated: 'ge2020', _id: ids.Encounter! })).total).toBe(1);
    expect((await search('Condition', { patient: p, 'recorded-date': 'eq2025-03-04', code: 'http://hl7.org/fhir/sid/icd-10|J06.9', 'clinical-status': 'active', 'verification-status': 'confirmed', _lastUpdated: 'ge2020' })).total).toBe(2);
    expect((await search('Condition', { subject: `Patient/${p}`, encounter: ids.Encounter!, _id: ids.Condition!, identifier: 'none' })).total).toBe(0);
    expect((await search('Immunization', { patient: p, date: 'lt2025-03-11', status: 'completed', 'vaccine-code': 'BCG', performer: ids.Organization!, identifier: `urn:test:dose|D-${run}-A`, _id: ids.Immunization!, _lastUpdated: 'ge2020' })).total).toBe(1);
    expect((await search('RelatedPerson', { patient: p, identifier: `urn:test:rp|RP-${run}-A`, _id: ids.RelatedPerson!, _lastUpdated: 'ge2020' })).total).toBe(1);
    expect((await search('Organization', { identifier: `urn:test:org|org-${run}`, _id: ids.Organization!, _lastUpdated: 'ge2020' })).total).toBe(1);
    expect((await search('Provenance', { target: `Patient/${p}`, patient: p, _id: 'none', _lastUpdated: 'ge2020' })).total).toBe(0);
  });

  it('_count=0 gives the total without a next link; paging by next reaches every match once', async () => {
    const counted = await search('Immunization', { patient: ids.Patient!, _count: '0' });
    expect(counted.total).toBe(2);
    expect(counted.entry ?? []).toEqual([]);
    expect(counted.link!.map((l) => l.relation)).toEqual(['self']);
    const summary = await search('Immunization', { patient: ids.Patient!, _summary: 'count' });
    expect(summary).toMatchObject({ total: 2 });
    let page: Bundle | undefined = await search('Immunization', { patient: ids.Patient!, _count: '1', _sort: '-_lastUpdated' });
    const seen: string[] = [];
    while (page) {
      seen.push(...idsOf(page));
      page = (await reader.nextPage({ bundle: page as never })) as unknown as Bundle | undefined;
    }
    expect(new Set(seen).size).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it('_include and _revinclude bring what the matches point at and what points at them', async () => {
    const withIncludes = await search('Encounter', { _id: ids.Encounter!, _include: 'Encounter:subject', _revinclude: 'Condition:encounter' });
    const modes = Object.fromEntries((withIncludes.entry ?? []).map((e) => [`${e.resource!.resourceType}/${e.resource!.id}`, e.search!.mode]));
    expect(modes).toEqual({ [`Encounter/${ids.Encounter}`]: 'match', [`Patient/${ids.Patient}`]: 'include', [`Condition/${ids.Condition}`]: 'include' });
  });

  it('POST _search answers as GET does; absolute fullUrls', async () => {
    const posted = (await reader.search({ resourceType: 'Patient', searchParams: { identifier: `${CCCD}|${cccd}` }, options: { postSearch: true } } as never)) as unknown as Bundle;
    expect(idsOf(posted)).toEqual([`Patient/${ids.Patient}`]);
    expect(posted.entry![0]!.fullUrl).toBe(`${gw.url}/fhir/Patient/${ids.Patient}`);
  });

  it('Patient $everything: the patient, encounters, conditions, immunizations, related persons and organizations', async () => {
    const all = (await reader.operation({ name: 'everything', resourceType: 'Patient', id: ids.Patient!, method: 'get' } as never)) as unknown as Bundle;
    const types = (all.entry ?? []).map((e) => e.resource!.resourceType);
    expect(types[0]).toBe('Patient');
    expect(types.filter((t) => t === 'Encounter')).toHaveLength(2);
    expect(types.filter((t) => t === 'Condition')).toHaveLength(2);
    expect(types.filter((t) => t === 'Immunization')).toHaveLength(2);
    expect(types.filter((t) => t === 'RelatedPerson')).toHaveLength(2);
    expect(types.filter((t) => t === 'Organization')).toEqual(['Organization']);
    expect(all.total).toBe(10);
  });

  it('406 for XML, 400 for an unknown parameter unless Prefer: handling=lenient', async () => {
    expect((await raw(`Patient/${ids.Patient}`, { headers: { accept: 'application/fhir+xml' } })).status).toBe(406);
    expect((await raw(`Patient?_format=xml&_id=${ids.Patient}`)).status).toBe(406);
    const strict = await raw(`Patient?_id=${ids.Patient}&colour=red`);
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const lenient = await raw(`Patient?_id=${ids.Patient}&colour=red`, { headers: { prefer: 'handling=lenient' } });
    expect(lenient.status).toBe(200);
    const body = (await lenient.json()) as unknown as Bundle;
    expect(body.total).toBe(1);
    expect(body.link![0]!.url).not.toContain('colour');
  });

  it('the CapabilityStatement advertises exactly the parameters exercised above', async () => {
    const cs = (await reader.capabilityStatement()) as unknown as CapabilityStatement;
    const resources = cs.rest![0]!.resource!;
    for (const r of resources) {
      const advertised = (r.searchParam ?? []).map((p) => p.name).sort();
      expect([...(exercised.get(r.type) ?? [])].filter((p) => !p.startsWith('_') || p === '_id' || p === '_lastUpdated').sort(), r.type).toEqual(advertised);
      expect(r.interaction!.map((i) => i.code).sort()).toEqual(['history-instance', 'history-type', 'read', 'search-type', 'vread']);
    }
    expect(resources.find((r) => r.type === 'Patient')!.operation![0]!.name).toBe('everything');
  });
});
