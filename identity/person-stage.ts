import type { IdentifierSystems, PersonFacts, RecordFacts } from '../mappers/contract.js';
import { resourceIds } from '../mappers/fhir/index.js';
import type { RecordIssue } from '../records/model.js';
import { checkCccdAgainstPerson, decodeCccd, isCccdProblem, type DecodedCccd } from './cccd.js';
import { decideCitizen } from './decide-citizen.js';
import { decideByMatching, decideForeigner, decideInfant } from './decide-other.js';
import { resolveCccd, type IdentityContext, type IdentityDecision, type IdentitySession, type IdentityStage } from './identity.stage.js';
import { detectInfantUnderMother, type InfantUnderMother } from './infants.js';
import type { MatchThresholds } from './match-score.js';
import { passportOf } from './person-facts.js';
import { CccdLookup } from './person-lookup.js';
import type { PopulationRegistry, Verification, VerifyQuery } from './registry/port.js';

/** What the person-index stage needs: identifier systems, the registry port, matching thresholds, and who re-links merged records. */
export interface PersonStageOptions {
  systems: IdentifierSystems;
  registry: PopulationRegistry;
  thresholds?: MatchThresholds;
}

/** How a record is keyed, decided without I/O. */
type KeyPlan =
  | { kind: 'none' }
  | { kind: 'cccd'; cccd: string; field: string }
  | { kind: 'infant'; infant: InfantUnderMother; field: string }
  | { kind: 'passport'; passport: string }
  | { kind: 'match'; issue: RecordIssue };

function planOf(facts: RecordFacts): KeyPlan {
  const person = facts.person;
  if (!person) return { kind: 'none' };
  const { value, field } = resolveCccd(person);
  const decoded = value && /^\d{12}$/.test(value) ? decodeCccd(value) : undefined;
  if (decoded && !isCccdProblem(decoded)) {
    const infant = detectInfantUnderMother(facts, value!, decoded as DecodedCccd);
    if (infant) return { kind: 'infant', infant, field };
  }
  const problem = checkCccdAgainstPerson(value, { birthYear: person.birth?.year, gender: person.gender });
  if (!problem) return { kind: 'cccd', cccd: value!, field };
  const passport = passportOf(person);
  if (passport && (problem.category === 'CCCD_MISSING' || problem.category === 'CCCD_FORMAT')) return { kind: 'passport', passport };
  return { kind: 'match', issue: { category: problem.category, field, message: problem.message } };
}

function queryOf(person: PersonFacts, cccd: string): VerifyQuery {
  return {
    cccd,
    ...(person.name ? { name: person.name } : {}),
    ...(person.birth ? { birthDate: person.birth.fhirDate.slice(0, 10) } : {}),
    ...(person.gender ? { gender: person.gender } : {}),
    ...(person.address?.province || person.address?.ward ? { address: { ...(person.address.province ? { province: person.address.province } : {}), ...(person.address.ward ? { commune: person.address.ward } : {}) } } : {}),
  };
}

/** Ask the registry about every CCCD-keyed record of the batch in one call; a failing registry answers `unavailable`, never `mismatch`. */
async function verifyBatch(registry: PopulationRegistry, plans: Map<RecordFacts, KeyPlan>): Promise<Map<RecordFacts, Verification>> {
  const asked: Array<[RecordFacts, VerifyQuery]> = [];
  for (const [facts, plan] of plans) if (plan.kind === 'cccd' && facts.person) asked.push([facts, queryOf(facts.person, plan.cccd)]);
  const verdicts = new Map<RecordFacts, Verification>();
  if (asked.length === 0 || registry.mode === 'off') return verdicts;
  let answers: Verification[];
  try {
    answers = await registry.verifyMany(asked.map(([, q]) => q));
  } catch (err) {
    answers = asked.map(() => ({ outcome: 'unavailable' as const, reason: (err as Error).message }));
  }
  asked.forEach(([facts], i) => verdicts.set(facts, answers[i] ?? { outcome: 'unavailable', reason: 'the registry answered fewer queries than asked' }));
  return verdicts;
}

/** Details a person checked against the population database (the cleaning round trip): verified as they now stand. */
function checkedVerdicts(plans: Map<RecordFacts, KeyPlan>): Map<RecordFacts, Verification> {
  const verdicts = new Map<RecordFacts, Verification>();
  for (const [facts, plan] of plans) {
    if (plan.kind !== 'cccd' || !facts.person) continue;
    // Verified without registry details: what the police checked is the record itself, and it never
    // replaces what the registry holds for the person.
    verdicts.set(facts, { outcome: 'verified' });
  }
  return verdicts;
}

/**
 * The identity stage with the person index (docs/identity.md): per record, in this order —
 * an infant filed under the mother's ID becomes its own Patient linked to her; a valid CCCD is
 * verified against the population registry (when on) and checked against what other sources said;
 * a foreigner is keyed by passport; anything else is matched by BHYT/BHXH, CMND, the facility's
 * patient number and name + birth date + commune, linked, held for review, or rejected.
 */
export function personIndexStage(opts: PersonStageOptions): IdentityStage {
  return {
    async begin(ctx: IdentityContext, batch: readonly RecordFacts[]): Promise<IdentitySession> {
      const plans = new Map(batch.map((f) => [f, planOf(f)] as const));
      const verdicts = ctx.checkedBy ? checkedVerdicts(plans) : await verifyBatch(opts.registry, plans);
      // The batch's CCCDs (and the current numbers the registry named) read from the index at once.
      const lookup = new CccdLookup(ctx.db);
      await lookup.prefetch([...plans.entries()].flatMap(([facts, plan]) => {
        if (plan.kind !== 'cccd') return [];
        const v = verdicts.get(facts);
        return [plan.cccd, ...(v?.outcome === 'verified' && v.person ? [v.person.cccd, ...(v.person.previousIds ?? [])] : [])];
      }));
      return {
        async decide(facts) {
          const plan = plans.get(facts) ?? planOf(facts);
          return decideWithPlan(facts, plan, verdicts.get(facts), ctx, opts, lookup);
        },
      };
    },
  };
}

async function decideWithPlan(
  facts: RecordFacts,
  plan: KeyPlan,
  verdict: Verification | undefined,
  ctx: IdentityContext,
  opts: PersonStageOptions,
  lookup: CccdLookup,
): Promise<IdentityDecision> {
  const person = facts.person;
  if (!person || plan.kind === 'none') return { issues: [] };
  switch (plan.kind) {
    case 'infant': return decideInfant(ctx.db, facts, person, plan.infant, plan.field, opts.systems);
    case 'cccd': return decideCitizen(ctx.db, facts, person, { cccd: plan.cccd, field: plan.field, verdict, registryOn: opts.registry.mode !== 'off' }, opts.systems, lookup);
    case 'passport': return decideForeigner(facts, person, plan.passport, opts.systems);
    case 'match': return decideByMatching(ctx.db, facts, person, plan.issue, opts.thresholds);
  }
}

