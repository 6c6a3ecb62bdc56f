import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../../db/pool.js';
import { badRequest, conflict, notFound } from '../../errors/outcome.js';
import { countEventRecords, mergePersons } from '../../identity/learning.js';
import {
  canonicalPersons, deleteSourceView, identifiersOf, identityEventsOf, insertIdentityEvent, loadPersons, personsByIdentifiers, sourceViewsOf,
} from '../../identity/person-index.repo.js';
import { addIdentifierRows, ensurePersons, upsertSourceViewRows } from '../../identity/person-index-batch.repo.js';
import { loadSharedPatients } from '../../identity/shared-patients.repo.js';
import type { SharedSystems } from '../../identity/shared-patient.js';
import { resourceIds } from '../../mappers/fhir/index.js';
import type { IdentifierSystems } from '../../mappers/contract.js';
import { moveRecordsToPerson, recordsOfPerson, reopenRecordsOfPersons } from '../../records/review.repo.js';
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
  const events = await identityEventsOf(deps.pool, id);
  return {
    id, kind: person.kind, state: person.state, mergedInto: person.mergedInto, motherId: person.motherId, verified: person.verified !== null,
    identifiers: identifiers.map(({ personId: _p, ...i }) => i),
    sources: sources.map((s) => ({ facility: s.facility, format: s.format, observedAt: s.observedAt, view: s.view })),
    events,
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
  await ensurePersons(client, [{ id, kind: 'citizen' }]);
  await addIdentifierRows(client, [{ personId: id, system: 'cccd', value: to.cccd }]);
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
  let reopened: number[] = [];
  const result = await withTransaction(deps.pool, async (client): Promise<{ eventId: string; action: 'merge' | 'move'; from: string; to: string; records: number }> => {
    const from = (await loadPersons(client, [fromId])).get(fromId);
    if (!from || from.state !== 'active') throw notFound(`active person ${fromId} not found`);
    const toId = await targetPerson(client, deps, to);
    if (toId === fromId) throw badRequest('the records already belong to this person', ['to']);
    if (opts.merge) {
      if (opts.recordIds) throw badRequest('a merge takes all of the person\'s records: leave out records', ['records']);
      const merge = await mergePersons(client, { from: fromId, to: toId, action: 'merge', actor: opts.actor, reason: opts.reason });
      if (!merge) throw conflict(`person ${fromId} cannot be merged into ${toId}: both must be active`);
      reopened = (await recordsOfPerson(client, fromId)).filter((r) => r.status === 'linked' || r.status === 'failed').map((r) => r.id);
      await reopenRecordsOfPersons(client, [fromId]);
      await countEventRecords(client, merge.eventId, reopened.length);
      return { eventId: merge.eventId, action: 'merge', from: fromId, to: toId, records: reopened.length };
    }
    const rows = await recordsOfPerson(client, fromId, opts.recordIds);
    if (rows.length === 0) throw badRequest(`person ${fromId} has no records to move`, ['records']);
    if (opts.recordIds && rows.length !== new Set(opts.recordIds).size) throw badRequest(`every record must belong to person ${fromId}`, ['records']);
    const recordIds = rows.map((r) => r.id);
    reopened = await moveRecordsToPerson(client, recordIds, toId);
    for (const r of rows) {
      await deleteSourceView(client, fromId, r.facility, r.format);
      const view = (r.resources as Array<{ resourceType: string }> | null)?.find((x) => x.resourceType === 'Patient');
      if (view) await upsertSourceViewRows(client, [{ personId: toId, facility: r.facility, format: r.format, observedAt: new Date(), view: { ...view, id: toId } }]);
    }
    const eventId = randomUUID();
    await insertIdentityEvent(client, { id: eventId, action: 'move', from: fromId, to: toId, actor: opts.actor, reason: opts.reason, records: reopened.length });
    // The person left behind is pushed again without the moved source's view.
    const rest = (await recordsOfPerson(client, fromId)).filter((r) => r.status === 'linked').map((r) => r.id);
    if (rest.length) { await reopenRecordsOfPersons(client, [fromId]); reopened.push(...rest); }
    return { eventId, action: 'move', from: fromId, to: toId, records: recordIds.length };
  });
  if (reopened.length) await queueNow(deps, reopened);
  return result;
}
