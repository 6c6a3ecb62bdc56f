import type { FhirResource } from 'fhir/r4.js';
import { dateRange, periodRange, type DateRange } from './date-range.js';
import { DATE_PARAM, SEARCH_PARAMS } from './search-params.js';

/**
 * What the store keeps beside each resource so that searches never parse content: search tokens
 * (GIN-indexed `text[]`), normalised name keys, and the range of the type's date parameter.
 * Bump INDEX_VERSION whenever what is extracted changes: rows of an older version are indexed
 * again at start (ehr-store/reindex.ts).
 */
export const INDEX_VERSION = 2;

export interface IndexFields {
  tokens: string[];
  nameKeys: string[];
  date: DateRange | undefined;
}

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : v && typeof v === 'object' ? [v as Json] : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Name text for matching: lower case, accents and the Vietnamese đ folded (NGUYỄN → nguyen), runs
 * of spaces collapsed (FHIR string search ignores case and accents: search.html#string).
 */
export function foldName(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Token forms of a coded value: `p=system|code`, `p:code=code`, `p:system=system`. */
function addCode(tokens: Set<string>, param: string, system: string | undefined, code: string | undefined): void {
  if (code !== undefined) {
    tokens.add(`${param}=${system ?? ''}|${code}`);
    tokens.add(`${param}:code=${code}`);
  }
  if (system !== undefined) tokens.add(`${param}:system=${system}`);
}

function addValue(tokens: Set<string>, param: string, value: unknown): void {
  if (typeof value === 'string') return addCode(tokens, param, undefined, value);
  for (const v of arr(value)) {
    if (Array.isArray(v.coding)) for (const c of v.coding as Json[]) addCode(tokens, param, str(c.system), str(c.code));
    else if ('value' in v) addCode(tokens, param, str(v.system), str(v.value)); // Identifier
    else if ('code' in v) addCode(tokens, param, str(v.system), str(v.code)); // Coding
  }
}

/** Elements behind each indexed token or reference parameter (the FHIRPath of search-params.ts). */
function elementOf(r: Json, type: string, param: string): unknown {
  switch (param) {
    case 'identifier': return r.identifier;
    case 'gender': return r.gender;
    case 'status': return r.status;
    case 'clinical-status': return r.clinicalStatus;
    case 'verification-status': return r.verificationStatus;
    case 'code': return r.code;
    case 'vaccine-code': return r.vaccineCode;
    case 'organization': return r.managingOrganization;
    case 'patient': return type === 'Immunization' || type === 'RelatedPerson' ? r.patient : type === 'Provenance' ? r.target : r.subject;
    case 'subject': return r.subject;
    case 'encounter': return r.encounter;
    case 'service-provider': return r.serviceProvider;
    case 'performer': return arr(r.performer).map((p) => p.actor);
    case 'target': return r.target;
    default: return undefined;
  }
}

function dateOf(r: Json, type: string): DateRange | undefined {
  switch (DATE_PARAM[type]) {
    case 'birthdate': return str(r.birthDate) ? dateRange(r.birthDate as string) : undefined;
    case 'recorded-date': return str(r.recordedDate) ? dateRange(r.recordedDate as string) : undefined;
    case 'date': {
      if (type === 'Encounter') { const p = (r.period ?? {}) as Json; return periodRange(str(p.start), str(p.end)); }
      return str(r.occurrenceDateTime) ? dateRange(r.occurrenceDateTime as string) : undefined;
    }
    default: return undefined;
  }
}

/** Name keys: each name's text and family + given as a whole, and each of their words, folded. */
function nameKeys(r: Json): string[] {
  const keys = new Set<string>();
  for (const n of arr(r.name)) {
    const given = Array.isArray(n.given) ? (n.given as unknown[]).filter((g): g is string => typeof g === 'string') : [];
    const whole = [str(n.family), ...given].filter(Boolean).join(' ');
    for (const text of [str(n.text), str(n.family), ...given, whole]) {
      if (!text) continue;
      const folded = foldName(text);
      if (!folded) continue;
      keys.add(folded);
      for (const word of folded.split(' ')) keys.add(word);
    }
  }
  return [...keys];
}

/** The index fields of one resource. */
export function indexFields(resource: FhirResource): IndexFields {
  const r = resource as unknown as Json;
  const type = resource.resourceType;
  const tokens = new Set<string>();
  for (const [param, def] of Object.entries(SEARCH_PARAMS[type] ?? {})) {
    if (param.startsWith('_')) continue;
    const element = elementOf(r, type, param);
    if (def.type === 'token') addValue(tokens, param, element);
    else if (def.type === 'reference') {
      for (const e of arr(element)) {
        const reference = str(e.reference);
        // `patient` is the Patient-only form of a subject (search-params.ts: subject.where(resolve() is Patient)).
        if (reference && (param !== 'patient' || reference.startsWith('Patient/'))) tokens.add(`${param}=${reference}`);
      }
    }
  }
  return { tokens: [...tokens], nameKeys: type === 'Patient' ? nameKeys(r) : [], date: dateOf(r, type) };
}
