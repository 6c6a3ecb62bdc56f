import { describe, expect, test } from 'vitest';
import { compareWithRegistry } from './compare.js';
import type { RegistryPerson, VerificationField, VerifyQuery } from './port.js';

const person: RegistryPerson = {
  cccd: '046090001234',
  name: 'Nguyễn Thị Đào',
  birthDate: '1990-05-12',
  gender: 'female',
  province: '46',
  commune: '19753',
};

/** The registry's own row, as a record would describe it when everything agrees. */
const base: VerifyQuery = {
  cccd: person.cccd,
  name: person.name,
  birthDate: person.birthDate,
  gender: 'female',
  address: { province: '46', commune: '19753' },
};

describe('compareWithRegistry', () => {
  test.each<[string, Partial<VerifyQuery>]>([
    ['the same name, date, gender and address', {}],
    ['the name in NFD (decomposed diacritics)', { name: 'Nguyễn Thị Đào'.normalize('NFD') }],
    ['the name in upper case', { name: 'NGUYỄN THỊ ĐÀO' }],
    ['the name without diacritics', { name: 'Nguyen Thi Dao' }],
    ['the name with d for đ', { name: 'Nguyễn Thị Dào' }],
    ['the name with double and trailing spaces', { name: '  Nguyễn  Thị   Đào ' }],
    ['the name folded to ASCII upper case', { name: 'NGUYEN THI DAO' }],
    ['a year-only birth date', { birthDate: '1990' }],
    ['a year-and-month birth date', { birthDate: '1990-05' }],
    ['gender unknown on the record', { gender: 'unknown' }],
    ['no gender on the record', { gender: undefined }],
    ['no name on the record', { name: undefined }],
    ['no birth date on the record', { birthDate: undefined }],
    ['no address on the record', { address: undefined }],
    ['a commune code that changed with the 2025 reform, same province', { address: { province: '46', commune: '99999' } }],
    ['a commune but no province on the record', { address: { commune: '00001' } }],
    ['the province padded to the 3-digit form', { address: { province: '046' } }],
  ])('verifies %s', (_case, change) => {
    const verdict = compareWithRegistry({ ...base, ...change }, person);
    expect(verdict).toEqual({ outcome: 'verified', person });
  });

  test.each<[string, Partial<VerifyQuery>, VerificationField[]]>([
    ['another name', { name: 'Nguyễn Thị Hoa' }, ['name']],
    ['a name with a letter missing', { name: 'Nguyen Thi Da' }, ['name']],
    ['another full birth date', { birthDate: '1990-05-13' }, ['birthDate']],
    ['another birth year', { birthDate: '1991' }, ['birthDate']],
    ['another birth month', { birthDate: '1990-06' }, ['birthDate']],
    ['the other gender', { gender: 'male' }, ['gender']],
    ['another province', { address: { province: '51', commune: '19753' } }, ['address']],
    [
      'everything different, listed in the order name, birthDate, gender, address',
      { name: 'Trần Văn B', birthDate: '1985', gender: 'male', address: { province: '01' } },
      ['name', 'birthDate', 'gender', 'address'],
    ],
    ['gender and province', { gender: 'male', address: { province: '01' } }, ['gender', 'address']],
  ])('finds a mismatch for %s', (_case, change, fields) => {
    const verdict = compareWithRegistry({ ...base, ...change }, person);
    expect(verdict).toEqual({ outcome: 'mismatch', fields, person });
  });

  test.each<[string, Partial<RegistryPerson>, Partial<VerifyQuery>]>([
    ['the registry has a partial birth date', { birthDate: '1990' }, { birthDate: '1990-05-12' }],
    ['the registry does not know the gender', { gender: 'unknown' }, { gender: 'male' }],
    ['the registry has no province', { province: undefined }, { address: { province: '01' } }],
  ])('verifies when %s', (_case, registered, change) => {
    const row = { ...person, ...registered };
    expect(compareWithRegistry({ ...base, ...change }, row)).toEqual({ outcome: 'verified', person: row });
  });

  test('returns the registry person, whose cccd is the current number after a re-issue', () => {
    const reissued = { ...person, cccd: '046190009999', previousIds: [person.cccd] };
    const verdict = compareWithRegistry(base, reissued);
    expect(verdict.outcome).toBe('verified');
    expect(verdict.outcome === 'verified' && verdict.person?.cccd).toBe('046190009999');
  });
});
