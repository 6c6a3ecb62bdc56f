import type { FhirResource } from 'fhir/r4.js';
import type { IdentityDecision, IdentitySession, IdentityStage } from '../identity/identity.stage.js';
import type { IdentifierSystems, MappedItem } from '../mappers/contract.js';
import { buildResources } from '../mappers/fhir/index.js';
import { vaccineWarnings } from '../mappers/fhir/immunization.js';
import { quoteValue } from '../mappers/shared/quote.js';
import { sortIssues, type IngestedRecord, type RecordIssue } from '../records/model.js';
import type { FhirValidator } from '../profiles/validate.js';

/** What turning facts into a stored record needs (pure except for the identity stage's future I/O). */
export interface RecordStages {
  identity: IdentityStage;
  validator: FhirValidator;
  systems: IdentifierSystems;
}

const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;

/**
 * One mapped item → the record to store: identity decided (in the batch's identity session),
 * issues merged and ordered (the first is the category), resources built once and validated once
 * against the R4 schema, and what the decision taught the person index written. A resource that
 * fails the schema is a mapping defect: the record is rejected, never pushed.
 */
export async function processItem(item: MappedItem, session: IdentitySession, stages: Omit<RecordStages, 'identity'>, callerFacility: string | null): Promise<IngestedRecord> {
  return finishRecord(item, await session.decide(item.facts), stages, callerFacility);
}

/** Statuses whose records may be corrected and re-run: their facts are kept (sealed with the payload). */
const KEEPS_FACTS = new Set(['held', 'unverified', 'rejected']);

/** The synchronous rest of `processItem`, once identity is decided (golden files and fuzz use it directly). */
export function finishRecord(
  item: MappedItem,
  decision: IdentityDecision,
  stages: Omit<RecordStages, 'identity'>,
  callerFacility: string | null,
): IngestedRecord {
  const { facts } = item;
  // A mapper that already named a field's problem (CSV: a CCCD damaged by Excel) says it best:
  // the identity stage's generic issue of the same category on the same field is left out.
  const named = new Set(facts.issues.map((i) => `${i.category}|${i.field}`));
  const issues: RecordIssue[] = [...facts.issues, ...decision.issues.filter((i) => !named.has(`${i.category}|${i.field}`))];
  // A facility key sending another facility's episode: refused, and counted under the sender (the
  // key's facility), never under the facility it claims; the claimed code stays in the message.
  const sender = callerFacility && facts.facility !== callerFacility ? callerFacility : null;
  if (sender) {
    issues.unshift({
      category: 'FACILITY_MISMATCH', field: 'MA_CSKCB',
      message: `record claims facility ${quoteValue(facts.facility)} (MA_CSKCB); this key submits for ${sender}, so it is refused and counted under ${sender}`,
    });
  }
  if (decision.hold && issues.length === 0) {
    return heldRecord(item, decision, sender ?? facts.facility);
  }
  if (issues.length === 0 && !decision.identity) {
    issues.push({ category: 'CCCD_MISSING', field: 'person', message: 'the record names no person to key it to' });
  }
  sortIssues(issues);
  let resources: FhirResource[] | null = null;
  if (issues.length === 0 && decision.identity) {
    resources = buildResources(facts, decision.identity, stages.systems);
    for (const resource of resources) {
      for (const p of stages.validator.validate(resource)) {
        issues.push({ category: 'SCHEMA', field: `${p.resourceType}${p.path}`, message: `produced ${p.resourceType} fails the FHIR R4 schema at ${p.path}: ${p.message}` });
      }
    }
    if (issues.length) resources = null;
  }
  const ok = resources !== null;
  const status = !ok ? 'rejected' : decision.unverified ? 'unverified' : 'accepted';
  return {
    ...sourceFields(item, sender ?? facts.facility),
    status,
    category: ok ? null : issues[0]?.category ?? 'SCHEMA',
    issues,
    // Warnings belong to accepted records: a rejected one is counted under its category only.
    warnings: ok ? [...(decision.warnings ?? []), ...vaccineWarnings(facts.immunizations)] : [],
    resources,
    personId: ok ? decision.identity?.patientId ?? null : null,
    // What the index learns, applied by the worker when the record is linked (never from a rejected or waiting record).
    ...(status === 'accepted' && decision.learn ? { learn: decision.learn } : {}),
    ...(KEEPS_FACTS.has(status) ? { facts } : {}),
  };
}

/** What every stored record takes from its item, whatever its outcome. */
function sourceFields(item: MappedItem, facility: string) {
  const { facts } = item;
  return {
    seq: item.seq,
    // Bounded so an absurd key is stored (rejected) rather than breaking the index,
    // cut by code point so an emoji never becomes a lone surrogate that jsonb would refuse.
    facility: FACILITY_CODE.test(facility) ? facility : 'UNKNOWN',
    key: Array.from(facts.key.slice(0, 400)).slice(0, 200).join(''),
    kind: facts.encounter ? 'encounter' as const : facts.immunizations.length ? 'immunization' as const : item.kind ?? 'person',
    doses: facts.immunizations.length,
    unmapped: facts.unmapped,
    payload: item.payload,
    related: facts.births.length ? { births: facts.births } : {},
    area: areaOf(facts),
    ...serviceOf(facts),
  };
}

/**
 * What the reports count a record by besides its status: the date of service (the encounter's
 * NGAY_VAO, or the earliest dose's date, when the day is known), the visit type (MA_LOAI_KCB) and
 * whether a BHYT card was presented (QĐ 2733/QĐ-BYT Đ8 counts BHYT and non-BHYT visits apart).
 */
function serviceOf(facts: MappedItem['facts']): Pick<IngestedRecord, 'serviceDate' | 'visitType' | 'insured'> {
  const fullDay = (d: { fhirDate: string } | undefined) => (d && d.fhirDate.length === 10 ? d.fhirDate : undefined);
  const doseDays = facts.immunizations.map((i) => fullDay(i.occurrence)).filter((d): d is string => !!d).sort();
  const serviceDate = facts.encounter ? fullDay(facts.encounter.start) : doseDays[0];
  return {
    ...(serviceDate ? { serviceDate } : {}),
    ...(facts.encounter?.type?.code ? { visitType: facts.encounter.type.code.slice(0, 10) } : {}),
    insured: (facts.person?.cards.length ?? 0) > 0,
  };
}

/** The person's area of residence as sent (GSO codes), for lists and statistics per area. */
function areaOf(facts: MappedItem['facts']): NonNullable<IngestedRecord['area']> {
  const a = facts.person?.address;
  return { ...(a?.province ? { province: a.province } : {}), ...(a?.district ? { district: a.district } : {}), ...(a?.ward ? { commune: a.ward } : {}) };
}

/** A record for the review queue: no resources until an administrator decides, its facts and candidates kept. */
function heldRecord(item: MappedItem, decision: IdentityDecision, facility: string): IngestedRecord {
  const hold = decision.hold!;
  return {
    ...sourceFields(item, facility),
    status: 'held', category: hold.issue.category, issues: [hold.issue], warnings: [],
    resources: null, personId: null, facts: item.facts, review: { candidates: hold.candidates },
  };
}
