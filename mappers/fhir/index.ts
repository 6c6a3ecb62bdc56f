import type { FhirResource } from 'fhir/r4.js';
import type { IdentifierSystems, RecordFacts } from '../contract.js';
import type { PatientIdentity } from './patient-identity.js';
import { buildConditions, buildEncounter, buildOrganization } from './encounter.js';
import { resourceIds } from './ids.js';
import { buildImmunization, immunizationId } from './immunization.js';
import { buildBirthPatient, buildMother } from './infant.js';
import { buildPatient } from './patient.js';

export { resourceIds, idForIdentifier, uuidV5, personSystems } from './ids.js';
export { vaccineCodings, vaccineSystems, CVX } from './immunization.js';

export type { PatientIdentity } from './patient-identity.js';

/**
 * Facts + identity → the R4 resources to link: Organization, Patient, Encounter, Conditions,
 * Immunizations (in that order; ids from the shared recipes). Every format goes through here.
 */
export function buildResources(facts: RecordFacts, identity: PatientIdentity, systems: IdentifierSystems): FhirResource[] {
  const resources: FhirResource[] = [buildOrganization(facts.facility, systems)];
  if (facts.person) resources.push(buildPatient(facts.person, identity, systems));
  if (identity.mother) resources.push(buildMother(identity.patientId, identity.mother, systems));
  for (const infant of identity.births ?? []) {
    const birth = facts.births[infant.index];
    if (birth) resources.push(buildBirthPatient(birth, infant, systems), buildMother(infant.patientId, { cccd: identity.cccd ?? birth.motherCccd ?? '', ...(facts.person?.name ? { name: facts.person.name } : {}) }, systems));
  }
  if (facts.encounter) {
    const encounterId = resourceIds.encounter(systems, facts.facility, facts.encounter.key);
    const organizationId = resourceIds.organization(systems, facts.facility);
    const conditions = buildConditions(facts.conditions, encounterId, identity.patientId, systems);
    resources.push(buildEncounter(facts.encounter, { encounterId, patientId: identity.patientId, organizationId }, conditions, systems), ...conditions);
  }
  const organizationId = resourceIds.organization(systems, facts.facility);
  for (const dose of facts.immunizations) {
    const id = immunizationId(dose, facts.facility, identity.patientId, systems);
    resources.push(buildImmunization(dose, { id, patientId: identity.patientId, organizationId, facility: facts.facility }, systems));
  }
  return resources;
}
