import type { Db } from '../db/pool.js';
import type { PersonDemographics, PersonIdentifier, PersonKind } from './person-index.repo.js';
import type { RegistryPerson } from './registry/port.js';

/**
 * The person index's writes for a whole linkage job in a few statements (one per table), so the
 * worker's cost does not grow by a round trip per record. Callers dedupe: one row per key.
 * The primary key of person_identifiers keeps a number with the person it was first given to.
 */

/** Persons to create unless they exist (mothers may come in the same batch as their infants). */
export async function ensurePersons(db: Db, rows: ReadonlyArray<{ id: string; kind: PersonKind; motherId?: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO persons (id, kind, mother_id)
     SELECT id, kind, "motherId" FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, kind text, "motherId" uuid) ORDER BY id
     ON CONFLICT (id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

/** Identifiers to give (never reassigned: one held by someone else stays theirs). */
export async function addIdentifierRows(db: Db, rows: ReadonlyArray<PersonIdentifier & { personId: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO person_identifiers (system, value, person_id, state, period_start, period_end)
     SELECT system, value, "personId", coalesce(state, 'current'), "periodStart", "periodEnd"
       FROM jsonb_to_recordset($1::jsonb) AS x(system text, value text, "personId" uuid, state text, "periodStart" date, "periodEnd" date)
      ORDER BY system, value
     ON CONFLICT (system, value) DO UPDATE
        SET last_seen = now(),
            state = CASE WHEN EXCLUDED.state = 'previous' THEN 'previous' ELSE person_identifiers.state END,
            period_start = least(person_identifiers.period_start, EXCLUDED.period_start),
            period_end = greatest(person_identifiers.period_end, EXCLUDED.period_end)
      WHERE person_identifiers.person_id = EXCLUDED.person_id
        -- only when something changes: a resend of a known card must not rewrite its row
        AND ((EXCLUDED.state = 'previous' AND person_identifiers.state <> 'previous')
             OR EXCLUDED.period_start < person_identifiers.period_start OR (EXCLUDED.period_start IS NOT NULL AND person_identifiers.period_start IS NULL)
             OR EXCLUDED.period_end > person_identifiers.period_end OR (EXCLUDED.period_end IS NOT NULL AND person_identifiers.period_end IS NULL))`,
    [JSON.stringify(rows)],
  );
}

/** Registry-verified details of persons (they win from now on). */
export async function setVerifiedRows(db: Db, rows: ReadonlyArray<{ personId: string; person: RegistryPerson }>): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE persons p SET verified = x.person, verified_at = now(), updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS x("personId" uuid, person jsonb) WHERE p.id = x."personId"`,
    [JSON.stringify(rows)],
  );
}

/**
 * Demographics to record. `fromRegistry` rows always apply; the others never replace what the
 * registry verified, and keep known values where they bring none.
 */
export async function upsertDemographicsRows(db: Db, rows: readonly PersonDemographics[], fromRegistry: boolean): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO person_demographics (person_id, name_key, birth_date, gender, commune)
     SELECT "personId", "nameKey", "birthDate", gender, commune
       FROM jsonb_to_recordset($1::jsonb) AS x("personId" uuid, "nameKey" text, "birthDate" text, gender text, commune text) ORDER BY "personId"
     ON CONFLICT (person_id) DO UPDATE SET
       name_key = coalesce(EXCLUDED.name_key, person_demographics.name_key),
       birth_date = CASE WHEN EXCLUDED.birth_date IS NULL OR length(EXCLUDED.birth_date) < length(coalesce(person_demographics.birth_date, '')) THEN person_demographics.birth_date ELSE EXCLUDED.birth_date END,
       gender = CASE WHEN EXCLUDED.gender IN ('male', 'female') THEN EXCLUDED.gender ELSE person_demographics.gender END,
       commune = coalesce(EXCLUDED.commune, person_demographics.commune)
      WHERE ($2 OR NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = person_demographics.person_id AND p.verified IS NOT NULL))
        AND (EXCLUDED.name_key IS DISTINCT FROM person_demographics.name_key OR EXCLUDED.birth_date IS DISTINCT FROM person_demographics.birth_date
             OR EXCLUDED.gender IS DISTINCT FROM person_demographics.gender OR EXCLUDED.commune IS DISTINCT FROM person_demographics.commune)`,
    [JSON.stringify(rows), fromRegistry],
  );
}

/** Each source's latest view (an older one never replaces a newer one). */
export async function upsertSourceViewRows(db: Db, rows: ReadonlyArray<{ personId: string; facility: string; format: string; observedAt: Date; view: unknown }>): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO person_sources (person_id, facility, format, observed_at, view)
     SELECT "personId", facility, format, "observedAt", view
       FROM jsonb_to_recordset($1::jsonb) AS x("personId" uuid, facility text, format text, "observedAt" timestamptz, view jsonb) ORDER BY "personId", facility, format
     ON CONFLICT (person_id, facility, format) DO UPDATE SET observed_at = EXCLUDED.observed_at, view = EXCLUDED.view
      WHERE person_sources.observed_at <= EXCLUDED.observed_at AND person_sources.view IS DISTINCT FROM EXCLUDED.view`,
    [JSON.stringify(rows)],
  );
}
