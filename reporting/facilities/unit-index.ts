import { FIRST_NEW_DAY, UNIT_CODE, type AdminUnit, type AreaLevel, type FacilityArea, type Problem } from './model.js';

/** Field names of one area in the input (JSON `areas[0].province` or CSV `MA_TINH`). */
export interface AreaFields {
  validFrom: string;
  province: string;
  district: string;
  commune: string;
}

const LIST_OF = (day: string) => (day >= FIRST_NEW_DAY ? 'QĐ 19/2025/QĐ-TTg' : 'QĐ 124/2004/QĐ-TTg');

/** The administrative units loaded for a check, found by level, code and day. */
export class UnitIndex {
  private readonly byCode = new Map<string, AdminUnit[]>();
  private readonly byParent = new Map<string, AdminUnit[]>();

  constructor(units: Iterable<AdminUnit>) {
    for (const u of units) {
      push(this.byCode, `${u.level}:${u.code}`, u);
      if (u.parent) push(this.byParent, `${u.level}:${u.parent}`, u);
    }
  }

  /** The unit of that level and code valid on `day`. */
  find(level: AreaLevel, code: string, day: string): AdminUnit | undefined {
    return this.byCode.get(`${level}:${code}`)?.find((u) => valid(u, day));
  }

  /** Whether any unit of `level` under `parent` valid on `day` is loaded (then a code missing from the list is wrong, not just unknown). */
  hasChildren(level: AreaLevel, parent: string, day: string): boolean {
    return this.byParent.get(`${level}:${parent}`)?.some((u) => valid(u, day)) ?? false;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function valid(u: AdminUnit, day: string): boolean {
  return u.validFrom <= day && (u.validTo === null || u.validTo >= day);
}

/**
 * Check one area against the units valid on its first day: the province must be in the list of
 * that day (QĐ 124/2004 before 1 July 2025, QĐ 19/2025 from it); from 1 July 2025 there is no
 * district; a district or commune must belong to the unit above it. A district or commune whose
 * list is not loaded (communes ship only as a loader, docs/facilities.md) is kept with a warning.
 */
export function checkArea(area: FacilityArea, index: UnitIndex, fields: AreaFields): Problem[] {
  const problems: Problem[] = [];
  const error = (field: string, message: string) => problems.push({ field, message, severity: 'error' });
  const warn = (field: string, message: string) => problems.push({ field, message, severity: 'warning' });
  const day = area.validFrom;
  if (!UNIT_CODE.province.test(area.province)) error(fields.province, 'a province is a 2-digit GSO code');
  else if (!index.find('province', area.province, day)) error(fields.province, `${area.province} is not a province on ${day} (${LIST_OF(day)})`);
  if (area.district !== null) {
    if (!UNIT_CODE.district.test(area.district)) error(fields.district, 'a district is a 3-digit GSO code');
    else if (day >= FIRST_NEW_DAY) error(fields.district, `there are no districts from ${FIRST_NEW_DAY} (two-level local government, NQ 202/2025/QH15): leave it empty`);
    else {
      const unit = index.find('district', area.district, day);
      if (unit && unit.parent !== area.province) error(fields.district, `district ${area.district} belongs to province ${unit.parent}, not ${area.province}`);
      else if (!unit && index.hasChildren('district', area.province, day)) error(fields.district, `${area.district} is not a district of province ${area.province} on ${day}`);
      else if (!unit) warn(fields.district, `no list of the districts of province ${area.province} is loaded: the code is kept unchecked`);
    }
  }
  if (area.commune !== null) {
    if (!UNIT_CODE.commune.test(area.commune)) error(fields.commune, 'a commune is a 5-digit GSO code');
    else checkCommune(area, area.commune, index, fields, error, warn);
  }
  return problems;
}

/** A commune belongs to its district before the reform (or, without one, to a district of the province) and to its province after it. */
function checkCommune(area: FacilityArea, code: string, index: UnitIndex, fields: AreaFields, error: (f: string, m: string) => void, warn: (f: string, m: string) => void): void {
  const day = area.validFrom;
  const unit = index.find('commune', code, day);
  const [parentLevel, parent] = day >= FIRST_NEW_DAY ? ['province', area.province] : area.district !== null ? ['district', area.district] : ['province', area.province];
  if (unit) {
    // An old commune given without its district: its district's province, when that district is loaded.
    const actual = parentLevel === 'province' && day < FIRST_NEW_DAY ? (unit.parent ? index.find('district', unit.parent, day)?.parent : undefined) : unit.parent;
    if (actual !== undefined && actual !== parent) error(fields.commune, `commune ${code} belongs to ${parentLevel} ${actual ?? 'unknown'}, not ${parent}`);
  } else if (!(parentLevel === 'province' && day < FIRST_NEW_DAY) && index.hasChildren('commune', parent, day)) {
    error(fields.commune, `${code} is not a commune of ${parentLevel} ${parent} on ${day}`);
  } else {
    warn(fields.commune, `no list of the communes of ${parentLevel} ${parent} is loaded: the code is kept unchecked`);
  }
}

/** Periods must be real, ordered (`validTo` not before `validFrom`) and must not overlap. */
export function checkPeriods(areas: FacilityArea[], field: (i: number, key: 'validFrom' | 'validTo') => string): Problem[] {
  const problems: Problem[] = [];
  areas.forEach((a, i) => {
    if (a.validTo !== null && a.validTo < a.validFrom) problems.push({ field: field(i, 'validTo'), message: 'validTo is before validFrom', severity: 'error' });
  });
  const order = areas.map((a, i) => ({ a, i })).sort((x, y) => (x.a.validFrom < y.a.validFrom ? -1 : 1));
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1]!;
    const cur = order[k]!;
    if (prev.a.validTo === null || prev.a.validTo >= cur.a.validFrom) {
      problems.push({ field: field(cur.i, 'validFrom'), message: `overlaps the area from ${prev.a.validFrom}${prev.a.validTo ? ` to ${prev.a.validTo}` : ''}: one area per day`, severity: 'error' });
    }
  }
  return problems;
}
