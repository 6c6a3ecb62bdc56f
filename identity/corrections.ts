import type { RecordFacts } from '../mappers/contract.js';
import { parseHisDate } from '../mappers/shared/dates.js';
import type { IdentityDecision } from './identity.stage.js';
import { demographicsOf, learnedIdentifiers } from './person-facts.js';

/** Identity fields an administrator or the commune police correct on a held record. */
export interface IdentityCorrections {
  cccd?: string;
  name?: string;
  /** FHIR `date`: yyyy, yyyy-mm or yyyy-mm-dd. */
  birthDate?: string;
  gender?: 'male' | 'female' | 'unknown';
}

/** A FHIR date as the facts carry it (undefined when it is not a calendar date). */
export function factDateOf(fhirDate: string) {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(fhirDate);
  return m ? parseHisDate(`${m[1]}${m[2] ?? '00'}${m[3] ?? '00'}`) : undefined;
}

/** The facts with the corrections applied (a new object; the stored facts stay as they were sent). */
export function applyCorrections(facts: RecordFacts, c: IdentityCorrections): RecordFacts {
  if (!facts.person) return facts;
  const person = { ...facts.person };
  if (c.cccd !== undefined) person.cccd = { ...person.cccd, value: c.cccd.replace(/\s+/g, '') };
  if (c.name !== undefined) person.name = c.name.normalize('NFC');
  if (c.birthDate !== undefined) {
    const birth = factDateOf(c.birthDate);
    if (birth) person.birth = birth;
  }
  if (c.gender !== undefined) person.gender = c.gender;
  // The corrections settle who the person is: issues the identity stage raised are decided again.
  return { ...facts, person };
}

/**
 * An administrator chose a candidate patient for a held record: the record belongs to that
 * person, whatever the score said. Keyed by the record's CCCD when it has a valid one.
 */
export function acceptedCandidateDecision(facts: RecordFacts, personId: string, cccd?: string): IdentityDecision {
  const person = facts.person;
  return {
    identity: { patientId: personId, ...(cccd ? { cccd } : {}) },
    issues: [],
    ...(person ? {
      learn: {
        personId, kind: 'matched' as const,
        identifiers: [...(cccd ? [{ system: 'cccd', value: cccd }] : []), ...learnedIdentifiers(facts, person)],
        demographics: cccd ? demographicsOf(person) : { nameKey: null, birthDate: null, gender: null, commune: null },
      },
    } : {}),
  };
}
