import { describe, expect, it } from 'vitest';
import { facilityInputOf, successionInputOf } from './facility-input.js';

describe('facilityInputOf', () => {
  it('accepts a facility with areas and Vietnamese or English level and ownership', () => {
    const { input, problems } = facilityInputOf('46001', {
      name: 'BV A', level: 'Tuyến tỉnh', ownership: 'công lập',
      areas: [{ validFrom: '2008-08-01', validTo: '2025-06-30', province: '46', district: '474' }, { validFrom: '2025-07-01', province: '46' }],
    });
    expect(problems).toEqual([]);
    expect(input).toMatchObject({ level: 'province', ownership: 'public', areas: [{ district: '474', commune: null }, { validTo: null, district: null }] });
  });

  it('lists every problem with its field', () => {
    const { input, problems } = facilityInputOf('46001', { name: '', level: 'tuyến 7', ownership: 'both', areas: [{ validFrom: '2025-02-30', province: '4' }, 7], extra: 1 });
    expect(input).toBeUndefined();
    expect(problems.map((p) => p.field)).toEqual(['extra', 'name', 'level', 'ownership', 'areas[0].validFrom', 'areas[0].province', 'areas[1].']);
  });
});

describe('successionInputOf', () => {
  it('needs a new code and a date; refuses the same code', () => {
    expect(successionInputOf('51003', { newCode: '51002', effective: '2025-07-01', basis: 'QĐ' }).input).toEqual({ oldCode: '51003', newCode: '51002', effective: '2025-07-01', basis: 'QĐ' });
    expect(successionInputOf('51003', { newCode: '51003' }).problems.map((p) => p.field)).toEqual(['newCode', 'effective']);
  });
});
