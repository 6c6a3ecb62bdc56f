/**
 * The search parameters of the built-in store, per resource type: what each one is called, its FHIR
 * type and which element it indexes. The CapabilityStatement, the query parser and the indexer all
 * read this one table, so what is advertised is exactly what works
 * (http://hl7.org/fhir/R4/search.html, the parameter definitions of each resource page).
 */

/** FHIR search parameter types used here (http://hl7.org/fhir/R4/search.html#ptypes). */
export type ParamType = 'token' | 'reference' | 'date' | 'string';

/** One search parameter: its type, the FHIRPath it indexes (documentation) and, for references, the default target. */
export interface ParamDef {
  type: ParamType;
  expression: string;
  /** reference: the type a bare id refers to. */
  target?: string;
}

const ID: ParamDef = { type: 'token', expression: 'Resource.id' };
const LAST_UPDATED: ParamDef = { type: 'date', expression: 'Resource.meta.lastUpdated' };
const IDENTIFIER: ParamDef = { type: 'token', expression: 'identifier' };
const ref = (expression: string, target: string): ParamDef => ({ type: 'reference', expression, target });

/** Search parameters per served type; `_id` and `_lastUpdated` on every type. */
export const SEARCH_PARAMS: Readonly<Record<string, Readonly<Record<string, ParamDef>>>> = {
  Patient: {
    _id: ID, _lastUpdated: LAST_UPDATED, identifier: IDENTIFIER,
    name: { type: 'string', expression: 'Patient.name (text, family, given; starts with, case and accents ignored)' },
    birthdate: { type: 'date', expression: 'Patient.birthDate' },
    gender: { type: 'token', expression: 'Patient.gender' },
    organization: ref('Patient.managingOrganization', 'Organization'),
  },
  Encounter: {
    _id: ID, _lastUpdated: LAST_UPDATED, identifier: IDENTIFIER,
    patient: ref('Encounter.subject.where(resolve() is Patient)', 'Patient'),
    subject: ref('Encounter.subject', 'Patient'),
    date: { type: 'date', expression: 'Encounter.period' },
    status: { type: 'token', expression: 'Encounter.status' },
    'service-provider': ref('Encounter.serviceProvider', 'Organization'),
  },
  Condition: {
    _id: ID, _lastUpdated: LAST_UPDATED, identifier: IDENTIFIER,
    patient: ref('Condition.subject.where(resolve() is Patient)', 'Patient'),
    subject: ref('Condition.subject', 'Patient'),
    encounter: ref('Condition.encounter', 'Encounter'),
    'recorded-date': { type: 'date', expression: 'Condition.recordedDate' },
    'clinical-status': { type: 'token', expression: 'Condition.clinicalStatus' },
    'verification-status': { type: 'token', expression: 'Condition.verificationStatus' },
    code: { type: 'token', expression: 'Condition.code' },
  },
  Immunization: {
    _id: ID, _lastUpdated: LAST_UPDATED, identifier: IDENTIFIER,
    patient: ref('Immunization.patient', 'Patient'),
    date: { type: 'date', expression: 'Immunization.occurrence' },
    status: { type: 'token', expression: 'Immunization.status' },
    'vaccine-code': { type: 'token', expression: 'Immunization.vaccineCode' },
    performer: ref('Immunization.performer.actor', 'Organization'),
  },
  Organization: { _id: ID, _lastUpdated: LAST_UPDATED, identifier: IDENTIFIER },
  /** The mother of an infant registered under her ID (relationship MTH). */
  RelatedPerson: { _id: ID, _lastUpdated: LAST_UPDATED, identifier: IDENTIFIER, patient: ref('RelatedPerson.patient', 'Patient') },
  /** Identity operations (re-key, merge, move) on Patients. */
  Provenance: { _id: ID, _lastUpdated: LAST_UPDATED, target: ref('Provenance.target', 'Patient'), patient: ref('Provenance.target.where(resolve() is Patient)', 'Patient') },
};

/** The one date parameter of a type kept in the date_lo/date_hi columns (besides _lastUpdated). */
export const DATE_PARAM: Readonly<Record<string, string>> = {
  Patient: 'birthdate', Encounter: 'date', Condition: 'recorded-date', Immunization: 'date',
};

/** Parameters that control the result rather than filter it (http://hl7.org/fhir/R4/search.html#return). */
export const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_include', '_revinclude', '_summary', '_format']);

/** The reference parameters of a type, e.g. Encounter → patient, subject, service-provider. */
export function referenceParams(type: string): string[] {
  return Object.entries(SEARCH_PARAMS[type] ?? {}).filter(([, d]) => d.type === 'reference').map(([n]) => n);
}

/** Whether the store serves this type. */
export function isServedType(type: string): boolean {
  return Object.hasOwn(SEARCH_PARAMS, type);
}
