import { describe, expect, it } from 'vitest';
import { checkCccdAgainstPerson, decodeCccd } from './cccd.js';

describe('CCCD structure (TT 07/2016 Điều 7)', () => {
  it('decodes province, century/gender digit and birth year', () => {
    expect(decodeCccd('046090001234')).toEqual({ provinceCode: '046', provinceName: 'Thừa Thiên Huế', birthYear: 1990, gender: 'male' });
    expect(decodeCccd('051325104817')).toMatchObject({ provinceCode: '051', birthYear: 2025, gender: 'female' });
    expect(decodeCccd('001599000001')).toMatchObject({ birthYear: 2199, gender: 'female' });
  });

  it.each([
    ['', { birthYear: 1990, gender: 'male' as const }, 'CCCD_MISSING'],
    ['04609000123', {}, 'CCCD_FORMAT'],
    ['123456789', {}, 'CCCD_FORMAT'],
    ['04609A001234', {}, 'CCCD_FORMAT'],
    ['003190001234', {}, 'CCCD_PROVINCE_UNKNOWN'],
    ['099190001234', {}, 'CCCD_PROVINCE_UNKNOWN'],
    ['046090001234', { birthYear: 1985 }, 'CCCD_DOB_MISMATCH'],
    ['046290001234', { birthYear: 1990 }, 'CCCD_DOB_MISMATCH'],
    ['046090001234', { birthYear: 1990, gender: 'female' as const }, 'CCCD_GENDER_MISMATCH'],
  ])('%s with %o is %s', (value, person, category) => {
    expect(checkCccdAgainstPerson(value || undefined, person)?.category).toBe(category);
  });

  it('accepts a consistent CCCD and does not check gender "undetermined"', () => {
    expect(checkCccdAgainstPerson('046190001234', { birthYear: 1990, gender: 'female' })).toBeUndefined();
    expect(checkCccdAgainstPerson('046190001234', { birthYear: 1990, gender: 'unknown' })).toBeUndefined();
  });
});
