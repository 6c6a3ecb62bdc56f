import { describe, expect, it } from 'vitest';
import type { AdminUnit, FacilityArea } from './model.js';
import { checkArea, checkPeriods, UnitIndex } from './unit-index.js';

const unit = (level: AdminUnit['level'], code: string, parent: string | null, validFrom: string, validTo: string | null): AdminUnit =>
  ({ level, code, name: `${level} ${code}`, parent, validFrom, validTo, source: null });
const index = new UnitIndex([
  unit('province', '46', null, '2008-08-01', '2025-06-30'), unit('province', '46', null, '2025-07-01', null),
  unit('province', '51', null, '2008-08-01', '2025-06-30'), unit('province', '51', null, '2025-07-01', null),
  unit('province', '62', null, '2008-08-01', '2025-06-30'),
  unit('district', '474', '46', '2008-08-01', '2025-06-30'),
  unit('commune', '99101', '474', '2008-08-01', '2025-06-30'), unit('commune', '99151', '46', '2025-07-01', null),
]);
const FIELDS = { validFrom: 'validFrom', province: 'province', district: 'district', commune: 'commune' };
const area = (a: Partial<FacilityArea>): FacilityArea => ({ validFrom: '2008-08-01', validTo: null, province: '46', district: null, commune: null, ...a });
const check = (a: Partial<FacilityArea>) => checkArea(area(a), index, FIELDS).map((p) => `${p.severity} ${p.field}: ${p.message}`);

describe('checkArea', () => {
  it('accepts units valid on the first day of the area', () => {
    expect(check({ district: '474', commune: '99101' })).toEqual([]);
    expect(check({ validFrom: '2025-07-01', commune: '99151' })).toEqual([]);
  });

  it('refuses a province abolished by the reform on a day after it', () => {
    expect(check({ validFrom: '2025-07-01', province: '62' })).toEqual(['error province: 62 is not a province on 2025-07-01 (QĐ 19/2025/QĐ-TTg)']);
  });

  it('refuses a district from 1 July 2025 and one under another province', () => {
    expect(check({ validFrom: '2025-07-01', district: '474' })[0]).toMatch(/^error district: there are no districts from 2025-07-01/);
    expect(check({ province: '51', district: '474' })).toEqual(['error district: district 474 belongs to province 46, not 51']);
    expect(check({ district: '475' })).toEqual(['error district: 475 is not a district of province 46 on 2008-08-01']);
  });

  it('refuses a commune of another district, warns about one whose list is not loaded', () => {
    expect(check({ validFrom: '2025-07-01', province: '51', commune: '99151' })).toEqual(['error commune: commune 99151 belongs to province 46, not 51']);
    expect(check({ province: '51', commune: '52000' })).toEqual(['warning commune: no list of the communes of province 51 is loaded: the code is kept unchecked']);
    expect(check({ province: '62', district: '610' })[0]).toMatch(/^warning district: no list of the districts of province 62/);
  });
});

describe('checkPeriods', () => {
  it('refuses overlapping or reversed periods', () => {
    const field = (i: number, k: string) => `areas[${i}].${k}`;
    expect(checkPeriods([area({ validTo: '2025-06-30' }), area({ validFrom: '2025-07-01' })], field)).toEqual([]);
    expect(checkPeriods([area({ validFrom: '2025-07-01' }), area({})], field).map((p) => p.field)).toEqual(['areas[0].validFrom']);
    expect(checkPeriods([area({ validFrom: '2025-07-01', validTo: '2025-01-01' })], field).map((p) => p.message)).toEqual(['validTo is before validFrom']);
  });
});
