/**
 * Which known patient a record without a usable CCCD belongs to: deterministic rules first, then a
 * Fellegi–Sunter style score (sum of log₂ agreement weights, squashed to 0..1). Pure, no I/O.
 * Written for the province's data steward: every rule and weight below is the whole policy.
 */
import { collectEvidence, deterministicRule, MATCH_WEIGHTS, type Evidence, type MatchCandidate, type MatchSubject } from './match-evidence.js';

export { MATCH_WEIGHTS, NAME_SIMILARITY_MIN, type MatchCandidate, type MatchSubject } from './match-evidence.js';

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

/** Score ceiling for a candidate with a CCCD or gender conflict: below `DEFAULT_THRESHOLDS.review`. */
export const HARD_CONFLICT_CAP = 0.5;

const HARD_CONFLICTS = new Set(['cccd', 'gender']);

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
