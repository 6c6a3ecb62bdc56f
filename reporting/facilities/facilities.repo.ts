import type { Db } from '../../db/pool.js';
import type { FacilityInput, Ownership } from './model.js';

/** An area of a stored facility, with the names of its units on the area's first day. */
export interface StoredArea {
  validFrom: string;
  validTo: string | null;
  province: string | null;
  provinceName: string | null;
  district: string | null;
  districtName: string | null;
  commune: string | null;
  communeName: string | null;
}

/** A code change as stored (`facility_successions`). */
export interface StoredSuccession {
  code: string;
  effective: string;
  basis: string | null;
}

/** A register entry with its areas, the code it was replaced by (if any) and the codes it replaced. */
export interface StoredFacility {
  code: string;
  registered: true;
  name: string;
  level: string | null;
  ownership: Ownership | null;
  updatedAt: string;
  areas: StoredArea[];
  successor: StoredSuccession | null;
  predecessors: StoredSuccession[];
}

/** A code seen in submissions or the monthly counters that is neither registered nor a former code. */
export interface UnregisteredFacility {
  code: string;
  registered: false;
  lastSubmissionAt: string | null;
}

/**
 * Insert or replace a facility and all its areas (the register is the truth: the areas it lists
 * replace the stored ones). Run inside a transaction.
 */
export async function saveFacility(db: Db, f: FacilityInput): Promise<'inserted' | 'updated'> {
  const { rows: [r] } = await db.query<{ inserted: boolean }>(
    `INSERT INTO facilities AS f (code, name, level, ownership) VALUES ($1, $2, $3, $4)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, ownership = EXCLUDED.ownership, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [f.code, f.name, f.level, f.ownership],
  );
  await db.query('DELETE FROM facility_areas WHERE facility = $1', [f.code]);
  if (f.areas.length > 0) {
    await db.query(
      `INSERT INTO facility_areas (facility, valid_from, valid_to, province, district, commune)
       SELECT $1, valid_from::date, valid_to::date, province, district, commune
         FROM json_to_recordset($2::json) AS a(valid_from text, valid_to text, province text, district text, commune text)`,
      [f.code, JSON.stringify(f.areas.map((a) => ({ valid_from: a.validFrom, valid_to: a.validTo, province: a.province, district: a.district, commune: a.commune })))],
    );
  }
  return r?.inserted ? 'inserted' : 'updated';
}

/** The name of the unit of `level` whose code is in column `col`, valid on `day` (SQL expression). */
const unitName = (level: string, col: string, day: string) =>
  `(SELECT u.name FROM admin_units u WHERE u.level = '${level}' AND u.code = ${col} AND u.valid_from <= ${day} AND (u.valid_to IS NULL OR u.valid_to >= ${day}) ORDER BY u.valid_from DESC LIMIT 1)`;

const FACILITY_SQL = `
  SELECT f.code, true AS registered, f.name, f.level, f.ownership, to_char(f.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "updatedAt",
    coalesce((SELECT json_agg(json_build_object(
        'validFrom', a.valid_from, 'validTo', a.valid_to,
        'province', a.province, 'provinceName', ${unitName('province', 'a.province', 'a.valid_from')},
        'district', a.district, 'districtName', ${unitName('district', 'a.district', 'a.valid_from')},
        'commune', a.commune, 'communeName', ${unitName('commune', 'a.commune', 'a.valid_from')}) ORDER BY a.valid_from)
      FROM facility_areas a WHERE a.facility = f.code), '[]'::json) AS areas,
    (SELECT json_build_object('code', s.new_code, 'effective', s.effective, 'basis', s.basis) FROM facility_successions s WHERE s.old_code = f.code) AS successor,
    coalesce((SELECT json_agg(json_build_object('code', s.old_code, 'effective', s.effective, 'basis', s.basis) ORDER BY s.old_code)
      FROM facility_successions s WHERE s.new_code = f.code), '[]'::json) AS predecessors
    FROM facilities f`;

/** One registered facility, or undefined. */
export async function findFacility(db: Db, code: string): Promise<StoredFacility | undefined> {
  const { rows } = await db.query<StoredFacility>(`${FACILITY_SQL} WHERE f.code = $1`, [code]);
  return rows[0];
}

/** Every registered facility, by code. */
export async function listRegistered(db: Db): Promise<StoredFacility[]> {
  const { rows } = await db.query<StoredFacility>(`${FACILITY_SQL} ORDER BY f.code`);
  return rows;
}

/**
 * Codes that sent data (`submissions.facility`, `stats_monthly.facility`) but are neither in the
 * register nor a former code of a registered one. The distinct submitting codes are read by a
 * loose index scan of `submissions_facility_received`, so a long history stays cheap.
 */
export async function listUnregistered(db: Db): Promise<UnregisteredFacility[]> {
  const { rows } = await db.query<UnregisteredFacility>(
    `WITH RECURSIVE sent AS (
       SELECT min(facility) AS code FROM submissions
       UNION ALL
       SELECT (SELECT min(s.facility) FROM submissions s WHERE s.facility > sent.code) FROM sent WHERE sent.code IS NOT NULL
     ), seen AS (
       SELECT code FROM sent WHERE code IS NOT NULL
       UNION SELECT DISTINCT facility FROM stats_monthly
     )
     SELECT seen.code, false AS registered,
            to_char((SELECT max(s.received_at) FROM submissions s WHERE s.facility = seen.code) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastSubmissionAt"
       FROM seen
      WHERE NOT EXISTS (SELECT 1 FROM facilities f WHERE f.code = seen.code)
        AND NOT EXISTS (SELECT 1 FROM facility_successions fs WHERE fs.old_code = seen.code)
      ORDER BY seen.code`,
  );
  return rows;
}
