import ExcelJS from 'exceljs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readReturnedList } from './read-return.js';
import { zipInflatedSize } from './xlsx-size.js';

/** A one-entry ZIP (stored name, deflated data) built by hand, with the central directory's declared size. */
function zipOf(name: string, data: Buffer, declaredSize = data.length): Buffer {
  const body = deflateRawSync(data);
  const n = Buffer.from(name);
  const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(8, 8); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(declaredSize, 22); local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46); central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(8, 10); central.writeUInt32LE(body.length, 20); central.writeUInt32LE(declaredSize, 24); central.writeUInt16LE(n.length, 28);
  const offset = local.length + n.length + body.length;
  const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10); end.writeUInt32LE(central.length + n.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([local, n, body, central, n, end]);
}

describe('zipInflatedSize: what an XLSX inflates to, before inflating it', () => {
  it('reads the entries and sizes of a real workbook', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Danh sach').addRow(['MA_THAM_CHIEU', 'KET_QUA']);
    const size = zipInflatedSize(Buffer.from(await book.xlsx.writeBuffer()));
    expect(size!.entries).toBeGreaterThan(3);
    expect(size!.bytes).toBeGreaterThan(1000);
  });

  it.each([
    ['not a zip', Buffer.from('SO_CCCD,KET_QUA\r\n')],
    ['a truncated zip', zipOf('a.xml', Buffer.from('x')).subarray(0, 40)],
    ['a ZIP64 size', zipOf('a.xml', Buffer.from('x'), 0xffffffff)],
  ])('%s is not readable', (_what, bytes) => {
    expect(zipInflatedSize(bytes)).toBeUndefined();
  });

  it('a returned list declaring 200 MB inside a few KB is refused unopened, naming the limit', async () => {
    const bomb = zipOf('xl/worksheets/sheet1.xml', Buffer.alloc(64 * 1024, 0x20), 200 * 1024 * 1024);
    const { rows, problems } = await readReturnedList(bomb, 'xlsx');
    expect(rows).toEqual([]);
    expect(problems).toEqual([{ row: 1, column: '*', message: expect.stringMatching(/would inflate to 209715200 bytes/) }]);
  });
});
