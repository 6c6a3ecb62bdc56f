import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { badRequest, notFound } from '../../errors/outcome.js';
import { countEventRecords, mergePersons } from '../../identity/learning.js';
import {
  addIdentifiers, canonicalPersons, ensurePerson, identifiersOf, loadPersons, personsByIdentifiers, sourceViewsOf, upsertSourceView,
} from '../../identity/person-index.repo.js';
import { loadSharedPatients } from '../../identity/shared-patients.repo.js';
import type { SharedSystems } from '../../identity/shared-patient.js';
import { resourceIds } from '../../mappers/fhir/index.js';
import type { IdentifierSystems } from '../../mappers/contract.js';
import { moveRecordsToPerson, reopenRecordsOfPersons } from '../../records/review.repo.js';
import { queueNow, type ReviewDeps } from './review.service.js';

/** What the person operations need. */
export interface PersonsDeps extends Pick<ReviewDeps, 'pool' | 'enqueueLink' | 'log'> {
  systems: IdentifierSystems;
  sharedSystems: SharedSystems;
}

/** A person as the index holds them (GET /api/persons/{id}): identifiers with periods, each source's view, identity operations, the shared Patient. */
export async function viewPerson(deps: PersonsDeps, id: string) {
  const person = (await loadPersons(deps.pool, [id])).get(id);
  if (!person) throw notFound(`person ${id} not found`);
  const identifiers = (await identifiersOf(deps.pool, [id])).get(id) ?? [];
  const sources = (await sourceViewsOf(deps.pool, [id])).get(id) ?? [];
  const shared = await loadSharedPatients(deps.pool, [id], deps.sharedSystems);
  const events = await deps.pool.query(
    'SELECT id, action, from_person, to_person, actor, reason, records, at FROM identity_events WHERE from_person = $1 OR to_person = $1 ORDER BY at, id', [id],
  );
  return {
    id, kind: person.kind, state: person.state, mergedInto: person.mergedInto, motherId: person.motherId, verified: person.verified !== null,
    identifiers: identifiers.map(({ personId: _p, ...i }) => i),
    sources: sources.map((s) => ({ facility: s.facility, format: s.format, observedAt: s.observedAt, view: s.view })),
    events: events.rows.map((e) => ({ id: e.id, action: e.action, from: e.from_person, to: e.to_person, actor: e.actor, reason: e.reason, records: e.records, at: new Date(e.at).toISOString() })),
    patient: shared.resources.get(shared.canonical.get(id) ?? id)?.[0] ?? null,
  };
}

/** Where records move: an existing person, or the citizen a CCCD names (created when new). */
export type MoveTarget = { personId: string } | { cccd: string };

async function targetPerson(client: pg.PoolClient, deps: PersonsDeps, to: MoveTarget): Promise<string> {
  if ('personId' in to) {
    const canonical = (await canonicalPersons(client, [to.personId])).get(to.personId)!;
    if (!(await loadPersons(client, [canonical])).has(canonical)) throw badRequest(`person ${to.personId} not found`, ['to.personId']);
    return canonical;
  }
  const found = (await personsByIdentifiers(client, [{ system: 'cccd', value: to.cccd }])).get(`cccd|${to.cccd}`);
  if (found) return found;
  const id = resourceIds.patient(deps.systems, to.cccd);
  await ensurePerson(client, { id, kind: 'citizen' });
  await addIdentifiers(client, id, [{ system: 'cccd', value: to.cccd }]);
  return id;
}

/**
 * A correction after linking, as one audited operation. A wrong CCCD (`move`): the person's
 * records (all, or the ones named) move to the right person, each source's view with them; the
 * person whose CCCD it really is keeps it (a number is never given to someone else). Two Patients
 * of one person (`merge: true`): the first is merged into the second (Patient.link replaced-by),
 * its identifiers with it. Either way an identity event is recorded (Provenance on both Patients)
 * and the records are linked again.
 */
export async function moveRecords(deps: PersonsDeps, fromId: string, to: MoveTarget, opts: { recordIds?: number[]; merge?: boolean; reason: string; actor: string }) {
  const client = await deps.pool.connect();
  let reopened: number[] = [];
  let result: { eventId: string; action: 'merge' | 'move'; from: string; to: string; records: number };
  try {
    await client.query('BEGIN');
    const from = (await loadPersons(client, [fromId])).get(fromId);
    if (!from || from.state !== 'active') throw notFound(`active person ${fromId} not found`);
    const toId = await targetPerson(client, deps, to);
    if (toId === fromId) throw badRequest('the records already belong to this person', ['to']);
    if (opts.merge) {
      if (opts.recordIds) throw badRequest('a merge takes all of the person\'s records: leave out records', ['records']);
      const merge = await mergePersons(client, { from: fromId, to: toId, action: 'merge', actor: opts.actor, reason: opts.reason });
      const { rows } = await client.query<{ id: string }>("SELECT id FROM records WHERE person_id = $1 AND status IN ('linked', 'failed')", [fromId]);
      reopened = rows.map((r) => Number(r.id));
      await reopenRecordsOfPersons(client, [fromId]);
      await countEventRecords(client, merge.eventId, reopened.length);
      result = { eventId: merge.eventId, action: 'merge', from: fromId, to: toId, records: reopened.length };
    } else {
      const recordIds = opts.recordIds ?? (await client.query<{ id: string }>('SELECT id FROM records WHERE person_id = $1', [fromId])).rows.map((r) => Number(r.id));
      if (recordIds.length === 0) throw badRequest(`person ${fromId} has no records to move`, ['records']);
      const { rows } = await client.query('SELECT r.id, r.facility, s.format, r.resources FROM records r JOIN submissions s ON s.id = r.submission_id WHERE r.id = ANY($1::bigint[]) AND r.person_id = $2', [recordIds, fromId]);
      if (rows.length !== recordIds.length) throw badRequest(`every record must belong to person ${fromId}`, ['records']);
      reopened = await moveRecordsToPerson(client, recordIds, toId);
      for (const r of rows) {
        await client.query('DELETE FROM person_sources WHERE person_id = $1 AND facility = $2 AND format = $3', [fromId, r.facility, r.format]);
        const view = (r.resources as Array<{ resourceType: string }> | null)?.find((x) => x.resourceType === 'Patient');
        if (view) await upsertSourceView(client, { personId: toId, facility: r.facility, format: r.format, observedAt: new Date(), view: { ...view, id: toId } });
      }
      const eventId = randomUUID();
      await client.query('INSERT INTO identity_events (id, action, from_person, to_person, actor, reason, records) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [eventId, 'move', fromId, toId, opts.actor, opts.reason, reopened.length]);
      // The person left behind is pushed again without the moved source's view.
      const rest = await client.query<{ id: string }>("SELECT id FROM records WHERE person_id = $1 AND status = 'linked' ORDER BY id DESC LIMIT 1", [fromId]);
      if (rest.rows[0]) { await reopenRecordsOfPersons(client, [fromId]); reopened.push(Number(rest.rows[0].id)); }
      result = { eventId, action: 'move', from: fromId, to: toId, records: recordIds.length };
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  if (reopened.length) await queueNow(deps, reopened);
  return result;
}
