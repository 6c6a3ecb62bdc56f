import type { Patient, RelatedPerson } from 'fhir/r4.js';
import type { BirthFacts, IdentifierSystems } from '../contract.js';
import { personSystems, resourceIds } from './ids.js';

const V3_ROLE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';

/** The infant's temporary number (before its CCCD), typed `use: temp` so a portal never shows it as the national ID. */
export function temporaryIdentifier(systems: IdentifierSystems, value: string): NonNullable<Patient['identifier']>[number] {
  return {
    use: 'temp',
    type: { coding: [{ system: V2_0203, code: 'PI', display: 'Patient internal identifier' }], text: 'Mã tạm thời trẻ sơ sinh' },
    system: personSystems(systems).temporary,
    value,
  };
}

/**
 * The mother of an infant registered under her ID, as a RelatedPerson (relationship v3-RoleCode
 * `MTH`, http://hl7.org/fhir/R4/relatedperson.html) carrying her CCCD and pointing to the infant
 * (`RelatedPerson.patient`); the mother's own Patient is found by the same CCCD. Patient.link is not
 * used for the mother: in R4 it joins records of the *same* person
 * (http://hl7.org/fhir/R4/patient-definitions.html#Patient.link), which the re-key uses.
 */
export function buildMother(infantPatientId: string, mother: { cccd: string; name?: string }, systems: IdentifierSystems): RelatedPerson {
  return {
    resourceType: 'RelatedPerson',
    id: resourceIds.motherOf(infantPatientId),
    patient: { reference: `Patient/${infantPatientId}` },
    relationship: [{ coding: [{ system: V3_ROLE, code: 'MTH', display: 'mother' }] }],
    identifier: [{ use: 'official', system: systems.cccd, value: mother.cccd }],
    ...(mother.name ? { name: [{ text: mother.name }] } : {}),
  };
}

/**
 * The child of a delivery's birth certificate (QĐ 130 XML9) as its own Patient: name, sex, birth
 * date and time, the temporary number, and the temporary BHYT card (MA_THE_TAM) when there is one.
 */
export function buildBirthPatient(birth: BirthFacts, infant: { patientId: string; temporary: string }, systems: IdentifierSystems): Patient {
  const patient: Patient = {
    resourceType: 'Patient',
    id: infant.patientId,
    identifier: [
      temporaryIdentifier(systems, infant.temporary),
      ...(birth.temporaryCard ? [{ use: 'temp' as const, system: systems.bhyt, value: birth.temporaryCard }] : []),
    ],
  };
  if (birth.name) patient.name = [{ use: 'official', text: birth.name }];
  if (birth.gender) patient.gender = birth.gender;
  if (birth.birth) {
    patient.birthDate = birth.birth.fhirDate;
    if (birth.birth.minutes !== undefined) patient._birthDate = { extension: [{ url: BIRTH_TIME, valueDateTime: birth.birth.fhirDateTime }] };
  }
  return patient;
}
