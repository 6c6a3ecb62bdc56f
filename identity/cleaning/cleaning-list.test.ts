import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { CLEANING_COLUMNS, type CleaningRow, type ListProblem } from './police-list.js';
import { readReturnedList } from './read-return.js';
import { parseCorrectedCccd, parseCorrectedDate, parseCorrectedGender, parseResult } from './returned-values.js';
import { SHEET_NAME, writeCleaningCsv, writeCleaningXlsx } from './write-list.js';

const ROWS: CleaningRow[] = [
  {
    ref: 'R1001', facility: '51001', area: { province: '51', district: '522', commune: '21010' },
    reason: 'Sai lệch xác thực: HO_TEN, NGAY_SINH', cccd: '001190012345', name: 'Nguyễn Thị Hồng Nhung',
    birthDate: '1990-05-12', gender: 'female', address: 'Thôn 3, xã Tịnh Hà',
  },
  {
    ref: 'R1002', facility: '51001', area: { province: '51', district: '522', commune: '21010' },
    reason: 'CCCD sai định dạng', cccd: '05108500123', name: 'Trần Văn Đức', birthDate: '1985', gender: 'male',
  },
  {
    ref: 'R1003', facility: '51002', area: { province: '51' },
    reason: 'Không có CCCD', cccd: '', name: 'Lê Thị "Bé" Ánh', birthDate: '2001-07', gender: 'unknown',
  },
];

/** Column number (1-based) of a header in the written list. */
const col = (header: string): number => CLEANING_COLUMNS.findIndex((c) => c.header === header) + 1;

async function loadSheet(bytes: Buffer): Promise<{ workbook: ExcelJS.Workbook; sheet: ExcelJS.Worksheet }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return { workbook, sheet: workbook.getWorksheet(SHEET_NAME)! };
}

/** A returned list from a grid of cells (row 1 = header), as CSV text or as an XLSX workbook. */
async function listBytes(kind: 'csv' | 'xlsx', grid: (string | number | Date)[][]): Promise<Buffer> {
  if (kind === 'csv') return Buffer.from(grid.map((r) => r.join(',')).join('\r\n'), 'utf8');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Sheet1');
  grid.forEach((r) => sheet.addRow(r.map((v) => (v === '' ? null : v))));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('writeCleaningCsv', () => {
  it('writes UTF-8 with BOM, CRLF, RFC 4180 quoting, plain CCCD digits and official date forms', () => {
    const csv = writeCleaningCsv(ROWS);
    const lines = csv.split('\r\n');
    expect(csv.startsWith('\uFEFFMA_THAM_CHIEU,MA_CSKCB,MA_TINH,')).toBe(true);
    expect(lines[0]).toContain(',KET_QUA,SO_CCCD_DUNG,HO_TEN_DUNG,NGAY_SINH_DUNG,GIOI_TINH_DUNG,GHI_CHU');
    expect(lines[1]).toBe('R1001,51001,51,522,21010,"Sai lệch xác thực: HO_TEN, NGAY_SINH",001190012345,Nguyễn Thị Hồng Nhung,12/05/1990,Nữ,"Thôn 3, xã Tịnh Hà",,,,,,');
    expect(lines[2]).toBe('R1002,51001,51,522,21010,CCCD sai định dạng,05108500123,Trần Văn Đức,1985,Nam,,,,,,,');
    expect(lines[3]).toBe('R1003,51002,51,,,Không có CCCD,,"Lê Thị ""Bé"" Ánh",07/2001,Không rõ,,,,,,,');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
  });

  it('neutralises informational cells that Excel would run as a formula', () => {
    const csv = writeCleaningCsv([{ ...ROWS[1]!, name: '=HYPERLINK("x")' }]);
    expect(csv).toContain(`,"'=HYPERLINK(""x"")",`);
  });
});

describe('writeCleaningXlsx', () => {
  it('types CCCD and code cells as text, freezes a bold header, highlights police columns, validates KET_QUA', async () => {
    const { workbook, sheet } = await loadSheet(await writeCleaningXlsx(ROWS, { title: 'Danh sách làm sạch — xã Tịnh Hà' }));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Danh sach']);
    expect(workbook.title).toBe('Danh sách làm sạch — xã Tịnh Hà');
    const cccd = sheet.getCell(2, col('SO_CCCD'));
    expect(cccd.value).toBe('001190012345');
    expect(cccd.numFmt).toBe('@');
    expect(sheet.getCell(2, col('MA_XA')).numFmt).toBe('@');
    expect(sheet.getCell(3, col('SO_CCCD')).value).toBe('05108500123');
    expect(sheet.getCell(2, col('HO_TEN')).value).toBe('Nguyễn Thị Hồng Nhung');
    expect(sheet.getCell(3, col('NGAY_SINH')).value).toBe('1985');
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getColumn(col('SO_CCCD_DUNG')).numFmt).toBe('@');
    expect(sheet.getColumn(col('LY_DO')).width).toBe(40);
    const fill = sheet.getCell(2, col('KET_QUA')).fill as ExcelJS.FillPattern;
    expect(fill.fgColor?.argb).toBe('FFFFF2CC');
    expect((sheet.getCell(2, col('HO_TEN')).fill as ExcelJS.FillPattern | undefined)?.fgColor).toBeUndefined();
    for (const r of [2, 3, 4]) {
      expect(sheet.getCell(r, col('KET_QUA')).dataValidation).toMatchObject({
        type: 'list', allowBlank: true, formulae: ['"Đúng,Sửa,Không tìm thấy"'],
      });
    }
  });
});

describe('round trip', () => {
  it('CSV: the written list, answered by editing the text, reads back', async () => {
    const lines = writeCleaningCsv(ROWS).split('\r\n');
    lines[1] = lines[1]!.replace(/,{6}$/, ',Đúng,,,,,');
    lines[2] = lines[2]!.replace(/,{6}$/, ',sua,051085001235,Trần  Văn  Đực ,12/05/1985,Nam,');
    lines[3] = lines[3]!.replace(/,{6}$/, ',KHONG TIM THAY,,,,,"Đã chuyển đi, không có trong CSDL"');
    const { rows, problems } = await readReturnedList(Buffer.from(lines.join('\r\n'), 'utf8'), 'csv');
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { ref: 'R1001', row: 2, result: 'confirmed' },
      { ref: 'R1002', row: 3, result: 'corrected', corrections: { cccd: '051085001235', name: 'Trần Văn Đực', birthDate: '1985-05-12', gender: 'male' } },
      { ref: 'R1003', row: 4, result: 'not_found', note: 'Đã chuyển đi, không có trong CSDL' },
    ]);
  });

  it('XLSX: the written list, filled in Excel (a number cell that lost its 0, a date cell), reads back', async () => {
    const { workbook, sheet } = await loadSheet(await writeCleaningXlsx(ROWS, { title: 'Tịnh Hà' }));
    sheet.getCell(2, col('KET_QUA')).value = 'Sửa';
    sheet.getCell(2, col('SO_CCCD_DUNG')).value = 51190012346; // 051190012346 typed into a General cell
    const birth = sheet.getCell(2, col('NGAY_SINH_DUNG'));
    birth.value = new Date(Date.UTC(1990, 4, 21)); // a date cell pasted over the text cell: it brings its format
    birth.style = { ...birth.style, numFmt: 'dd/mm/yyyy' }; // a new style object: loaded cells share theirs
    sheet.getCell(2, col('HO_TEN_DUNG')).value = { richText: [{ text: 'Nguyễn Thị ' }, { font: { bold: true }, text: 'Hồng Nhung' }] };
    sheet.getCell(3, col('KET_QUA')).value = 'dung';
    sheet.getCell(4, col('KET_QUA')).value = 'Không tìm thấy';
    sheet.getCell(4, col('GHI_CHU')).value = 'Không có trong CSDL quốc gia về dân cư';
    const returned = Buffer.from(await workbook.xlsx.writeBuffer());
    const { rows, problems } = await readReturnedList(returned, 'xlsx');
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { ref: 'R1001', row: 2, result: 'corrected', corrections: { cccd: '051190012346', name: 'Nguyễn Thị Hồng Nhung', birthDate: '1990-05-21' } },
      { ref: 'R1002', row: 3, result: 'confirmed' },
      { ref: 'R1003', row: 4, result: 'not_found', note: 'Không có trong CSDL quốc gia về dân cư' },
    ]);
  });

  it.each(['csv', 'xlsx'] as const)('%s: an unanswered list reads back as no rows and no problems', async (kind) => {
    const bytes = kind === 'csv' ? Buffer.from(writeCleaningCsv(ROWS), 'utf8') : await writeCleaningXlsx(ROWS, { title: 't' });
    expect(await readReturnedList(bytes, kind)).toEqual({ rows: [], problems: [] });
  });

  it('CSV: semicolons, no BOM, reordered columns, Vietnamese labels as headers, informational columns deleted', async () => {
    const text = 'Kết quả;Ghi chú;mã tham chiếu;Giới tính đúng\n\nkhông tìm thấy;;R7;\nCorrected;;R8;Nữ\n';
    const { rows, problems } = await readReturnedList(Buffer.from(text, 'utf8'), 'csv');
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { ref: 'R7', row: 3, result: 'not_found' },
      { ref: 'R8', row: 4, result: 'corrected', corrections: { gender: 'female' } },
    ]);
  });
});

const HEADER = ['MA_THAM_CHIEU', 'HO_TEN', 'KET_QUA', 'SO_CCCD_DUNG', 'NGAY_SINH_DUNG', 'GIOI_TINH_DUNG', 'GHI_CHU'];
type Case = { name: string; grid: (string | number)[][]; problems: Omit<ListProblem, 'message'>[]; refs: string[]; secret?: string };
const PROBLEM_CASES: Case[] = [
  { name: 'missing KET_QUA column', grid: [['MA_THAM_CHIEU', 'SO_CCCD_DUNG'], ['R1', '051085001235']], problems: [{ row: 1, column: 'KET_QUA' }], refs: [] },
  { name: 'missing MA_THAM_CHIEU column', grid: [['KET_QUA'], ['Đúng']], problems: [{ row: 1, column: 'MA_THAM_CHIEU' }], refs: [] },
  { name: 'bad CCCD', grid: [HEADER, ['R1', 'A', 'Đúng'], ['R2', 'B', 'Sửa', '5108500', '', '', '']], problems: [{ row: 3, column: 'SO_CCCD_DUNG' }], refs: ['R1'], secret: '5108500' },
  { name: 'CCCD of 11 digits as text', grid: [HEADER, ['R1', 'A', 'Sửa', '51085001235']], problems: [{ row: 2, column: 'SO_CCCD_DUNG' }], refs: [], secret: '51085001235' },
  { name: 'bad date', grid: [HEADER, ['R1', 'A', 'Sửa', '', '31/02/1990']], problems: [{ row: 2, column: 'NGAY_SINH_DUNG' }], refs: [], secret: '31/02/1990' },
  { name: 'bad gender', grid: [HEADER, ['R1', 'A', 'Sửa', '', '', 'Không rõ']], problems: [{ row: 2, column: 'GIOI_TINH_DUNG' }], refs: [] },
  { name: 'unknown result', grid: [HEADER, ['R1', 'A', 'Có lẽ'], ['R2', 'B', 'Đúng']], problems: [{ row: 2, column: 'KET_QUA' }], refs: ['R2'] },
  { name: 'Sửa without correction', grid: [HEADER, ['R1', 'A', 'Sửa', '', '', '', 'xem lại']], problems: [{ row: 2, column: 'KET_QUA' }], refs: [] },
  { name: 'Đúng with a correction', grid: [HEADER, ['R1', 'A', 'Đúng', '051085001235']], problems: [{ row: 2, column: 'KET_QUA' }], refs: [] },
  { name: 'duplicate ref', grid: [HEADER, ['R1', 'A', 'Đúng'], ['R2', 'B', ''], ['R1', 'C', 'Không tìm thấy']], problems: [{ row: 4, column: 'MA_THAM_CHIEU' }], refs: ['R1'] },
  { name: 'answered row without ref', grid: [HEADER, ['', 'A', 'Đúng']], problems: [{ row: 2, column: 'MA_THAM_CHIEU' }], refs: [] },
];

describe.each(['csv', 'xlsx'] as const)('problems (%s)', (kind) => {
  it.each(PROBLEM_CASES)('$name', async ({ grid, problems, refs, secret }) => {
    const result = await readReturnedList(await listBytes(kind, grid), kind);
    expect(result.problems.map(({ row, column }) => ({ row, column }))).toEqual(problems);
    expect(result.rows.map((r) => r.ref)).toEqual(refs);
    for (const p of result.problems) {
      expect(p.message).not.toBe('');
      if (secret) expect(p.message).not.toContain(secret);
    }
  });
});

describe('file-level problems', () => {
  it('a CSV that is not UTF-8 and bytes that are not a workbook are problems on row 1, column *', async () => {
    const latin1 = Buffer.from('MA_THAM_CHIEU,KET_QUA\r\nR1,S\xfba\r\n', 'latin1');
    expect((await readReturnedList(latin1, 'csv')).problems).toEqual([{ row: 1, column: '*', message: expect.stringContaining('UTF-8') }]);
    expect((await readReturnedList(Buffer.from('MA_THAM_CHIEU,KET_QUA\r\n'), 'xlsx')).problems).toEqual([{ row: 1, column: '*', message: 'not a readable XLSX workbook' }]);
  });
  it('XLSX: a number in a date-formatted cell (Excel shows ####) is a problem, never a blank', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Danh sach');
    sheet.addRow(['MA_THAM_CHIEU', 'KET_QUA', 'SO_CCCD_DUNG']);
    sheet.addRow(['R1', 'Sửa', 51190012346]).getCell(3).numFmt = 'dd/mm/yyyy';
    const result = await readReturnedList(Buffer.from(await workbook.xlsx.writeBuffer()), 'xlsx');
    expect(result).toEqual({ rows: [], problems: [{ row: 2, column: 'SO_CCCD_DUNG', message: 'not 12 digits' }] });
  });
});

describe('cell values', () => {
  it('KET_QUA accepts the labels with or without diacritics, any case, and the result codes', () => {
    for (const v of ['Đúng', 'DUNG', ' đúng ', 'confirmed']) expect(parseResult(v)).toBe('confirmed');
    for (const v of ['Sửa', 'sua', 'CORRECTED']) expect(parseResult(v)).toBe('corrected');
    for (const v of ['Không tìm thấy', 'khong tim thay', 'not_found', 'NOT FOUND']) expect(parseResult(v)).toBe('not_found');
    expect(parseResult('Sai')).toBeUndefined();
  });

  it('a numeric CCCD cell gets its lost leading zeros back only when the province code is then known', () => {
    expect(parseCorrectedCccd(1190012345)).toEqual({ ok: true, value: '001190012345' }); // Hà Nội: two zeros lost
    expect(parseCorrectedCccd(51085001235)).toEqual({ ok: true, value: '051085001235' });
    expect(parseCorrectedCccd(99085001235).ok).toBe(false); // 099 is no province
    expect(parseCorrectedCccd(5108500123.5).ok).toBe(false);
    expect(parseCorrectedCccd('0510 8500 1235')).toEqual({ ok: true, value: '051085001235' });
    expect(parseCorrectedCccd('5.10850E+10')).toMatchObject({ ok: false, message: expect.stringContaining('scientific') });
  });

  it('dates in the official forms, FHIR forms, Date cells and year numbers', () => {
    const cases: [string | number | Date, string][] = [
      ['05/03/1990', '1990-03-05'], ['5/3/1990', '1990-03-05'], ['05-03-1990', '1990-03-05'], ['03/1990', '1990-03'],
      ['1990', '1990'], ['1990-03-05', '1990-03-05'], [1990, '1990'], [new Date(Date.UTC(2001, 0, 31)), '2001-01-31'],
    ];
    for (const [cell, value] of cases) expect(parseCorrectedDate(cell)).toEqual({ ok: true, value });
    for (const bad of ['29/02/2001', '13/2001', '1799', 'mai', 32874]) expect(parseCorrectedDate(bad).ok).toBe(false);
  });

  it('gender Nam/Nữ/male/female/1/2', () => {
    for (const v of ['Nam', 'nam', 'male', '1', 1]) expect(parseCorrectedGender(v)).toEqual({ ok: true, value: 'male' });
    for (const v of ['Nữ', 'NU', 'female', '2', 2]) expect(parseCorrectedGender(v)).toEqual({ ok: true, value: 'female' });
    expect(parseCorrectedGender('Không rõ').ok).toBe(false);
  });
});
