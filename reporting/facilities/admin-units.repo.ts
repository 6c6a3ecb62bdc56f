import type { Db } from '../../db/pool.js';
import type { AdminUnit, AreaLevel } from './model.js';
import { UnitIndex } from './unit-index.js';

const COLUMNS = `level, code, name, parent, to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", to_char(valid_to, 'YYYY-MM-DD') AS "validTo", source`;

/**
 * Insert or update units by (level, code, valid_from) in one statement. With `keepOthers`, a row
 * already stored from another source (an administrator's own import) is left as it is: the
 * shipped files refresh only what they put there.
 */
export async function upsertAdminUnits(db: Db, units: AdminUnit[], keepOthers = false): Promise<{ inserted: number; updated: number }> {
  if (units.length === 0) return { inserted: 0, updated: 0 };
  const rows = units.map((u) => ({ level: u.level, code: u.code, name: u.name, parent: u.parent, valid_from: u.validFrom, valid_to: u.validTo, source: u.source }));
  const { rows: [r] } = await db.query<{ inserted: number; updated: number }>(
    `WITH up AS (
       INSERT INTO admin_units AS u (level, code, name, parent, valid_from, valid_to, source)
       SELECT level, code, name, parent, valid_from::date, valid_to::date, source
         FROM json_to_recordset($1::json) AS r(level text, code text, name text, parent text, valid_from text, valid_to text, source text)
       ON CONFLICT (level, code, valid_from) DO UPDATE SET name = EXCLUDED.name, parent = EXCLUDED.parent, valid_to = EXCLUDED.valid_to, source = EXCLUDED.source
        WHERE NOT $2::boolean OR u.source IS NOT DISTINCT FROM EXCLUDED.source
       RETURNING (xmax = 0) AS inserted)
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`,
    [JSON.stringify(rows), keepOthers],
  );
  return { inserted: r?.inserted ?? 0, updated: r?.updated ?? 0 };
}

/** The stored units of these (level, code) pairs, every period (to check a list for overlaps before it is written). */
export async function unitsByCode(db: Db, keys: Array<{ level: AreaLevel; code: string }>): Promise<AdminUnit[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<AdminUnit>(
    `SELECT ${COLUMNS} FROM admin_units WHERE (level, code) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [keys.map((k) => k.level), keys.map((k) => k.code)],
  );
  return rows;
}

/**
 * The units needed to check areas in these provinces: every province, the districts and communes
 * under them, and any unit named by `codes` (so a district given under the wrong province is found).
 */
export async function loadUnitIndex(db: Db, provinces: string[], codes: string[]): Promise<UnitIndex> {
  const { rows } = await db.query<AdminUnit>(
    `SELECT ${COLUMNS} FROM admin_units
      WHERE level = 'province' OR code = ANY($2::text[]) OR parent = ANY($1::text[])
         OR (level = 'commune' AND parent IN (SELECT code FROM admin_units WHERE level = 'district' AND parent = ANY($1::text[])))`,
    [provinces, codes],
  );
  return new UnitIndex(rows);
}

/** Filter of `GET /api/areas`. */
export interface AreaQuery {
  level: AreaLevel;
  /** The day the units must be valid on (`YYYY-MM-DD`). */
  on: string;
  parent?: string;
}

/** The units of a level valid on a day, optionally under one parent, by code. */
export async function listAdminUnits(db: Db, q: AreaQuery): Promise<AdminUnit[]> {
  const { rows } = await db.query<AdminUnit>(
    `SELECT ${COLUMNS} FROM admin_units
      WHERE level = $1 AND valid_from <= $2::date AND (valid_to IS NULL OR valid_to >= $2::date) AND ($3::text IS NULL OR parent = $3)
      ORDER BY code`,
    [q.level, q.on, q.parent ?? null],
  );
  return rows;
}
