import type { IdentifierSystems, PersonFacts, RecordIssue } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { parseFhirDate, parseFhirDateTime } from './dates.js';
import { codingOf, entryPath, obj, objects, str, type JsonObject } from './json.js';
import type { EntryRef } from './references.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const CMND_DIGITS = /^\d{9}$/;

/** What a Patient identifier is. */
type IdKind = 'cccd' | 'previous-cccd' | 'cmnd' | 'passport' | 'bhyt' | 'patientNumber';

/**
 * What an identifier is: by system first (the deployment's CCCD and BHYT systems; a system naming
 * `cmnd`, `passport` or `ho-chieu`, as the HL7 Vietnam and MoH NamingSystems do; the MA_BN systems
 * under `SID_MA_BN`), else by its v2-0203 type as the HL7 v2 mapper reads PID-3: NI → CCCD (9
 * digits: the old CMND), PPN → passport, SB → BHYT, MR or PI → the facility's patient number. A
 * CCCD with `use: old` is one the person held before.
 */
function kindOf(id: JsonObject, value: string, systems: IdentifierSystems): IdKind | undefined {
  const system = typeof id.system === 'string' ? id.system : '';
  const lower = system.toLowerCase();
  const type = codingOf(id.type, V2_0203)?.code;
  if (system === systems.cccd) return id.use === 'old' ? 'previous-cccd' : 'cccd';
  if (system === systems.bhyt) return 'bhyt';
  if (lower.includes('cmnd')) return 'cmnd';
  if (lower.includes('passport') || lower.includes('ho-chieu') || type === 'PPN') return 'passport';
  if (type === 'NI') return CMND_DIGITS.test(value.trim()) ? 'cmnd' : id.use === 'old' ? 'previous-cccd' : 'cccd';
  if (type === 'SB') return 'bhyt';
  if (type === 'MR' || type === 'PI' || system.startsWith(`${systems.maBnBase}/`)) return 'patientNumber';
  return undefined;
}

/**
 * Patient.identifier → the person's identifiers (`person.cccd`, `cards`, `otherIds`) and the
 * facility's patient number (the first MR/PI, also `person.patientNumber`). Two different current
 * CCCDs are an issue; the CCCD's field is its identifier, so the identity stage's issues name
 * `Bundle.entry[i].resource.identifier[k].value`.
 */
export function patientIdentifiers(e: EntryRef, systems: IdentifierSystems, person: PersonFacts, issues: RecordIssue[], unmapped: string[]): string | undefined {
  const at = (element: string) => entryPath(e.index, element);
  let patientNumber: string | undefined;
  for (const { at: k, value: id } of objects(e.resource.identifier)) {
    const value = str(id.value);
    if (!value) continue;
    const kind = kindOf(id, value, systems);
    const field = at(`identifier[${k}].value`);
    if (!kind) unmapped.push(at(`identifier[${k}]`));
    else if (kind === 'cccd' && person.cccd.value && person.cccd.value !== value) {
      issues.push({ category: 'SCHEMA', field, message: `Patient.identifier holds two different CCCDs (${quoteValue(person.cccd.value)} and ${quoteValue(value)}): one person has one citizen ID` });
    } else if (kind === 'cccd' && !person.cccd.value) person.cccd = { value, field };
    else if (kind === 'bhyt') {
      const period = obj(id.period);
      const from = parseFhirDate(period?.start)?.fhirDate ?? parseFhirDateTime(period?.start)?.fhirDate;
      const to = parseFhirDate(period?.end)?.fhirDate ?? parseFhirDateTime(period?.end)?.fhirDate;
      person.cards.push({ value, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    } else if (kind === 'patientNumber') patientNumber ??= value;
    else if (kind === 'cmnd' || kind === 'passport' || kind === 'previous-cccd') {
      const list = (person.otherIds ??= []);
      const trimmed = value.trim();
      if (!list.some((o) => o.type === kind && o.value === trimmed)) list.push({ type: kind, value: trimmed, field });
    }
  }
  if (patientNumber) person.patientNumber = patientNumber;
  return patientNumber;
}
