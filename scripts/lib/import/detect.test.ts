import { describe, expect, it } from 'vitest';
import { claimFacilityOf, detectFormat, hl7FacilityOf, inferCsvKind, innerName } from './detect.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const MSH = 'MSH|^~\\&|HIS|46001|GATEWAY|SYT|20260110093000+0700||VXU^V04^VXU_V04|VXU-1001|P|2.5.1\r';

describe('format detection', () => {
  it.each([
    ['claims/qd130-46001.xml', '<?xml version="1.0"?><GIAMDINHHS>', 'qd130'],
    ['claims/qd130-46001.XML.gz', '<?xml version="1.0"?><GIAMDINHHS>', 'qd130'],
    ['hl7/vxu.hl7', MSH, 'hl7v2'],
    ['hl7/vxu.er7', MSH, 'hl7v2'],
    ['csv/tiem.csv', 'patient_cccd,patient_name\n', 'csv'],
    ['bundle.json', '{\n  "resourceType": "Bundle", "type": "transaction"', 'fhir'],
    ['export.txt', `\uFEFF${MSH}`, 'hl7v2'],
    ['batch.dat', 'FHS|^~\\&|HIS|46001\rBHS|^~\\&|HIS|46001\r', 'hl7v2'],
    ['mllp-frame', `\u000b${MSH}`, 'hl7v2'],
    ['noext', '<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS xmlns:xsi="x">', 'qd130'],
    ['noext-bundle', ' {"resourceType":"Bundle"}', 'fhir'],
  ])('%s is %s', (name, head, format) => {
    expect(detectFormat(name, bytes(head))).toEqual({ format });
  });

  it('skips JSON that is not a Bundle, and files of no known format, naming the extension', () => {
    expect(detectFormat('patient.json', bytes('{"resourceType":"Patient"}'))).toEqual({ format: null, reason: 'JSON that is not a FHIR Bundle' });
    expect(detectFormat('notes.txt', bytes('hello'))).toEqual({ format: null, reason: 'unknown format (.txt)' });
    expect(detectFormat('README', bytes('hello'))).toEqual({ format: null, reason: 'unknown format' });
    expect(detectFormat('other.xml.bak', bytes('<?xml version="1.0"?><other/>'))).toEqual({ format: null, reason: 'unknown format (.bak)' });
  });

  it('reads the inner name of a gzip file', () => {
    expect(innerName('/a/B.CSV.gz')).toBe('b.csv');
  });
});

describe('CSV kind from the file name', () => {
  it.each([
    ['tiem-chung-2025-03.csv', 'immunization'],
    ['Tiêm_Chủng.csv', 'immunization'],
    ['51001-immunization.csv', 'immunization'],
    ['KCB-thang-3.csv', 'encounter'],
    ['encounters.csv', 'encounter'],
    ['export.csv', undefined],
    ['tiem-kcb.csv', undefined],
  ])('%s → %s', (name, kind) => {
    expect(inferCsvKind(`/data/${name}`)).toBe(kind);
  });

  it('looks at the file name only, not its folder', () => {
    expect(inferCsvKind('tiem/export.csv')).toBeUndefined();
  });
});

describe('facility of a file', () => {
  it('takes MSH-4 (first component), FHS-4 or BHS-4 before it, with the separators the header declares', () => {
    expect(hl7FacilityOf(MSH)).toBe('46001');
    expect(hl7FacilityOf('MSH#^~\\&#HIS#51001^x^L#GW\r')).toBe('51001');
    expect(hl7FacilityOf('FHS|^~\\&|HIS|\rBHS|^~\\&|HIS|46002\rMSH|^~\\&|HIS|46003|\r')).toBe('46002');
    expect(hl7FacilityOf('MSH|^~\\&|HIS||GW\r')).toBeUndefined();
    expect(hl7FacilityOf('PID|1\r')).toBeUndefined();
  });

  it('takes MACSKCB of a claim envelope', () => {
    expect(claimFacilityOf('<GIAMDINHHS><THONGTINDONVI><MACSKCB> 46001 </MACSKCB>')).toBe('46001');
    expect(claimFacilityOf('<GIAMDINHHS>')).toBeUndefined();
  });
});
