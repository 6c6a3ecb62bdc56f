import type { Db } from '../db/pool.js';
import type { RegistryPerson } from './registry/port.js';

/**
 * The person index's SQL (tables in identity/migrations/002_person_index.sql): persons, every
 * identifier they were known by, each source's view, and the demographics matching blocks on.
 * Identifiers are never moved to another person by an insert: the primary key keeps a number with
 * the person it was first given to; only an audited merge or move (identity-operations.ts) moves them.
 */

/** One identifier of a person (system names as in the migration: cccd, cmnd, passport, bhyt, bhxh, temporary, patient-number/<MA_CSKCB>). */
export interface PersonIdentifier {
  system: string;
  value: string;
  state?: 'current' | 'previous';
  periodStart?: string;
  periodEnd?: string;
}

export type PersonKind = 'citizen' | 'infant' | 'foreigner' | 'matched';

/** A person as the index holds them. */
export interface PersonRow {
  id: string;
  kind: PersonKind;
  state: 'active' | 'merged';
  mergedInto: string | null;
  motherId: string | null;
  verified: RegistryPerson | null;
}

/** What matching and conflict checks read about a person. */
export interface PersonDemographics {
  personId: string;
  nameKey: string | null;
  birthDate: string | null;
  gender: string | null;
  commune: string | null;
}

const key = (system: string, value: string) => `${system}|${value}`;

/**
 * The active person each identifier belongs to, following merges (a re-keyed infant's temporary
 * number finds the real Patient). Keyed `system|value`.
 */
export async function personsByIdentifiers(db: Db, ids: ReadonlyArray<{ system: string; value: string }>): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ system: string; value: string; person: string }>(
    `WITH RECURSIVE hit AS (
       SELECT i.system, i.value, i.person_id AS person, 0 AS depth
         FROM person_identifiers i JOIN jsonb_to_recordset($1::jsonb) AS x(system text, value text) ON i.system = x.system AND i.value = x.value
       UNION ALL
       SELECT h.system, h.value, p.merged_into, h.depth + 1 FROM hit h JOIN persons p ON p.id = h.person
        WHERE p.merged_into IS NOT NULL AND h.depth < 16)
     SELECT DISTINCT ON (system, value) system, value, person FROM hit ORDER BY system, value, depth DESC`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((r) => [key(r.system, r.value), r.person]));
}

/** The person a Patient id now stands for (itself, or the person it was merged into). */
export async function canonicalPersons(db: Db, personIds: readonly string[]): Promise<Map<string, string>> {
  if (personIds.length === 0) return new Map();
  const { rows } = await db.query<{ start: string; person: string }>(
    `WITH RECURSIVE chain AS (
       SELECT id AS start, id AS person, merged_into, 0 AS depth FROM persons WHERE id = ANY($1::uuid[])
       UNION ALL
       SELECT c.start, p.id, p.merged_into, c.depth + 1 FROM chain c JOIN persons p ON p.id = c.merged_into WHERE c.depth < 16)
     SELECT start, person FROM chain WHERE merged_into IS NULL`,
    [personIds],
  );
  const map = new Map(personIds.map((id) => [id, id]));
  for (const r of rows) map.set(r.start, r.person);
  return map;
}

/**
 * Transaction-scoped advisory locks on some keys (CCCDs of a batch, person ids of a push), taken in
 * one statement in a fixed order, so two transactions about the same people queue instead of
 * deadlocking on the index's rows.
 */
export async function lockPersonKeys(db: Db, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended('person:' || k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY 1) s`,
    [[...new Set(keys)]],
  );
}

/** Persons with their demographics (absent ids are left out). */
export async function loadPersons(db: Db, ids: readonly string[]): Promise<Map<string, PersonRow & { demographics: PersonDemographics | null }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query(
    `SELECT p.id, p.kind, p.state, p.merged_into, p.mother_id, p.verified, d.name_key, d.birth_date, d.gender, d.commune, d.person_id AS d_id
       FROM persons p LEFT JOIN person_demographics d ON d.person_id = p.id WHERE p.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, {
    id: r.id, kind: r.kind, state: r.state, mergedInto: r.merged_into, motherId: r.mother_id, verified: r.verified,
    demographics: r.d_id ? { personId: r.id, nameKey: r.name_key, birthDate: r.birth_date, gender: r.gender, commune: r.commune } : null,
  }]));
}

/** Every identifier of these persons. */
export async function identifiersOf(db: Db, personIds: readonly string[]): Promise<Map<string, Array<PersonIdentifier & { personId: string }>>> {
  const map = new Map<string, Array<PersonIdentifier & { personId: string }>>();
  if (personIds.length === 0) return map;
  const { rows } = await db.query(
    `SELECT person_id, system, value, state, to_char(period_start, 'YYYY-MM-DD') AS ps, to_char(period_end, 'YYYY-MM-DD') AS pe
       FROM person_identifiers WHERE person_id = ANY($1::uuid[]) ORDER BY first_seen, system, value`,
    [personIds],
  );
  for (const r of rows) {
    const list = map.get(r.person_id) ?? [];
    list.push({ personId: r.person_id, system: r.system, value: r.value, state: r.state, ...(r.ps ? { periodStart: r.ps } : {}), ...(r.pe ? { periodEnd: r.pe } : {}) });
    map.set(r.person_id, list);
  }
  return map;
}

/** Active persons whose demographics agree on a folded name and birth year, or on birth date and commune (matching's blocks). */
export async function personsByDemographics(db: Db, q: { nameKey?: string; birthDate?: string; commune?: string }, limit = 20): Promise<string[]> {
  const { rows } = await db.query<{ person_id: string }>(
    `SELECT d.person_id FROM person_demographics d JOIN persons p ON p.id = d.person_id AND p.state = 'active'
      WHERE ($1::text IS NOT NULL AND d.name_key = $1 AND ($2::text IS NULL OR left(d.birth_date, 4) = left($2, 4)))
         OR ($2::text IS NOT NULL AND length($2) = 10 AND d.birth_date = $2 AND $3::text IS NOT NULL AND d.commune = $3)
      -- the closest first: same birth date, same commune; the limit never cuts the likeliest person off at random
      ORDER BY (d.birth_date = $2) DESC, (d.commune = $3) DESC, d.person_id
      LIMIT $4`,
    [q.nameKey ?? null, q.birthDate ?? null, q.commune ?? null, limit],
  );
  return rows.map((r) => r.person_id);
}

/** The infants registered under a mother, with their demographics (merged ones too when asked: they keep their place among twins). */
export async function infantsOfMother(db: Db, motherId: string, withMerged = false): Promise<Array<PersonDemographics & { state: string }>> {
  const { rows } = await db.query(
    `SELECT p.id, p.state, d.name_key, d.birth_date, d.gender, d.commune FROM persons p LEFT JOIN person_demographics d ON d.person_id = p.id
      WHERE p.mother_id = $1 AND ($2 OR p.state = 'active') ORDER BY p.created_at, p.id`,
    [motherId, withMerged],
  );
  return rows.map((r) => ({ personId: r.id, state: r.state, nameKey: r.name_key, birthDate: r.birth_date, gender: r.gender, commune: r.commune }));
}

/** Each source's view of these persons, newest first. */
export async function sourceViewsOf(db: Db, personIds: readonly string[]): Promise<Map<string, Array<{ facility: string; format: string; observedAt: string; view: unknown }>>> {
  const map = new Map<string, Array<{ facility: string; format: string; observedAt: string; view: unknown }>>();
  if (personIds.length === 0) return map;
  const { rows } = await db.query(
    'SELECT person_id, facility, format, observed_at, view FROM person_sources WHERE person_id = ANY($1::uuid[]) ORDER BY observed_at DESC, facility, format',
    [personIds],
  );
  for (const r of rows) {
    const list = map.get(r.person_id) ?? [];
    list.push({ facility: r.facility, format: r.format, observedAt: new Date(r.observed_at).toISOString(), view: r.view });
    map.set(r.person_id, list);
  }
  return map;
}

/** Forget one source's view of a person (its records moved to another person). */
export async function deleteSourceView(db: Db, personId: string, facility: string, format: string): Promise<void> {
  await db.query('DELETE FROM person_sources WHERE person_id = $1 AND facility = $2 AND format = $3', [personId, facility, format]);
}

/** Record an identity operation (re-key, merge, move): shown on both Patients as a Provenance. */
export async function insertIdentityEvent(db: Db, e: { id: string; action: 'rekey' | 'merge' | 'move'; from: string; to: string; actor: string; reason: string | null; records: number }): Promise<void> {
  await db.query(
    'INSERT INTO identity_events (id, action, from_person, to_person, actor, reason, records) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [e.id, e.action, e.from, e.to, e.actor, e.reason, e.records],
  );
}

/** Identity operations from or onto a person, oldest first. */
export async function identityEventsOf(db: Db, personId: string) {
  const { rows } = await db.query(
    'SELECT id, action, from_person, to_person, actor, reason, records, at FROM identity_events WHERE from_person = $1 OR to_person = $1 ORDER BY at, id', [personId],
  );
  return rows.map((e) => ({ id: e.id as string, action: e.action as string, from: e.from_person as string, to: e.to_person as string, actor: e.actor as string, reason: e.reason as string | null, records: e.records as number, at: new Date(e.at).toISOString() }));
}
