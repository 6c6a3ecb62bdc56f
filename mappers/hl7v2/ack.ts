import type { AnswerContext, FormatAnswer, IssueCategory, RecordIssue } from '../contract.js';
import type { RecordOutcome } from '../../records/model.js';
import { encodeText } from './er7.js';
import type { ErrorCondition, Hl7Reply } from './message.js';

/** The content type of HL7 v2 ER7 over HTTP (HL7 v2 "HTTP transport" and common practice). */
export const ER7_CONTENT_TYPE = 'x-application/hl7-v2+er7';
const ACK_VERSION = '2.5.1';

/** HL7 table 0357 display texts for ERR-3. */
const CONDITION_TEXT: Record<ErrorCondition, string> = {
  100: 'Segment sequence error', 101: 'Required field missing', 102: 'Data type error', 103: 'Table value not found',
  200: 'Unsupported message type', 201: 'Unsupported event code', 203: 'Unsupported version id', 207: 'Application internal error',
};

/** Identity-stage and pipeline categories, which the mapper did not raise, as table 0357 conditions. */
const CATEGORY_CONDITION: Partial<Record<IssueCategory, ErrorCondition>> = {
  CCCD_MISSING: '101', CCCD_FORMAT: '102', CCCD_PROVINCE_UNKNOWN: '103',
};

/** `YYYYMMDDHHMMSS+0700`: the gateway's local time (Việt Nam, UTC+7) as an HL7 DTM. */
export function hl7Timestamp(now: Date): string {
  const t = new Date(now.getTime() + 7 * 3600_000).toISOString();
  return `${t.slice(0, 4)}${t.slice(5, 7)}${t.slice(8, 10)}${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}+0700`;
}

/**
 * An issue's field as an ERR-2 error location (ERL: segment ^ sequence ^ field ^ field repetition):
 * `PID-3` → `PID^1^3`, `RXA[2]-5` → `RXA^2^5`, `PID-3[2]` → `PID^1^3^2`, `PV1` → `PV1^1`; the
 * pipeline's `MA_CSKCB` is MSH-4. Fields
 * of produced FHIR resources (`Patient.name`) have no HL7 location: empty.
 */
export function errorLocation(field: string): string {
  if (field === 'MA_CSKCB') return 'MSH^1^4';
  const m = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?)?$/.exec(field);
  if (!m) return '';
  return [m[1], m[2] ?? '1', ...(m[3] ? [m[3]] : []), ...(m[4] ? [m[4]] : [])].join('^');
}

function conditionOf(issue: RecordIssue, reply: Hl7Reply | undefined): ErrorCondition {
  return reply?.errorCodes[`${issue.field}\n${issue.message}`] ?? CATEGORY_CONDITION[issue.category] ?? '207';
}

const hd = (parts: string[] | undefined) => (parts ?? []).map((p) => encodeText(p)).join('^').replace(/\^+$/, '');

/** ERR (HL7 v2.5 §2.15.5): ERR-2 location, ERR-3 table 0357 condition, ERR-4 severity E, ERR-5 category, ERR-8 message; ERR-1 too for v2.3/2.4. */
function errSegment(issue: RecordIssue, reply: Hl7Reply | undefined): string {
  const condition = conditionOf(issue, reply);
  const loc = errorLocation(issue.field);
  const parts = loc ? loc.split('^') : [];
  const legacy = reply?.version && /^2\.(3|3\.1|4)$/.test(reply.version)
    ? [parts[0] ?? '', parts[1] ?? '', parts[2] ?? '', `${condition}&${CONDITION_TEXT[condition]}&HL70357`].join('^') : '';
  return ['ERR', legacy, loc, `${condition}^${CONDITION_TEXT[condition]}^HL70357`, 'E', issue.category, '', '', encodeText(issue.message)].join('|');
}

/** One ACK: MSH with sender and receiver swapped, MSA-1 AA / AE / AR and MSA-2 the message's MSH-10, one ERR per issue. */
export function renderAck(code: 'AA' | 'AE' | 'AR', reply: Hl7Reply | undefined, issues: RecordIssue[], ctx: AnswerContext, n: number): string {
  const msh = [
    'MSH', '^~\\&', hd(reply?.receivingApplication), hd(reply?.receivingFacility), hd(reply?.sendingApplication), hd(reply?.sendingFacility),
    hl7Timestamp(ctx.now), '', reply?.trigger ? `ACK^${encodeText(reply.trigger)}^ACK` : 'ACK', `${ctx.idBase}${n}`.slice(0, 20),
    encodeText(reply?.processingId ?? 'P'), reply?.version ?? ACK_VERSION,
  ].join('|');
  const msa = ['MSA', code, encodeText(reply?.controlId ?? '')].join('|');
  return [msh, msa, ...issues.map((i) => errSegment(i, reply))].map((s) => `${s}\r`).join('');
}

/** HL7 v2's answer: one ACK per message in order (original acknowledgment mode, HL7 v2.5.1 §2.9.2). */
export const hl7AckAnswer: FormatAnswer = {
  contentType: ER7_CONTENT_TYPE,
  status: 200,
  render(records: Array<{ outcome: RecordOutcome; reply: unknown }>, ctx) {
    return records.map(({ outcome, reply }, i) => {
      const r = reply as Hl7Reply | undefined;
      const code = r?.reject ? 'AR' : outcome.status === 'rejected' ? 'AE' : 'AA';
      return renderAck(code, r, code === 'AA' ? [] : outcome.issues, ctx, i + 1);
    }).join('');
  },
  renderUnreadable(error, ctx) {
    const issue: RecordIssue = { category: 'SCHEMA', field: error.location, message: error.message };
    const reply: Hl7Reply = {
      reject: true, sendingApplication: [], sendingFacility: [], receivingApplication: [], receivingFacility: [],
      errorCodes: { [`${issue.field}\n${issue.message}`]: error.location === 'MSH' ? '100' : '207' },
    };
    return renderAck('AR', reply, [issue], ctx, 1);
  },
};
