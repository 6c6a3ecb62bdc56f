import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../profiles/validate.js';
import { TEST_SYSTEMS } from '../../test/helpers/formats.js';
import type { ImmunizationFacts } from '../contract.js';
import { parseHisDate } from '../shared/dates.js';
import { buildImmunization, CVX, immunizationId, vaccineCodings } from './immunization.js';

const validator = new FhirValidator();
const dose = (over: Partial<ImmunizationFacts> = {}): ImmunizationFacts => ({
  vaccine: { national: '10', local: { code: 'MR-VABIOTECH', display: 'MR (Vabiotech)' } },
  vaccineField: 'RXA-5',
  occurrence: parseHisDate('202603150930')!,
  occurrenceField: 'RXA-3',
  status: 'completed',
  lotNumber: 'L2603',
  doseNumber: 1,
  programme: 'tcmr',
  ...over,
});
const ids = { id: 'imm-1', patientId: 'p-1', organizationId: 'o-1', facility: '46001' };

describe('buildImmunization', () => {
  it('codes the vaccine with CVX from the national id, the national id and the site code, and passes the R4 schema', () => {
    const imm = buildImmunization(dose(), ids, TEST_SYSTEMS);
    expect(imm.vaccineCode.coding).toEqual([
      { system: CVX, code: '04' },
      { system: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/niis-vaccine', code: '10', display: 'MR (sởi – rubella)' },
      { system: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/vaccine-local/46001', code: 'MR-VABIOTECH', display: 'MR (Vabiotech)' },
    ]);
    expect(imm).toMatchObject({ status: 'completed', occurrenceDateTime: '2026-03-15T09:30:00+07:00', lotNumber: 'L2603', patient: { reference: 'Patient/p-1' } });
    expect(imm.protocolApplied).toEqual([{ doseNumberPositiveInt: 1, targetDisease: [{ text: 'sởi, rubella' }] }]);
    expect(validator.validate(imm)).toEqual([]);
  });

  it('records a refused dose as not-done with v3-ActReason PATOBJ', () => {
    const imm = buildImmunization(dose({ status: 'not-done', statusReason: { code: 'PATOBJ', text: 'gia đình không đồng ý' } }), ids, TEST_SYSTEMS);
    expect(imm.status).toBe('not-done');
    expect(imm.statusReason).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'PATOBJ', display: 'patient objection' }], text: 'gia đình không đồng ý' });
    expect(validator.validate(imm)).toEqual([]);
  });

  it('keeps an unknown vaccine with its local coding only, and still passes the schema', () => {
    const imm = buildImmunization(dose({ vaccine: { local: { code: 'X-NEW' }, text: 'Vắc xin mới' } }), ids, TEST_SYSTEMS);
    expect(imm.vaccineCode).toEqual({ coding: [{ system: 'https://fhir.soyte.gov.vn/gateway/CodeSystem/vaccine-local/46001', code: 'X-NEW' }], text: 'Vắc xin mới' });
    expect(validator.validate(imm)).toEqual([]);
  });

  it('keys a dose by its own key when sent, else by patient + vaccine + date (a corrected resend lands on the same id)', () => {
    const keyed = immunizationId(dose({ key: 'ORC-778' }), '46001', 'p-1', TEST_SYSTEMS);
    expect(immunizationId(dose({ key: 'ORC-778', lotNumber: 'other' }), '46001', 'p-1', TEST_SYSTEMS)).toBe(keyed);
    const keyless = immunizationId(dose(), '46001', 'p-1', TEST_SYSTEMS);
    expect(immunizationId(dose({ lotNumber: 'corrected', doseNumber: 2 }), '46001', 'p-1', TEST_SYSTEMS)).toBe(keyless);
    expect(immunizationId(dose(), '46001', 'p-2', TEST_SYSTEMS)).not.toBe(keyless);
    expect(keyless).not.toBe(keyed);
    expect(vaccineCodings({ cvx: '08' }, '46001', TEST_SYSTEMS)).toEqual([{ system: CVX, code: '08' }]);
  });
});
