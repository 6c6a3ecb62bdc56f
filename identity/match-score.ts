/**
 * Which known patient a record without a usable CCCD belongs to: deterministic rules first, then a
 * Fellegi–Sunter style score (sum of log₂ agreement weights, squashed to 0..1). Pure, no I/O.
 * Written for the province's data steward: every rule and weight below is the whole policy.
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

/** A candidate's score (0..1), the fields that agree (`name:variant`, `birthDate:exact`, `bhyt`, …) and the conflicts. */
export interface ScoredCandidate {
  personId: string;
  score: number;
  agreements: string[];
  conflicts: string[];
}

/** Scores at or above `autoLink` may link on their own; at or above `review` go to the steward. */
export interface MatchThresholds {
  autoLink: number;
  review: number;
}

/** Default thresholds: name, birth date, gender and commune together reach review, never auto-link. */
export const DEFAULT_THRESHOLDS: MatchThresholds = { autoLink: 0.92, review: 0.6 };

/**
 * Why a record goes to review: two or more candidates strong enough to link (`ambiguous`), a linkable
 * candidate with a runner-up in the review zone (`runner-up`), a conflicting candidate that would otherwise
 * have linked or reached review (`conflict`), or a best score between the thresholds (`probable`).
 */
export type ReviewReason = 'ambiguous' | 'runner-up' | 'conflict' | 'probable';

/** The outcome of matching one record; `scored` is every candidate, best first. */
export type MatchDecision =
  | { decision: 'link'; personId: string; scored: ScoredCandidate[]; rule: string }
  | { decision: 'review'; scored: ScoredCandidate[]; reason: ReviewReason }
  | { decision: 'none'; scored: ScoredCandidate[] };

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

/** Score ceiling for a candidate with a CCCD or gender conflict: below `DEFAULT_THRESHOLDS.review`. */
export const HARD_CONFLICT_CAP = 0.5;

const HARD_CONFLICTS = new Set(['cccd', 'gender']);

type Agreement = 'agree' | 'disagree' | undefined;

/** One piece of evidence: its label (`agreements` when the weight is positive), weight and conflict name. */
interface Evidence { label: string; weight: number; conflict?: string }

/** What `decideMatch` needs beyond the public score. */
interface Evaluation {
  scored: ScoredCandidate;
  rule: string | undefined;
  hardConflict: boolean;
  /** The score with the conflicting fields left out: would this candidate have linked but for them? */
  scoreWithoutConflicts: number;
}

/**
 * Score one candidate. Conflicts: a CCCD, BHYT, CMND or passport the candidate does not have while it has
 * some of that type; both genders known and different; birth dates `different`. A CCCD or gender conflict
 * caps the score at `HARD_CONFLICT_CAP`.
 */
export function scoreCandidate(subject: MatchSubject, candidate: MatchCandidate): ScoredCandidate {
  return evaluate(subject, candidate).scored;
}

/**
 * Decide the record's patient:
 * 1. Deterministic rules, on conflict-free candidates: (a) same CCCD; (b) same passport; (c) same BHYT social
 *    number + birth date exact/compatible + name variant or better, or similarity ≥ 0.9; (d) same CMND + birth
 *    date exact/compatible + name variant or better; (e) same patient number at the same facility + birth date
 *    exact + name variant or better. Exactly one candidate meeting a rule (or scoring ≥ autoLink) links.
 * 2. Two or more such candidates: review, `ambiguous`.
 * 3. One conflict-free score ≥ autoLink links (rule `score`) only if no other candidate reaches review.
 * 4. Otherwise review when a candidate reaches review, or has a BHYT, CMND, passport or birth-date conflict but
 *    would have reached review without it. A CCCD or gender conflict rules a candidate out. Else none.
 */
export function decideMatch(
  subject: MatchSubject,
  candidates: readonly MatchCandidate[],
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): MatchDecision {
  const evaluations = candidates.map((c) => evaluate(subject, c));
  const scored = evaluations.map((e) => e.scored).sort(byScoreDescending);
  const eligible = evaluations.filter((e) => !e.hardConflict);
  const strong = eligible.filter(
    (e) => e.scored.conflicts.length === 0 && (e.rule !== undefined || e.scored.score >= thresholds.autoLink),
  );
  if (strong.length >= 2) return { decision: 'review', scored, reason: 'ambiguous' };
  const best = strong[0];
  if (best?.rule) return { decision: 'link', personId: best.scored.personId, scored, rule: best.rule };
  const worthReview = eligible.filter((e) => e !== best && isWorthReview(e, thresholds));
  if (best) {
    return worthReview.length === 0
      ? { decision: 'link', personId: best.scored.personId, scored, rule: 'score' }
      : { decision: 'review', scored, reason: 'runner-up' };
  }
  if (worthReview.length === 0) return { decision: 'none', scored };
  const reason = worthReview.some((e) => e.scored.conflicts.length > 0) ? 'conflict' : 'probable';
  return { decision: 'review', scored, reason };
}

function isWorthReview(e: Evaluation, thresholds: MatchThresholds): boolean {
  if (e.scored.score >= thresholds.review) return true;
  // A soft conflict (a birth date typed with day and month swapped, a mistyped card) on a candidate
  // the other fields point to strongly is what a reviewer is for.
  return e.scored.conflicts.length > 0 && e.scoreWithoutConflicts >= thresholds.review;
}

function byScoreDescending(a: ScoredCandidate, b: ScoredCandidate): number {
  return b.score - a.score || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0);
}

function evaluate(subject: MatchSubject, candidate: MatchCandidate): Evaluation {
  const evidence = collectEvidence(subject, candidate);
  const conflicts = evidence.flatMap((e) => (e.conflict ? [e.conflict] : []));
  const hardConflict = conflicts.some((c) => HARD_CONFLICTS.has(c));
  const raw = squash(sumWeights(evidence));
  const score = hardConflict ? Math.min(raw, HARD_CONFLICT_CAP) : raw;
  return {
    scored: {
      personId: candidate.personId,
      score,
      agreements: evidence.filter((e) => e.weight > 0).map((e) => e.label),
      conflicts,
    },
    rule: conflicts.length === 0 ? deterministicRule(subject, candidate) : undefined,
    hardConflict,
    scoreWithoutConflicts: squash(sumWeights(evidence.filter((e) => !e.conflict))),
  };
}

function sumWeights(evidence: readonly Evidence[]): number {
  return evidence.reduce<number>((sum, e) => sum + e.weight, MATCH_WEIGHTS.prior);
}

function squash(bits: number): number {
  return 1 / (1 + 2 ** -bits);
}

function collectEvidence(subject: MatchSubject, candidate: MatchCandidate): Evidence[] {
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
function deterministicRule(subject: MatchSubject, candidate: MatchCandidate): string | undefined {
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
