import { describe, expect, it } from 'vitest';
import type { ReaderLimits } from '../contract.js';
import { feedInPieces, mappingRefusal as refusal } from '../../test/helpers/readers.js';
import { csvFormat } from './index.js';
import { CsvRowReader, detectDelimiter, type CsvRow } from './reader.js';

const LIMITS: ReaderLimits = { maxItems: 1_000_000, maxFieldChars: 1_000_000 };
const HEADER = 'patient_cccd,patient_name,occurrence,note';

function read(text: string, pieces: number[] = [], limits = LIMITS, kind: 'immunization' | 'encounter' = 'immunization'): { rows: CsvRow[]; reader: CsvRowReader } {
  const rows: CsvRow[] = [];
  const reader = new CsvRowReader(kind, (r) => rows.push(r), limits);
  feedInPieces(reader, text, pieces);
  return { rows, reader };
}

describe('CsvRowReader', () => {
  it('hands out each row as soon as it is complete (csv-parse push API, synchronous)', () => {
    const rows: CsvRow[] = [];
    const reader = new CsvRowReader('immunization', (r) => rows.push(r), LIMITS);
    reader.write(`${HEADER}\n051325000417,Trần Thị Bống,2025-01-14,`);
    expect(rows).toHaveLength(0);
    reader.write('\n051325000418,B,2025-01-15,x\n');
    // csv-parse holds a row back only while its last line break could still be the start of a CRLF.
    expect(rows.map((r) => r.row)).toEqual([1]);
    reader.end();
    expect(rows.map((r) => r.row)).toEqual([1, 2]);
    expect(rows[0]!.fields).toEqual({ 'patient.cccd': '051325000417', 'patient.name': 'Trần Thị Bống', 'immunization.occurrence': '2025-01-14' });
  });

  it('numbers data rows and the physical line each starts on: quoted line breaks, CRLF, blank lines, sep= and BOM', () => {
    const text = '\uFEFFsep=;\r\npatient_cccd;note\r\n1;"two\r\nlines"\r\n\r\n;\r\n2;plain\r\n3;"a\nb\nc"\r\n4;last';
    const { rows, reader } = read(text);
    expect(rows.map((r) => [r.row, r.line])).toEqual([[1, 3], [2, 7], [3, 8], [4, 11]]);
    expect(rows[0]!.fields['immunization.note']).toBe('two\r\nlines');
    expect(reader.header).toMatchObject({ delimiter: ';', sepLine: true, columns: ['patient_cccd', 'note'] });
  });

  it('reads the same rows whatever the pieces, down to one character at a time', () => {
    const text = 'sep=;\r\npatient_cccd;patient_name;note\r\n051325000417;"Bống; Tí";"x\r\ny"\r\n051325000418;Ệ 😀;"""q"""\n';
    const whole = read(text).rows;
    const single = read(text, Array.from({ length: text.length - 1 }, (_, i) => i + 1)).rows;
    expect(single).toEqual(whole);
    expect(whole[0]!.fields['patient.name']).toBe('Bống; Tí');
    expect(whole[1]!.fields).toMatchObject({ 'patient.name': 'Ệ 😀', 'immunization.note': '"q"' });
  });

  it('detects the separator from the header line, outside quotes', () => {
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('"a;b",c')).toBe(',');
    expect(detectDelimiter('a\tb')).toBe('\t');
    expect(detectDelimiter('single')).toBe(',');
    expect(read('patient_cccd;patient_name\n1;Lê, Văn A\n').rows[0]!.fields['patient.name']).toBe('Lê, Văn A');
  });

  it('matches headers after NFC, trim and case folding, by default column or by field name', () => {
    const decomposed = 'PATIENT_NAME'.normalize('NFD');
    const { rows } = read(` Patient_CCCD ,${decomposed},immunization.vaccineCode.CVX,Ghi chú riêng\n1,A,08,x\n`);
    expect(rows[0]!.fields).toEqual({ 'patient.cccd': '1', 'patient.name': 'A', 'immunization.vaccineCode.cvx': '08' });
    expect(rows[0]!.unknownColumns).toEqual(['Ghi chú riêng']);
  });

  it('keeps the cell counts so a broken row can be named', () => {
    const { rows } = read('patient_cccd,note\n1,a,extra\n2\n');
    expect(rows.map((r) => [r.cellCount, r.headerCount])).toEqual([[3, 2], [1, 2]]);
  });

  it('refuses what is not CSV, naming the line', () => {
    expect(refusal(() => read('patient_cccd,note\n1,ok\n2,"never closed\n3,x\n'))).toMatchObject({ location: 'line 3', code: 'structure' });
    expect(refusal(() => read('foo,bar\n1,2\n')).message).toMatch(/names no column of a immunization file/);
    expect(refusal(() => read('patient_cccd,patient.cccd\n1,2\n')).message).toMatch(/both name patient.cccd/);
    expect(refusal(() => read(''))).toMatchObject({ location: 'line 1' });
  });

  it('bounds rows, the header line and a row', () => {
    expect(refusal(() => read(`${HEADER}\n1,a,b,c\n2,a,b,c\n3,a,b,c\n`, [], { ...LIMITS, maxItems: 2 }))).toMatchObject({ code: 'too-costly', location: 'line 4' });
    expect(refusal(() => read('x'.repeat(200), [50, 100, 150], { ...LIMITS, maxHeaderChars: 120 }))).toMatchObject({ code: 'too-costly' });
    expect(refusal(() => read(`${HEADER}\n1,a,b,${'c'.repeat(5000)}\n`, [], { ...LIMITS, maxTextChars: 1000 }))).toMatchObject({ code: 'too-costly' });
  });

  it('streams a large file: rows come out while it is fed, in bounded time', () => {
    const line = '051325000417,Trần Thị Bống,2025-01-14,"ghi chú, dài"\n';
    const chunk = line.repeat(2000); // ~120 KB
    const rows: number[] = [];
    const reader = new CsvRowReader('immunization', (r) => rows.push(r.row), LIMITS);
    const t0 = Date.now();
    reader.write(`${HEADER}\n`);
    reader.write(chunk);
    expect(rows.length).toBeGreaterThan(1900);
    for (let i = 1; i < 100; i += 1) reader.write(chunk); // ~12 MB, 200 000 rows
    reader.end();
    expect(rows.length).toBe(200_000);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 30_000);
});

describe('csvFormat options', () => {
  it('needs kind=immunization or kind=encounter in the query', () => {
    expect(csvFormat.parseOptions!({ kind: 'immunization' })).toEqual({ kind: 'immunization' });
    expect(refusal(() => csvFormat.parseOptions!({}))).toMatchObject({ location: 'kind', code: 'invalid' });
    expect(refusal(() => csvFormat.parseOptions!({ kind: 'lab' })).message).toMatch(/"lab" is not known/);
    expect(refusal(() => csvFormat.parseOptions!({ kind: ['immunization', 'encounter'] })).message).toMatch(/more than once/);
  });

  it('answers each record with its data row and physical line', () => {
    const rows: CsvRow[] = [];
    const reader = csvFormat.createReader((r) => rows.push(r), LIMITS, { kind: 'encounter' });
    reader.write('encounter_identifier,patient_cccd,period_start\n\nKB-1,051090004512,2025-03-02\n');
    reader.end();
    const item = csvFormat.mapItem(rows[0]!, { systems: {} as never, envelopeFacility: '51107', options: { kind: 'encounter' } });
    expect(item.position).toEqual({ row: 1, line: 3 });
    expect(item.facts).toMatchObject({ key: 'KB-1', facility: '51107' });
  });
});
