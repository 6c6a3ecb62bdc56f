import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapSource } from '../../test/helpers/formats.js';
import { qd130Format } from './index.js';
import { xml1Person } from './xml1-facts.js';

describe('XML1 person: MA_BN and SO_CCCD', () => {
  it.each([
    ['MA_BN → patientNumber; a CCCD stays the CCCD', { MA_BN: 'BN000123', SO_CCCD: '046085001234' }, { patientNumber: 'BN000123', cccd: '046085001234' }],
    ['a 9-digit CMND in SO_CCCD is kept as sent (the identity stage classifies it)', { MA_BN: 'BN1', SO_CCCD: '191234567' }, { patientNumber: 'BN1', cccd: '191234567' }],
    ['a passport in SO_CCCD is kept as sent', { SO_CCCD: 'C1234567' }, { cccd: 'C1234567' }],
    ['no MA_BN: no patient number', {}, { cccd: '' }],
  ])('%s', (_name, record, expected) => {
    const person = xml1Person(record, {});
    expect(person.patientNumber).toBe('patientNumber' in expected ? expected.patientNumber : undefined);
    expect(person.cccd).toEqual({ value: expected.cccd, field: 'XML1.SO_CCCD' });
    expect(person.otherIds).toBeUndefined();
    expect(person.guardian).toBeUndefined();
  });

  it('puts MA_BN on both the person and the encounter of a claim', () => {
    const text = readFileSync(new URL('../../test/golden/qd130/outpatient-visit.xml', import.meta.url), 'utf8');
    const [{ item }] = mapSource(qd130Format, text) as [ReturnType<typeof mapSource>[number]];
    expect(item.facts.person!.patientNumber).toBeTruthy();
    expect(item.facts.person!.patientNumber).toBe(item.facts.encounter!.patientNumber);
  });
});
