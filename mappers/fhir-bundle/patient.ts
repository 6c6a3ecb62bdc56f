import type { IdentifierSystems, PersonFacts, RecordIssue } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { parseFhirDate, parseFhirDateTime } from './dates.js';
import { codingOf, entryPath, obj, objects, quoted, str } from './json.js';
import type { EntryRef } from './references.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';
/** Patient elements read here; any other element present is listed as unmapped. */
const READ = new Set(['resourceType', 'id', 'meta', 'text', 'identifier', 'name', 'gender', 'birthDate', '_birthDate', 'telecom', 'address', 'managingOrganization', 'active']);
/** R4 administrative gender (http://hl7.org/fhir/R4/valueset-administrative-gender.html); the facts have no "other". */
const GENDER: Record<string, PersonFacts['gender']> = { male: 'male', female: 'female', other: 'unknown', unknown: 'unknown' };

/** The person of a Patient entry, and the facility's own patient number (identifier type MR or PI). */
export interface PatientFacts {
  person: PersonFacts;
  patientNumber?: string;
}

/** What an identifier is: by system first (the deployment's CCCD and BHYT systems), else by its v2-0203 type as the HL7 v2 mapper reads PID-3. */
function kindOf(id: Record<string, unknown>, systems: IdentifierSystems): 'cccd' | 'bhyt' | 'patientNumber' | undefined {
  if (id.system === systems.cccd) return 'cccd';
  if (id.system === systems.bhyt) return 'bhyt';
  const type = codingOf(id.type, V2_0203)?.code;
  return type === 'NI' ? 'cccd' : type === 'SB' ? 'bhyt' : type === 'MR' || type === 'PI' ? 'patientNumber' : undefined;
}

/** One full name, family first (Vietnamese order): `HumanName.text`, else family + given (http://hl7.org/fhir/R4/datatypes.html#HumanName). */
function fullName(resource: Record<string, unknown>): string | undefined {
  const names = objects(resource.name).map((n) => n.value);
  const name = names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'old' && n.use !== 'maiden') ?? names[0];
  if (!name) return undefined;
  const given = Array.isArray(name.given) ? name.given : [];
  const text = str(name.text) ?? [name.family, ...given].map(str).filter(Boolean).join(' ');
  const words = text.split(/\s+/).filter(Boolean);
  return words.length ? words.join(' ') : undefined;
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
 * Patient → person facts (http://hl7.org/fhir/R4/patient.html): identifiers by system (CCCD,
 * BHYT with its period) or by v2-0203 type NI / SB / MR / PI, the official name, gender,
 * birthDate (+ birthTime), the first phone and the home (else first) address. The CCCD's
 * field is its identifier, so the identity stage's issues name `Bundle.entry[i].resource.identifier[k].value`.
 */
export function patientFacts(e: EntryRef, systems: IdentifierSystems, issues: RecordIssue[], unmapped: string[]): PatientFacts {
  const add = (field: string, message: string) => issues.push({ category: 'SCHEMA', field, message });
  const at = (element: string) => entryPath(e.index, element);
  const person: PersonFacts = { cccd: { value: '', field: at('identifier') }, cards: [], cardField: at('identifier') };
  let patientNumber: string | undefined;
  for (const { at: k, value: id } of objects(e.resource.identifier)) {
    const value = str(id.value);
    const kind = kindOf(id, systems);
    if (!value) continue;
    if (!kind) {
      unmapped.push(at(`identifier[${k}]`));
      continue;
    }
    if (kind === 'cccd' && person.cccd.value && person.cccd.value !== value) {
      add(at(`identifier[${k}].value`), `Patient.identifier holds two different CCCDs (${quoteValue(person.cccd.value)} and ${quoteValue(value)}): one person has one citizen ID`);
    } else if (kind === 'cccd' && !person.cccd.value) person.cccd = { value, field: at(`identifier[${k}].value`) };
    else if (kind === 'bhyt') {
      const period = obj(id.period);
      const from = parseFhirDate(period?.start)?.fhirDate ?? parseFhirDateTime(period?.start)?.fhirDate;
      const to = parseFhirDate(period?.end)?.fhirDate ?? parseFhirDateTime(period?.end)?.fhirDate;
      person.cards.push({ value, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    } else if (kind === 'patientNumber' && !patientNumber) patientNumber = value;
  }
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
  for (const key of Object.keys(e.resource)) if (!READ.has(key)) unmapped.push(at(key));
  return { person, ...(patientNumber ? { patientNumber } : {}) };
}
