import type { FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { searchTokens } from './fhir.repo.js';

const tokensOf = (resource: Record<string, unknown>) => searchTokens(resource as unknown as FhirResource);

describe('searchTokens', () => {
  it('indexes each identifier as system|value and as value alone', () => {
    const tokens = tokensOf({
      resourceType: 'Patient',
      id: 'p1',
      identifier: [
        { system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: '001203012345' },
        { system: 'http://fhir.hl7.org.vn/core/sid/bhyt', value: 'DN4010123456789' },
      ],
    });
    expect(tokens).toEqual([
      'identifier=http://fhir.hl7.org.vn/core/sid/cccd|001203012345',
      'identifier:value=001203012345',
      'identifier=http://fhir.hl7.org.vn/core/sid/bhyt|DN4010123456789',
      'identifier:value=DN4010123456789',
    ]);
  });

  it('writes an identifier without system as |value', () => {
    expect(tokensOf({ resourceType: 'Patient', identifier: [{ value: 'BN-7' }] })).toEqual(['identifier=|BN-7', 'identifier:value=BN-7']);
  });

  it('skips identifiers without a string value and a non-array identifier', () => {
    expect(tokensOf({ resourceType: 'Patient', identifier: [{ system: 'http://x' }, { system: 'http://x', value: 7 }] })).toEqual([]);
    expect(tokensOf({ resourceType: 'Patient', identifier: { system: 'http://x', value: 'v' } })).toEqual([]);
  });

  it('lists a value shared by two systems once as identifier:value', () => {
    const tokens = tokensOf({ resourceType: 'Patient', identifier: [{ system: 'http://a', value: 'v' }, { system: 'http://b', value: 'v' }] });
    expect(tokens).toEqual(['identifier=http://a|v', 'identifier:value=v', 'identifier=http://b|v']);
  });

  it('indexes a Patient subject as both subject and patient, plus the encounter', () => {
    const tokens = tokensOf({ resourceType: 'Condition', subject: { reference: 'Patient/p1' }, encounter: { reference: 'Encounter/e1' } });
    expect(tokens).toEqual(['subject=Patient/p1', 'patient=Patient/p1', 'encounter=Encounter/e1']);
  });

  it('indexes a non-Patient subject as subject only', () => {
    expect(tokensOf({ resourceType: 'Encounter', subject: { reference: 'Group/g1' } })).toEqual(['subject=Group/g1']);
  });

  it('reads Immunization.patient as the subject', () => {
    expect(tokensOf({ resourceType: 'Immunization', patient: { reference: 'Patient/p2' } })).toEqual(['subject=Patient/p2', 'patient=Patient/p2']);
  });

  it('prefers subject over patient when both are present', () => {
    const tokens = tokensOf({ resourceType: 'Encounter', subject: { reference: 'Patient/a' }, patient: { reference: 'Patient/b' } });
    expect(tokens).toEqual(['subject=Patient/a', 'patient=Patient/a']);
  });

  it('ignores references without a string reference (identifier-only or display-only)', () => {
    expect(
      tokensOf({ resourceType: 'Condition', subject: { identifier: { value: 'x' } }, encounter: { display: 'visit' } }),
    ).toEqual([]);
  });

  it('gives no tokens for a resource without identifiers or references', () => {
    expect(tokensOf({ resourceType: 'Organization', id: 'o1', name: 'BV' })).toEqual([]);
  });
});
