/**
 * The evidence matching weighs (identity/match-score.ts decides with it): the record and candidate
 * shapes, the weight table, and what each pair of fields says — agreement, disagreement or
 * conflict — plus the deterministic rules. Pure, no I/O.
 */
import { compareBirthDates, compareNames, nameSimilarity } from './names.js';

/** The record to place. Identifiers are compared without spaces and case; names and dates as in `names.ts`. */
export interface MatchSubject {
  /** A structurally valid 12-digit CCCD, if any. */
  cccd?: string;
  /** Last 10 digits of the BHYT card number: the social-insurance number (mã số BHXH). */
  bhytSocial?: string;
  /** The old 9-digit ID (CMND). */
  cmnd?: string;
  passport?: string;
  patientNumber?: { facility: string; value: string };
  name?: string;
  /** FHIR `date`: yyyy | yyyy-mm | yyyy-mm-dd. */
  birthDate?: string;
  gender?: 'male' | 'female' | 'unknown';
  /** GSO commune code. */
  commune?: string;
}

/** A known patient, with every identifier they are known by. */
export interface MatchCandidate {
  personId: string;
  cccds: string[];
  bhytSocial: string[];
  cmnd: string[];
  passports: string[];
  patientNumbers: Array<{ facility: string; value: string }>;
  name?: string;
  birthDate?: string;
  gender?: 'male' | 'female' | 'unknown';
  commune?: string;
}

/**
 * Agreement weights in bits (log₂ m/u, rounded by judgement), summed with the prior and squashed by the
 * logistic 1 / (1 + 2^−sum). Calibration: name variant + full birth date + gender + commune = 15 bits − 13
 * → 0.80 (review); name exact at best 0.89, so name, birth date and commune alone never auto-link
 * (siblings, twins and namesakes share them). A matching BHYT or CMND adds 8 → 0.999.
 * Disagreeing patient numbers weigh nothing: one person often gets two numbers at a facility.
 */
export const MATCH_WEIGHTS = {
  prior: -13,
  cccd: { agree: 12, disagree: -12 },
  passport: { agree: 10, disagree: -3 },
  bhyt: { agree: 8, disagree: -4 },
  cmnd: { agree: 8, disagree: -3 },
  patientNumber: { agree: 7 },
  name: { exact: 7, variant: 6, similar: 5, different: -5 },
  birthDate: { exactDay: 6, exactMonth: 3.5, exactYear: 1.5, compatibleMonth: 3, compatibleYear: 1, different: -6 },
  gender: { agree: 1, disagree: -8 },
  commune: { agree: 2, disagree: -1 },
} as const;

/** `nameSimilarity` at or above this counts as a typed variant of the same name (rule c and the `similar` weight). */
export const NAME_SIMILARITY_MIN = 0.9;

export type Agreement = 'agree' | 'disagree' | undefined;

/** One piece of evidence: its label (`agreements` when the weight is positive), weight and conflict name. */
export interface Evidence { label: string; weight: number; conflict?: string }

export function collectEvidence(subject: MatchSubject, candidate: MatchCandidate): Evidence[] {
  const evidence: Array<Evidence | undefined> = [
    identifierEvidence('cccd', compareCccds(subject.cccd, candidate.cccds)),
    identifierEvidence('passport', compareIds(subject.passport, candidate.passports)),
    identifierEvidence('bhyt', compareIds(subject.bhytSocial, candidate.bhytSocial)),
    identifierEvidence('cmnd', compareIds(subject.cmnd, candidate.cmnd)),
    samePatientNumber(subject, candidate) ? { label: 'patientNumber', weight: MATCH_WEIGHTS.patientNumber.agree } : undefined,
    nameEvidence(subject.name, candidate.name),
    birthDateEvidence(subject.birthDate, candidate.birthDate),
    genderEvidence(subject.gender, candidate.gender),
    communeEvidence(subject.commune, candidate.commune),
  ];
  return evidence.filter((e): e is Evidence => e !== undefined);
}

function identifierEvidence(kind: 'cccd' | 'passport' | 'bhyt' | 'cmnd', agreement: Agreement): Evidence | undefined {
  if (agreement === 'agree') return { label: kind, weight: MATCH_WEIGHTS[kind].agree };
  if (agreement === 'disagree') return { label: `${kind}:different`, weight: MATCH_WEIGHTS[kind].disagree, conflict: kind };
  return undefined;
}

/** Name level: exact, variant, similar (typed slip) or different; nothing when either side has no name. */
function nameEvidence(a: string | undefined, b: string | undefined): Evidence | undefined {
  if (!a?.trim() || !b?.trim()) return undefined;
  const level = nameLevel(a, b);
  return { label: `name:${level}`, weight: MATCH_WEIGHTS.name[level] };
}

function nameLevel(a: string, b: string): 'exact' | 'variant' | 'similar' | 'different' {
  const agreement = compareNames(a, b);
  if (agreement !== 'different') return agreement;
  return nameSimilarity(a, b) >= NAME_SIMILARITY_MIN ? 'similar' : 'different';
}

/** Birth dates weigh by the precision they share: a year alone says little (many people per year and commune). */
function birthDateEvidence(a: string | undefined, b: string | undefined): Evidence | undefined {
  const agreement = compareBirthDates(a, b);
  if (agreement === undefined) return undefined;
  const w = MATCH_WEIGHTS.birthDate;
  if (agreement === 'different') return { label: 'birthDate:different', weight: w.different, conflict: 'birthDate' };
  const precision = Math.min(dateLength(a), dateLength(b));
  const weight = agreement === 'exact'
    ? (precision >= 10 ? w.exactDay : precision >= 7 ? w.exactMonth : w.exactYear)
    : (precision >= 7 ? w.compatibleMonth : w.compatibleYear);
  return { label: `birthDate:${agreement}`, weight };
}

function dateLength(value: string | undefined): number {
  return (value ?? '').trim().slice(0, 10).length;
}

function genderEvidence(a: MatchSubject['gender'], b: MatchSubject['gender']): Evidence | undefined {
  if (!isKnownGender(a) || !isKnownGender(b)) return undefined;
  return a === b
    ? { label: 'gender', weight: MATCH_WEIGHTS.gender.agree }
    : { label: 'gender:different', weight: MATCH_WEIGHTS.gender.disagree, conflict: 'gender' };
}

function isKnownGender(g: MatchSubject['gender']): g is 'male' | 'female' {
  return g === 'male' || g === 'female';
}

/** Communes disagree mildly: people move, and a record may carry the place of stay rather than of residence. */
function communeEvidence(a: string | undefined, b: string | undefined): Evidence | undefined {
  const communeA = a?.trim();
  const communeB = b?.trim();
  if (!communeA || !communeB) return undefined;
  return communeA === communeB
    ? { label: 'commune', weight: MATCH_WEIGHTS.commune.agree }
    : { label: 'commune:different', weight: MATCH_WEIGHTS.commune.disagree };
}

/** The first deterministic rule (a–e, see `decideMatch`) the candidate meets; conflicts are checked by the caller. */
export function deterministicRule(subject: MatchSubject, candidate: MatchCandidate): string | undefined {
  const dates = compareBirthDates(subject.birthDate, candidate.birthDate);
  const datesAgree = dates === 'exact' || dates === 'compatible';
  const names = subject.name && candidate.name ? compareNames(subject.name, candidate.name) : 'different';
  const namesAgree = names !== 'different';
  if (compareIds(subject.cccd, candidate.cccds) === 'agree') return 'cccd';
  if (compareIds(subject.passport, candidate.passports) === 'agree') return 'passport';
  if (compareIds(subject.bhytSocial, candidate.bhytSocial) === 'agree' && datesAgree
    && (namesAgree || nameSimilarity(subject.name ?? '', candidate.name ?? '') >= NAME_SIMILARITY_MIN)) {
    return 'bhyt+birthDate+name';
  }
  if (compareIds(subject.cmnd, candidate.cmnd) === 'agree' && datesAgree && namesAgree) return 'cmnd+birthDate+name';
  if (samePatientNumber(subject, candidate) && dates === 'exact' && namesAgree) return 'patientNumber+birthDate+name';
  return undefined;
}

/** Identifiers compare without spaces and case (passports are typed with either). */
function compareIds(value: string | undefined, known: readonly string[]): Agreement {
  const id = normaliseId(value);
  const knownIds = known.map(normaliseId).filter((k) => k !== '');
  if (!id || knownIds.length === 0) return undefined;
  return knownIds.includes(id) ? 'agree' : 'disagree';
}

/**
 * CCCDs one typing slip apart (one digit wrong, as a wrong century digit; two neighbours swapped)
 * neither agree nor conflict: the record's number is damaged, the other fields decide. Any other
 * difference is a conflict (two people).
 */
function compareCccds(value: string | undefined, known: readonly string[]): Agreement {
  const plain = compareIds(value, known);
  if (plain !== 'disagree') return plain;
  const id = normaliseId(value);
  return known.some((k) => oneSlipApart(id, normaliseId(k))) ? undefined : 'disagree';
}

function oneSlipApart(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  if (diff.length === 1) return true;
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}

function normaliseId(value: string | undefined): string {
  return (value ?? '').replace(/\s+/g, '').toUpperCase();
}

function samePatientNumber(subject: MatchSubject, candidate: MatchCandidate): boolean {
  const wanted = subject.patientNumber;
  if (!wanted || !normaliseId(wanted.value)) return false;
  return candidate.patientNumbers.some(
    (p) => p.facility === wanted.facility && normaliseId(p.value) === normaliseId(wanted.value),
  );
}
