/**
 * Which administrative level a report lists and what each area is called. Before 1 July 2025 a
 * province had districts; from that day the two-level list of QĐ 19/2025/QĐ-TTg has communes only
 * (reporting/migrations/001_facilities_areas.sql), so a period ending after it lists communes.
 */
import type { Db } from '../../db/pool.js';
import type { AreaLevel } from '../counts.repo.js';
import { FIRST_NEW_DAY, LAST_OLD_DAY } from '../facilities/model.js';
import { areaNames } from '../facilities/names.repo.js';

/** Districts for a period whose last day is before the reform, communes after. */
export function areaLevelOn(lastDay: string): Extract<AreaLevel, 'district' | 'commune'> {
  return lastDay < FIRST_NEW_DAY ? 'district' : 'commune';
}

/** Label of a row whose records came from facilities with no area on the day they were counted. */
export const NO_AREA = 'Chưa xác định địa bàn';

/**
 * Names of `codes` at `level` on `onDay`; a code not valid that day (a commune code counted from
 * records that arrived before the reform) is named as it was on the last day before the reform;
 * an unknown code is shown as "Mã 474".
 */
export async function areaLabels(db: Db, level: AreaLevel, codes: readonly string[], onDay: string): Promise<Map<string, string>> {
  const out = await areaNames(db, level, codes, onDay);
  const missing = codes.filter((c) => !out.has(c));
  if (missing.length && onDay >= FIRST_NEW_DAY) {
    for (const [c, n] of await areaNames(db, level, missing, LAST_OLD_DAY)) out.set(c, n);
  }
  for (const c of codes) if (!out.has(c)) out.set(c, `Mã ${c}`);
  return out;
}
