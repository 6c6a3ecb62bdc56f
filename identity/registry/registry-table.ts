import type { Db } from '../../db/pool.js';
import { compareWithRegistry } from './compare.js';
import type { PopulationRegistry, RegistryGender, RegistryPerson, Verification, VerifyQuery } from './port.js';

interface RegistryRow {
  cccd: string;
  full_name: string;
  birth_date: string;
  gender: RegistryGender;
  province: string | null;
  commune: string | null;
  previous_ids: string[];
}

/**
 * One round trip for a whole batch: current numbers by primary key, cancelled ones by the GIN
 * index. Two branches of a UNION ALL, so each uses its index (an `OR` of the two conditions makes
 * the planner scan the whole table: 200–600 ms per 500 numbers at 200,000 rows).
 */
const LOOKUP_SQL = `
  SELECT cccd, full_name, birth_date, gender, province, commune, previous_ids
    FROM population_registry WHERE cccd = ANY($1::text[])
  UNION ALL
  SELECT cccd, full_name, birth_date, gender, province, commune, previous_ids
    FROM population_registry WHERE previous_ids && $1::text[] AND NOT (cccd = ANY($1::text[]))`;

/**
 * The registry-table implementation (VERIFICATION=registry): verifies against the roster extract
 * loaded into `population_registry` (identity/migrations/001_population_registry.sql).
 * `verifyMany` runs one query per call whatever the batch size. A query whose number was
 * cancelled and re-issued (NĐ 70/2024) is compared with the current row, and the verdict's
 * `person.cccd` is the current number. A database error makes every query `unavailable`, never
 * `mismatch`.
 */
export function registryTable(db: Db): PopulationRegistry {
  return {
    mode: 'registry',
    async verifyMany(queries: readonly VerifyQuery[]): Promise<Verification[]> {
      if (queries.length === 0) return [];
      let found: Map<string, RegistryPerson>;
      try {
        found = await lookupRegistry(db, queries.map((q) => q.cccd));
      } catch (err) {
        const reason = unavailableReason(err);
        return queries.map(() => ({ outcome: 'unavailable' as const, reason }));
      }
      return queries.map((q) => {
        const person = found.get(q.cccd);
        return person ? compareWithRegistry(q, person) : { outcome: 'not_found' as const };
      });
    },
  };
}

/**
 * The registry's people for the given CCCDs, in one query, keyed by the number asked: a number
 * that is current maps to its row; a cancelled number (listed in some row's `previous_ids`) maps to
 * the row of the re-issued one, even when an older row is still keyed by it (so
 * `map.get(old).cccd !== old`). Numbers the registry does not know are absent.
 * Throws on a database error.
 */
export async function lookupRegistry(db: Db, cccds: readonly string[]): Promise<Map<string, RegistryPerson>> {
  const asked = [...new Set(cccds)];
  const result = new Map<string, RegistryPerson>();
  if (asked.length === 0) return result;
  const { rows } = await db.query<RegistryRow>(LOOKUP_SQL, [asked]);
  const current = new Map<string, RegistryPerson>();
  const previous = new Map<string, RegistryPerson>();
  for (const row of rows) {
    const person = toPerson(row);
    current.set(person.cccd, person);
    for (const old of row.previous_ids) previous.set(old, person);
  }
  for (const cccd of asked) {
    // A number listed as cancelled wins over a row still keyed by it: that row predates the
    // re-issue (a later roster brought the new number; upserts never delete the old row).
    const person = previous.get(cccd) ?? current.get(cccd);
    if (person) result.set(cccd, person);
  }
  return result;
}

function toPerson(row: RegistryRow): RegistryPerson {
  const person: RegistryPerson = { cccd: row.cccd, name: row.full_name, birthDate: row.birth_date, gender: row.gender };
  if (row.province) person.province = row.province;
  if (row.commune) person.commune = row.commune;
  if (row.previous_ids.length > 0) person.previousIds = row.previous_ids;
  return person;
}

/** Why the table could not be read, without any query value (the SQLSTATE when PostgreSQL gave one). */
function unavailableReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return `the population registry table could not be read${typeof code === 'string' ? ` (${code})` : ''}`;
}
