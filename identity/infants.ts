import type { FactDate, RecordFacts } from '../mappers/contract.js';
import type { DecodedCccd } from './cccd.js';
import { isInfantUnderMotherId } from './identity.stage.js';
import { isChildNamePattern, motherNameOfChildPattern } from './names.js';

/** Children under this age at the encounter or dose may be registered under a parent's ID (seeds: Huế report, infants under 6 months). */
const CHILD_MAX_YEARS = 6;
/** A mother is at least this many years older than her child (the CCCD's birth year against the child's). */
const MIN_MOTHER_AGE = 12;

/** Why a record is taken as an infant's filed under its mother's ID. */
export type InfantSignal = 'birth-certificate' | 'guardian-field' | 'name-pattern' | 'birth-year';

/** An infant registered under the mother's ID: the mother's CCCD (the record's) and what showed it. */
export interface InfantUnderMother {
  motherCccd: string;
  motherName?: string;
  signal: InfantSignal;
}

function years(d: FactDate): number {
  return d.year + ((d.month ?? 1) - 1) / 12 + ((d.day ?? 1) - 1) / 365;
}

/** The date of the event the record reports: the encounter's start or the first dose's date. */
function eventDate(facts: RecordFacts): FactDate | undefined {
  return facts.encounter?.start ?? facts.immunizations.find((i) => i.occurrence)?.occurrence;
}

/** Is the record's patient a child at the event (unknown event date: judged by the birth date alone, never older than the limit)? */
function isChild(facts: RecordFacts): boolean {
  const birth = facts.person?.birth;
  if (!birth) return false;
  const at = eventDate(facts);
  return at ? years(at) - years(birth) < CHILD_MAX_YEARS : false;
}

/**
 * Recognise an infant filed under the mother's ID (vn-health-data §1.3; Huế report): the ID on
 * the record is a woman's, much older than the patient, and one of these says so — the delivery's
 * birth certificate (XML9 `SO_CCCD_NND`), a mother/guardian field naming the same ID (HL7 PID-21 /
 * NK1, a CSV guardian column), the name staff type ("Con bà …", "CB …", "Bé …", "SS …"), or the
 * CCCD's birth year alone when the patient is a young child.
 */
export function detectInfantUnderMother(facts: RecordFacts, cccd: string, decoded: DecodedCccd): InfantUnderMother | undefined {
  const person = facts.person;
  if (!person?.birth) return undefined;
  const byCertificate = isInfantUnderMotherId(facts, cccd);
  if (byCertificate) return { motherCccd: cccd, signal: 'birth-certificate' };
  const olderWoman = decoded.gender === 'female' && decoded.birthYear <= person.birth.year - MIN_MOTHER_AGE;
  if (!olderWoman || !isChild(facts)) return undefined;
  const name = person.name ?? '';
  const guardian = person.guardian;
  const guardianName = guardian?.name ? { motherName: guardian.name } : {};
  if (guardian?.cccd === cccd) return { motherCccd: cccd, ...guardianName, signal: 'guardian-field' };
  if (isChildNamePattern(name)) {
    const typed = motherNameOfChildPattern(name);
    return { motherCccd: cccd, ...(guardian?.name ? guardianName : typed ? { motherName: typed } : {}), signal: 'name-pattern' };
  }
  return { motherCccd: cccd, ...guardianName, signal: 'birth-year' };
}
