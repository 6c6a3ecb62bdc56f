import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool.js';
import { insertIdentityEvent, type PersonDemographics, type PersonIdentifier, type PersonKind } from './person-index.repo.js';
import type { RegistryPerson } from './registry/port.js';

type Demographics = Omit<PersonDemographics, 'personId'>;

/** What the person index learns from one stored record: the person, their identifiers, the source's view, a re-key. */
export interface PersonLearning {
  personId: string;
  kind: PersonKind;
  /** An infant under the mother's ID: the mother's person (created keyed by her CCCD when new). */
  mother?: { personId: string; cccd: string };
  identifiers: PersonIdentifier[];
  demographics: Demographics;
  /** The registry confirmed the person: these details win over any source's. */
  verified?: RegistryPerson;
  /** A temporary person (an infant under its mother) this record shows to be `personId`: re-keyed now. */
  mergeFrom?: string;
  /** Children of the record's birth certificates (XML9), created as infants of this person. */
  births?: Array<{ personId: string; temporary: string; demographics: Demographics }>;
}

/** An identity operation that moved records from one person to another (the caller re-links them). */
export interface PersonMerge {
  eventId: string;
  from: string;
  to: string;
  action: 'rekey' | 'merge' | 'move';
}

/** How many records an identity operation moved (set once they are reopened for linking). */
export async function countEventRecords(db: Db, eventId: string, records: number): Promise<void> {
  await db.query('UPDATE identity_events SET records = $2 WHERE id = $1', [eventId, records]);
}

/**
 * Merge one person into another (re-key, or an administrator's merge): the old person points to
 * the new one, its identifiers stay findable (as `previous`), its sources' views move. One
 * identity_events row records who, when and why (the Patients show it as Provenance). Undefined
 * when there is nothing to merge: the same person, one of them gone, or already merged (a second
 * record of the same child re-keying it again).
 */
export async function mergePersons(db: Db, m: { from: string; to: string; action: PersonMerge['action']; actor: string; reason?: string }): Promise<PersonMerge | undefined> {
  const eventId = randomUUID();
  // Both persons locked in id order, both still active: two merges in opposite directions never make a cycle.
  const { rows } = await db.query<{ id: string; state: string }>('SELECT id, state FROM persons WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[m.from, m.to]]);
  // Already merged (a second record of the same child re-keys it again), or gone: nothing to do.
  if (m.from === m.to || rows.length !== 2 || rows.some((r) => r.state !== 'active')) return undefined;
  await db.query("UPDATE persons SET state = 'merged', merged_into = $2, updated_at = now() WHERE id = $1", [m.from, m.to]);
  // The merged person's infants are the surviving person's.
  await db.query('UPDATE persons SET mother_id = $2 WHERE mother_id = $1', [m.from, m.to]);
  await db.query("UPDATE person_identifiers SET person_id = $2, state = 'previous', last_seen = now() WHERE person_id = $1", [m.from, m.to]);
  // A source that described both keeps its newest view only.
  await db.query(
    `DELETE FROM person_sources f USING person_sources t
      WHERE f.person_id = $1 AND t.person_id = $2 AND t.facility = f.facility AND t.format = f.format AND t.observed_at >= f.observed_at`,
    [m.from, m.to],
  );
  await db.query('DELETE FROM person_sources t USING person_sources f WHERE t.person_id = $2 AND f.person_id = $1 AND t.facility = f.facility AND t.format = f.format', [m.from, m.to]);
  await db.query('UPDATE person_sources SET person_id = $2 WHERE person_id = $1', [m.from, m.to]);
  await db.query('DELETE FROM person_demographics WHERE person_id = $1', [m.from]);
  await insertIdentityEvent(db, { id: eventId, action: m.action, from: m.from, to: m.to, actor: m.actor, reason: m.reason ?? null, records: 0 });
  return { eventId, from: m.from, to: m.to, action: m.action };
}
