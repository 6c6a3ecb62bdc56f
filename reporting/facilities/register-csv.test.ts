import { describe, expect, it } from 'vitest';
import { CsvFormatError } from './csv-table.js';
import { parseRegisterCsv } from './register-csv.js';

const HEADER = 'MA_CSKCB;TEN_CSKCB;TUYEN;HINH_THUC;MA_TINH;MA_HUYEN;MA_XA;MA_TINH_MOI;MA_XA_MOI;MA_CSKCB_CU;NGAY_HIEU_LUC';

describe('parseRegisterCsv', () => {
  it('reads a ;-separated list with a BOM: old units to 2025-06-30, new ones from 2025-07-01, Vietnamese level and ownership', () => {
    const csv = `\uFEFF${HEADER}\r\n46001;Bệnh viện A;Tỉnh;Công lập;46;474;;46;;;\r\n`;
    const file = parseRegisterCsv(Buffer.from(csv, 'utf8'));
    expect(file.problems).toEqual([]);
    expect(file.valid[0]!.facility).toEqual({
      code: '46001', name: 'Bệnh viện A', level: 'province', ownership: 'public',
      areas: [
        { validFrom: '2008-08-01', validTo: '2025-06-30', province: '46', district: '474', commune: null },
        { validFrom: '2025-07-01', validTo: null, province: '46', district: null, commune: null },
      ],
    });
  });

  it('gives one open area when only one set of units is given, and reads , separators and English values', () => {
    const file = parseRegisterCsv('MA_CSKCB,TEN_CSKCB,HINH_THUC,MA_TINH_MOI,MA_XA_MOI\n51004,PK B,private,51,99253\n');
    expect(file.valid[0]!.facility).toMatchObject({ ownership: 'private', level: null, areas: [{ validFrom: '2025-07-01', validTo: null, province: '51', commune: '99253' }] });
  });

  it('reports bad rows by row, line and column and keeps the good ones', () => {
    const csv = [
      HEADER,
      '4600X1;Tên quá mã;Tỉnh;Công lập;46;;;;;;',
      '46002;;Tuyến 9;nửa nọ nửa kia;;474;;;;;',
      '',
      '46003;Trạm Y tế;Xã;Công lập;46;476;;46;;46001|460;31/02/2025',
      '46004;Good;4;public;46;;;;;;',
    ].join('\n');
    const file = parseRegisterCsv(csv);
    expect(file.rows).toBe(4);
    expect(file.valid.map((r) => r.facility.code)).toEqual(['46004']);
    const errors = file.problems.filter((p) => p.severity === 'error').map((p) => `${p.row}/${p.line}/${p.field}`);
    expect(errors).toEqual([
      '1/2/MA_CSKCB', '2/3/TEN_CSKCB', '2/3/TUYEN', '2/3/HINH_THUC', '2/3/MA_TINH', '3/5/MA_CSKCB_CU', '3/5/NGAY_HIEU_LUC',
    ]);
    expect(file.valid[0]!.facility.level).toBe('commune');
  });

  it('reads a predecessor code and the date it changed (DD/MM/YYYY)', () => {
    const file = parseRegisterCsv(`${HEADER};CAN_CU\n51002;TTYT;Huyện;Công lập;51;527;;51;;51003;01/07/2025;QĐ sáp nhập\n`);
    expect(file.valid[0]).toMatchObject({ predecessors: ['51003'], effective: '2025-07-01', basis: 'QĐ sáp nhập' });
    expect(parseRegisterCsv(`${HEADER}\n51002;TTYT;;;51;;;;;51003;\n`).problems).toMatchObject([{ field: 'NGAY_HIEU_LUC', severity: 'error' }]);
  });

  it('matches headers without case or diacritics and lists the columns it ignores', () => {
    const file = parseRegisterCsv('Mã CSKCB,Tên CSKCB,Ghi chú\n46005,X,abc\n');
    expect(file.valid).toHaveLength(1);
    expect(file.ignoredColumns).toEqual(['Ghi chú']);
    expect(file.problems).toMatchObject([{ field: 'MA_TINH', severity: 'warning' }]);
  });

  it('refuses a file that is not UTF-8 or has no MA_CSKCB column', () => {
    expect(() => parseRegisterCsv(Buffer.from([0x4d, 0x41, 0x0a, 0xe0, 0x80]))).toThrow(CsvFormatError);
    expect(() => parseRegisterCsv('TEN_CSKCB\nA\n')).toThrow(/no MA_CSKCB column/);
  });
});
