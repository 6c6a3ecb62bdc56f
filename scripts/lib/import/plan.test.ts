import { describe, expect, it } from 'vitest';
import { csvRoute, planFile } from './plan.js';

const file = (display: string) => ({ path: `/tmp/${display}`, display, size: 10 });

describe('planning a file', () => {
  it('sends claim XML as application/xml, gzip with Content-Encoding, with the facility hint', () => {
    expect(planFile(file('a.xml.gz'), { format: 'qd130' }, true, {}, '46001')).toEqual({
      action: 'send', file: file('a.xml.gz'), format: 'qd130', route: '/ingest/qd130', contentType: 'application/xml', gzip: true, facilityHint: '46001',
    });
  });

  it('sends HL7 v2 as ER7 and FHIR Bundles to /ingest/fhir', () => {
    expect(planFile(file('a.hl7'), { format: 'hl7v2' }, false, {})).toMatchObject({ route: '/ingest/hl7v2', contentType: 'x-application/hl7-v2+er7' });
    expect(planFile(file('b.json'), { format: 'fhir' }, false, {})).toMatchObject({ route: '/ingest/fhir', contentType: 'application/fhir+json' });
  });

  it('sends CSV with the kind of --kind, else of the file name, and the profile', () => {
    expect(csvRoute('tiem.csv', {})).toBe('/ingest/csv?kind=immunization');
    expect(csvRoute('tiem.csv', { kind: 'encounter' })).toBe('/ingest/csv?kind=encounter');
    expect(csvRoute('export.csv', { profile: 'his-a' })).toBe('/ingest/csv?profile=his-a');
    expect(csvRoute('kcb.csv', { profile: 'his-a' })).toBe('/ingest/csv?kind=encounter&profile=his-a');
    expect(planFile(file('tiem.csv'), { format: 'csv' }, false, {})).toMatchObject({ contentType: 'text/csv; charset=utf-8' });
  });

  it('refuses a CSV whose kind is unknown, and skips a file of no format', () => {
    expect(planFile(file('export.csv'), { format: 'csv' }, false, {})).toMatchObject({ action: 'error', format: 'csv', reason: expect.stringMatching(/--kind/) });
    expect(planFile(file('x.txt'), { format: null, reason: 'unknown format (.txt)' }, false, {})).toEqual({ action: 'skip', file: file('x.txt'), reason: 'unknown format (.txt)' });
  });
});
