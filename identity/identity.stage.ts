import type { Db } from '../db/pool.js';
import type { BirthFacts, IdentifierSystems, PersonFacts, RecordFacts } from '../mappers/contract.js';
import { resourceIds, type PatientIdentity } from '../mappers/fhir/index.js';
import type { RecordIssue, RecordWarning } from '../records/model.js';
import type { PersonLearning } from './learning.js';
import { checkCccdAgainstPerson, decodeCccd, isCccdProblem } from './cccd.js';

/** A candidate patient of a held record, as the review queue shows it. */
export interface ReviewCandidate {
  personId: string;
  score: number;
  agreements: string[];
  conflicts: string[];
}

/** The identity stage's answer: whom the record belongs to, or why that cannot be decided. */
export interface IdentityDecision {
  identity?: PatientIdentity;
  issues: RecordIssue[];
  /** Counted, never rejecting (an infant under the mother's ID, a record linked without a CCCD). */
  warnings?: RecordWarning[];
  /** Into the review queue (status `held`): the issue explaining why, and the candidates found. */
  hold?: { issue: RecordIssue; candidates: ReviewCandidate[] };
  /** The registry was unavailable: stored `unverified` with its resources, checked again later. */
  unverified?: { reason: string };
  /**
   * What the person index learns from the record. Stored with an accepted record and applied by the
   * linkage worker (identity/learning.ts), which is the index's one writer: ingest only reads it, so
   * concurrent submissions never lock each other out on it.
   */
  learn?: PersonLearning;
}

/** Where and when a batch of records is decided: the ingest transaction, the format, the clock. */
export interface IdentityContext {
  db: Db;
  format: string;
  now: Date;
  /**
   * The identity details were checked against the population database by a person (the commune
   * police in the cleaning round trip): the registry is not asked, the record's details count as verified.
   */
  checkedBy?: string;
}

/** One batch of records decided together (registry lookups for the whole batch in one call). */
export interface IdentitySession {
  decide(facts: RecordFacts): Promise<IdentityDecision>;
}

/**
 * Decides which Patient a record belongs to. It sits between mapping and linking, so registry
 * verification, matching and the review queue live here without touching any mapper.
 */
export interface IdentityStage {
  begin(ctx: IdentityContext, batch: readonly RecordFacts[]): Promise<IdentitySession>;
}

/** A newborn: at most 28 days old at the start of the encounter (WHO neonatal period). */
const NEWBORN_DAYS = 28;
const DAY_MS = 86_400_000;

/**
 * The CCCD the record is keyed by: the sent ID (spaces removed), or a 12-digit insurance card
 * number that is a structurally valid CCCD (NĐ 188/2025 allows the CCCD as the card number).
 */
export function resolveCccd(person: PersonFacts): { value: string | undefined; field: string } {
  const sent = person.cccd.value.replace(/\s+/g, '');
  if (sent) return { value: sent, field: person.cccd.field };
  const card = person.cards.map((c) => c.value).find((c) => /^\d{12}$/.test(c) && !isCccdProblem(decodeCccd(c)));
  return card ? { value: card, field: person.cardField ?? person.cccd.field } : { value: undefined, field: person.cccd.field };
}

function dayNumber(d: { year: number; month?: number; day?: number }): number {
  return Date.UTC(d.year, (d.month ?? 1) - 1, d.day ?? 1) / DAY_MS;
}

/**
 * Is the record's patient the child of a birth it carries, filed under the mother's ID? Only
 * when the ID is the mother's (SO_CCCD_NND) *and* the patient is the child: born on the child's
 * birth day, or a newborn at the encounter. A mother's own delivery episode carries the same
 * XML9 with her own CCCD, and is hers (vn-health-data §1.3 XML9).
 */
export function isInfantUnderMotherId(facts: RecordFacts, cccd: string): BirthFacts | undefined {
  const birth = facts.person?.birth;
  if (!birth) return undefined;
  return facts.births.find((b) => {
    if (b.motherCccd !== cccd) return false;
    if (b.birth && b.birth.fhirDate.slice(0, 10) === birth.fhirDate.slice(0, 10) && birth.day !== undefined) return true;
    const start = facts.encounter?.start;
    return !!start && birth.day !== undefined && dayNumber(start) - dayNumber(birth) <= NEWBORN_DAYS;
  });
}

/**
 * The structural rules (no I/O): a 12-digit CCCD whose province, century/gender digit and birth
 * year are valid and agree with the person, and not the mother's ID on her infant's record.
 */
export function decideStructurally(facts: RecordFacts, systems: IdentifierSystems): IdentityDecision {
  const person = facts.person;
  if (!person) return { issues: [] };
  const { value, field } = resolveCccd(person);
  const problem = checkCccdAgainstPerson(value, { birthYear: person.birth?.year, gender: person.gender });
  if (problem) return { issues: [{ category: problem.category, field, message: problem.message }] };
  const cccd = value!;
  if (isInfantUnderMotherId(facts, cccd)) {
    return {
      issues: [{
        category: 'CCCD_DOB_MISMATCH',
        field,
        message: 'the ID is the mother\'s or guardian\'s CCCD (SO_CCCD_NND of the birth certificate) but the patient is the newborn: register the infant under its own identity',
      }],
    };
  }
  return { identity: { cccd, patientId: resourceIds.patient(systems, cccd) }, issues: [] };
}

/** The structural rules only, with no person index (golden files, fuzz, and VERIFICATION-free unit tests). */
export function structuralIdentityStage(systems: IdentifierSystems): IdentityStage {
  const session: IdentitySession = { decide: async (facts) => decideStructurally(facts, systems) };
  return { begin: async () => session };
}
