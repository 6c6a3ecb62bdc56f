import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import type { AnswerContext, FormatAnswer, IssueCategory, RecordIssue } from '../contract.js';
import type { RecordOutcome, RecordWarning, WarningCode } from '../../records/model.js';
import type { FhirEntryReply } from './map-item.js';

/** The FHIR JSON media type (http://hl7.org/fhir/R4/http.html#mime-type). */
export const FHIR_JSON = 'application/fhir+json';

/** Each category and warning as an R4 issue type (http://hl7.org/fhir/R4/valueset-issue-type.html). */
const ISSUE_TYPE: Record<IssueCategory, OperationOutcomeIssue['code']> = {
  FACILITY_MISMATCH: 'forbidden', SCHEMA: 'invalid', CCCD_MISSING: 'required', CCCD_FORMAT: 'value', CCCD_PROVINCE_UNKNOWN: 'code-invalid',
  CCCD_DOB_MISMATCH: 'business-rule', CCCD_GENDER_MISMATCH: 'business-rule', DATE_ORDER: 'invariant',
  VERIFICATION_MISMATCH: 'business-rule', REGISTRY_NOT_FOUND: 'not-found', SOURCE_CONFLICT: 'conflict', IDENTITY_REVIEW: 'informational',
};
const WARNING_TYPE: Record<WarningCode, OperationOutcomeIssue['code']> = { UNKNOWN_VACCINE: 'code-invalid', INFANT_UNDER_MOTHER_ID: 'informational', MATCHED_WITHOUT_CCCD: 'informational', AWAITING_VERIFICATION: 'transient' };

/** A problem of a record with the reply of that record (its code systems, where its facility came from). */
type Noted = { issue: RecordIssue | RecordWarning; reply: FhirEntryReply };

/** What the records an entry belongs to say about it: accepted by at least one (with where it went, and warnings on it), or the issues of all. */
interface EntrySlot {
  location?: string;
  accepted: boolean;
  /** Stored but not yet linkable: held for review, or waiting for the population registry. */
  deferred?: Noted[];
  issues: Noted[];
  warnings: Noted[];
}

/**
 * An issue's field as a FHIRPath `expression` when it names the request (`Bundle.entry[3].resource.identifier`);
 * the pipeline's facility check (`MA_CSKCB`) names where the record's facility came from; fields of
 * produced resources (schema failures) have no place in the request.
 */
function expressionOf(field: string, reply: FhirEntryReply): string[] | undefined {
  if (field.startsWith('Bundle')) return [field];
  if (field === 'MA_CSKCB' && reply.facilityField) return [reply.facilityField];
  return undefined;
}

/** One OperationOutcome issue (http://hl7.org/fhir/R4/operationoutcome.html): category or warning as `details` code, message as `diagnostics`. */
function outcomeIssue({ issue, reply }: Noted): OperationOutcomeIssue {
  const expression = expressionOf(issue.field, reply);
  const warning = 'code' in issue;
  const code = warning ? issue.code : issue.category;
  return {
    severity: warning ? 'warning' : 'error',
    code: (warning ? WARNING_TYPE[issue.code] : ISSUE_TYPE[issue.category]) ?? 'processing',
    details: { coding: [{ system: warning ? reply.codeSystems.warning : reply.codeSystems.category, code }] },
    diagnostics: expression ? issue.message : `${issue.message} (${issue.field})`,
    ...(expression ? { expression } : {}),
  };
}

/** An OperationOutcome with these issues, each issue once. */
function outcomeOf(noted: Noted[]): OperationOutcome {
  const seen = new Set<string>();
  const unique = noted.filter(({ issue }) => {
    const k = `${'code' in issue ? issue.code : issue.category}\n${issue.field}\n${issue.message}`;
    return !seen.has(k) && seen.add(k);
  });
  return { resourceType: 'OperationOutcome', issue: unique.map(outcomeIssue) };
}

/**
 * The response of one request entry (http://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.response):
 * `201 Created` with the location and, when the record was accepted with warnings, an outcome of
 * them (what R4 keeps `response.outcome` for); `422` with an outcome of the record's issues.
 */
function responseEntry(slot: EntrySlot | undefined): BundleEntry {
  if (slot?.accepted) {
    const warnings = slot.warnings.length ? { outcome: outcomeOf(slot.warnings) } : {};
    return { response: { status: '201 Created', ...(slot.location ? { location: slot.location } : {}), ...warnings } };
  }
  if (slot?.deferred?.length && !slot.issues.length) {
    const outcome = outcomeOf(slot.deferred);
    for (const i of outcome.issue) i.severity = 'information';
    return { response: { status: '202 Accepted', outcome } };
  }
  if (slot?.issues.length) return { response: { status: '422 Unprocessable Entity', outcome: outcomeOf(slot.issues) } };
  const unread: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'this entry was not read' }] };
  return { response: { status: '400 Bad Request', outcome: unread } };
}

/** The entry a warning names (`Bundle.entry[2].resource.vaccineCode` → 2), else the record's main entry. */
function entryOfField(field: string, reply: FhirEntryReply): number {
  const m = /^Bundle\.entry\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : reply.entries[0]!.index;
}

/** Why a stored record is not linked yet: its review issue, or the wait for the registry. */
function deferredIssues(outcome: RecordOutcome): Array<RecordIssue | RecordWarning> {
  if (outcome.issues.length) return outcome.issues;
  return [{ code: 'AWAITING_VERIFICATION', field: 'Bundle', message: 'stored; the population registry is unavailable: verified and linked once it answers' }];
}

/** Fold each record's outcome into the slots of the entries it answers for. */
function slotsOf(records: Array<{ outcome: RecordOutcome; reply: FhirEntryReply | undefined }>): Map<number, EntrySlot> {
  const slots = new Map<number, EntrySlot>();
  const slot = (i: number) => slots.get(i) ?? slots.set(i, { accepted: false, issues: [], warnings: [] }).get(i)!;
  for (const { outcome, reply } of records) {
    if (!reply) continue;
    for (const { index, location } of reply.entries) {
      const s = slot(index);
      if (outcome.status === 'rejected') s.issues.push(...outcome.issues.map((issue) => ({ issue, reply })));
      else if (outcome.status === 'held' || outcome.status === 'unverified') (s.deferred ??= []).push(...deferredIssues(outcome).map((issue) => ({ issue, reply })));
      else if (!s.accepted) Object.assign(s, { accepted: true, ...(location ? { location } : {}) });
    }
    if (outcome.status !== 'rejected') for (const w of outcome.warnings ?? []) slot(entryOfField(w.field, reply)).warnings.push({ issue: w, reply });
  }
  return slots;
}

/**
 * The answer of a committed Bundle: a `batch-response` (or `transaction-response` for a transaction)
 * with one entry per request entry, in order (http://hl7.org/fhir/R4/http.html#transaction-response).
 * An entry is `201 Created` with the `location` of the resource it becomes once at least one
 * record it belongs to was accepted (a Patient shared by two Encounters, say), else `422` with an
 * OperationOutcome of every issue of its records. Linkage into the EHR follows asynchronously.
 */
export function renderBundleResponse(records: Array<{ outcome: RecordOutcome; reply: unknown }>, ctx: AnswerContext): Bundle {
  const typed = records.map((r) => ({ outcome: r.outcome, reply: r.reply as FhirEntryReply | undefined }));
  const first = typed.find((r) => r.reply)?.reply;
  const slots = slotsOf(typed);
  const entry = Array.from({ length: first?.entryCount ?? 0 }, (_, i) => responseEntry(slots.get(i)));
  return {
    resourceType: 'Bundle',
    id: ctx.idBase,
    type: first?.bundleType === 'transaction' ? 'transaction-response' : 'batch-response',
    timestamp: ctx.now.toISOString(),
    ...(entry.length ? { entry } : {}),
  };
}

/** The FHIR answer: the response Bundle (200), or one OperationOutcome for a body that is not a readable Bundle (400). */
export const fhirBundleAnswer: FormatAnswer = {
  contentType: FHIR_JSON,
  status: 200,
  render: (records, ctx) => JSON.stringify(renderBundleResponse(records, ctx)),
  renderUnreadable(error) {
    const code: OperationOutcomeIssue['code'] = error.location === 'Bundle.type' ? 'invalid' : error.location === 'Bundle.entry' ? 'required' : 'structure';
    const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: error.message, expression: [error.location] }] };
    return JSON.stringify(outcome);
  },
};
