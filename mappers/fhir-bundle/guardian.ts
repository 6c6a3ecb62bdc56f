import type { IdentifierSystems, PersonFacts } from '../contract.js';
import { arr, code, entryPath, obj, objects, str } from './json.js';
import { fullName, humanNameText } from './names.js';
import type { EntryRef } from './references.js';

/** The mother or guardian of the person, as the facts carry them. */
export type Guardian = NonNullable<PersonFacts['guardian']>;

/** http://hl7.org/fhir/R4/extension-patient-mothersmaidenname.html: the mother's name (Vietnamese women keep theirs). */
export const MOTHERS_MAIDEN_NAME = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';

/**
 * Relationship codes (any system: v3-RoleCode as RelatedPerson.relationship uses, v2-0131 as
 * Patient.contact.relationship uses, and HL7 v2 table 0063 `GRD`): MTH, NMTH natural mother, GESTM
 * gestational mother → mother; FTH, NFTH → father; GRD, GUARD guardian, PRN, NPRN parent and v2-0131
 * N next-of-kin → guardian. Any other code (C emergency contact, E employer, FRND, …) is nobody's guardian.
 */
const RELATIONSHIP: Record<string, Guardian['relationship']> = {
  MTH: 'mother', NMTH: 'mother', GESTM: 'mother', FTH: 'father', NFTH: 'father',
  GRD: 'guardian', GUARD: 'guardian', PRN: 'guardian', NPRN: 'guardian', N: 'guardian',
};
/** RelatedPerson elements read here; any other element present is listed as unmapped. */
const RELATED_READ = new Set(['resourceType', 'id', 'meta', 'text', 'patient', 'relationship', 'identifier', 'name', 'active']);
const CCCD_DIGITS = /^\d{12}$/;

/** The relationship of a list of CodeableConcepts: mother when any coding says so, else the first father or guardian code. */
function relationshipOf(concepts: unknown): Guardian['relationship'] | undefined {
  const found = objects(concepts).flatMap(({ value }) => objects(value.coding)).map(({ value }) => RELATIONSHIP[code(value.code)?.toUpperCase() ?? ''])
    .filter((r): r is Guardian['relationship'] => !!r);
  return found.includes('mother') ? 'mother' : found[0];
}

/** A RelatedPerson as a candidate: its CCCD (a 12-digit identifier, the deployment's CCCD system first) and name. */
function fromRelatedPerson(rp: EntryRef, systems: IdentifierSystems, unmapped: string[]): Guardian | undefined {
  const relationship = relationshipOf(rp.resource.relationship);
  const ids = objects(rp.resource.identifier).filter(({ value }) => CCCD_DIGITS.test(str(value.value)?.trim() ?? ''));
  const id = ids.find(({ value }) => value.system === systems.cccd) ?? ids[0];
  const cccd = str(id?.value.value)?.trim();
  const name = fullName(rp.resource);
  if (!relationship || (!cccd && !name)) {
    unmapped.push(entryPath(rp.index));
    return undefined;
  }
  for (const key of Object.keys(rp.resource)) if (!RELATED_READ.has(key)) unmapped.push(entryPath(rp.index, key));
  const field = entryPath(rp.index, id ? `identifier[${id.at}].value` : 'name');
  return { ...(cccd ? { cccd } : {}), ...(name ? { name } : {}), relationship, field };
}

/** A Patient.contact as a candidate (R4 contacts carry a name, no identifier); other contacts are listed as unmapped. */
function fromContacts(patient: EntryRef, unmapped: string[]): Guardian[] {
  const sent = patient.resource.contact;
  if (sent !== undefined && !Array.isArray(sent)) unmapped.push(entryPath(patient.index, 'contact'));
  return objects(patient.resource.contact).flatMap(({ at, value }) => {
    const relationship = relationshipOf(value.relationship);
    const n = obj(value.name);
    const name = n ? humanNameText(n) : undefined;
    if (relationship && name) return [{ name, relationship, field: entryPath(patient.index, `contact[${at}].name`) }];
    unmapped.push(entryPath(patient.index, `contact[${at}]`));
    return [];
  });
}

/** The first patient-mothersMaidenName extension with a name. */
function maidenNameExtension(patient: EntryRef): { at: number; name: string } | undefined {
  const ext = objects(patient.resource.extension).find(({ value }) => value.url === MOTHERS_MAIDEN_NAME && str(value.valueString));
  return ext ? { at: ext.at, name: str(ext.value.valueString)!.trim().replace(/\s+/g, ' ') } : undefined;
}

/** True when `Patient.extension` holds anything besides the mother's maiden name (the Patient mapping lists it as unmapped). */
export function hasOtherExtensions(patient: EntryRef): boolean {
  const sent = patient.resource.extension;
  return sent !== undefined && (!Array.isArray(sent) || arr(sent).length > (maidenNameExtension(patient) ? 1 : 0));
}

/**
 * The mother or guardian of a Patient entry: the patient-mothersMaidenName extension (the mother by
 * name) first; RelatedPersons of the bundle whose `patient` is this Patient, then `Patient.contact`,
 * the first mother among them winning, else the first father or guardian; that one completes the
 * maiden-name mother (CCCD) only when it is the mother too. The field names where the CCCD came
 * from, else the name. RelatedPersons and contacts that name nobody's guardian are listed as unmapped.
 */
export function patientGuardian(patient: EntryRef, related: readonly EntryRef[], systems: IdentifierSystems, unmapped: string[]): Guardian | undefined {
  const ext = maidenNameExtension(patient);
  const mother: Guardian | undefined = ext && { name: ext.name, relationship: 'mother', field: entryPath(patient.index, `extension[${ext.at}].valueString`) };
  const candidates = [
    ...related.flatMap((rp) => fromRelatedPerson(rp, systems, unmapped) ?? []),
    ...fromContacts(patient, unmapped),
  ];
  const kin = candidates.find((c) => c.relationship === 'mother') ?? candidates[0];
  if (!mother) return kin;
  if (kin?.relationship !== 'mother') return mother;
  const name = mother.name ?? kin.name;
  return { ...(kin.cccd ? { cccd: kin.cccd } : {}), ...(name ? { name } : {}), relationship: 'mother', field: kin.cccd ? kin.field : mother.field };
}
