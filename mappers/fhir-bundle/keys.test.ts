import { describe, expect, it } from 'vitest';
import { mapSource, TEST_SYSTEMS } from '../../test/helpers/formats.js';
import { encounterKey } from './encounter.js';
import { immunizationKey } from './immunization.js';
import { fhirFormat } from './index.js';
import { identifierRecordKey } from './json.js';

const OWN_DOSE = `${TEST_SYSTEMS.extensionBase}/sid/immunization/46001`;
const CCCD = 'http://fhir.hl7.org.vn/core/sid/cccd';
const FACILITY = 'http://fhir.hl7.org.vn/core/sid/ma-cskcb';

describe('record keys from identifiers: the value alone only in the gateway\'s own system (or none)', () => {
  it('a dose: own system → value, another system → system|value, so two systems never share a key', () => {
    const key = (...identifier: unknown[]) => immunizationKey({ identifier }, TEST_SYSTEMS, '46001');
    expect(key({ system: OWN_DOSE, value: 'IMM-1' })).toBe('IMM-1');
    expect(key({ value: 'IMM-1' })).toBe('IMM-1');
    expect(key({ system: 'urn:a', value: '1' })).toBe('urn:a|1');
    expect(key({ system: 'urn:b', value: '1' })).toBe('urn:b|1');
    // The own system wins over an official identifier of another system; another facility's is foreign.
    expect(key({ use: 'official', system: 'urn:a', value: '1' }, { system: OWN_DOSE, value: 'IMM-1' })).toBe('IMM-1');
    expect(key({ use: 'official', system: 'urn:a', value: '1' }, { value: '2' })).toBe('urn:a|1');
    expect(key({ system: `${TEST_SYSTEMS.extensionBase}/sid/immunization/46002`, value: '1' })).toBe(`${TEST_SYSTEMS.extensionBase}/sid/immunization/46002|1`);
  });

  it('an episode: the MA_LK system → value, another system → system|value; a patient number is never the key', () => {
    const key = (...identifier: unknown[]) => encounterKey({ identifier }, TEST_SYSTEMS);
    expect(key({ system: TEST_SYSTEMS.maLk, value: 'LK1' })).toBe('LK1');
    expect(key({ value: 'LK1' })).toBe('LK1');
    expect(key({ system: 'urn:a', value: '1' })).toBe('urn:a|1');
    expect(key({ system: 'urn:b', value: '1' })).toBe('urn:b|1');
    expect(key({ system: `${TEST_SYSTEMS.maBnBase}/46001`, value: 'BN1' }, { system: 'urn:his:visit', value: 'V1' })).toBe('urn:his:visit|V1');
  });

  it('escapes | and \\ in the system, so (system, value) pairs map to distinct keys', () => {
    expect(identifierRecordKey({ system: 'urn:a|b', value: 'c' }, 'own')).toBe('urn:a\\|b|c');
    expect(identifierRecordKey({ system: 'urn:a', value: 'b|c' }, 'own')).toBe('urn:a|b|c');
    expect(identifierRecordKey({ system: 'urn:a\\', value: 'c' }, 'own')).toBe('urn:a\\\\|c');
    expect(identifierRecordKey({ system: ' ', value: 'c' }, 'own')).toBe('c');
    expect(identifierRecordKey({ system: 'urn:a', value: ' ' }, 'own')).toBeUndefined();
  });

  it('two people\'s doses with the same number in two systems at one facility are two records and two Immunizations', () => {
    const person = (id: string, cccd: string) => ({ fullUrl: `urn:uuid:${id}`, resource: { resourceType: 'Patient', identifier: [{ system: CCCD, value: cccd }], name: [{ text: `Người ${id}` }] } });
    const dose = (patient: string, system: string) => ({
      resource: {
        resourceType: 'Immunization', identifier: [{ system, value: '1' }], status: 'completed', patient: { reference: `urn:uuid:${patient}` },
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] }, occurrenceDateTime: '2026-01-05', performer: [{ actor: { identifier: { system: FACILITY, value: '46001' } } }],
      },
    });
    const text = JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [person('a', '046085001234'), person('b', '046192004321'), dose('a', 'urn:a'), dose('b', 'urn:b')] });
    const records = mapSource(fhirFormat, text);
    expect(records.map((r) => [r.record.facility, r.record.key, r.record.status])).toEqual([['46001', 'urn:a|1', 'accepted'], ['46001', 'urn:b|1', 'accepted']]);
    const ids = records.map((r) => r.golden.resources.find((x) => x.resourceType === 'Immunization')!.id);
    expect(new Set(ids).size).toBe(2);
  });
});
