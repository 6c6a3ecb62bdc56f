import type { Db } from '../../db/pool.js';
import type { AreaLevel, Ownership } from './model.js';

/** What a report shows of a facility. */
export interface FacilityName {
  name: string;
  level: string | null;
  ownership: Ownership | null;
}

/** Names of registered facilities by code (codes not in the register are absent from the map). */
export async function facilityNames(db: Db, codes: readonly string[]): Promise<Map<string, FacilityName>> {
  if (codes.length === 0) return new Map();
  const { rows } = await db.query<{ code: string } & FacilityName>(
    'SELECT code, name, level, ownership FROM facilities WHERE code = ANY($1::text[])',
    [[...new Set(codes)]],
  );
  return new Map(rows.map((r) => [r.code, { name: r.name, level: r.level, ownership: r.ownership }]));
}

/**
 * Names of administrative units of one level by code, as valid on `onDay` (`YYYY-MM-DD`): code 46
 * is Tỉnh Thừa Thiên Huế on 2025-06-30 and Thành phố Huế on 2025-07-01; a district on 2025-07-01
 * has no name (districts ended on 30/06/2025). Codes with no unit that day are absent.
 */
export async function areaNames(db: Db, level: AreaLevel, codes: readonly string[], onDay: string): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const { rows } = await db.query<{ code: string; name: string }>(
    `SELECT DISTINCT ON (code) code, name FROM admin_units
      WHERE level = $1 AND code = ANY($2::text[]) AND valid_from <= $3::date AND (valid_to IS NULL OR valid_to >= $3::date)
      ORDER BY code, valid_from DESC`,
    [level, [...new Set(codes)], onDay],
  );
  return new Map(rows.map((r) => [r.code, r.name]));
}
