/**
 * The SQL the reports need beyond the counters (reporting/counts.repo.ts): the facility register,
 * which facilities hold an API key, the areas to list, and the infants among the vaccinated persons.
 * Former facility codes (facility_successions) count under the current code, as in the counters.
 */
import type { Db } from '../../db/pool.js';
import type { AreaLevel } from '../counts.repo.js';

/** The current code of `col` (a facility code column), as counts.repo.ts resolves it. */
const currentCode = (col: string) => `coalesce((SELECT new_code FROM facility_successions WHERE old_code = ${col}), ${col})`;

/**
 * Registered facilities (current codes only), by code; with `province`, those located in it on some
 * day of [from, to) (facility_areas).
 */
export async function registeredFacilities(db: Db, q: { from: string; to: string; province?: string }): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>(
    `SELECT f.code FROM facilities f
      WHERE NOT EXISTS (SELECT 1 FROM facility_successions s WHERE s.old_code = f.code)
        AND ($1::text IS NULL OR EXISTS (
              SELECT 1 FROM facility_areas fa WHERE fa.facility = f.code AND fa.province = $1
                 AND fa.valid_from < $3::date AND (fa.valid_to IS NULL OR fa.valid_to >= $2::date)))
      ORDER BY f.code`,
    [q.province ?? null, q.from, q.to],
  );
  return rows.map((r) => r.code);
}

/** Of `codes`, the facilities holding a facility API key neither revoked nor expired ("Cấp tài khoản"). */
export async function facilitiesWithKey(db: Db, codes: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ code: string }>(
    `SELECT DISTINCT ${currentCode('k.facility')} AS code FROM api_keys k
      WHERE k.role = 'facility' AND k.facility IS NOT NULL AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
        AND ${currentCode('k.facility')} = ANY($1::text[])`,
    [codes],
  );
  return new Set(rows.map((r) => r.code));
}

/**
 * The areas of `level` a report lists on `onDay`: the administrative units of `province` (admin_units,
 * `parent` = the province: districts before 1 July 2025, communes after) and every area a facility
 * sits in that day (all provinces when none is given).
 */
export async function areasToList(db: Db, level: AreaLevel, onDay: string, province?: string): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>(
    `SELECT code FROM admin_units
      WHERE $2::text IS NOT NULL AND level = $1 AND parent = $2 AND valid_from <= $3::date AND (valid_to IS NULL OR valid_to >= $3::date)
     UNION
     SELECT fa.${level} FROM facility_areas fa
      WHERE fa.${level} IS NOT NULL AND ($2::text IS NULL OR fa.province = $2)
        AND fa.valid_from <= $3::date AND (fa.valid_to IS NULL OR fa.valid_to >= $3::date)`,
    [level, province ?? null, onDay],
  );
  return rows.map((r) => r.code);
}

/**
 * Children under one year on `lastDay` among the persons of the immunization records linked before
 * `to` (exclusive, a Vietnam day), by the area of the facility that sent each child's latest linked
 * record on the day it arrived. Each child counts once: a merged person counts as the person it was
 * merged into (persons.merged_into, followed to the end). The birth date is the registry-verified
 * one (persons.verified) or else the shared Patient's (person_demographics.birth_date); only full
 * dates `YYYY-MM-DD` count, compared as text with `cutoff` (the day one year before `lastDay`).
 */
export async function infantsUnderOne(
  db: Db, q: { to: string; lastDay: string; cutoff: string; level: AreaLevel; province?: string },
): Promise<Array<{ key: string | null; n: number }>> {
  const { rows } = await db.query<{ key: string | null; n: string }>(
    `WITH RECURSIVE linked AS (
       SELECT r.person_id, r.facility, r.received_at, r.id
         FROM records r
        WHERE r.kind = 'immunization' AND r.status = 'linked' AND r.person_id IS NOT NULL
          AND r.received_at < ($1::date::timestamp AT TIME ZONE 'UTC') - interval '7 hours'
     ), chain AS (
       SELECT p.person_id AS start, p.person_id AS person, 0 AS depth FROM (SELECT DISTINCT person_id FROM linked) p
       UNION ALL
       SELECT c.start, ps.merged_into, c.depth + 1 FROM chain c JOIN persons ps ON ps.id = c.person
        WHERE ps.merged_into IS NOT NULL AND c.depth < 16
     ), resolved AS (
       SELECT DISTINCT ON (start) start, person FROM chain ORDER BY start, depth DESC
     ), latest AS (
       SELECT DISTINCT ON (rs.person) rs.person, l.facility, vn_day(l.received_at) AS day
         FROM resolved rs JOIN linked l ON l.person_id = rs.start
        ORDER BY rs.person, l.received_at DESC, l.id DESC
     )
     SELECT fa.${q.level} AS key, count(*)::bigint AS n
       FROM latest x
       JOIN persons p ON p.id = x.person
       LEFT JOIN person_demographics d ON d.person_id = x.person
       CROSS JOIN LATERAL (SELECT coalesce(p.verified->>'birthDate', d.birth_date) AS birth) b
       LEFT JOIN facility_areas fa ON fa.facility = ${currentCode('x.facility')}
             AND x.day >= fa.valid_from AND (fa.valid_to IS NULL OR x.day <= fa.valid_to)
      WHERE b.birth ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND b.birth <= $2 AND b.birth > $3
        AND ($4::text IS NULL OR fa.province = $4)
      GROUP BY 1`,
    [q.to, q.lastDay, q.cutoff, q.province ?? null],
  );
  return rows.map((r) => ({ key: r.key, n: Number(r.n) }));
}

/** Where each of `codes` (current facility codes) sits on `onDay` (facility_areas); facilities with no area then are absent. */
export async function facilityAreasOn(
  db: Db, codes: readonly string[], onDay: string,
): Promise<Map<string, { province: string | null; district: string | null; commune: string | null }>> {
  if (codes.length === 0) return new Map();
  const { rows } = await db.query<{ facility: string; province: string | null; district: string | null; commune: string | null }>(
    `SELECT DISTINCT ON (facility) facility, province, district, commune FROM facility_areas
      WHERE facility = ANY($1::text[]) AND valid_from <= $2::date AND (valid_to IS NULL OR valid_to >= $2::date)
      ORDER BY facility, valid_from DESC`,
    [[...new Set(codes)], onDay],
  );
  return new Map(rows.map((r) => [r.facility, { province: r.province, district: r.district, commune: r.commune }]));
}
