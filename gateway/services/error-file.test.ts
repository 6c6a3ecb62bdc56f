import { describe, expect, it } from 'vitest';
import { CsvRowReader } from '../../mappers/csv/reader.js';
import { csvErrorFile, errorTextOf, keyFieldsErrorFile, type CsvShape } from './error-file.js';

/** The text in pieces of `size` characters, as the raw chunks arrive. */
async function* pieces(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function build(text: string, shape: CsvShape, errors: Map<number, string>, all = false, size = 7): Promise<string> {
  let out = '';
  for await (const p of csvErrorFile(pieces(text, size), shape, errors, all)) out += p;
  return out;
}

/** What the gateway's own CSV reader records of a file (its header), and its rows' numbers and lines. */
function readShape(text: string, skipLines = 0): { shape: CsvShape; rows: Array<{ row: number; line: number; cells: Record<string, string> }> } {
  const rows: Array<{ row: number; line: number; cells: Record<string, string> }> = [];
  const reader = new CsvRowReader('immunization', (r) => rows.push({ row: r.row, line: r.line, cells: r.cells }), { maxItems: 1000, maxFieldChars: 1e6 },
    skipLines ? { kind: 'immunization', columns: {}, datePatterns: [], skipLines, values: {} } as never : undefined);
  reader.write(text);
  reader.end();
  const h = reader.header;
  return { shape: { delimiter: h.delimiter!, sepLine: h.sepLine === true, columns: h.columns! }, rows };
}

describe('csvErrorFile: the failing rows as sent, plus LOI', () => {
  const file = [
    '\uFEFFsep=;',
    'patient_cccd;patient_name;note',
    '001190000001;Nguyễn Văn A;',
    '4,63241E+11;Trần Thị B;"ghi chú\r\nhai dòng"',
    '',
    ';;',
    '0011;Lê C;x;extra',
    '079190000002;Phạm D',
    '',
  ].join('\r\n');

  it('keeps the sep= line and the header, returns only the failing rows byte for byte (quoted line breaks, short rows padded)', async () => {
    const { shape } = readShape(file);
    const errors = new Map([[2, 'row 2, column patient.cccd: scientific notation'], [4, 'row 4: "bad"; =x']]);
    for (const size of [1, 3, 7, 1000]) {
      const out = await build(file, shape, errors, false, size);
      expect(out).toBe([
        '\uFEFFsep=;',
        'patient_cccd;patient_name;note;LOI',
        '4,63241E+11;Trần Thị B;"ghi chú\r\nhai dòng";row 2, column patient.cccd: scientific notation',
        '079190000002;Phạm D;;"row 4: ""bad""; =x"',
        '',
      ].join('\r\n'));
    }
  });

  it('numbers rows as the reader does (blank rows and rows of empty cells not counted)', async () => {
    const { shape, rows } = readShape(file);
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4]);
    const out = await build(file, shape, new Map([[3, 'E']]), false);
    expect(out.split('\r\n')[2]).toBe('0011;Lê C;x;extra;E');
  });

  it('rows=all: every data row, LOI empty where there is no error; the result reads back with the same rows', async () => {
    const { shape } = readShape(file);
    const out = await build(file, shape, new Map([[1, 'E1']]), true);
    const back = readShape(out);
    // A row with more cells than the header keeps them: its error follows them (the site removes the extra cell).
    expect(back.rows.map((r) => r.cells.LOI ?? '')).toEqual(['E1', '', 'extra', '']);
    expect(back.rows.map((r) => r.cells.patient_cccd)).toEqual(['001190000001', '4,63241E+11', '0011', '079190000002']);
    expect(back.rows[1]!.cells.note).toBe('ghi chú\r\nhai dòng');
  });

  it('lines a column profile skipped before the header are kept; LF files and a last line without a break work', async () => {
    const text = 'Báo cáo tháng 3 "tram\nSố CCCD,Họ và tên\n001190000001,A\n0011,B';
    const shape: CsvShape = { delimiter: ',', sepLine: false, columns: ['Số CCCD', 'Họ và tên'] };
    expect(await build(text, shape, new Map([[2, 'bad']]), false, 5)).toBe('\uFEFFBáo cáo tháng 3 "tram\nSố CCCD,Họ và tên,LOI\r\n0011,B,bad\r\n');
  });

  it('an error file sent back fills its own LOI column again instead of adding another', async () => {
    const text = 'patient_cccd,LOI\r\n0011,old error\r\n001190000001,\r\n';
    const { shape } = readShape(text);
    expect(await build(text, shape, new Map([[1, 'new, error']]), false)).toBe('\uFEFFpatient_cccd,LOI\r\n0011,"new, error"\r\n');
  });

  it('a stored upload whose header is not the recorded one is refused (409)', async () => {
    await expect(build('a,b\n1,2\n', { delimiter: ',', sepLine: false, columns: ['x', 'y'] }, new Map(), true)).rejects.toMatchObject({ status: 409 });
  });
});

describe('error texts and the key-field file', () => {
  it('joins issues as field: message; a failed record names the EHR answer', () => {
    expect(errorTextOf({ status: 'rejected', issues: [{ category: 'CCCD_FORMAT', field: 'XML1.SO_CCCD', message: 'not 12 digits' }, { category: 'SCHEMA', field: 'XML1.NGAY_VAO', message: 'missing' }], lastError: null }))
      .toBe('XML1.SO_CCCD: not 12 digits; XML1.NGAY_VAO: missing');
    expect(errorTextOf({ status: 'failed', issues: [], lastError: { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'EHR 503' }] } })).toBe('EHR: EHR 503');
  });

  it('writes a BOM, the Vietnamese field names and the kept key fields', () => {
    const text = keyFieldsErrorFile([{
      seq: 2, facility: '46001', recordKey: 'LK-1', status: 'rejected', category: 'CCCD_FORMAT', lastError: null,
      issues: [{ category: 'CCCD_FORMAT', field: 'XML1.SO_CCCD', message: 'not 12 digits' }],
      facts: { person: { name: 'Nguyễn Văn A', birth: { fhirDate: '1990-05-12' }, cccd: { value: '0011', field: 'XML1.SO_CCCD' } } },
    }]);
    expect(text).toBe('\uFEFFSTT,MA_CSKCB,MA_LK,TRANG_THAI,MA_LOI,HO_TEN,NGAY_SINH,SO_CCCD,LOI\r\n2,46001,LK-1,rejected,CCCD_FORMAT,Nguyễn Văn A,1990-05-12,0011,XML1.SO_CCCD: not 12 digits\r\n');
  });
});
