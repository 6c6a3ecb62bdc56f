import { describe, expect, it } from 'vitest';
import { categoriesOfGroup } from '../../records/errors.repo.js';
import { csvLineOf, EXPORT_COLUMNS, vnDateTime } from './error-export.js';
import { cursorAfter, cursorOf, errorFilterOf, errorItemOf, summarizeError, uploadsQueryOf } from './errors.service.js';

const LIST = { formatParam: 'format', extra: ['after', 'limit'] } as const;
const expression = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { status: (err as { status: number }).status, expression: (err as { expression?: string[] }).expression, message: (err as Error).message };
  }
  throw new Error('expected a 400');
};

describe('errorFilterOf: every parameter checked, named in the 400', () => {
  it('defaults to the three statuses that need attention; builds each filter', () => {
    expect(errorFilterOf({}, null, LIST)).toEqual({ statuses: ['rejected', 'failed', 'held'] });
    expect(errorFilterOf({
      facility: '46001', province: '46', district: '474', commune: '19753', category: 'CCCD_FORMAT', group: 'malformed-id',
      status: 'held,rejected,held', format: 'csv', kind: 'immunization', from: '2026-01-01', to: '2026-01-31',
    }, null, LIST)).toEqual({
      statuses: ['held', 'rejected'], facility: '46001', province: '46', district: '474', commune: '19753', category: 'CCCD_FORMAT', group: 'malformed-id',
      format: 'csv', kind: 'immunization', from: new Date('2025-12-31T17:00:00Z'), to: new Date('2026-01-31T17:00:00Z'),
    });
  });

  it('a facility key gets its own facility, whatever it asks', () => {
    expect(errorFilterOf({ facility: '46002' }, '46001', LIST).facility).toBe('46001');
    expect(errorFilterOf({}, '46001', LIST).facility).toBe('46001');
  });

  it.each([
    [{ facility: '4600' }, 'facility'], [{ province: '4' }, 'province'], [{ district: '47' }, 'district'], [{ commune: '1975' }, 'commune'],
    [{ category: 'NOPE' }, 'category'], [{ group: 'bad' }, 'group'], [{ status: 'linked' }, 'status'], [{ status: 'held,' }, 'status'],
    [{ format: 'xml' }, 'format'], [{ kind: 'lab' }, 'kind'], [{ from: '2026-02-30' }, 'from'], [{ to: '2026-1-1' }, 'to'],
    [{ from: '2026-02-02', to: '2026-02-01' }, 'to'], [{ facilty: '46001' }, 'facilty'], [{ facility: ['46001', '46002'] }, 'facility'],
  ])('%j → 400 naming %s', (query, name) => {
    expect(expression(() => errorFilterOf(query, null, LIST))).toMatchObject({ status: 400, expression: [name] });
  });

  it('the export names the submission format sourceFormat', () => {
    expect(errorFilterOf({ sourceFormat: 'qd130', format: 'xlsx' }, null, { formatParam: 'sourceFormat', extra: ['format', 'limit'] }).format).toBe('qd130');
  });

  it('groups are the model\'s categories; "other" also takes held records without one', () => {
    expect(categoriesOfGroup('malformed-id')).toEqual(['CCCD_FORMAT', 'CCCD_PROVINCE_UNKNOWN']);
    expect(categoriesOfGroup('other')).toEqual(['FACILITY_MISMATCH', 'SCHEMA', 'DATE_ORDER', 'LINK_FAILED', '']);
  });
});

describe('cursors', () => {
  it('round-trips the exact arrival and id, and refuses anything else naming after', () => {
    const c = cursorAfter({ receivedAt: '2026-03-01T02:03:04.123456Z', id: 42 });
    expect(cursorOf({ after: c })).toEqual({ receivedAt: '2026-03-01T02:03:04.123456Z', id: 42 });
    for (const bad of ['x', Buffer.from('2026-03-01~1').toString('base64url'), `${c}=`]) {
      expect(expression(() => cursorOf({ after: bad }))).toMatchObject({ status: 400, expression: ['after'] });
    }
    expect(expression(() => uploadsQueryOf({ after: c }, null))).toMatchObject({ expression: ['after'] });
    expect(uploadsQueryOf({ facility: '46002', limit: '5' }, '46001')).toEqual({ facility: '46001', limit: 5 });
    expect(expression(() => uploadsQueryOf({ limit: '501' }, null))).toMatchObject({ expression: ['limit'] });
  });
});

describe('views', () => {
  const row = {
    id: 7, submissionId: 'c1f0a4a6-9a43-4f3c-9d1e-1d3f0a4a69a4', seq: 3, facility: '46001', format: 'csv', kind: 'immunization', recordKey: 'imm-1',
    receivedAt: '2026-03-01T17:30:00.000001Z', status: 'rejected' as const, category: 'CCCD_FORMAT', lastError: null, area: null,
    issues: [{ category: 'CCCD_FORMAT' as const, field: 'row 3, column patient.cccd', message: 'not 12 digits' }],
    facts: { person: { name: '=Nguyễn Văn A', birth: { fhirDate: '1990-05-12' }, cccd: { value: '0011', field: 'x' } } },
  };

  it('a record: its group, CSV row, key fields from the facts', () => {
    expect(errorItemOf(row)).toMatchObject({ position: { row: 3 }, group: 'malformed-id', patient: { name: '=Nguyễn Văn A', birthDate: '1990-05-12', SO_CCCD: '0011' }, lastError: null });
    expect(errorItemOf({ ...row, status: 'failed', category: 'LINK_FAILED', facts: undefined, lastError: { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'EHR 503' }, { code: 'transient' }] } }))
      .toMatchObject({ group: 'other', patient: null, lastError: 'EHR 503; transient' });
  });

  it('summarises errors in at most 500 characters', () => {
    expect(summarizeError(null)).toBeNull();
    expect(summarizeError({ message: 'x'.repeat(900) })).toHaveLength(500);
  });

  it('the export line: Vietnam time, texts as they are, formulas neutralised', () => {
    expect(EXPORT_COLUMNS.map((c) => c.header)).toEqual(expect.arrayContaining(['STT', 'Mã CSKCB', 'Mã liên kết (MA_LK)', 'Ngày nhận', 'Trạng thái', 'Nhóm lỗi', 'Mã lỗi', 'Trường', 'Mô tả lỗi', 'Họ tên', 'Ngày sinh', 'Số CCCD']));
    expect(vnDateTime('2026-03-01T17:30:00.000001Z')).toBe('2026-03-02 00:30:00');
    expect(csvLineOf(errorItemOf(row), 1)).toBe(
      `1,46001,imm-1,${row.submissionId},3,csv,Tiêm chủng,2026-03-02 00:30:00,Bị từ chối,CCCD/số định danh sai định dạng,CCCD_FORMAT,"row 3, column patient.cccd",not 12 digits,'=Nguyễn Văn A,1990-05-12,0011`);
  });
});
