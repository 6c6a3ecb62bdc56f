import { describe, expect, it } from 'vitest';
import { buildSummary, renderSummary, type FileOutcome } from './summary.js';

const outcomes: FileOutcome[] = [
  { status: 'sent', file: 'a.xml', format: 'qd130', facility: '46001', submissionId: 's1', accepted: 2, rejected: [{ key: 'LK3', category: 'CCCD_FORMAT' }] },
  { status: 'sent', file: 'b.hl7', format: 'hl7v2', facility: '46001', accepted: 1, rejected: [{ key: 'M2', category: 'SCHEMA' }, { key: 'M3', category: 'CCCD_FORMAT' }] },
  { status: 'sent', file: 'c.csv', format: 'csv', facility: '51001', accepted: 1234, rejected: [{ key: 'R7', category: 'DATE_ORDER', row: 7 }] },
  { status: 'failed', file: 'd.json', format: 'fhir', reason: 'HTTP 404 (this gateway has no route POST /ingest/fhir)' },
  { status: 'skipped', file: 'notes.txt', reason: 'unknown format (.txt)' },
];

describe('import summary', () => {
  it('totals each facility with its rejected records by category, and lists failed and skipped files', () => {
    const s = buildSummary(outcomes);
    expect(s.facilities).toEqual([
      { facility: '46001', files: 2, records: 6, accepted: 3, rejected: 3, rejectedByCategory: { CCCD_FORMAT: 2, SCHEMA: 1 } },
      { facility: '51001', files: 1, records: 1235, accepted: 1234, rejected: 1, rejectedByCategory: { DATE_ORDER: 1 } },
    ]);
    expect(s.totals).toEqual({ files: 5, sent: 3, failed: 1, skipped: 1, records: 1241, accepted: 1237, rejected: 4 });
    expect(s.files[0]).toEqual({ file: 'a.xml', format: 'qd130', facility: '46001', submissionId: 's1', accepted: 2, rejected: 1 });
    expect(s.files).toHaveLength(3);
    expect(s.rejectedRecords[3]).toEqual({ file: 'c.csv', facility: '51001', key: 'R7', category: 'DATE_ORDER', row: 7 });
    expect(s.failed).toEqual([{ file: 'd.json', format: 'fhir', reason: 'HTTP 404 (this gateway has no route POST /ingest/fhir)' }]);
    expect(s.skipped).toEqual([{ file: 'notes.txt', reason: 'unknown format (.txt)' }]);
    expect(s.exitCode).toBe(1);
  });

  it('exits 0 when every record was accepted, skipped files included; 1 for a failed file alone', () => {
    expect(buildSummary([outcomes[4]!, { ...(outcomes[0] as Extract<FileOutcome, { status: 'sent' }>), rejected: [] }]).exitCode).toBe(0);
    expect(buildSummary([outcomes[3]!]).exitCode).toBe(1);
    expect(buildSummary([]).exitCode).toBe(0);
  });

  it('renders an aligned table with a total line, then the rejected, failed and skipped files', () => {
    const text = renderSummary(buildSummary(outcomes));
    expect(text.split('\n').slice(0, 4)).toEqual([
      'facility  files  records  accepted  rejected  rejected by category',
      '46001         2        6         3         3  CCCD_FORMAT 2, SCHEMA 1',
      '51001         1    1,235     1,234         1  DATE_ORDER 1',
      'total         3    1,241     1,237         4  CCCD_FORMAT 2, DATE_ORDER 1, SCHEMA 1',
    ]);
    expect(text).toContain('Rejected records (4):\n  a.xml         LK3  CCCD_FORMAT');
    expect(text).toContain('  c.csv  row 7  R7   DATE_ORDER');
    expect(text).toContain('Failed files (1):\n  d.json  HTTP 404');
    expect(text).toContain('Skipped files (1):\n  notes.txt  unknown format (.txt)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('5 file(s): 3 sent, 1 failed, 1 skipped. 4 record(s) rejected, 1 file(s) failed.');
  });

  it('lists at most 20 rejected records in text', () => {
    const many: FileOutcome = { status: 'sent', file: 'x.xml', format: 'qd130', facility: '46001', accepted: 0, rejected: Array.from({ length: 25 }, (_, i) => ({ key: `K${i}`, category: 'SCHEMA' })) };
    const text = renderSummary(buildSummary([many]));
    expect(text).toContain('  … and 5 more (--json lists all)');
    expect(text).not.toContain('K20');
  });
});
