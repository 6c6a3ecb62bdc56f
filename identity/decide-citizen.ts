import type { Db } from '../db/pool.js';
import type { BirthFacts, IdentifierSystems, PersonFacts, RecordFacts } from '../mappers/contract.js';
import { resourceIds } from '../mappers/fhir/index.js';
import type { IdentityDecision } from './identity.stage.js';
import type { PersonLearning } from './learning.js';
import { NAME_SIMILARITY_MIN } from './match-score.js';
import { compareBirthDates, foldName, nameSimilarity } from './names.js';
import { demographicsOf, learnedIdentifiers } from './person-facts.js';
import { infantsOfMother, loadPersons, personsByIdentifiers, type PersonDemographics } from './person-index.repo.js';
import { CccdLookup } from './person-lookup.js';
import type { RegistryPerson, Verification } from './registry/port.js';
import { sourceFieldOf } from './source-fields.js';

const FIELD_NAMES: Record<string, string> = { name: 'name', birthDate: 'birth date', gender: 'gender', address: 'province of residence' };

/** A registry verdict that stops the record: mismatch and not found reject, unavailable waits. */
function verdictStops(verdict: Verification | undefined, field: string): IdentityDecision | undefined {
  if (!verdict) return undefined;
  if (verdict.outcome === 'mismatch') {
    const named = verdict.fields.map((f) => `${FIELD_NAMES[f] ?? f} (${sourceFieldOf(field, f)})`).join(', ');
    return {
      issues: verdict.fields.map((f, i) => ({
        category: 'VERIFICATION_MISMATCH' as const,
        field: sourceFieldOf(field, f),
        message: i === 0 ? `the population registry holds another ${named} for this CCCD (xác minh sai thông tin): correct the record or have the commune police confirm it` : `the population registry holds another ${FIELD_NAMES[f] ?? f}`,
      })),
    };
  }
  if (verdict.outcome === 'not_found') {
    return { issues: [{ category: 'REGISTRY_NOT_FOUND', field, message: 'the population registry has no citizen with this CCCD: check the number with the patient or the commune police' }] };
  }
  return undefined;
}

/** Fields on which a new source disagrees with what the index already holds (registry values first). */
function conflictsWith(person: PersonFacts, known: { verified: RegistryPerson | null; demographics: PersonDemographics | null }): string[] {
  const birth = known.verified?.birthDate ?? known.demographics?.birthDate ?? undefined;
  const gender = known.verified?.gender ?? known.demographics?.gender ?? undefined;
  const out: string[] = [];
  if (person.birth && birth && compareBirthDates(person.birth.fhirDate.slice(0, 10), birth) === 'different') out.push('birthDate');
  if (person.gender && (person.gender === 'male' || person.gender === 'female') && (gender === 'male' || gender === 'female') && person.gender !== gender) out.push('gender');
  return out;
}

/** The children of the record's birth certificates whose mother is this person: an infant Patient each (existing ones reused by birth date). */
async function birthsOf(db: Db, facts: RecordFacts, cccd: string, motherId: string, motherKnown: boolean, systems: IdentifierSystems) {
  const births = facts.births.map((b, index) => ({ b, index })).filter(({ b }) => !b.motherCccd || b.motherCccd === cccd);
  if (births.length === 0) return [];
  const known = motherKnown ? await infantsOfMother(db, motherId) : [];
  const used = new Set<string>();
  return births.map(({ b, index }) => {
    const date = b.birth?.fhirDate.slice(0, 10) ?? 'unknown';
    const same = known.filter((k) => k.birthDate === date && !used.has(k.personId) && (!b.gender || !k.gender || k.gender === b.gender));
    const patientId = same[0]?.personId ?? resourceIds.infantPatient(systems, cccd, date, index + 1);
    used.add(patientId);
    return { index, patientId, temporary: b.temporaryCard ?? temporaryNumber(patientId), birth: b };
  });
}

/** An infant's temporary number when the birth certificate gives no temporary card: stable, derived from its Patient id. */
export function temporaryNumber(patientId: string): string {
  return `TT-${patientId.replace(/-/g, '').slice(0, 12).toUpperCase()}`;
}

function birthDemographics(b: BirthFacts, commune: string | null) {
  return { nameKey: b.name ? foldName(b.name).slice(0, 120) || null : null, birthDate: b.birth?.fhirDate.slice(0, 10) ?? null, gender: b.gender ?? null, commune };
}

/**
 * A record keyed by a structurally valid CCCD: verified against the registry when it is on (a
 * re-issued number is followed to the current one), found in the index by any number the person
 * held, and held for review when it disagrees with another source on birth date or sex.
 */
export async function decideCitizen(
  db: Db,
  facts: RecordFacts,
  person: PersonFacts,
  k: { cccd: string; field: string; verdict: Verification | undefined; registryOn: boolean },
  systems: IdentifierSystems,
  lookup: CccdLookup = new CccdLookup(db),
): Promise<IdentityDecision> {
  const stop = verdictStops(k.verdict, k.field);
  if (stop) return stop;
  const verified = k.verdict?.outcome === 'verified' ? k.verdict.person ?? null : null;
  const current = verified?.cccd && verified.cccd !== k.cccd ? verified.cccd : k.cccd;
  // Only the registry says which numbers a person held before: a facility's claim is recorded, never followed.
  const previous = [...new Set([...(current !== k.cccd ? [k.cccd] : []), ...(verified?.previousIds ?? [])])].filter((v) => v !== current);
  const found = await lookup.personsOf([current, ...previous]);
  const existing = found.get(current) ?? previous.map((p) => found.get(p)).find(Boolean);
  const personId = existing ?? resourceIds.patient(systems, current);
  // Waiting for the registry: the conflict check runs once it has answered (the record is decided again).
  const waiting = k.registryOn && k.verdict?.outcome === 'unavailable';
  if (existing && k.verdict?.outcome !== 'verified' && !waiting) {
    const known = await lookup.person(existing);
    const conflicts = known ? conflictsWith(person, known) : [];
    if (conflicts.length) {
      const fields = conflicts.map((c) => sourceFieldOf(k.field, c as 'birthDate' | 'gender'));
      return {
        issues: [],
        hold: {
          issue: { category: 'SOURCE_CONFLICT', field: fields[0]!, message: `another source gave this CCCD a different ${conflicts.map((c) => FIELD_NAMES[c]).join(' and ')} (${fields.join(', ')}): held for review, neither source overwrites the other` },
          candidates: [{ personId: existing, score: 1, agreements: ['cccd'], conflicts }],
        },
      };
    }
  }
  const demographics = demographicsOf(person);
  const births = await birthsOf(db, facts, current, personId, existing !== undefined, systems);
  const learning: PersonLearning = {
    personId, kind: 'citizen',
    identifiers: [{ system: 'cccd', value: current }, ...previous.map((value) => ({ system: 'cccd', value, state: 'previous' as const })), ...learnedIdentifiers(facts, person)],
    demographics,
    ...(verified ? { verified } : {}),
    ...(births.length ? { births: births.map((b) => ({ personId: b.patientId, temporary: b.temporary, demographics: birthDemographics(b.birth, demographics.commune) })) } : {}),
  };
  const rekey = await temporaryInfantOf(db, person, personId);
  if (rekey) learning.mergeFrom = rekey;
  const unverified = k.registryOn && k.verdict?.outcome === 'unavailable' ? { unverified: { reason: k.verdict.reason } } : {};
  return {
    identity: { cccd: current, patientId: personId, ...(births.length ? { births: births.map(({ index, patientId, temporary }) => ({ index, patientId, temporary })) } : {}) },
    issues: [],
    learn: learning,
    ...unverified,
  };
}

/**
 * Re-keying: a child's record with its own CCCD that names its mother (guardian CCCD) finds the
 * temporary infant registered under her with the same birth date; that infant becomes this person.
 */
async function temporaryInfantOf(db: Db, person: PersonFacts, personId: string): Promise<string | undefined> {
  const motherCccd = person.guardian?.cccd;
  const birth = person.birth?.fhirDate.slice(0, 10);
  if (!motherCccd || !birth || birth.length < 10) return undefined;
  const mother = (await personsByIdentifiers(db, [{ system: 'cccd', value: motherCccd }])).get(`cccd|${motherCccd}`);
  if (!mother) return undefined;
  const infants = (await infantsOfMother(db, mother)).filter((i) => i.personId !== personId && i.birthDate === birth && (!i.gender || !person.gender || i.gender === person.gender || person.gender === 'unknown'));
  const persons = await loadPersons(db, infants.map((i) => i.personId));
  const temporary = infants.filter((i) => persons.get(i.personId)?.kind === 'infant');
  if (temporary.length <= 1) return temporary[0]?.personId;
  // Twins: the one whose known name is this child's; none or several → no re-key (an administrator merges).
  const named = temporary.filter((i) => i.nameKey && person.name && nameSimilarity(i.nameKey, person.name) >= NAME_SIMILARITY_MIN);
  return named.length === 1 ? named[0]!.personId : undefined;
}
