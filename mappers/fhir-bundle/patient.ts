import type { IdentifierSystems, PersonFacts, RecordIssue } from '../contract.js';
import { parseFhirDate, parseFhirDateTime } from './dates.js';
import { hasOtherExtensions, patientGuardian } from './guardian.js';
import { entryPath, obj, objects, quoted, str } from './json.js';
import { fullName } from './names.js';
import { patientIdentifiers } from './patient-ids.js';
import type { EntryRef } from './references.js';

const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';
/** Patient elements read here; any other element present is listed as unmapped. */
const READ = new Set(['resourceType', 'id', 'meta', 'text', 'identifier', 'name', 'gender', 'birthDate', '_birthDate', 'telecom', 'address', 'managingOrganization', 'active', 'contact']);
/** R4 administrative gender (http://hl7.org/fhir/R4/valueset-administrative-gender.html); the facts have no "other". */
const GENDER: Record<string, PersonFacts['gender']> = { male: 'male', female: 'female', other: 'unknown', unknown: 'unknown' };

/** The person of a Patient entry, and the facility's own patient number (identifier type MR or PI, also `person.patientNumber`). */
export interface PatientFacts {
  person: PersonFacts;
  patientNumber?: string;
}

/** `birthDate`, with the time of the `patient-birthTime` extension on the same day (http://hl7.org/fhir/R4/extension-patient-birthtime.html). */
function birthOf(e: EntryRef, add: (field: string, message: string) => void): PersonFacts['birth'] {
  const raw = e.resource.birthDate;
  if (raw === undefined) return undefined;
  const birth = parseFhirDate(raw);
  if (!birth) {
    add(entryPath(e.index, 'birthDate'), `Patient.birthDate ${quoted(raw)} is not a FHIR date (yyyy, yyyy-mm or yyyy-mm-dd)`);
    return undefined;
  }
  const ext = objects(obj(e.resource._birthDate)?.extension).find(({ value }) => value.url === BIRTH_TIME)?.value;
  const time = parseFhirDateTime(ext?.valueDateTime);
  return time?.minutes !== undefined && time.fhirDate === birth.fhirDate ? time : birth;
}

/**
 * Patient → person facts (http://hl7.org/fhir/R4/patient.html): identifiers (`patient-ids.ts`:
 * CCCD, BHYT with its period, CMND, passport, a CCCD held before, the patient number), the
 * official name, gender, birthDate (+ birthTime), the first phone, the home (else first) address,
 * and the mother or guardian (`guardian.ts`: mothersMaidenName, `contact`, the bundle's
 * RelatedPersons of this Patient, `related`).
 */
export function patientFacts(e: EntryRef, systems: IdentifierSystems, issues: RecordIssue[], unmapped: string[], related: readonly EntryRef[] = []): PatientFacts {
  const add = (field: string, message: string) => issues.push({ category: 'SCHEMA', field, message });
  const at = (element: string) => entryPath(e.index, element);
  const person: PersonFacts = { cccd: { value: '', field: at('identifier') }, cards: [], cardField: at('identifier') };
  const patientNumber = patientIdentifiers(e, systems, person, issues, unmapped);
  const name = fullName(e.resource);
  if (name) person.name = name;
  else add(at('name'), 'Patient.name is missing: a person needs a name (national minimum data set)');
  const gender = e.resource.gender;
  if (typeof gender === 'string' && GENDER[gender]) person.gender = GENDER[gender];
  else if (gender !== undefined) add(at('gender'), `Patient.gender ${quoted(gender)} is not male, female, other or unknown`);
  const birth = birthOf(e, add);
  if (birth) person.birth = birth;
  const phone = objects(e.resource.telecom).map((t) => t.value).find((t) => t.system === 'phone' && str(t.value));
  if (phone) person.phone = str(phone.value)!;
  const addresses = objects(e.resource.address).map((a) => a.value);
  const address = addresses.find((a) => a.use === 'home') ?? addresses[0];
  if (address) {
    const parts = [...(Array.isArray(address.line) ? address.line : []), address.district, address.city, address.state];
    const text = str(address.text) ?? parts.map(str).filter(Boolean).join(', ');
    const province = str(address.state);
    const district = str(address.district);
    if (text || province) person.address = { ...(text ? { text } : {}), ...(province ? { province } : {}), ...(district ? { district } : {}) };
  }
  for (const key of Object.keys(e.resource)) {
    if (!READ.has(key) && (key !== 'extension' || hasOtherExtensions(e))) unmapped.push(at(key));
  }
  const guardian = patientGuardian(e, related, systems, unmapped);
  if (guardian) person.guardian = guardian;
  return { person, ...(patientNumber ? { patientNumber } : {}) };
}
