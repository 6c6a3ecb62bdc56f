import type { Bundle } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../profiles/validate.js';
import { mapSource, TEST_SYSTEMS } from '../../test/helpers/formats.js';
import type { PersonFacts, RecordFacts } from '../contract.js';
import { fhirBundleAnswer } from './answer.js';
import { MOTHERS_MAIDEN_NAME } from './guardian.js';
import { fhirFormat } from './index.js';
import { itemsOfEntries } from './items.js';
import { mapBundleItem, type FhirEntryReply } from './map-item.js';

const CCCD = 'http://fhir.hl7.org.vn/core/sid/cccd';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const V3_ROLE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const typed = (code: string) => ({ coding: [{ system: V2_0203, code }] });
const role = (code: string, system = V3_ROLE) => [{ coding: [{ system, code }] }];

/** A batch of one Patient (with these members) and one dose of it, plus other entries; the dose's record. */
function dose(patient: Record<string, unknown>, ...more: unknown[]): { facts: RecordFacts; person: PersonFacts; reply: FhirEntryReply } {
  const items = itemsOfEntries([
    { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', name: [{ text: 'Phạm Minh Khôi' }], gender: 'male', birthDate: '2025-11-10', ...patient } },
    { resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] }, patient: { reference: 'urn:uuid:p' }, occurrenceDateTime: '2025-11-10' } },
    ...more,
  ], 'batch');
  const item = items.find((i) => i.kind === 'Immunization')!;
  const mapped = mapBundleItem(item, { systems: TEST_SYSTEMS, envelopeFacility: '46001' });
  return { facts: mapped.facts, person: mapped.facts.person!, reply: mapped.reply };
}

describe('FHIR Patient identifiers', () => {
  it.each([
    ['type PPN: a passport', [{ type: typed('PPN'), system: 'urn:oid:2.16.840.1.113883.4.330.704', value: 'C1234567' }], {
      otherIds: [{ type: 'passport', value: 'C1234567', field: 'Bundle.entry[0].resource.identifier[0].value' }],
    }],
    ['a passport system (HL7 Vietnam)', [{ system: 'http://fhir.hl7.org.vn/core/sid/passport', value: 'B7654321' }], {
      otherIds: [{ type: 'passport', value: 'B7654321', field: 'Bundle.entry[0].resource.identifier[0].value' }],
    }],
    ['a ho-chieu system', [{ system: 'https://fhir.soyte.gov.vn/gateway/sid/ho-chieu', value: 'B7654321' }], {
      otherIds: [{ type: 'passport', value: 'B7654321', field: 'Bundle.entry[0].resource.identifier[0].value' }],
    }],
    ['a 9-digit NI: the old CMND, not the CCCD', [{ system: CCCD, value: '046225000111' }, { type: typed('NI'), system: 'http://fhir.ehealth.gov.vn/core/sid/citizen_id', value: '191234567' }], {
      cccd: '046225000111', otherIds: [{ type: 'cmnd', value: '191234567', field: 'Bundle.entry[0].resource.identifier[1].value' }],
    }],
    ['a cmnd system', [{ system: 'http://fhir.hl7.org.vn/core/sid/cmnd', value: '191234567' }], {
      otherIds: [{ type: 'cmnd', value: '191234567', field: 'Bundle.entry[0].resource.identifier[0].value' }],
    }],
    ['a CCCD with use old: held before (not two CCCDs)', [{ system: CCCD, value: '046225000111' }, { use: 'old', system: CCCD, value: '046225000999' }], {
      cccd: '046225000111', otherIds: [{ type: 'previous-cccd', value: '046225000999', field: 'Bundle.entry[0].resource.identifier[1].value' }],
    }],
    ['type MR: the patient number, on the person and the encounter side', [{ type: typed('MR'), system: 'urn:his:46001:mrn', value: 'BN00042' }], { patientNumber: 'BN00042' }],
    ['a MA_BN system: the patient number', [{ system: 'http://fhir.hl7.org.vn/core/sid/ma-bn/46001', value: 'BN7' }], { patientNumber: 'BN7' }],
  ])('%s', (_name, identifier, expected) => {
    const { facts, person } = dose({ identifier });
    expect(facts.issues).toEqual([]);
    expect(person.cccd.value).toBe('cccd' in expected ? expected.cccd : '');
    expect(person.otherIds).toEqual('otherIds' in expected ? expected.otherIds : undefined);
    expect(person.patientNumber).toBe('patientNumber' in expected ? expected.patientNumber : undefined);
    expect(facts.unmapped).toEqual([]);
  });

  it('still names two different current CCCDs', () => {
    const { facts } = dose({ identifier: [{ system: CCCD, value: '046225000111' }, { type: typed('NI'), value: '046225000999' }] });
    expect(facts.issues.map((i) => i.field)).toEqual(['Bundle.entry[0].resource.identifier[1].value']);
  });
});

describe('FHIR mother or guardian', () => {
  const mother = (extra: Record<string, unknown> = {}) => ({
    resource: {
      resourceType: 'RelatedPerson', patient: { reference: 'urn:uuid:p' }, relationship: role('MTH'),
      identifier: [{ system: 'urn:his:46001:mrn', value: 'BN1' }, { system: CCCD, value: '046190004567' }], name: [{ family: 'Trần', given: ['Thị', 'Lan'] }], ...extra,
    },
  });

  it('reads a RelatedPerson MTH of the Patient: CCCD and name; answers its entry with the record, stores it in the payload', () => {
    const { facts, person, reply } = dose({}, mother());
    expect(person.guardian).toEqual({ cccd: '046190004567', name: 'Trần Thị Lan', relationship: 'mother', field: 'Bundle.entry[2].resource.identifier[1].value' });
    expect(facts.issues).toEqual([]);
    expect(facts.unmapped).toEqual([]);
    expect(reply.entries.map((e) => e.index)).toEqual([1, 0, 2]);
    expect(reply.entries[2]!.location).toBeUndefined();
  });

  it.each([
    ['the maiden-name extension alone', { extension: [{ url: MOTHERS_MAIDEN_NAME, valueString: 'Trần Thị Lan' }] }, [], {
      name: 'Trần Thị Lan', relationship: 'mother', field: 'Bundle.entry[0].resource.extension[0].valueString',
    }],
    ['the maiden name completed by the RelatedPerson MTH CCCD', { extension: [{ url: MOTHERS_MAIDEN_NAME, valueString: 'Trần Thị Lan' }] }, [mother({ name: undefined })], {
      cccd: '046190004567', name: 'Trần Thị Lan', relationship: 'mother', field: 'Bundle.entry[2].resource.identifier[1].value',
    }],
    ['a contact MTH (v3-RoleCode) by name', { contact: [{ relationship: role('C', 'http://terminology.hl7.org/CodeSystem/v2-0131') }, { relationship: role('MTH'), name: { text: 'Trần Thị Lan' } }] }, [], {
      name: 'Trần Thị Lan', relationship: 'mother', field: 'Bundle.entry[0].resource.contact[1].name',
    }],
    ['a contact N (next-of-kin): guardian', { contact: [{ relationship: role('N', 'http://terminology.hl7.org/CodeSystem/v2-0131'), name: { family: 'Lê', given: ['Thị', 'Hoa'] } }] }, [], {
      name: 'Lê Thị Hoa', relationship: 'guardian', field: 'Bundle.entry[0].resource.contact[0].name',
    }],
    ['the first mother wins over a father listed before her', { contact: [{ relationship: role('FTH'), name: { text: 'Phạm Văn Nam' } }] }, [mother()], {
      cccd: '046190004567', name: 'Trần Thị Lan', relationship: 'mother', field: 'Bundle.entry[2].resource.identifier[1].value',
    }],
    ['a father when nobody is the mother', {}, [{ resource: { resourceType: 'RelatedPerson', patient: { reference: 'Patient/x' }, relationship: role('FTH'), identifier: [{ value: '046085001234' }], name: [{ text: 'Phạm Văn Nam' }] } }], {
      cccd: '046085001234', name: 'Phạm Văn Nam', relationship: 'father', field: 'Bundle.entry[2].resource.identifier[0].value',
    }],
  ])('%s', (_name, patient, more, expected) => {
    const { person, facts } = dose({ id: 'x', ...patient }, ...more);
    expect(person.guardian).toEqual(expected);
    expect(facts.issues).toEqual([]);
  });

  it('lists what names nobody\'s guardian as unmapped, and other extensions as before', () => {
    const { person, facts } = dose(
      { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality' }], contact: [{ relationship: role('E', 'http://terminology.hl7.org/CodeSystem/v2-0131'), name: { text: 'Công ty A' } }] },
      mother({ relationship: role('FRND') }),
      mother({ telecom: [{ system: 'phone', value: '0901234567' }] }),
    );
    expect(person.guardian?.field).toBe('Bundle.entry[3].resource.identifier[1].value');
    expect(facts.unmapped).toEqual(['Bundle.entry[0].resource.extension', 'Bundle.entry[2]', 'Bundle.entry[3].resource.telecom', 'Bundle.entry[0].resource.contact[0]']);
  });

  it('refuses a RelatedPerson of no Patient entry, naming its patient reference', () => {
    const items = itemsOfEntries([{ resource: { resourceType: 'RelatedPerson', patient: { reference: 'Patient/none' }, relationship: role('MTH') } }, { resource: { resourceType: 'RelatedPerson' } }], 'batch');
    expect(items.map((i) => [i.kind, ...i.problems.map((p) => `${p.field}: ${p.message}`)])).toEqual([
      ['refused', expect.stringMatching(/^Bundle\.entry\[0\]\.resource\.patient: RelatedPerson\.patient "Patient\/none" names no entry.*: a RelatedPerson is read as the mother or guardian of a Patient entry/)],
      ['refused', 'Bundle.entry[1].resource.patient: RelatedPerson.patient is missing: a RelatedPerson is read as the mother or guardian of a Patient entry of the bundle'],
    ]);
  });

  it('gives a Patient alone its RelatedPersons too, and stores a RelatedPerson once for all the records that read it', () => {
    const items = itemsOfEntries([
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', name: [{ text: 'A' }] } },
      { resource: mother().resource },
      { fullUrl: 'urn:uuid:q', resource: { resourceType: 'Patient', name: [{ text: 'B' }] } },
      { resource: { ...mother().resource, patient: { reference: 'urn:uuid:q' } } },
      { resource: { resourceType: 'Immunization', patient: { reference: 'urn:uuid:q' } } },
      { resource: { resourceType: 'Immunization', patient: { reference: 'urn:uuid:q' } } },
    ], 'batch');
    expect(items.map((i) => [i.kind, i.main.index, i.related.map((r) => r.index), i.storedWith])).toEqual([
      ['Patient', 0, [1], {}], ['Immunization', 4, [3], {}], ['Immunization', 5, [3], { 2: 2, 3: 2 }],
    ]);
  });

  it('through ingest\'s pure stages: the infant\'s dose is accepted, its resources valid R4, the RelatedPerson entry answered 201 with the record', () => {
    const text = JSON.stringify({
      resourceType: 'Bundle', type: 'batch', entry: [
        { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', identifier: [{ system: CCCD, value: '046225000111' }], name: [{ text: 'Phạm Minh Khôi' }], gender: 'male', birthDate: '2025-11-10' } },
        { resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] }, patient: { reference: 'urn:uuid:p' }, occurrenceDateTime: '2025-11-10', performer: [{ actor: { reference: 'urn:uuid:o' } }] } },
        mother(),
        { fullUrl: 'urn:uuid:o', resource: { resourceType: 'Organization', identifier: [{ system: TEST_SYSTEMS.facility, value: '46001' }] } },
      ],
    });
    const records = mapSource(fhirFormat, text, { options: {}, validator: new FhirValidator() });
    expect(records.map((r) => [r.record.status, r.record.issues])).toEqual([['accepted', []]]);
    expect(records[0]!.item.facts.person!.guardian).toMatchObject({ cccd: '046190004567', relationship: 'mother' });
    const ctx = { now: new Date('2026-01-15T01:30:00Z'), idBase: 'T1' };
    const answer = JSON.parse(fhirBundleAnswer.render(records.map(({ record, item }) => ({ outcome: { key: record.key, status: record.status, issues: record.issues }, reply: item.reply })), ctx)) as Bundle;
    expect(answer.entry!.map((e) => e.response!.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created']);
    expect(answer.entry![2]!.response!.location).toBeUndefined();
  });
});
