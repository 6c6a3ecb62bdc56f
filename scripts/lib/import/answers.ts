/**
 * Reading the gateway's answer to one file: the JSON 202 (`{submissionId, facility, records}`),
 * HL7 v2 ACKs (MSA-1 per message, ERR-5 the category) or an OperationOutcome for a file the
 * gateway refused. Pure; only keys, categories and rows are kept, never a record's content.
 */
import type { HttpAnswer } from './send.js';
import type { SendPlan } from './plan.js';

/** A rejected record: enough to find and fix it at the source, no personal data. */
export interface RejectedRecord {
  /** MA_LK, HL7 MSH-10 (MSA-2), CSV row key… as the gateway answered it. */
  key: string;
  category: string;
  /** CSV: the data row. */
  row?: number;
}

/** The records of a file the gateway took. */
export interface RecordCounts {
  facility: string;
  submissionId?: string;
  accepted: number;
  rejected: RejectedRecord[];
}

/**
 * A file the gateway took (`records`), refused (`failure`, the reason to show), or took with an answer
 * that counts Bundle entries rather than records (FHIR: `view`, the submission to read the records from).
 */
export type AnswerReading = { records: RecordCounts } | { failure: string } | { view: string };

/** Category shown when the answer names none. */
export const UNKNOWN_CATEGORY = 'UNKNOWN';
/** Facility shown when neither the answer nor the file names one. */
export const UNKNOWN_FACILITY = 'unknown';

interface JsonRecord {
  status?: unknown;
  /** Submission views name it per record. */
  facility?: unknown;
  key?: unknown;
  category?: unknown;
  issues?: Array<{ category?: unknown }>;
  position?: { row?: unknown };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Counts of a JSON 202 answer: `rejected` records with their category (or first issue's), the rest accepted. */
export function countJsonRecords(answer: { facility?: unknown; submissionId?: unknown; records: JsonRecord[] }, facilityHint?: string): RecordCounts {
  const rejected: RejectedRecord[] = [];
  let accepted = 0;
  for (const r of answer.records) {
    if (r.status !== 'rejected') {
      accepted += 1;
      continue;
    }
    const row = r.position?.row;
    rejected.push({
      key: text(r.key) ?? '',
      category: text(r.category) ?? text(r.issues?.[0]?.category) ?? UNKNOWN_CATEGORY,
      ...(typeof row === 'number' ? { row } : {}),
    });
  }
  const submissionId = text(answer.submissionId);
  // A submission view names each record's facility; an admin's FHIR Bundle has no facility of its own.
  const recordFacilities = new Set(answer.records.map((r) => text(r.facility)).filter((f): f is string => f !== undefined));
  const fromRecords = recordFacilities.size === 1 ? [...recordFacilities][0] : undefined;
  return { facility: text(answer.facility) ?? fromRecords ?? facilityHint ?? UNKNOWN_FACILITY, ...(submissionId ? { submissionId } : {}), accepted, rejected };
}

/** One message's acknowledgment. */
export interface AckReading {
  /** MSA-1: AA / AE / AR (or CA / CE / CR). */
  code: string;
  /** MSA-2: the message's control id (MSH-10). */
  controlId: string;
  /** ERR-5 of the ACK's first ERR: the record's category. */
  category?: string;
  /** ERR-8 of the first ERR: the gateway's message. */
  message?: string;
}

/**
 * The ACKs of an HL7 v2 answer, in order: each MSA with the first ERR that follows it before the
 * next MSH. Segments are split on CR (and LF, for answers that were converted).
 */
export function parseAcks(er7: string): AckReading[] {
  const acks: AckReading[] = [];
  let current: AckReading | undefined;
  for (const segment of er7.split(/\r\n|\r|\n/)) {
    const fields = segment.split('|');
    if (fields[0] === 'MSH') current = undefined;
    else if (fields[0] === 'MSA') acks.push((current = { code: fields[1] ?? '', controlId: fields[2] ?? '' }));
    else if (fields[0] === 'ERR' && current && current.category === undefined) {
      current.category = fields[5] || UNKNOWN_CATEGORY;
      if (fields[8]) current.message = fields[8];
    }
  }
  return acks;
}

/** True for MSA-1 codes of a message that was accepted (AA, CA). */
export function isAccepted(code: string): boolean {
  return code === 'AA' || code === 'CA';
}

/** Counts of an HL7 v2 answer: AA accepted; AE and AR rejected (the gateway stores an AR message as rejected SCHEMA). */
export function countAcks(acks: readonly AckReading[], facility: string | undefined): RecordCounts {
  const rejected = acks.filter((a) => !isAccepted(a.code)).map((a) => ({ key: a.controlId, category: a.category ?? UNKNOWN_CATEGORY }));
  return { facility: facility ?? UNKNOWN_FACILITY, accepted: acks.length - rejected.length, rejected };
}

/**
 * A message from the gateway safe to print: one line, at most 300 characters, and inside quoted
 * sender values any run of 9 or more digits (an ID number) replaced by `…`.
 */
export function safeMessage(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  const masked = line.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => quoted.replace(/\d{9,}/g, '…'));
  return masked.length > 300 ? `${masked.slice(0, 299)}…` : masked;
}

/** The diagnostics of an OperationOutcome body, joined; undefined when the body is not one. */
export function outcomeDiagnostics(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { resourceType?: string; issue?: Array<{ diagnostics?: string; details?: { text?: string } }> };
    if (parsed.resourceType !== 'OperationOutcome') return undefined;
    const messages = (parsed.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).filter((m): m is string => !!m);
    return messages.length ? messages.join('; ') : undefined;
  } catch {
    return undefined;
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function hasRecords(v: unknown): v is { facility?: unknown; submissionId?: unknown; records: JsonRecord[] } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { records?: unknown }).records);
}

const isResponseBundle = (v: unknown) => typeof v === 'object' && v !== null
  && (v as { resourceType?: unknown }).resourceType === 'Bundle' && /^(batch|transaction)-response$/.test(String((v as { type?: unknown }).type));

const isEr7 = (answer: HttpAnswer) => /hl7-v2/i.test(answer.contentType) || answer.body.startsWith('MSH|');

/** Why a refused file failed: status, the gateway's diagnostics, and a hint for a missing route. */
function failureOf(answer: HttpAnswer, plan: SendPlan): string {
  let detail = outcomeDiagnostics(answer.body);
  if (!detail && isEr7(answer)) detail = parseAcks(answer.body)[0]?.message ?? 'HL7 v2 AR: the body is not readable HL7 v2';
  const path = plan.route.split('?')[0]!;
  const hint = answer.status === 404 && !detail?.includes(path) ? ` (this gateway has no route POST ${path})` : '';
  return `HTTP ${answer.status}${detail ? `: ${safeMessage(detail)}` : ''}${hint}`;
}

/** The submission id of a Location `/api/submissions/{id}` (HL7 ACKs carry it only there). */
export function submissionIdOf(location: string | undefined): string | undefined {
  return location ? /\/api\/submissions\/([^/?#]+)$/.exec(location)?.[1] : undefined;
}

/** The records of a submission view (`GET /api/submissions/{id}`), counted like the JSON 202. */
export function readSubmissionView(body: string, plan: SendPlan, submissionId: string): AnswerReading {
  const json = parseJson(body);
  if (!hasRecords(json)) return { failure: `the submission ${submissionId} could not be read back` };
  return { records: { ...countJsonRecords(json, plan.facilityHint), submissionId } };
}

/** What the gateway's answer says about one file. */
export function readAnswer(answer: HttpAnswer, plan: SendPlan): AnswerReading {
  if (answer.status >= 200 && answer.status < 300) {
    if (isEr7(answer)) {
      const acks = parseAcks(answer.body);
      const submissionId = submissionIdOf(answer.location);
      if (acks.length) return { records: { ...countAcks(acks, plan.facilityHint), ...(submissionId ? { submissionId } : {}) } };
    }
    const json = parseJson(answer.body);
    if (hasRecords(json)) return { records: countJsonRecords(json, plan.facilityHint) };
    // FHIR: a batch-/transaction-response has one entry per request entry (a Patient shared by two doses
    // is one entry), so the records are read from the submission it names in Location.
    const submissionId = submissionIdOf(answer.location);
    if (isResponseBundle(json) && submissionId) return { view: submissionId };
    return { failure: `HTTP ${answer.status} with an answer that is neither ingest JSON nor HL7 ACKs` };
  }
  return { failure: failureOf(answer, plan) };
}
