import type { FhirResource } from 'fhir/r4.js';
import type { IdentityDecision, IdentityStage } from '../identity/identity.stage.js';
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
 * One mapped item → the record to store: identity decided, issues merged and ordered (the first
 * is the category), resources built once and validated once against the R4 schema. A resource
 * that fails the schema is a mapping defect: the record is held, never pushed.
 */
export async function processItem(item: MappedItem, stages: RecordStages, callerFacility: string | null): Promise<IngestedRecord> {
  return finishRecord(item, await stages.identity.decide(item.facts), stages, callerFacility);
}

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
  return {
    seq: item.seq,
    // Bounded so an absurd key is stored (rejected) rather than breaking the index,
    // cut by code point so an emoji never becomes a lone surrogate that jsonb would refuse.
    facility: sender ?? (FACILITY_CODE.test(facts.facility) ? facts.facility : 'UNKNOWN'),
    key: Array.from(facts.key.slice(0, 400)).slice(0, 200).join(''),
    status: ok ? 'accepted' : 'rejected',
    category: ok ? null : issues[0]?.category ?? 'SCHEMA',
    issues,
    // Warnings belong to accepted records: a rejected one is counted under its category only.
    warnings: ok ? vaccineWarnings(facts.immunizations) : [],
    kind: facts.encounter ? 'encounter' : facts.immunizations.length ? 'immunization' : item.kind ?? 'person',
    doses: facts.immunizations.length,
    unmapped: facts.unmapped,
    payload: item.payload,
    related: facts.births.length ? { births: facts.births } : {},
    resources,
  };
}
