import type { Condition } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../profiles/validate.js';
import { icd10Extension, icd10SentExtension, parseIcd10 } from './icd10.js';

const BASE = 'https://fhir.soyte.gov.vn/gateway';

describe('parseIcd10 (WHO ICD-10 Vol. 2 §3.1.3 dagger and asterisk)', () => {
  it.each([
    ['J03', 'J03', undefined],
    ['J18.9', 'J18.9', undefined],
    ['S52.50', 'S52.50', undefined],
    ['J189', 'J189', undefined],
    ['E11.4†', 'E11.4', 'dagger'],
    ['E11.4+', 'E11.4', 'dagger'],
    ['G63.2*', 'G63.2', 'asterisk'],
    ['E11.4 †', 'E11.4', 'dagger'],
    ['G63.2 *', 'G63.2', 'asterisk'],
    [' E11.4+ ', 'E11.4', 'dagger'],
  ])('reads %j as bare code %s with mark %s, keeping what was sent', (raw, code, mark) => {
    const parsed = parseIcd10(raw);
    expect(parsed).toEqual(mark ? { code, mark, sent: raw } : { code, sent: raw });
  });

  it.each(['', ' ', 'j03', 'X', 'A0', 'Z99.99999', 'E11.4†*', 'E11.4**', '†E11.4', 'E1 1.4', 'E11.4† G63.2*', 'E11.4;G63.2', 'J03.'])('refuses %j', (raw) => {
    expect(parseIcd10(raw)).toBeUndefined();
  });
});

describe('FHIR representation of the mark and the sent form', () => {
  it('gives no extension for a code without a mark', () => {
    const parsed = parseIcd10('J18.9')!;
    expect(icd10Extension(BASE, parsed)).toEqual([]);
    expect(icd10SentExtension(BASE, parsed)).toEqual([]);
  });

  it('keeps the mark as a valueCode and the sent text as a valueString', () => {
    const parsed = parseIcd10('E11.4+')!;
    expect(icd10Extension(BASE, parsed)).toEqual([{ url: `${BASE}/StructureDefinition/icd10-dual-classification`, valueCode: 'dagger' }]);
    expect(icd10SentExtension(BASE, parsed)).toEqual([{ url: `${BASE}/StructureDefinition/icd10-sent-code`, valueString: 'E11.4+' }]);
    expect(icd10Extension(BASE, parseIcd10('G63.2*')!)).toEqual([{ url: `${BASE}/StructureDefinition/icd10-dual-classification`, valueCode: 'asterisk' }]);
  });

  it('produces a Condition.code that passes the FHIR R4 schema', () => {
    const parsed = parseIcd10('G63.2 *')!;
    const condition: Condition = {
      resourceType: 'Condition',
      id: 'c1',
      code: {
        extension: [...icd10Extension(BASE, parsed), ...icd10SentExtension(BASE, parsed)],
        coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: parsed.code }],
        text: 'Bệnh đa dây thần kinh do đái tháo đường',
      },
      subject: { reference: 'Patient/p1' },
    };
    expect(new FhirValidator().validate(condition)).toEqual([]);
  }, 20_000);
});
