import type { FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { canonicalPersons, identifiersOf, loadPersons, lockPersonKeys, sourceViewsOf } from './person-index.repo.js';
import { identityProvenance, replacedPatient, sharedPatient, type PersonSnapshot, type SharedSystems } from './shared-patient.js';

/** The shared Patients of some Patient ids: where each id now points, and the resources to push for each person. */
export interface SharedPatients {
  /** Patient id → the person it stands for now (itself unless merged). */
  canonical: Map<string, string>;
  /** Person → its shared Patient, the inactive Patients merged into it, and the Provenance of each identity operation. */
  resources: Map<string, FhirResource[]>;
}

/**
 * Load what the person index holds on these Patients and compute the resources the EHR should
 * hold for them (identity/shared-patient.ts). Ids the index does not know are left out.
 */
export async function loadSharedPatients(
  db: Db, patientIds: readonly string[], systems: SharedSystems, opts: { locked?: boolean; canonical?: Map<string, string> } = {},
): Promise<SharedPatients> {
  const canonical = opts.canonical ?? await canonicalPersons(db, [...new Set(patientIds)]);
  const ids = [...new Set(canonical.values())];
  // One push per person at a time: two workers never PUT an older shared Patient over a newer one.
  if (!opts.locked) await lockPersonKeys(db, ids.map((id) => `patient:${id}`));
  const persons = await loadPersons(db, ids);
  const known = ids.filter((id) => persons.has(id));
  // One client runs one query at a time (the worker's transaction): sequential on purpose.
  const identifiers = await identifiersOf(db, known);
  const sources = await sourceViewsOf(db, known);
  const merged = await db.query<{ id: string; merged_into: string }>('SELECT id, merged_into FROM persons WHERE merged_into = ANY($1::uuid[])', [known]);
  const events = await db.query('SELECT id, action, from_person, to_person, actor, reason, at FROM identity_events WHERE to_person = ANY($1::uuid[]) ORDER BY at, id', [known]);
  const resources = new Map<string, FhirResource[]>();
  for (const id of known) {
    const snapshot: PersonSnapshot = {
      person: persons.get(id)!,
      identifiers: identifiers.get(id) ?? [],
      sources: sources.get(id) ?? [],
      mergedFrom: merged.rows.filter((m) => m.merged_into === id).map((m) => m.id),
      events: events.rows.filter((e) => e.to_person === id).map((e) => ({ id: e.id, action: e.action, from: e.from_person, actor: e.actor, reason: e.reason, at: new Date(e.at).toISOString() })),
    };
    resources.set(id, [
      sharedPatient(snapshot, systems),
      ...snapshot.mergedFrom.map((from) => replacedPatient(from, id)),
      ...snapshot.events.map((e) => identityProvenance(e, id)),
    ]);
  }
  return { canonical, resources };
}

/**
 * Put the shared Patients into resources a record built: each Patient is replaced by its person's
 * shared Patient, references to a merged Patient point to the person it became, and the merged
 * Patients and Provenance of that person are added. Resources of persons the index does not know stay as they are.
 */
export function withSharedPatients(resources: readonly FhirResource[], shared: SharedPatients): FhirResource[] {
  const patients = resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id!);
  let kept = resources.filter((r) => !(r.resourceType === 'Patient' && shared.resources.has(shared.canonical.get(r.id!) ?? r.id!)));
  const moved = patients.filter((id) => (shared.canonical.get(id) ?? id) !== id);
  // References are rewritten only when a Patient was merged (rare): no copy of every Bundle otherwise.
  if (moved.length) {
    let text = JSON.stringify(kept);
    for (const id of moved) text = text.split(`"Patient/${id}"`).join(`"Patient/${shared.canonical.get(id)!}"`);
    kept = JSON.parse(text) as FhirResource[];
  }
  const extra = [...new Set(patients.map((id) => shared.canonical.get(id) ?? id))].flatMap((id) => shared.resources.get(id) ?? []);
  return [...extra, ...kept];
}
