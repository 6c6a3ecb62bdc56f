import { createHash } from 'node:crypto';

/** RFC 4122 URL namespace, used for name-based ids of identifiers (which are URLs + values). */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE_BYTES = Buffer.from(URL_NAMESPACE.replace(/-/g, ''), 'hex');

/**
 * Name-based UUID (version 5, SHA-1) as in RFC 4122 §4.3: the same name always gives the same id,
 * so a resubmitted episode PUTs onto the same FHIR resources instead of creating new ones.
 */
export function uuidV5(name: string, namespace: string = URL_NAMESPACE): string {
  const ns = namespace === URL_NAMESPACE ? URL_NAMESPACE_BYTES : Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Recent ids by name: the same Patient id is asked for by the identity stage and the builders, the
 * same Organization id by every episode of a facility. Bounded (cleared when full), so it holds at
 * most a few MB whatever the input; an id is a pure function of its name, so a miss only costs time.
 */
const RECENT_IDS = new Map<string, string>();
const RECENT_IDS_MAX = 4096;

/** Deterministic resource id for an identifier `system|value`. */
export function idForIdentifier(system: string, ...values: string[]): string {
  const name = `${system}|${values.join('|')}`;
  let id = RECENT_IDS.get(name);
  if (id === undefined) {
    if (RECENT_IDS.size >= RECENT_IDS_MAX) RECENT_IDS.clear();
    id = uuidV5(name);
    RECENT_IDS.set(name, id);
  }
  return id;
}

/** The id recipes: every format derives resource ids the same way, so they land on the same resources. */
export const resourceIds = {
  /** One Patient per CCCD, whichever facility or format sends it. */
  patient: (systems: { cccd: string }, cccd: string) => idForIdentifier(systems.cccd, cccd),
  /** The episode key is (facility, key), so the same episode always lands on the same Encounter. */
  encounter: (systems: { maLk: string }, facility: string, key: string) => idForIdentifier(systems.maLk, facility, key),
  organization: (systems: { facility: string }, facility: string) => idForIdentifier(systems.facility, facility),
  /** A dose with its own key at the facility (HL7 ORC-3, a CSV identifier column). */
  immunization: (systems: { extensionBase: string }, facility: string, key: string) => idForIdentifier(`${systems.extensionBase}/sid/immunization`, facility, key),
  /** A dose without a key: patient + vaccine coding + administration date, so a corrected resend updates it. */
  immunizationOfPatient: (patientId: string, vaccine: string, date: string) => idForIdentifier('urn:fhir-gateway:immunization', patientId, vaccine, date),
  /** A foreigner's Patient: keyed by the passport number (not verified against the population registry). */
  passportPatient: (systems: { extensionBase: string }, passport: string) => idForIdentifier(personSystems(systems).passport, passport),
  /**
   * An infant registered under the mother's ID, before it has its own CCCD: the mother's CCCD, the
   * birth date and the child's order among the mother's infants born that day (twins: 1, 2).
   */
  infantPatient: (systems: { extensionBase: string }, motherCccd: string, birthDate: string, order: number) =>
    idForIdentifier(personSystems(systems).temporary, motherCccd, birthDate, String(order)),
  /** The mother (RelatedPerson MTH) on an infant's record. */
  motherOf: (infantPatientId: string) => idForIdentifier('urn:fhir-gateway:related-person', infantPatientId, 'MTH'),
  /** One Condition per (encounter, bare ICD-10 code). */
  condition: (encounterId: string, code: string) => idForIdentifier('http://hl7.org/fhir/sid/icd-10', encounterId, code),
} as const;

/**
 * Identifier systems of the person index besides CCCD and BHYT, under the deployment's extension
 * base: the old 9-digit CMND, passports, an infant's temporary number, the social-insurance number
 * (mã số BHXH, the last 10 digits of a BHYT card).
 */
export function personSystems(systems: { extensionBase: string }): { cmnd: string; passport: string; temporary: string; bhxh: string } {
  const base = `${systems.extensionBase}/sid`;
  return { cmnd: `${base}/cmnd`, passport: `${base}/ho-chieu`, temporary: `${base}/ma-tam`, bhxh: `${base}/ma-bhxh` };
}
