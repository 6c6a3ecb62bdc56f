/**
 * Scoring the gateway's outcomes against the ground truth (pure, no I/O). A linked record names a
 * Patient (`personId`); each Patient is given the true person most of its linked records belong to,
 * and a linked record of any other true person is a wrong automatic link (so a Patient holding two
 * people counts every minority record as wrong). A row is correct when its outcome is one of its
 * `acceptable` outcomes, a link being to the right person (and, for a duplicate, to the same
 * Patient as the row it repeats).
 */
import { CATEGORY_OF, SEED_CATEGORIES, type SeedCategory } from './rates.js';
import type { Expectation, TruthRow } from './types.js';

/** A record's status as the records table has it (`unverified` read as `pending`). */
export type OutcomeStatus = 'linked' | 'accepted' | 'rejected' | 'held' | 'pending' | 'failed';

/** What the gateway did with one row. */
export interface RecordOutcome {
  status: OutcomeStatus;
  category: string | null;
  personId: string | null;
}

/** How a row ended, for the confusion table. */
export type OutcomeKind = 'link' | 'hold' | 'reject' | 'unsettled' | 'unattributed' | 'missing';

/** The figures of one run. */
export interface Evaluation {
  records: number;
  /** Linked records that name a Patient. */
  autoLinks: number;
  correctAutoLinks: number;
  wrongAutoLinks: number;
  /** correctAutoLinks / autoLinks (1 when nothing was linked). */
  precision: number;
  /** Rows expected to link that linked to the right person, over the rows expected to link. */
  recall: number;
  heldShare: number;
  rejectedShare: number;
  /** Rows whose outcome is acceptable: linked to the right person, or correctly held or rejected. */
  correctShare: number;
  correct: number;
  /** True people whose linked records are spread over more than one Patient. */
  splitPersons: number;
  /** Per seed category: rows carrying such an error, and how many of them ended correctly. */
  caughtByCategory: Record<SeedCategory, { injected: number; caught: number }>;
  /** Expected outcome × actual outcome. */
  confusion: Record<Expectation, Record<OutcomeKind, number>>;
  /** Rows with a wrong automatic link (first 20), to read. */
  wrongExamples: string[];
}

/** The Patient → majority true person map over every linked record. */
export function majorityOwners(truth: readonly TruthRow[], outcomes: ReadonlyMap<string, RecordOutcome>): Map<string, string> {
  const votes = new Map<string, Map<string, number>>();
  for (const t of truth) {
    const o = outcomes.get(t.rowKey);
    if (!o || kindOf(o) !== 'link') continue;
    const v = votes.get(o.personId!) ?? new Map<string, number>();
    v.set(t.truePersonId, (v.get(t.truePersonId) ?? 0) + 1);
    votes.set(o.personId!, v);
  }
  const owners = new Map<string, string>();
  for (const [patient, v] of votes) {
    // Most records wins; a tie goes to the smaller id, so the result never depends on row order.
    const [owner] = [...v].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    owners.set(patient, owner);
  }
  return owners;
}

/** How an outcome counts: only `linked` with a Patient is a link; `accepted`, `pending` and `failed` never settled. */
export function kindOf(o: RecordOutcome | undefined): OutcomeKind {
  if (!o) return 'missing';
  if (o.status === 'linked') return o.personId ? 'link' : 'unattributed';
  if (o.status === 'held') return 'hold';
  if (o.status === 'rejected') return 'reject';
  return 'unsettled';
}

function emptyConfusion(): Record<Expectation, Record<OutcomeKind, number>> {
  const row = (): Record<OutcomeKind, number> => ({ link: 0, hold: 0, reject: 0, unsettled: 0, unattributed: 0, missing: 0 });
  return { link: row(), hold: row(), reject: row() };
}

/** Score every truth row against the outcomes (keyed by `rowKey`). */
export function evaluate(truth: readonly TruthRow[], outcomes: ReadonlyMap<string, RecordOutcome>): Evaluation {
  const owners = majorityOwners(truth, outcomes);
  const patientsOf = new Map<string, Set<string>>();
  const caught = Object.fromEntries(SEED_CATEGORIES.map((c) => [c, { injected: 0, caught: 0 }])) as Evaluation['caughtByCategory'];
  const confusion = emptyConfusion();
  const wrongExamples: string[] = [];
  let autoLinks = 0, correctAutoLinks = 0, expectedLinks = 0, recalled = 0, held = 0, rejected = 0, correct = 0;
  for (const t of truth) {
    const o = outcomes.get(t.rowKey);
    const { kind, rightPerson, correct: ok } = judge(t, outcomes, owners);
    confusion[t.expect][kind] += 1;
    if (kind === 'link') {
      autoLinks += 1;
      if (rightPerson) correctAutoLinks += 1;
      else if (wrongExamples.length < 20) wrongExamples.push(t.rowKey);
      const set = patientsOf.get(t.truePersonId) ?? new Set<string>();
      set.add(o!.personId!);
      patientsOf.set(t.truePersonId, set);
    }
    if (kind === 'hold') held += 1;
    if (kind === 'reject') rejected += 1;
    if (t.expect === 'link') {
      expectedLinks += 1;
      if (rightPerson) recalled += 1;
    }
    if (ok) correct += 1;
    for (const category of new Set(t.injected.map((k) => CATEGORY_OF[k]))) {
      caught[category].injected += 1;
      if (ok) caught[category].caught += 1;
    }
  }
  const n = truth.length;
  return {
    records: n, autoLinks, correctAutoLinks, wrongAutoLinks: autoLinks - correctAutoLinks,
    precision: autoLinks ? correctAutoLinks / autoLinks : 1,
    recall: expectedLinks ? recalled / expectedLinks : 1,
    heldShare: n ? held / n : 0, rejectedShare: n ? rejected / n : 0,
    correctShare: n ? correct / n : 0, correct,
    splitPersons: [...patientsOf.values()].filter((s) => s.size > 1).length,
    caughtByCategory: caught, confusion, wrongExamples,
  };
}

/** How one row ended: its outcome kind, whether a link is to the right person, and whether that is correct for the row. */
export function judge(
  t: TruthRow, outcomes: ReadonlyMap<string, RecordOutcome>, owners: ReadonlyMap<string, string>,
): { kind: OutcomeKind; rightPerson: boolean; correct: boolean } {
  const o = outcomes.get(t.rowKey);
  const kind = kindOf(o);
  const rightPerson = kind === 'link' && owners.get(o!.personId!) === t.truePersonId;
  if (kind === 'hold' || kind === 'reject') return { kind, rightPerson, correct: t.acceptable.includes(kind) };
  if (kind !== 'link' || !rightPerson || !t.acceptable.includes('link')) return { kind, rightPerson, correct: false };
  return { kind, rightPerson, correct: !t.duplicateOf || outcomes.get(t.duplicateOf)?.personId === o!.personId };
}
