import { describe, expect, it } from 'vitest';
import { parseFhirDate, parseFhirDateTime } from './dates.js';

describe('FHIR date and dateTime as facts (http://hl7.org/fhir/R4/datatypes.html#dateTime)', () => {
  it.each([
    ['1990', { year: 1990, fhirDate: '1990', fhirDateTime: '1990' }],
    ['1990-06', { year: 1990, month: 6, fhirDate: '1990-06', fhirDateTime: '1990-06' }],
    ['2024-02-29', { year: 2024, month: 2, day: 29, fhirDate: '2024-02-29', fhirDateTime: '2024-02-29' }],
  ])('date %s keeps its precision', (raw, facts) => {
    expect(parseFhirDate(raw)).toEqual(facts);
    expect(parseFhirDateTime(raw)).toEqual(facts);
  });

  it.each(['2023-02-29', '1990-13', '1990-00', '0099', '2201-01-01', '1990-6-1', '19900601', '', 'T', 5])('refuses %s', (raw) => {
    expect(parseFhirDate(raw)).toBeUndefined();
  });

  it('writes a time in UTC+7 like every other format, seconds and fraction kept, the day moved when it must', () => {
    expect(parseFhirDateTime('2026-01-15T08:30:00+07:00')).toEqual({
      year: 2026, month: 1, day: 15, minutes: 510, fhirDate: '2026-01-15', fhirDateTime: '2026-01-15T08:30:00+07:00',
    });
    expect(parseFhirDateTime('2026-01-14T20:05:07.25Z')?.fhirDateTime).toBe('2026-01-15T03:05:07.25+07:00');
    expect(parseFhirDateTime('2025-12-31T23:00:00-05:00')?.fhirDateTime).toBe('2026-01-01T11:00:00+07:00');
    expect(parseFhirDateTime('2026-01-15T00:00:00+07:00')?.minutes).toBe(0);
  });

  it.each(['2026-01-15T08:30+07:00', '2026-01-15T08:30:00', '2026-01-15T24:00:00Z', '2026-01-15T08:30:00+15:00', '2026-02-30T08:30:00Z'])(
    'refuses dateTime %s (R4 needs seconds and a zone with a time)', (raw) => {
      expect(parseFhirDateTime(raw)).toBeUndefined();
    },
  );
});
