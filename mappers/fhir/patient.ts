import type { Extension, Identifier, Patient } from 'fhir/r4.js';
import type { IdentifierSystems, PersonFacts } from '../contract.js';
import type { PatientIdentity } from './patient-identity.js';
import { personSystems } from './ids.js';
import { temporaryIdentifier } from './infant.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';
const NATIONALITY = 'http://hl7.org/fhir/StructureDefinition/patient-nationality';

/** Vietnamese names are written family name first: family = first word, given = the rest. */
function humanName(fullName: string, use: 'official' | 'temp'): Patient['name'] {
  const words = fullName.split(/\s+/).filter(Boolean);
  // An infant under the mother's ID is often typed "Con bà …": kept as sent, marked temporary, not split.
  if (use === 'temp') return words.length ? [{ use, text: words.join(' ') }] : [];
  const [family, ...given] = words;
  return [{ use, text: words.join(' '), ...(family ? { family } : {}), ...(given.length ? { given } : {}) }];
}

/** The identifier that keys the Patient: CCCD (`NI`), a foreigner's passport (`PPN`) or an infant's temporary number. */
function keyIdentifiers(identity: PatientIdentity, systems: IdentifierSystems): Identifier[] {
  if (identity.cccd) {
    return [{
      use: 'official',
      type: { coding: [{ system: V2_0203, code: 'NI', display: 'National unique individual identifier' }], text: 'CCCD' },
      system: systems.cccd,
      value: identity.cccd,
    }];
  }
  if (identity.key?.kind === 'passport') {
    return [{ use: 'official', type: { coding: [{ system: V2_0203, code: 'PPN', display: 'Passport number' }], text: 'Hộ chiếu' }, system: personSystems(systems).passport, value: identity.key.value }];
  }
  if (identity.key?.kind === 'temporary') return [temporaryIdentifier(systems, identity.key.value)];
  return [];
}

/** The old CMND and a CCCD held before, as sent (`use: old`): the person index finds the Patient by them. */
function otherIdentifiers(person: PersonFacts, identity: PatientIdentity, systems: IdentifierSystems): Identifier[] {
  const out: Identifier[] = [];
  for (const id of person.otherIds ?? []) {
    if (id.type === 'cmnd') out.push({ use: 'old', system: personSystems(systems).cmnd, value: id.value });
    else if (id.type === 'previous-cccd' && id.value !== identity.cccd) out.push({ use: 'old', system: systems.cccd, value: id.value });
    else if (id.type === 'passport' && identity.key?.kind !== 'passport') out.push({ use: 'secondary', system: personSystems(systems).passport, value: id.value });
  }
  return out;
}

/** One BHYT identifier (v2-0203 `SB`) per card, with its validity period. */
function cardIdentifiers(person: PersonFacts, systems: IdentifierSystems): Identifier[] {
  return person.cards.map((card) => {
    const id: Identifier = {
      use: 'secondary',
      type: { coding: [{ system: V2_0203, code: 'SB', display: 'Social Beneficiary Identifier' }], text: 'Thẻ BHYT' },
      system: systems.bhyt,
      value: card.value,
    };
    if (card.from || card.to) id.period = { ...(card.from ? { start: card.from } : {}), ...(card.to ? { end: card.to } : {}) };
    return id;
  });
}

/** A local code as an extension `${extensionBase}/StructureDefinition/<name>` with a Coding of the same name. */
export function codeExtension(extensionBase: string, name: string, code: string | undefined): Extension[] {
  if (!code) return [];
  return [{
    url: `${extensionBase}/StructureDefinition/${name}`,
    valueCoding: { system: `${extensionBase}/CodeSystem/${name}`, code },
  }];
}

/**
 * Person facts → Patient keyed by CCCD (vn-health-data §5.4): CCCD as `NI`, BHYT cards as `SB`,
 * name family-first, gender, birthDate with `patient-birthTime` for newborns, address with GSO
 * codes, ethnicity, occupation, nationality. The facility's patient number goes on the Encounter.
 */
export function buildPatient(person: PersonFacts, identity: PatientIdentity, systems: IdentifierSystems): Patient {
  const patient: Patient = {
    resourceType: 'Patient',
    id: identity.patientId,
    identifier: [...keyIdentifiers(identity, systems), ...otherIdentifiers(person, identity, systems), ...cardIdentifiers(person, systems)],
    name: humanName(person.name ?? '', identity.mother ? 'temp' : 'official'),
  };
  if (person.gender) patient.gender = person.gender;
  if (person.birth) {
    patient.birthDate = person.birth.fhirDate;
    // http://hl7.org/fhir/R4/extension-patient-birthtime.html when the source carries a time.
    if (person.birth.minutes !== undefined) {
      patient._birthDate = { extension: [{ url: BIRTH_TIME, valueDateTime: person.birth.fhirDateTime }] };
    }
  }
  if (person.phone) patient.telecom = [{ system: 'phone', value: person.phone, use: 'mobile' }];
  const a = person.address;
  if (a && (a.text || a.province)) {
    patient.address = [{
      use: 'home',
      ...(a.text ? { text: a.text } : {}),
      // GSO codes as sent (QĐ 124/2004); interpret against the episode date (2025 reform, §7.2).
      ...(a.province ? { state: a.province } : {}),
      ...(a.district ? { district: a.district } : {}),
      ...(a.ward ? { extension: codeExtension(systems.extensionBase, 'ma-xa-cu-tru', a.ward) } : {}),
      country: 'VN',
    }];
  }
  const extension: Extension[] = [
    ...codeExtension(systems.extensionBase, 'ma-dan-toc', person.ethnicity),
    ...codeExtension(systems.extensionBase, 'ma-nghe-nghiep', person.occupation),
  ];
  if (person.nationality) {
    extension.push({
      url: NATIONALITY,
      extension: [{ url: 'code', valueCodeableConcept: { coding: [{ system: `${systems.extensionBase}/CodeSystem/ma-quoc-tich`, code: person.nationality }] } }],
    });
  }
  if (extension.length) patient.extension = extension;
  return patient;
}
