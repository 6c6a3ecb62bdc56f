import { describe, expect, it } from 'vitest';
import { actionFor } from './audit.js';
import { auditHash, summarizeQuery } from './audit-query.js';

const KEY = 'k'.repeat(40);

describe('summarizeQuery', () => {
  it('keeps paging and ids verbatim and hashes values that may be personal', () => {
    const q = summarizeQuery({ identifier: '079123456789', name: 'Nguyễn Văn A', _count: '50', _id: 'abc' }, KEY)!;
    expect(q).toEqual({ identifier: auditHash(KEY, '079123456789'), name: auditHash(KEY, 'Nguyễn Văn A'), _count: '50', _id: 'abc' });
    expect(JSON.stringify(q)).not.toMatch(/079123456789|Nguy/);
  });

  it('hashes a CCCD alike with or without its system, keeps the system, and marks system-only tokens', () => {
    const bare = summarizeQuery({ identifier: '079123456789' }, KEY)!.identifier;
    const token = summarizeQuery({ identifier: 'http://fhir.hl7.org.vn/core/sid/cccd|079123456789' }, KEY)!.identifier as string;
    expect(token).toBe(`http://fhir.hl7.org.vn/core/sid/cccd|${bare}`);
    expect(summarizeQuery({ identifier: 'http://fhir.hl7.org.vn/core/sid/cccd|' }, KEY)!.identifier).toBe('http://fhir.hl7.org.vn/core/sid/cccd|');
  });

  it('treats NFC and NFD spellings of a name as the same value, and different keys give different hashes', () => {
    expect(auditHash(KEY, 'Nguyễn'.normalize('NFD'))).toBe(auditHash(KEY, 'Nguyễn'.normalize('NFC')));
    expect(auditHash(KEY, 'x')).not.toBe(auditHash('j'.repeat(40), 'x'));
  });

  it('keeps repeated parameters as arrays and nothing when there is no query', () => {
    expect(summarizeQuery({ _count: ['1', '2'] }, KEY)).toEqual({ _count: ['1', '2'] });
    expect(summarizeQuery({}, KEY)).toBeUndefined();
  });
});

describe('actionFor', () => {
  it('classifies HEAD as a read and any spelling of /fhir as patient data', () => {
    expect(actionFor('HEAD', '/fhir/Patient/1')).toBe('read');
    expect(actionFor('GET', '/FHIR/Patient/1')).toBe('read');
    expect(actionFor('GET', '/Fhir/Patient')).toBe('search');
    expect(actionFor('POST', '/fhir/Patient/_search')).toBe('search');
    expect(actionFor('GET', '/api/stats/facilities')).toBe('view');
    expect(actionFor('POST', '/api/records/rerun')).toBe('execute');
  });
});
