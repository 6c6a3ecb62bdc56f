import { describe, expect, it } from 'vitest';
import { parseHisDate } from './dates.js';

describe('HIS dates (yyyymmddHHMM, local time UTC+7)', () => {
  it.each([
    ['202501150842', '2025-01-15', '2025-01-15T08:42:00+07:00'],
    ['202501150000', '2025-01-15', '2025-01-15'],
    ['194500000000', '1945', '1945'],
    ['196203000000', '1962-03', '1962-03'],
    ['19730412', '1973-04-12', '1973-04-12'],
  ])('%s → %s / %s', (raw, date, dateTime) => {
    expect(parseHisDate(raw)).toMatchObject({ fhirDate: date, fhirDateTime: dateTime });
  });

  it.each(['20250230', '202513010000', '202501152460', '2025011', '2025-01-15', 'abcdefgh', '00000000', '202500150000'])('rejects %s', (raw) => {
    expect(parseHisDate(raw)).toBeUndefined();
  });
});
