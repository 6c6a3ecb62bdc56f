import { createHash } from 'node:crypto';
import type { MapContext, MappedItem, PersonFacts, RecordFacts, RecordIssue } from '../contract.js';
import { resourceIds } from '../fhir/ids.js';
import { immunizationId } from '../fhir/immunization.js';
import { quoteValue } from '../shared/quote.js';
import { encounterFacts } from './encounter.js';
import { immunizationFacts } from './immunization.js';
import { entriesOf, type BundleType, type FhirBundleItem } from './items.js';
import { entryPath, obj, objects, str } from './json.js';
import { patientFacts, type PatientFacts } from './patient.js';
import type { EntryRef } from './references.js';

/** Facility codes as the records store keys them (MA_CSKCB: 5 characters). */
const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;

/** What the batch-response or transaction-response needs about one record (the item's `reply`). */
export interface FhirEntryReply {
  bundleType: BundleType;
  /** `Bundle.entry` length of the request. */
  entryCount: number;
  /** The request entries this record answers for, its main entry first, each with the resource it becomes when accepted. */
  entries: Array<{ index: number; location?: string }>;
  /** FHIRPath of the element the record's facility came from; absent: the submitting key's facility. */
  facilityField?: string;
  /** Code systems of the issue categories and warning codes in outcomes (`records/model.ts` ISSUE_CATEGORY_TABLE, WARNING_TABLE). */
  codeSystems: { category: string; warning: string };
}

/** An entry stored with this record: its place in the Bundle, `fullUrl` and resource, as sent. */
export interface StoredEntry {
  index: number;
  fullUrl?: string;
  resource: unknown;
}

/** An entry another record of the submission stores (a shared Patient or Organization): its place and that record's `seq`. */
export interface EntryStoredWith {
  index: number;
  storedWith: number;
}

/**
 * The stored payload: the request entries the record was mapped from (main entry, Patient,
 * Conditions, Organization, the Patient's RelatedPersons). An entry several records use is stored whole once, with the first of them;
 * the others name it by index and that record's `seq` (docs/formats/fhir.md), so a Patient sent
 * with 1,000 doses is stored once, not 1,000 times.
 */
export interface FhirBundlePayload {
  bundleType: BundleType;
  entries: Array<StoredEntry | EntryStoredWith>;
}

/** A stable key from what identifies a record without an identifier: 20 hex digits of SHA-256, prefixed. */
function hashedKey(prefix: string, parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${JSON.stringify(p ?? null)}\u0000`, 'utf8');
  return `${prefix}-${h.digest('hex').slice(0, 20)}`;
}

/** The record's facility: the Organization's identifier of the facility system, a logical reference of that system, else the key's. */
function facilityOf(item: FhirBundleItem, ctx: MapContext, issues: RecordIssue[]): { facility: string; field?: string } {
  const f = item.facility;
  const system = ctx.systems.facility;
  const id = f?.entry ? objects(f.entry.resource.identifier).find(({ value }) => value.system === system && str(value.value)) : undefined;
  let found: { facility: string; field?: string } | undefined;
  if (f?.entry && id) found = { facility: str(id.value.value)!, field: entryPath(f.entry.index, `identifier[${id.at}].value`) };
  else if (f?.identifier?.system === system) found = { facility: f.identifier.value, field: `${f.field}.identifier.value` };
  if (found) {
    if (!FACILITY_CODE.test(found.facility)) issues.push({ category: 'SCHEMA', field: found.field!, message: `facility ${quoteValue(found.facility)} is not a 5-character facility code (MA_CSKCB)` });
    return found;
  }
  if (!ctx.envelopeFacility && item.kind !== 'refused') {
    const why = f?.problem ? `${f.field.replace(/^Bundle\.entry\[\d+\]\.resource\./, '')} ${f.problem}` : `no Organization with an identifier of system ${system} is named`;
    issues.push({ category: 'SCHEMA', field: f?.field ?? entryPath(item.main.index), message: `the record's facility cannot be told (${why}) and the submitting key names none` });
  }
  return { facility: ctx.envelopeFacility };
}

/** The Patient id the identity stage gives a CCCD as sent (spaces removed), for the answer's `location`. */
function patientIdOf(person: PersonFacts | undefined, ctx: MapContext): string | undefined {
  const cccd = person?.cccd.value.replace(/\s+/g, '');
  return cccd ? resourceIds.patient(ctx.systems, cccd) : undefined;
}

/** A refused entry's key: its fullUrl, else `Type/id`, else its place in the Bundle. */
function refusedKey(e: EntryRef): string {
  const type = str(e.resource.resourceType);
  const id = str(e.resource.id);
  return e.fullUrl ?? (type && id ? `${type}/${id}` : entryPath(e.index));
}

/** What one item's mapping builds up: the facts, the entries it answers for, and who it is about. */
interface ItemMapping {
  item: FhirBundleItem;
  ctx: MapContext;
  facts: RecordFacts;
  entries: FhirEntryReply['entries'];
  who?: PatientFacts;
  patientId?: string;
  /** What identifies the person in a hashed key: the CCCD as sent, else the Patient entry's fullUrl. */
  personKey: string;
}

/** An Encounter with its Conditions: the episode key, the Encounter's and each Condition's location. */
function mapEncounter(m: ItemMapping): void {
  const { item, ctx: { systems }, facts } = m;
  const r = item.main.resource;
  const fallbackKey = hashedKey('enc', [m.personKey, obj(r.period)?.start, r.class, r.type]);
  const patientNumber = m.who?.patientNumber;
  const result = encounterFacts(item.main, item.conditions, { systems, facility: facts.facility, fallbackKey, ...(patientNumber ? { patientNumber } : {}) }, facts.issues, facts.unmapped);
  facts.encounter = result.encounter;
  facts.key = result.encounter.key;
  facts.conditions = result.conditions.map((c) => c.facts);
  const encounterId = resourceIds.encounter(systems, facts.facility, facts.key);
  m.entries[0]!.location = `Encounter/${encounterId}`;
  const codes = new Map(result.conditions.map((d) => [d.entry, d.facts.code.code]));
  for (const c of item.conditions) {
    const code = codes.get(c.index);
    m.entries.push({ index: c.index, ...(code ? { location: `Condition/${resourceIds.condition(encounterId, code)}` } : {}) });
  }
}

/** An Immunization: the dose, keyed by its identifier or a hash; its location when its id can be told. */
function mapImmunization(m: ItemMapping): void {
  const { item, ctx: { systems }, facts } = m;
  const r = item.main.resource;
  const dose = immunizationFacts(item.main, systems, facts.facility, facts.issues, facts.unmapped);
  facts.immunizations = [dose];
  facts.key = dose.key ?? hashedKey('imm', [m.personKey, r.vaccineCode, r.occurrenceDateTime]);
  if (dose.key || m.patientId) m.entries[0]!.location = `Immunization/${immunizationId(dose, facts.facility, m.patientId ?? '', systems)}`;
}

/** The request entries a record was mapped from: its stored payload, each shared entry stored once (`item.storedWith`). */
function payloadOf(item: FhirBundleItem): FhirBundlePayload {
  const entries = entriesOf(item).map((e): StoredEntry | EntryStoredWith => {
    const seq = item.storedWith[e.index];
    return seq !== undefined ? { index: e.index, storedWith: seq } : { index: e.index, ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), resource: e.resource };
  });
  return { bundleType: item.bundleType, entries };
}

/**
 * One item of a Bundle → facts (pure): the shared identity stage, builders and validation do the
 * rest. Record keys: the Encounter's or Immunization's identifier, else a hash of who, what and
 * when (`enc-…`, `imm-…`, `pat-…`), so a resend of the same Bundle lands on the same records.
 */
export function mapBundleItem(item: FhirBundleItem, ctx: MapContext): MappedItem & { reply: FhirEntryReply } {
  const issues: RecordIssue[] = [...item.problems];
  const { facility, field: facilityField } = facilityOf(item, ctx, issues);
  const facts: RecordFacts = { key: refusedKey(item.main), facility, conditions: [], immunizations: [], births: [], issues, unmapped: [] };
  const person = item.kind === 'Patient' ? item.main : item.patient;
  const who = person ? patientFacts(person, ctx.systems, issues, facts.unmapped, item.related) : undefined;
  if (who) facts.person = who.person;
  const patientId = patientIdOf(who?.person, ctx);
  const m: ItemMapping = {
    item, ctx, facts, entries: [{ index: item.main.index }], ...(who ? { who } : {}), ...(patientId ? { patientId } : {}),
    personKey: who?.person.cccd.value || person?.fullUrl || '',
  };
  if (item.kind === 'Patient') {
    facts.key = hashedKey('pat', [m.personKey, who?.person.cards.map((c) => c.value)]);
    if (patientId) m.entries[0]!.location = `Patient/${patientId}`;
  } else if (item.kind === 'Encounter') mapEncounter(m);
  else if (item.kind === 'Immunization') mapImmunization(m);
  if (item.patient) m.entries.push({ index: item.patient.index, ...(patientId ? { location: `Patient/${patientId}` } : {}) });
  if (item.facility?.entry) m.entries.push({ index: item.facility.entry.index, location: `Organization/${resourceIds.organization(ctx.systems, facility)}` });
  // A RelatedPerson is read into the person's facts (the mother or guardian); no resource is built from it, so no location.
  for (const rp of item.related) m.entries.push({ index: rp.index });
  const reply: FhirEntryReply = {
    bundleType: item.bundleType, entryCount: item.entryCount, entries: m.entries, ...(facilityField ? { facilityField } : {}),
    codeSystems: { category: `${ctx.systems.extensionBase}/CodeSystem/issue-category`, warning: `${ctx.systems.extensionBase}/CodeSystem/record-warning` },
  };
  return { seq: item.seq, facts, payload: payloadOf(item), reply };
}
