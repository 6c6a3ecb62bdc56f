import type { Db } from '../db/pool.js';
import type { IdentifierSystems, PersonFacts, RecordFacts } from '../mappers/contract.js';
import { resourceIds } from '../mappers/fhir/index.js';
import type { RecordIssue } from '../records/model.js';
import { findCandidates } from './candidates.js';
import { temporaryNumber } from './decide-citizen.js';
import type { IdentityDecision } from './identity.stage.js';
import type { InfantUnderMother } from './infants.js';
import { decideMatch, NAME_SIMILARITY_MIN, type MatchThresholds } from './match-score.js';
import { isChildNamePattern, nameSimilarity } from './names.js';
import { demographicsOf, learnedIdentifiers, matchSubjectOf } from './person-facts.js';
import { infantsOfMother, personsByIdentifiers } from './person-index.repo.js';

/** Candidates shown with a held record: the best few. */
const REVIEW_CANDIDATES = 5;

const INFANT_SIGNAL_TEXT = {
  'birth-certificate': 'the birth certificate (XML9 SO_CCCD_NND) names this ID as the mother\'s',
  'guardian-field': 'the mother/guardian field names the same ID',
  'name-pattern': 'the name is typed as the mother\'s child ("Con bà …", "CB …", "Bé …", "SS …")',
  'birth-year': 'the ID is a woman\'s born long before the patient, a young child',
} as const;

/**
 * An infant filed under the mother's ID (Huế report): its own Patient with a temporary number,
 * linked to the mother (RelatedPerson MTH, Patient.link); the doses and encounters go to the infant.
 * The same infant is found again by the mother and birth date (twins by name when they differ).
 */
export async function decideInfant(db: Db, facts: RecordFacts, person: PersonFacts, infant: InfantUnderMother, field: string, systems: IdentifierSystems): Promise<IdentityDecision> {
  const motherCccd = infant.motherCccd;
  const motherId = (await personsByIdentifiers(db, [{ system: 'cccd', value: motherCccd }])).get(`cccd|${motherCccd}`) ?? resourceIds.patient(systems, motherCccd);
  const birthDate = person.birth!.fhirDate.slice(0, 10);
  const all = await infantsOfMother(db, motherId, true);
  const bornThatDay = all.filter((i) => i.birthDate === birthDate);
  const sameDay = bornThatDay.filter((i) => i.state === 'active' && (!i.gender || !person.gender || person.gender === 'unknown' || i.gender === person.gender));
  const realName = person.name && !isChildNamePattern(person.name) ? person.name : undefined;
  // A real name tells twins apart: an infant known by another real name is a sibling, not this child.
  const named = realName
    ? sameDay.filter((i) => !i.nameKey || nameSimilarity(i.nameKey, realName) >= NAME_SIMILARITY_MIN).sort((a, b) => nameSimilarity(b.nameKey ?? '', realName) - nameSimilarity(a.nameKey ?? '', realName))[0]
    : sameDay[0];
  // A new infant's place among the mother's infants born that day (merged ones included) keeps its id stable.
  const patientId = named?.personId ?? resourceIds.infantPatient(systems, motherCccd, birthDate, bornThatDay.length + 1);
  const temporary = temporaryNumber(patientId);
  const demographics = demographicsOf(person);
  return {
    identity: { patientId, key: { kind: 'temporary', value: temporary }, mother: { cccd: motherCccd, ...(infant.motherName ? { name: infant.motherName } : {}) } },
    issues: [],
    warnings: [{ code: 'INFANT_UNDER_MOTHER_ID', field, message: `an infant registered under the mother's CCCD (${INFANT_SIGNAL_TEXT[infant.signal]}): linked to the infant's own Patient with a temporary number until its own CCCD arrives` }],
    learn: {
      personId: patientId, kind: 'infant', mother: { personId: motherId, cccd: motherCccd },
      identifiers: [{ system: 'temporary', value: temporary }, ...learnedIdentifiers(facts, person).filter((i) => i.system !== 'cmnd')],
      // The typed placeholder ("Con bà Lan") is not the child's name: matching never blocks on it.
      demographics: { ...demographics, nameKey: person.name && isChildNamePattern(person.name) ? null : demographics.nameKey },
    },
  };
}

/** A foreigner keyed by passport: a valid patient, not verified against the population registry. */
export function decideForeigner(facts: RecordFacts, person: PersonFacts, passport: string, systems: IdentifierSystems): IdentityDecision {
  const patientId = resourceIds.passportPatient(systems, passport);
  return {
    identity: { patientId, key: { kind: 'passport', value: passport } },
    issues: [],
    learn: { personId: patientId, kind: 'foreigner', identifiers: [{ system: 'passport', value: passport }, ...learnedIdentifiers(facts, person)], demographics: demographicsOf(person) },
  };
}

/**
 * A record without a valid CCCD: candidates by BHXH number, CMND, the facility's patient number,
 * name + birth date + commune, scored by identity/match-score.ts. Linked above the auto-link
 * threshold (never when identifiers conflict), held for review in the grey zone, else rejected
 * with the CCCD's own issue.
 */
export async function decideByMatching(db: Db, facts: RecordFacts, person: PersonFacts, issue: RecordIssue, thresholds?: MatchThresholds): Promise<IdentityDecision> {
  const subject = matchSubjectOf(facts, person);
  const hasKey = subject.bhytSocial || subject.cmnd || subject.patientNumber || (subject.name && subject.birthDate);
  if (!hasKey) return { issues: [issue] };
  const candidates = await findCandidates(db, subject);
  if (candidates.length === 0) return { issues: [issue] };
  const match = decideMatch(subject, candidates, thresholds);
  if (match.decision === 'link') {
    return {
      identity: { patientId: match.personId },
      issues: [],
      warnings: [{ code: 'MATCHED_WITHOUT_CCCD', field: issue.field, message: `${issue.message}; linked to a known patient by ${match.rule === 'score' ? 'a match score above the auto-link threshold' : `rule ${match.rule}`}` }],
      learn: { personId: match.personId, kind: 'matched', identifiers: learnedIdentifiers(facts, person), demographics: { nameKey: null, birthDate: null, gender: null, commune: null } },
    };
  }
  if (match.decision === 'review') {
    return {
      issues: [],
      hold: {
        issue: { category: 'IDENTITY_REVIEW', field: issue.field, message: `${issue.message}; ${match.scored.length} candidate patient(s) found (${match.reason}): held for review` },
        candidates: match.scored.slice(0, REVIEW_CANDIDATES),
      },
    };
  }
  return { issues: [issue] };
}
