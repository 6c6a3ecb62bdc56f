import { describe, expect, it } from 'vitest';
import { itemsOfEntries, type FhirBundleItem } from './items.js';

const CCCD = 'http://fhir.hl7.org.vn/core/sid/cccd';
const FACILITY = 'http://fhir.hl7.org.vn/core/sid/ma-cskcb';
const view = (items: FhirBundleItem[]) => items.map((i) => ({
  kind: i.kind, main: i.main.index, patient: i.patient?.index, conditions: i.conditions.map((c) => c.index),
  facility: i.facility?.entry?.index ?? i.facility?.identifier?.value, problems: i.problems.map((p) => `${p.field}: ${p.message}`),
}));

describe('itemsOfEntries: one item per record, every entry answered', () => {
  it('resolves urn:uuid fullUrls, Type/id, the tail of an absolute fullUrl, conditional and logical references', () => {
    const items = itemsOfEntries([
      { fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Patient', identifier: [{ system: CCCD, value: '046085001234' }] } },
      { fullUrl: 'https://his.example.vn/fhir/Patient/p2', resource: { resourceType: 'Patient', identifier: [{ value: '046192004321' }] } },
      { resource: { resourceType: 'Organization', id: 'org', identifier: [{ system: FACILITY, value: '46001' }] } },
      { resource: { resourceType: 'Encounter', subject: { reference: 'urn:uuid:p1' }, serviceProvider: { reference: 'Organization/org' } } },
      { resource: { resourceType: 'Immunization', patient: { reference: 'Patient/p2' }, performer: [{ actor: { reference: 'Practitioner/x' } }, { actor: { identifier: { system: FACILITY, value: '46002' } } }] } },
      { resource: { resourceType: 'Immunization', patient: { reference: `Patient?identifier=${encodeURIComponent(`${CCCD}|046085001234`)}` } } },
      { resource: { resourceType: 'Immunization', patient: { reference: 'Patient?identifier=|046192004321' } } },
      { resource: { resourceType: 'Immunization', patient: { identifier: { system: CCCD, value: '046085001234' } } } },
    ], 'transaction');
    expect(view(items)).toEqual([
      { kind: 'Encounter', main: 3, patient: 0, conditions: [], facility: 2, problems: [] },
      { kind: 'Immunization', main: 4, patient: 1, conditions: [], facility: '46002', problems: [] },
      { kind: 'Immunization', main: 5, patient: 0, conditions: [], facility: undefined, problems: [] },
      { kind: 'Immunization', main: 6, patient: 1, conditions: [], facility: undefined, problems: [] },
      { kind: 'Immunization', main: 7, patient: 0, conditions: [], facility: undefined, problems: [] },
    ]);
    expect(items.every((i) => i.bundleType === 'transaction' && i.entryCount === 8)).toBe(true);
    expect(items.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('names references that resolve to nothing, to two entries or to the wrong type', () => {
    const items = itemsOfEntries([
      { fullUrl: 'urn:uuid:a', resource: { resourceType: 'Patient', id: 'same' } },
      { fullUrl: 'urn:uuid:b', resource: { resourceType: 'Patient', id: 'same' } },
      { fullUrl: 'urn:uuid:o', resource: { resourceType: 'Organization' } },
      { resource: { resourceType: 'Encounter', subject: { reference: 'Patient/same' } } },
      { resource: { resourceType: 'Encounter', subject: { reference: 'urn:uuid:o' } } },
      { resource: { resourceType: 'Immunization', patient: { reference: '#p' } } },
      { resource: { resourceType: 'Immunization' } },
      { resource: { resourceType: 'Immunization', patient: { reference: 'Patient?name=An' } } },
      { resource: { resourceType: 'Immunization', patient: 'urn:uuid:a' } },
    ], 'batch');
    expect(view(items).filter((i) => i.kind !== 'Patient').map((i) => [i.main, ...i.problems])).toEqual([
      [2, 'Bundle.entry[2]: an Organization is read only as the facility an Encounter.serviceProvider, Immunization.performer or Patient.managingOrganization of the bundle names'],
      [3, 'Bundle.entry[3].resource.subject: Encounter.subject "Patient/same" matches 2 entries of the bundle'],
      [4, 'Bundle.entry[4].resource.subject: Encounter.subject "urn:uuid:o" names Bundle.entry[2] (Organization), not a Patient'],
      [5, 'Bundle.entry[5].resource.patient: Immunization.patient "#p" names a contained resource, which the gateway does not read'],
      [6, 'Bundle.entry[6].resource.patient: Immunization.patient is missing: it names the Patient, which must be an entry of the bundle'],
      [7, 'Bundle.entry[7].resource.patient: Immunization.patient conditional reference "Patient?name=An" is not read: only Patient?identifier=system|value is'],
      [8, 'Bundle.entry[8].resource.patient: Immunization.patient is not a Reference (an object with reference or identifier)'],
    ]);
    // Both Patients are named by no clinical entry that resolved: each is a person-only record.
    expect(view(items).filter((i) => i.kind === 'Patient').map((i) => i.main)).toEqual([0, 1]);
  });

  it('gives an Encounter its Conditions by diagnosis rank, then by Condition.encounter; the others are refused', () => {
    const items = itemsOfEntries([
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient' } },
      { fullUrl: 'urn:uuid:q', resource: { resourceType: 'Patient' } },
      { fullUrl: 'urn:uuid:e', resource: { resourceType: 'Encounter', subject: { reference: 'urn:uuid:p' }, diagnosis: [{ condition: { reference: 'urn:uuid:c3' }, rank: 2 }, { condition: { reference: 'urn:uuid:c2' }, rank: 1 }] } },
      { fullUrl: 'urn:uuid:c1', resource: { resourceType: 'Condition', encounter: { reference: 'urn:uuid:e' }, subject: { reference: 'urn:uuid:q' } } },
      { fullUrl: 'urn:uuid:c2', resource: { resourceType: 'Condition', encounter: { reference: 'urn:uuid:e' } } },
      { fullUrl: 'urn:uuid:c3', resource: { resourceType: 'Condition' } },
      { resource: { resourceType: 'Condition', encounter: { reference: 'Encounter/none' } } },
      { resource: { resourceType: 'Observation' } },
      { request: { method: 'GET', url: 'Patient/1' } },
      'not an entry',
    ], 'batch');
    expect(view(items)).toEqual([
      { kind: 'Patient', main: 1, patient: undefined, conditions: [], facility: undefined, problems: [] },
      {
        kind: 'Encounter', main: 2, patient: 0, conditions: [4, 5, 3], facility: undefined,
        problems: ['Bundle.entry[3].resource.subject: Condition.subject names another Patient (Bundle.entry[1]) than its Encounter\'s subject (Bundle.entry[0])'],
      },
      { kind: 'refused', main: 6, patient: undefined, conditions: [], facility: undefined, problems: [expect.stringMatching(/^Bundle\.entry\[6\]\.resource\.encounter: Condition\.encounter "Encounter\/none" names no entry/)] },
      { kind: 'refused', main: 7, patient: undefined, conditions: [], facility: undefined, problems: [expect.stringMatching(/^Bundle\.entry\[7\]\.resource\.resourceType: "Observation" is not read/)] },
      { kind: 'refused', main: 8, patient: undefined, conditions: [], facility: undefined, problems: [expect.stringMatching(/^Bundle\.entry\[8\]\.request\.method: request\.method "GET" is not accepted/)] },
      { kind: 'refused', main: 9, patient: undefined, conditions: [], facility: undefined, problems: ['Bundle.entry[9]: Bundle.entry[9] is not an object'] },
    ]);
  });
});
