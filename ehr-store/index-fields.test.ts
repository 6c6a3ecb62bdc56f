import type { FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { foldName, indexFields } from './index-fields.js';

const fieldsOf = (resource: Record<string, unknown>) => indexFields(resource as unknown as FhirResource);
const tokensOf = (resource: Record<string, unknown>) => fieldsOf(resource).tokens;

describe('indexFields: tokens', () => {
  it('indexes each identifier as system|value, value alone and system alone', () => {
    expect(tokensOf({
      resourceType: 'Patient',
      identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: '001203012345' }, { value: 'BN-7' }],
    })).toEqual([
      'identifier=http://fhir.hl7.org.vn/core/sid/cccd|001203012345', 'identifier:code=001203012345', 'identifier:system=http://fhir.hl7.org.vn/core/sid/cccd',
      'identifier=|BN-7', 'identifier:code=BN-7',
    ]);
  });

  it('indexes codes (gender, status) and CodeableConcepts with their systems', () => {
    expect(tokensOf({ resourceType: 'Patient', gender: 'female' })).toEqual(['gender=|female', 'gender:code=female']);
    expect(tokensOf({
      resourceType: 'Immunization', status: 'completed', patient: { reference: 'Patient/p2' },
      vaccineCode: { coding: [{ system: 'http://x/vn-vaccine', code: '5' }] }, performer: [{ actor: { reference: 'Organization/o1' } }],
    })).toEqual([
      'patient=Patient/p2', 'status=|completed', 'status:code=completed',
      'vaccine-code=http://x/vn-vaccine|5', 'vaccine-code:code=5', 'vaccine-code:system=http://x/vn-vaccine', 'performer=Organization/o1',
    ]);
  });

  it('indexes a Patient subject under patient and subject, a Group subject under subject only', () => {
    expect(tokensOf({ resourceType: 'Condition', subject: { reference: 'Patient/p1' }, encounter: { reference: 'Encounter/e1' } }))
      .toEqual(['patient=Patient/p1', 'subject=Patient/p1', 'encounter=Encounter/e1']);
    expect(tokensOf({ resourceType: 'Encounter', subject: { reference: 'Group/g1' } })).toContain('subject=Group/g1');
  });

  it('ignores references without a string reference and identifiers without a string value', () => {
    expect(tokensOf({ resourceType: 'Condition', subject: { identifier: { value: 'x' } }, identifier: [{ system: 'http://x', value: 7 }] })).toEqual(['identifier:system=http://x']);
  });
});

describe('indexFields: names and dates', () => {
  it('folds case, accents and đ, keeping whole names and their words', () => {
    expect(foldName('  NGUYỄN   Thị Đào ')).toBe('nguyen thi dao');
    const { nameKeys } = fieldsOf({ resourceType: 'Patient', name: [{ text: 'NGUYỄN VĂN AN', family: 'Nguyễn', given: ['Văn', 'An'] }] });
    expect(nameKeys.sort()).toEqual(['an', 'nguyen', 'nguyen van an', 'van'].sort());
  });

  it('ranges a birth date over its day in Vietnam time, an encounter over its period, open ends unbounded', () => {
    expect(fieldsOf({ resourceType: 'Patient', birthDate: '1990-05-02' }).date).toEqual({ lo: new Date('1990-05-01T17:00:00Z'), hi: new Date('1990-05-02T17:00:00Z') });
    expect(fieldsOf({ resourceType: 'Encounter', period: { start: '2025-03-01T08:00:00+07:00' } }).date).toEqual({ lo: new Date('2025-03-01T01:00:00Z'), hi: null });
    expect(fieldsOf({ resourceType: 'Immunization', occurrenceDateTime: '2025-03' }).date).toEqual({ lo: new Date('2025-02-28T17:00:00Z'), hi: new Date('2025-03-31T17:00:00Z') });
    expect(fieldsOf({ resourceType: 'Organization', name: 'BV' }).date).toBeUndefined();
  });
});
