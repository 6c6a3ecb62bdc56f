import { describe, expect, it } from 'vitest';
import { csvFacilityOf, csvRows } from './csv-facility.js';

describe('the facility of a CSV file', () => {
  it('reads the one facility_code of the rows, with , or ; or an Excel sep= line, quoted cells included', () => {
    expect(csvFacilityOf('facility_code,patient_cccd\r\n51001,1\r\n51001,2\r\n')).toBe('51001');
    expect(csvFacilityOf('sep=;\r\nnote;Facility_Code\r\n"a;b\r\nc";46001\r\n')).toBe('46001');
    expect(csvFacilityOf('note;facility_code;x\n"q""uote";46002;1\n')).toBe('46002');
  });

  it('knows none without the column, with several facilities, or with no complete row', () => {
    expect(csvFacilityOf('patient_cccd\n1\n')).toBeUndefined();
    expect(csvFacilityOf('facility_code\n46001\n51001\n')).toBeUndefined();
    expect(csvFacilityOf('facility_code\n46001')).toBeUndefined();
    expect(csvFacilityOf('facility_code\n46001', true)).toBe('46001');
  });

  it('splits rows on CRLF, LF and CR outside quotes', () => {
    expect(csvRows('a,"b\nc"\rd,e\r\n', ',')).toEqual([['a', 'b\nc'], ['d', 'e']]);
  });
});
