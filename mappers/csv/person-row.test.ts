import { describe, expect, it } from 'vitest';
import { TEST_SYSTEMS } from '../../test/helpers/formats.js';
import type { MappedItem } from '../contract.js';
import { parseRelationship } from './guardian-row.js';
import { csvFormat } from './index.js';
import type { CsvRow } from './reader.js';

/** Map a CSV text of one kind with the default columns. */
function mapCsv(kind: 'immunization' | 'encounter', text: string): MappedItem[] {
  const rows: CsvRow[] = [];
  const reader = csvFormat.createReader((r) => rows.push(r), { maxItems: 100, maxFieldChars: 10_000 }, { kind });
  reader.write(text);
  reader.end();
  return rows.map((r) => csvFormat.mapItem(r, { systems: TEST_SYSTEMS, envelopeFacility: '51001', options: { kind } }));
}

/** One immunization row: the minimum data set, plus the given extra columns. */
function dose(extra: Record<string, string>): MappedItem {
  const cells = {
    patient_cccd: '051325000417', patient_name: 'Trần Thị Bống', patient_birth_date: '2025-01-14', patient_gender: 'female',
    vaccine_national_code: '1', occurrence: '2025-01-14', dose_number: '1', ...extra,
  };
  return mapCsv('immunization', `${Object.keys(cells).join(';')}\n${Object.values(cells).join(';')}\n`)[0]!;
}

describe('CSV person: other identifiers and the patient number', () => {
  it.each([
    ['SO_CMND', { SO_CMND: '212345678' }, { otherIds: [{ type: 'cmnd', value: '212345678', field: 'row 1, column patient.cmnd' }] }],
    ['patient_cmnd and HO_CHIEU', { patient_cmnd: '212345678', HO_CHIEU: 'C1234567' }, {
      otherIds: [{ type: 'cmnd', value: '212345678', field: 'row 1, column patient.cmnd' }, { type: 'passport', value: 'C1234567', field: 'row 1, column patient.passport' }],
    }],
    ['SO_HO_CHIEU', { SO_HO_CHIEU: ' B7654321 ' }, { otherIds: [{ type: 'passport', value: 'B7654321', field: 'row 1, column patient.passport' }] }],
    ['MA_BN', { MA_BN: 'BN0042' }, { patientNumber: 'BN0042' }],
    ['ma_benh_nhan', { ma_benh_nhan: 'BN0043' }, { patientNumber: 'BN0043' }],
    ['patient_number', { patient_number: 'BN0044' }, { patientNumber: 'BN0044' }],
    ['an empty cell is absent', { SO_CMND: '', MA_BN: ' ' }, {}],
  ])('%s', (_name, extra, expected) => {
    const { facts } = dose(extra);
    expect(facts.issues).toEqual([]);
    expect(facts.person!.otherIds).toEqual('otherIds' in expected ? expected.otherIds : undefined);
    expect(facts.person!.patientNumber).toBe('patientNumber' in expected ? expected.patientNumber : undefined);
    expect(facts.unmapped).toEqual([]);
  });

  it('puts patient.mrn on both the person and the encounter', () => {
    const [item] = mapCsv('encounter', 'patient_cccd,patient_name,MA_BN,period_start\n051090004512,Lê Văn Hùng,BN0042,2025-03-02T07:45\n');
    expect(item!.facts.person!.patientNumber).toBe('BN0042');
    expect(item!.facts.encounter!.patientNumber).toBe('BN0042');
  });
});

describe('CSV person: the mother or guardian', () => {
  it.each([
    ['SO_CCCD_ME and HO_TEN_ME: the mother', { SO_CCCD_ME: '051190004567', HO_TEN_ME: 'Trần  Thị Lan' }, {
      cccd: '051190004567', name: 'Trần Thị Lan', relationship: 'mother', field: 'row 1, column mother.cccd',
    }],
    ['TEN_ME alone', { TEN_ME: 'Trần Thị Lan' }, { name: 'Trần Thị Lan', relationship: 'mother', field: 'row 1, column mother.name' }],
    ['CCCD_ME alone', { CCCD_ME: '051190004567' }, { cccd: '051190004567', relationship: 'mother', field: 'row 1, column mother.cccd' }],
    ['guardian columns without relationship: guardian', { guardian_name: 'Trần Văn Cường', guardian_cccd: '051088001122' }, {
      cccd: '051088001122', name: 'Trần Văn Cường', relationship: 'guardian', field: 'row 1, column guardian.cccd',
    }],
    ['SO_CCCD_NGUOI_GIAM_HO with QUAN_HE bố', { SO_CCCD_NGUOI_GIAM_HO: '051088001122', HO_TEN_NGUOI_GIAM_HO: 'Trần Văn Cường', QUAN_HE: 'Bố' }, {
      cccd: '051088001122', name: 'Trần Văn Cường', relationship: 'father', field: 'row 1, column guardian.cccd',
    }],
    ['CCCD_NGUOI_GIAM_HO with QUAN_HE mẹ (NFD)', { CCCD_NGUOI_GIAM_HO: '051190004567', QUAN_HE: 'Mẹ'.normalize('NFD') }, {
      cccd: '051190004567', relationship: 'mother', field: 'row 1, column guardian.cccd',
    }],
    ['the mother wins over a father', { HO_TEN_ME: 'Trần Thị Lan', guardian_name: 'Trần Văn Cường', guardian_relationship: 'FTH' }, {
      name: 'Trần Thị Lan', relationship: 'mother', field: 'row 1, column mother.name',
    }],
    ['a guardian who is the mother completes her CCCD', { HO_TEN_ME: 'Trần Thị Lan', guardian_cccd: '051190004567', QUAN_HE: 'me' }, {
      cccd: '051190004567', name: 'Trần Thị Lan', relationship: 'mother', field: 'row 1, column guardian.cccd',
    }],
  ])('%s', (_name, extra, expected) => {
    const { facts } = dose(extra);
    expect(facts.issues).toEqual([]);
    expect(facts.person!.guardian).toEqual(expected);
    expect(facts.unmapped).toEqual([]);
  });

  it('keeps a CCCD that is not 12 digits (Excel damage) out of the facts, lists it as unmapped, and never rejects the dose for it', () => {
    const { facts } = dose({ SO_CCCD_ME: '5,11900E+11', HO_TEN_ME: 'Trần Thị Lan', guardian_cccd: '51088001122' });
    expect(facts.person!.guardian).toEqual({ name: 'Trần Thị Lan', relationship: 'mother', field: 'row 1, column mother.name' });
    expect(facts.unmapped).toEqual(['mother.cccd', 'guardian.cccd']);
    expect(facts.issues).toEqual([]);
  });

  it('lists a relationship of nobody as unmapped, and sets no guardian', () => {
    const { facts } = dose({ QUAN_HE: 'mẹ' });
    expect(facts.person!.guardian).toBeUndefined();
    expect(facts.unmapped).toEqual(['guardian.relationship']);
  });

  it('reads relationship words and HL7 codes', () => {
    expect(['mẹ', 'ME', 'mother', 'MTH', 'bố', 'bo', 'Cha', 'FTH', 'bà', 'GRD', '', undefined].map(parseRelationship))
      .toEqual(['mother', 'mother', 'mother', 'mother', 'father', 'father', 'father', 'father', 'guardian', 'guardian', undefined, undefined]);
  });
});
