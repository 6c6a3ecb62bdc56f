import type { Db } from '../db/pool.js';
import type { IngestedRecord } from '../records/model.js';
import { mergePersons, type PersonLearning, type PersonMerge } from './learning.js';
import {
  addIdentifierRows, ensurePersons, setVerifiedRows, upsertDemographicsRows, upsertSourceViewRows,
} from './person-index-batch.repo.js';
import { canonicalPersons, type PersonDemographics, type PersonIdentifier, type PersonKind } from './person-index.repo.js';

/** One linked record's learning, with what its source view needs. */
export interface LearningItem {
  learning: PersonLearning;
  record: Pick<IngestedRecord, 'facility' | 'resources'>;
  format: string;
  observedAt: Date;
}

/** Rows of one job, one per key (the first identifier holder wins, the newest record's details win). */
class JobRows {
  readonly persons = new Map<string, { id: string; kind: PersonKind; motherId?: string }>();
  readonly identifiers = new Map<string, PersonIdentifier & { personId: string }>();
  readonly demographics = new Map<string, PersonDemographics>();
  readonly registryDemographics = new Map<string, PersonDemographics>();
  readonly verified = new Map<string, { personId: string; person: NonNullable<PersonLearning['verified']> }>();
  readonly views = new Map<string, { personId: string; facility: string; format: string; observedAt: Date; view: unknown }>();

  person(id: string, kind: PersonKind, motherId?: string): void {
    if (!this.persons.has(id)) this.persons.set(id, { id, kind, ...(motherId ? { motherId } : {}) });
  }
  identifier(personId: string, i: PersonIdentifier): void {
    const key = `${i.system}|${i.value}`;
    if (!this.identifiers.has(key)) this.identifiers.set(key, { ...i, personId });
  }
  view(personId: string, item: LearningItem): void {
    const view = (item.record.resources ?? []).find((r) => (r as { resourceType?: string }).resourceType === 'Patient' && (r as { id?: string }).id === personId);
    if (!view) return;
    const key = `${personId}|${item.record.facility}|${item.format}`;
    const known = this.views.get(key);
    if (!known || known.observedAt <= item.observedAt) this.views.set(key, { personId, facility: item.record.facility, format: item.format, observedAt: item.observedAt, view });
  }
}

function collect(rows: JobRows, item: LearningItem): void {
  const l = item.learning;
  if (l.mother) {
    rows.person(l.mother.personId, 'citizen');
    rows.identifier(l.mother.personId, { system: 'cccd', value: l.mother.cccd });
  }
  rows.person(l.personId, l.kind, l.mother?.personId);
  for (const i of l.identifiers) rows.identifier(l.personId, i);
  rows.demographics.set(l.personId, { personId: l.personId, ...l.demographics });
  if (l.verified) {
    const v = l.verified;
    rows.verified.set(l.personId, { personId: l.personId, person: v });
    rows.registryDemographics.set(l.personId, { personId: l.personId, nameKey: l.demographics.nameKey, birthDate: v.birthDate, gender: v.gender, commune: v.commune ?? l.demographics.commune });
  }
  rows.view(l.personId, item);
  for (const b of l.births ?? []) {
    rows.person(b.personId, 'infant', l.personId);
    rows.identifier(b.personId, { system: 'temporary', value: b.temporary });
    rows.demographics.set(b.personId, { personId: b.personId, ...b.demographics });
    rows.view(b.personId, item);
  }
}

/**
 * Write what a linkage job's records taught the person index, one statement per table (the
 * worker is the index's one writer and holds the persons' locks). A person merged since its
 * record was decided stands for the one it became. Re-keys run after, one by one; returns them so
 * the caller re-links the merged infants' records.
 */
export async function applyLearnings(db: Db, items: readonly LearningItem[], actor: string, known?: ReadonlyMap<string, string>): Promise<PersonMerge[]> {
  if (items.length === 0) return [];
  const ids = [...new Set(items.map((i) => i.learning.personId))];
  // The caller may already know where these ids point (read under the same locks).
  const canonical = known && ids.every((id) => known.has(id)) ? known : await canonicalPersons(db, ids);
  const resolved = items.map((i) => {
    const to = canonical.get(i.learning.personId) ?? i.learning.personId;
    if (to === i.learning.personId) return i;
    const { mergeFrom, ...rest } = i.learning;
    return { ...i, learning: { ...rest, personId: to, ...(mergeFrom && mergeFrom !== to ? { mergeFrom } : {}) } };
  });
  const rows = new JobRows();
  for (const item of resolved) collect(rows, item);
  await ensurePersons(db, [...rows.persons.values()]);
  await addIdentifierRows(db, [...rows.identifiers.values()]);
  await setVerifiedRows(db, [...rows.verified.values()]);
  await upsertDemographicsRows(db, [...rows.demographics.values()].filter((d) => !rows.registryDemographics.has(d.personId)), false);
  await upsertDemographicsRows(db, [...rows.registryDemographics.values()], true);
  await upsertSourceViewRows(db, [...rows.views.values()]);
  const merges: PersonMerge[] = [];
  for (const { learning } of resolved) {
    if (learning.mergeFrom && learning.mergeFrom !== learning.personId) {
      const merge = await mergePersons(db, { from: learning.mergeFrom, to: learning.personId, action: 'rekey', actor, reason: 'the infant\'s own CCCD arrived' });
      if (merge) merges.push(merge);
    }
  }
  return merges;
}
