import type { DataKeyring } from '../db/encryption.js';
import type { Db } from '../db/pool.js';
import type { RecordIssue } from './model.js';
import { factsContext } from './records.repo.js';

/**
 * SQL of the cleaning round trip (docs/cleaning.md): which records go on the list for the commune
 * police, and the count of every step per area. Tables: records, cleaning_events (008_cleaning.sql).
 */

/** Categories of records the police can settle: the registry disagreed or did not know the person. */
export const CLEANING_CATEGORIES = ['VERIFICATION_MISMATCH', 'REGISTRY_NOT_FOUND', 'SOURCE_CONFLICT'] as const;

/** An area filter: any of province, district, commune (GSO codes as sent) and facility. */
export interface AreaFilter {
  province?: string;
  district?: string;
  commune?: string;
  facility?: string;
}

/** One record to list, its facts opened. */
export interface CleaningCandidate {
  id: number;
  facility: string;
  status: string;
  category: string | null;
  issues: RecordIssue[];
  area: { province?: string; district?: string; commune?: string };
  facts: unknown;
}

/** Records awaiting verification or held for a registry mismatch in an area, oldest first (at most `limit`). */
export async function recordsToClean(db: Db, keyring: DataKeyring | null, f: AreaFilter, limit: number): Promise<CleaningCandidate[]> {
  const { rows } = await db.query(
    `SELECT id, submission_id, seq, facility, status, category, issues, area_province, area_district, area_commune, facts, facts_sealed FROM records
      WHERE (status = 'unverified' OR (status IN ('rejected', 'held') AND category = ANY($1::text[])))
        AND ($2::text IS NULL OR area_province = $2) AND ($3::text IS NULL OR area_district = $3)
        AND ($4::text IS NULL OR area_commune = $4) AND ($5::text IS NULL OR facility = $5)
      ORDER BY id LIMIT $6`,
    [CLEANING_CATEGORIES, f.province ?? null, f.district ?? null, f.commune ?? null, f.facility ?? null, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id), facility: r.facility, status: r.status, category: r.category, issues: r.issues,
    area: { ...(r.area_province ? { province: r.area_province } : {}), ...(r.area_district ? { district: r.area_district } : {}), ...(r.area_commune ? { commune: r.area_commune } : {}) },
    facts: r.facts_sealed === null ? r.facts : keyring ? JSON.parse(keyring.open(r.facts_sealed, factsContext(r.submission_id, r.seq)).toString('utf8')) : undefined,
  }));
}

/** Count one step of the round trip for these records (their area and facility copied from the record). */
export async function insertCleaningEvents(db: Db, recordIds: readonly number[], step: string, actor: string): Promise<void> {
  if (recordIds.length === 0) return;
  await db.query(
    `INSERT INTO cleaning_events (record_id, step, facility, area_province, area_district, area_commune, actor)
     SELECT id, $2, facility, area_province, area_district, area_commune, $3 FROM records WHERE id = ANY($1::bigint[])`,
    [recordIds, step, actor],
  );
}

/** Steps of the round trip counted per area in a period, and what still waits for cleaning now. */
export async function cleaningStats(db: Db, from: Date, to: Date, by: 'province' | 'district' | 'commune' | 'facility') {
  const column = by === 'facility' ? 'facility' : `area_${by}`;
  const steps = await db.query(
    `SELECT coalesce(${column}, '') AS area, step, count(DISTINCT record_id)::int AS n FROM cleaning_events
      WHERE at >= $1 AND at < $2 GROUP BY 1, 2`,
    [from, to],
  );
  const remaining = await db.query(
    `SELECT coalesce(${column}, '') AS area, count(*)::int AS n FROM records
      WHERE status = 'unverified' OR (status IN ('rejected', 'held') AND category = ANY($1::text[])) GROUP BY 1`,
    [CLEANING_CATEGORIES],
  );
  const areas = new Map<string, Record<string, number>>();
  const of = (area: string) => areas.get(area) ?? areas.set(area, { listed: 0, confirmed: 0, corrected: 0, not_found: 0, linked: 0, still_held: 0, remaining: 0 }).get(area)!;
  for (const r of steps.rows) of(r.area)[r.step] = r.n;
  for (const r of remaining.rows) of(r.area).remaining = r.n;
  return [...areas.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([area, counts]) => ({ area: area || null, ...counts }));
}
