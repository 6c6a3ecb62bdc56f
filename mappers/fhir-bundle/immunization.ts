import type { IdentifierSystems, ImmunizationFacts, LocalCode, RecordIssue } from '../contract.js';
import { CVX, vaccineSystems } from '../fhir/immunization.js';
import { quoteValue } from '../shared/quote.js';
import { parseFhirDate, parseFhirDateTime } from './dates.js';
import { code, codingOf, entryPath, identifierRecordKey, obj, objects, quoted, str, type JsonObject } from './json.js';
import type { EntryRef } from './references.js';

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
/** R4 Immunization.status (http://hl7.org/fhir/R4/valueset-immunization-status.html). */
const STATUSES = new Set(['completed', 'not-done', 'entered-in-error']);
const PROGRAMMES = new Set(['tcmr', 'service', 'campaign']);
const READ = new Set(['resourceType', 'id', 'meta', 'text', 'identifier', 'status', 'statusReason', 'vaccineCode', 'patient', 'occurrenceDateTime',
  'primarySource', 'lotNumber', 'expirationDate', 'site', 'route', 'performer', 'note', 'protocolApplied', 'programEligibility']);

/**
 * The dose's key at its facility, from the identifier of the gateway's own system for the facility
 * (`${extensionBase}/sid/immunization/<facility>`, as mappers/fhir/immunization.ts writes it), else
 * the official one, else the first: the value alone for the own system or none, else `system|value`.
 */
export function immunizationKey(resource: JsonObject, systems: IdentifierSystems, facility: string): string | undefined {
  const own = `${systems.extensionBase}/sid/immunization/${facility}`;
  const ids = objects(resource.identifier).map((i) => i.value).filter((i) => str(i.value));
  const id = ids.find((i) => i.system === own) ?? ids.find((i) => i.use === 'official') ?? ids[0];
  return id ? identifierRecordKey(id, own) : undefined;
}

/** The first Coding of a CodeableConcept, whatever its system, as a local code. */
function firstCode(concept: unknown): LocalCode | undefined {
  const c = objects(obj(concept)?.coding).map(({ value }) => ({ code: code(value.code), display: str(value.display) })).find((v) => v.code);
  if (!c) return undefined;
  return { code: c.code!, ...(c.display ? { display: c.display } : {}) };
}

/**
 * `vaccineCode` codings as the builders write them (mappers/fhir/immunization.ts): CVX, the national
 * NIIS id, the site's local code (any other system counts as the site's own, as HL7 v2 RXA-5 does).
 */
function vaccineOf(concept: JsonObject | undefined, systems: IdentifierSystems, add: (el: string, msg: string) => void): ImmunizationFacts['vaccine'] {
  const sys = vaccineSystems(systems);
  const vaccine: ImmunizationFacts['vaccine'] = {};
  for (const { at, value: c } of objects(concept?.coding)) {
    const value = code(c.code);
    if (!value) continue;
    const display = str(c.display);
    if (c.system === CVX) {
      if (/^\d{1,3}$/.test(value)) vaccine.cvx ??= value;
      else add(`vaccineCode.coding[${at}].code`, `vaccineCode CVX code ${quoteValue(value)} is not a CVX code (1–3 digits)`);
    } else if (c.system === sys.national) vaccine.national ??= value;
    else vaccine.local ??= { code: value, ...(display ? { display } : {}) };
  }
  const text = str(concept?.text);
  if (text) vaccine.text = text;
  return vaccine;
}

/** Status, statusReason (v3-ActReason code and text) of a dose. */
function statusOf(r: JsonObject, dose: ImmunizationFacts, add: (el: string, msg: string) => void): void {
  if (typeof r.status === 'string' && STATUSES.has(r.status)) dose.status = r.status as ImmunizationFacts['status'];
  else add('status', r.status === undefined ? 'Immunization.status is missing (required in R4)' : `Immunization.status ${quoted(r.status)} is not completed, not-done or entered-in-error`);
  const reason = obj(r.statusReason);
  const code = codingOf(reason, ACT_REASON)?.code;
  const text = str(reason?.text);
  if (dose.status === 'not-done' && (code || text)) dose.statusReason = { ...(code ? { code } : {}), ...(text ? { text } : {}) };
}

/** Lot, expiry, dose number, site, route, programme, notes. */
function detailsOf(r: JsonObject, dose: ImmunizationFacts, systems: IdentifierSystems, add: (el: string, msg: string) => void, unmapped: string[], at: (el: string) => string): void {
  const lot = str(r.lotNumber);
  if (lot) dose.lotNumber = lot;
  if (r.expirationDate !== undefined) {
    const exp = parseFhirDate(r.expirationDate);
    if (exp) dose.expirationDate = exp.fhirDate;
    else add('expirationDate', `Immunization.expirationDate ${quoted(r.expirationDate)} is not a FHIR date`);
  }
  const protocol = objects(r.protocolApplied)[0]?.value;
  const n = protocol?.doseNumberPositiveInt ?? (typeof protocol?.doseNumberString === 'string' && /^\d{1,3}$/.test(protocol.doseNumberString) ? Number(protocol.doseNumberString) : undefined);
  if (Number.isInteger(n) && (n as number) > 0 && (n as number) < 1000) dose.doseNumber = n as number;
  else if (protocol && (protocol.doseNumberPositiveInt !== undefined || protocol.doseNumberString !== undefined)) {
    add('protocolApplied[0]', 'Immunization.protocolApplied[0] dose number is not a whole number from 1');
  }
  const site = firstCode(r.site);
  const route = firstCode(r.route);
  if (site) dose.site = site;
  if (route) dose.route = route;
  const programme = objects(r.programEligibility).map(({ value }) => codingOf(value, `${systems.extensionBase}/CodeSystem/vaccination-programme`)?.code).find(Boolean);
  if (programme && PROGRAMMES.has(programme)) dose.programme = programme as ImmunizationFacts['programme'];
  else if (r.programEligibility !== undefined) unmapped.push(at('programEligibility'));
  const notes = objects(r.note).map(({ value }) => str(value.text)).filter((t): t is string => !!t);
  if (notes.length) dose.note = notes.join('\n');
}

/**
 * Immunization → one dose (http://hl7.org/fhir/R4/immunization.html): identifier (the key),
 * status + statusReason, vaccineCode (CVX / national / local), occurrenceDateTime (required: an
 * `occurrenceString` gives no date), lot, expiry, protocolApplied[0] dose number, site, route,
 * programme, notes. Problems are issues naming `Bundle.entry[i].resource.<element>`.
 */
export function immunizationFacts(e: EntryRef, systems: IdentifierSystems, facility: string, issues: RecordIssue[], unmapped: string[]): ImmunizationFacts {
  const r = e.resource;
  const at = (element: string) => entryPath(e.index, element);
  const add = (element: string, message: string) => issues.push({ category: 'SCHEMA', field: at(element), message });
  const dose: ImmunizationFacts = { vaccine: {}, vaccineField: at('vaccineCode'), occurrenceField: at('occurrenceDateTime'), status: 'completed' };
  const key = immunizationKey(r, systems, facility);
  if (key) dose.key = key;
  statusOf(r, dose, add);
  dose.vaccine = vaccineOf(obj(r.vaccineCode), systems, add);
  if (!dose.vaccine.cvx && !dose.vaccine.national && !dose.vaccine.local) {
    add('vaccineCode', 'Immunization.vaccineCode names no vaccine: send a CVX, national (NIIS) or local coding');
  }
  const occurrence = parseFhirDateTime(r.occurrenceDateTime);
  if (occurrence) dose.occurrence = occurrence;
  else if (r.occurrenceDateTime !== undefined) add('occurrenceDateTime', `Immunization.occurrenceDateTime ${quoted(r.occurrenceDateTime)} is not a FHIR dateTime`);
  else add(r.occurrenceString !== undefined ? 'occurrenceString' : 'occurrenceDateTime', 'Immunization.occurrenceDateTime is missing: the date of the dose is required');
  detailsOf(r, dose, systems, add, unmapped, at);
  for (const k of Object.keys(r)) if (!READ.has(k)) unmapped.push(at(k));
  return dose;
}
