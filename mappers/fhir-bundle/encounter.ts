import type { ConditionFacts, EncounterFacts, IdentifierSystems, RecordIssue } from '../contract.js';
import { MA_LOAI_KCB_TABLE, MA_LOAI_RV } from '../shared/code-maps/index.js';
import { hisDateOrderKey } from '../shared/dates.js';
import { parseIcd10, ICD10_DUAL_CLASSIFICATION } from '../shared/icd10.js';
import { quoteValue } from '../shared/quote.js';
import { parseFhirDateTime } from './dates.js';
import { code, codingOf, entryPath, identifierRecordKey, obj, objects, quoted, str, type JsonObject } from './json.js';
import type { EntryRef } from './references.js';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
const ACT_PRIORITY = 'http://terminology.hl7.org/CodeSystem/v3-ActPriority';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const VN_ENCOUNTER_TYPE = 'http://fhir.hl7.org.vn/core/CodeSystem/vn-encounter-type-cs';
/** v3-ActCode encounter classes read (http://terminology.hl7.org/ValueSet/v3-ActEncounterCode), as the CSV mapper reads them. */
const CLASSES = new Set(['AMB', 'IMP', 'EMER', 'SS', 'HH', 'VR', 'ACUTE', 'NONAC', 'OBSENC', 'PRENC', 'FLD']);
/** R4 Encounter.status (http://hl7.org/fhir/R4/valueset-encounter-status.html): the built Encounter's status follows period.end. */
const STATUSES = new Set(['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'unknown']);
const NOT_LINKED = new Set(['cancelled', 'entered-in-error']);
const READ = new Set(['resourceType', 'id', 'meta', 'text', 'identifier', 'status', 'class', 'type', 'priority', 'subject', 'period', 'length',
  'reasonCode', 'serviceType', 'hospitalization', 'serviceProvider', 'diagnosis', 'extension']);
const CONDITION_READ = new Set(['resourceType', 'id', 'meta', 'text', 'code', 'subject', 'encounter', 'recordedDate', 'verificationStatus', 'category', 'clinicalStatus']);

/** What an Encounter entry gives: the encounter, and its diagnoses with the entry each came from. */
export interface EncounterResult {
  encounter: EncounterFacts;
  conditions: Array<{ entry: number; facts: ConditionFacts }>;
}

/** An identifier of the facility's patient number (v2-0203 MR, or the deployment's MA_BN system), not of the episode. */
function isPatientNumber(i: JsonObject, systems: IdentifierSystems): boolean {
  return codingOf(i.type, V2_0203)?.code === 'MR' || (typeof i.system === 'string' && i.system.startsWith(`${systems.maBnBase}/`));
}

/**
 * The episode key, from the identifier of the deployment's MA_LK system (as mappers/fhir/encounter.ts
 * writes it), else the official one, else the first with a value (a patient number is not an episode):
 * the value alone for the MA_LK system or none, else `system|value`.
 */
export function encounterKey(resource: JsonObject, systems: IdentifierSystems): string | undefined {
  const ids = objects(resource.identifier).map((i) => i.value).filter((i) => str(i.value) && !isPatientNumber(i, systems));
  const id = ids.find((i) => i.system === systems.maLk) ?? ids.find((i) => i.use === 'official') ?? ids[0];
  return id ? identifierRecordKey(id, systems.maLk) : undefined;
}

/** A CodeableConcept's words: its text, else its codings' displays, else codes. */
function conceptText(c: JsonObject): string | undefined {
  return str(c.text) ?? objects(c.coding).map(({ value }) => str(value.display) ?? code(value.code)).find(Boolean);
}

class EncounterMapping {
  readonly issues: RecordIssue[] = [];
  constructor(private readonly e: EntryRef, private readonly systems: IdentifierSystems, private readonly unmapped: string[]) {}

  at(element: string): string {
    return entryPath(this.e.index, element);
  }

  add(category: RecordIssue['category'], element: string, message: string): void {
    this.issues.push({ category, field: this.at(element), message });
  }

  status(): void {
    const s = this.e.resource.status;
    if (s === undefined) this.add('SCHEMA', 'status', 'Encounter.status is missing (required in R4)');
    else if (typeof s === 'string' && NOT_LINKED.has(s)) this.add('SCHEMA', 'status', `Encounter.status ${s}: a cancelled or erroneous encounter is not linked`);
    else if (typeof s !== 'string' || !STATUSES.has(s)) this.add('SCHEMA', 'status', `Encounter.status ${quoted(s)} is not an R4 encounter status`);
  }

  /** `Encounter.class` is one Coding in R4 (http://hl7.org/fhir/R4/encounter-definitions.html#Encounter.class). */
  classCode(e: EncounterFacts): void {
    const c = obj(this.e.resource.class);
    const sent = code(c?.code);
    if (!c) this.add('SCHEMA', 'class', 'Encounter.class is missing (required in R4): send a v3-ActCode class such as AMB or IMP');
    else if (c.system === ACT_CODE && sent && CLASSES.has(sent)) e.classCode = sent;
    else if (!(c.system === NULL_FLAVOR && sent === 'UNK')) {
      this.add('SCHEMA', 'class', `Encounter.class ${quoted(`${typeof c.system === 'string' ? c.system : ''}|${sent ?? ''}`, 80)} is not a v3-ActCode encounter class (AMB, IMP, EMER, SS, HH, VR, …)`);
    }
  }

  period(e: EncounterFacts): void {
    const p = obj(this.e.resource.period);
    for (const slot of ['start', 'end'] as const) {
      if (p?.[slot] === undefined) continue;
      const d = parseFhirDateTime(p[slot]);
      if (d) e[slot] = d;
      else this.add('SCHEMA', `period.${slot}`, `Encounter.period.${slot} ${quoted(p[slot])} is not a FHIR dateTime`);
    }
    if (e.start && e.end && hisDateOrderKey(e.end) < hisDateOrderKey(e.start)) {
      this.add('DATE_ORDER', 'period.end', `Encounter.period.end ${e.end.fhirDateTime} is before period.start ${e.start.fhirDateTime}`);
    }
  }

  /** Type (VN encounter type = MA_LOAI_KCB, its class when none was sent), priority EM, reasons, departments, length. */
  details(e: EncounterFacts): void {
    const r = this.e.resource;
    const type = objects(r.type).map(({ value }) => codingOf(value, VN_ENCOUNTER_TYPE)).find(Boolean);
    if (type) {
      const kcb = e.start ? MA_LOAI_KCB_TABLE.lookup(type.code, e.start.fhirDate) : MA_LOAI_KCB_TABLE.anyVersion(type.code);
      e.type = { code: type.code, ...(type.display ?? kcb?.display ? { display: type.display ?? kcb!.display } : {}) };
      if (kcb && !e.classCode) e.classCode = kcb.class;
    }
    e.emergency = e.classCode === 'EMER' || codingOf(r.priority, ACT_PRIORITY)?.code === 'EM';
    e.reasons = objects(r.reasonCode).map(({ value }) => conceptText(value)).filter((t): t is string => !!t);
    e.departments = objects(obj(r.serviceType)?.coding).filter(({ value }) => value.system === `${this.systems.extensionBase}/CodeSystem/ma-khoa`)
      .map(({ value }) => code(value.code)).filter((c): c is string => !!c);
    const length = obj(r.length);
    if (length && length.code === 'd' && Number.isInteger(length.value) && (length.value as number) >= 0 && (length.value as number) < 100_000) e.lengthDays = length.value as number;
    const result = objects(r.extension).find(({ value }) => value.url === `${this.systems.extensionBase}/StructureDefinition/ket-qua-dieu-tri`)?.value;
    const coding = obj(result?.valueCoding);
    const resultCode = code(coding?.code);
    const display = str(coding?.display);
    if (resultCode) e.result = { code: resultCode, ...(display ? { display } : {}) };
  }

  /** Referral origin and destination by facility identifier, the MA_LOAI_RV disposition, the inpatient start. */
  hospitalization(e: EncounterFacts): void {
    const h = obj(this.e.resource.hospitalization);
    if (!h) return;
    const facilityOf = (ref: unknown) => {
      const id = obj(obj(ref)?.identifier);
      return id?.system === this.systems.facility ? str(id.value) : undefined;
    };
    const origin = facilityOf(h.origin);
    const destination = facilityOf(h.destination);
    if (origin) e.origin = origin;
    if (destination) e.destination = destination;
    const local = codingOf(h.dischargeDisposition, `${this.systems.extensionBase}/CodeSystem/ma-loai-rv`);
    const rv = local ? MA_LOAI_RV.get(local.code) : undefined;
    if (local && rv) e.disposition = { code: rv.code, local: { code: local.code, display: local.display ?? rv.display } };
    else if (h.dischargeDisposition !== undefined) this.unmapped.push(this.at('hospitalization.dischargeDisposition'));
    const inpatient = objects(h.extension).find(({ value }) => value.url === `${this.systems.extensionBase}/StructureDefinition/ngay-vao-noi-tru`)?.value;
    const start = parseFhirDateTime(inpatient?.valueDateTime);
    if (start) e.inpatientStart = start;
  }
}

/** One Condition entry → an ICD-10 diagnosis (http://hl7.org/fhir/R4/condition.html); the dual-classification mark from the code or its extension. */
function conditionFacts(c: EntryRef, systems: IdentifierSystems, issues: RecordIssue[], unmapped: string[]): ConditionFacts | undefined {
  const at = (element: string) => entryPath(c.index, element);
  const verification = codingOf(c.resource.verificationStatus, 'http://terminology.hl7.org/CodeSystem/condition-ver-status')?.code;
  if (verification === 'refuted' || verification === 'entered-in-error') {
    issues.push({ category: 'SCHEMA', field: at('verificationStatus'), message: `Condition.verificationStatus ${verification}: only diagnoses that stand are linked` });
    return undefined;
  }
  for (const key of Object.keys(c.resource)) if (!CONDITION_READ.has(key)) unmapped.push(at(key));
  const code = obj(c.resource.code);
  const icd = codingOf(code, ICD10);
  if (!icd) {
    issues.push({ category: 'SCHEMA', field: at('code'), message: `Condition.code has no ICD-10 coding (system ${ICD10})` });
    return undefined;
  }
  const parsed = parseIcd10(icd.code);
  if (!parsed) {
    issues.push({ category: 'SCHEMA', field: at('code.coding'), message: `Condition.code ${quoteValue(icd.code)} is not an ICD-10 code` });
    return undefined;
  }
  const mark = objects(code?.extension).find(({ value }) => value.url === `${systems.extensionBase}/${ICD10_DUAL_CLASSIFICATION}`)?.value.valueCode;
  if (!parsed.mark && (mark === 'dagger' || mark === 'asterisk')) parsed.mark = mark;
  const text = str(code?.text);
  const recorded = parseFhirDateTime(c.resource.recordedDate);
  return { code: parsed, ...(text ? { text } : {}), ...(recorded ? { recorded } : {}) };
}

/**
 * Encounter (+ its Condition entries) → encounter facts (http://hl7.org/fhir/R4/encounter.html):
 * key from `identifier` (else `fallbackKey`), status checked, class, VN encounter type, priority,
 * period (end before start: DATE_ORDER), reasonCode, departments, length, hospitalization, result;
 * each Condition's ICD-10 code.
 */
export function encounterFacts(
  e: EntryRef, conditions: EntryRef[],
  ctx: { systems: IdentifierSystems; facility: string; patientNumber?: string; fallbackKey: string },
  issues: RecordIssue[], unmapped: string[],
): EncounterResult {
  const m = new EncounterMapping(e, ctx.systems, unmapped);
  const key = encounterKey(e.resource, ctx.systems) ?? ctx.fallbackKey;
  const mr = objects(e.resource.identifier).map((i) => i.value).find((i) => isPatientNumber(i, ctx.systems));
  const patientNumber = str(mr?.value) ?? ctx.patientNumber;
  const encounter: EncounterFacts = { key, facility: ctx.facility, reasons: [], emergency: false, departments: [], ...(patientNumber ? { patientNumber } : {}) };
  m.status();
  m.classCode(encounter);
  m.period(encounter);
  m.details(encounter);
  m.hospitalization(encounter);
  for (const k of Object.keys(e.resource)) if (!READ.has(k)) unmapped.push(m.at(k));
  issues.push(...m.issues);
  const diagnoses = conditions.flatMap((c) => {
    const facts = conditionFacts(c, ctx.systems, issues, unmapped);
    return facts ? [{ entry: c.index, facts: { ...facts, ...(!facts.recorded && encounter.end ? { recorded: encounter.end } : {}) } }] : [];
  });
  return { encounter, conditions: diagnoses };
}
