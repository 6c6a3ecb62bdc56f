import { describe, expect, it } from 'vitest';
import { parseAdminUnitsCsv } from './admin-units-csv.js';
import { readShippedUnits } from './admin-units.js';

describe('shipped administrative units (reporting/data)', () => {
  it('63 provinces to 2025-06-30 and 34 from 2025-07-01, every new code an old one (CV 915/CTK-CSCL)', async () => {
    const old = await readShippedUnits('provinces-2008-2025.csv');
    const now = await readShippedUnits('provinces-2025.csv');
    expect(new Set(old.map((u) => u.code)).size).toBe(63);
    expect(new Set(now.map((u) => u.code)).size).toBe(34);
    expect(old.every((u) => u.validTo === '2025-06-30')).toBe(true);
    expect(now.every((u) => u.validFrom === '2025-07-01' && u.validTo === null)).toBe(true);
    expect(now.every((u) => old.some((o) => o.code === u.code))).toBe(true);
    // Codes that name another province after the reform (vn-health-data §7.2 pitfall).
    expect(old.find((u) => u.code === '15')!.name).toBe('Tỉnh Yên Bái');
    expect(now.find((u) => u.code === '15')!.name).toBe('Tỉnh Lào Cai');
    expect(now.find((u) => u.code === '46')!.name).toBe('Thành phố Huế');
  });

  it('the pre-reform districts of Huế (46) and Quảng Ngãi (51) of the reference §7.1', async () => {
    const districts = await readShippedUnits('districts-46-51-2008-2025.csv');
    expect(districts.filter((d) => d.parent === '46')).toHaveLength(9);
    expect(districts.filter((d) => d.parent === '51')).toHaveLength(13);
  });

  it('demo communes are marked and use codes (99xxx) the GSO list does not', async () => {
    const demo = await readShippedUnits('demo-communes.csv');
    expect(demo.every((u) => u.code.startsWith('99') && u.name.startsWith('[DEMO]') && u.source!.startsWith('DEMO ONLY'))).toBe(true);
  });
});

describe('parseAdminUnitsCsv', () => {
  it('reports bad rows by row and column and keeps the good ones', () => {
    const csv = 'level;code;name;parent;valid_from;valid_to;source\n'
      + 'commune;30337;Thị trấn An Phú;;2008-08-01;2025-06-30;\n'
      + 'xã;12345;Xã A;883;01/08/2008;;GSO\n'
      + 'district;88;X;89;2008-08-01;2001-01-01;\n';
    const file = parseAdminUnitsCsv(csv, 'file.csv');
    expect(file.units).toMatchObject([{ level: 'commune', code: '12345', parent: '883', validFrom: '2008-08-01', validTo: null, source: 'GSO' }]);
    expect(file.problems.map((p) => `${p.row} ${p.field}`)).toEqual(['1 parent', '3 code', '3 valid_to']);
  });
});
