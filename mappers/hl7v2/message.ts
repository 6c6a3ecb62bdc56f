import type { IssueCategory, RecordIssue } from '../contract.js';
import { separatorsOf, splitSegment, textAt, type Er7Segment, type Er7Separators } from './er7.js';

/** HL7 versions this mapping reads (MSH-12.1); ADT and VXU fields used here mean the same in all of them. */
export const SUPPORTED_VERSIONS = new Set(['2.3', '2.3.1', '2.4', '2.5', '2.5.1']);

/**
 * HL7 table 0357 (message error condition codes) as used in ERR-3: 100 segment sequence error,
 * 101 required field missing, 102 data type error, 103 table value not found, 200 unsupported
 * message type, 201 unsupported event code, 203 unsupported version id, 207 application internal error.
 */
export type ErrorCondition = '100' | '101' | '102' | '103' | '200' | '201' | '203' | '207';

/** One message split into segments with its own separators (MSH first). */
export interface Hl7Message {
  seps: Er7Separators;
  segments: Er7Segment[];
  msh: Er7Segment;
}

/** What the ACK of a message needs from its MSH, kept as the item's reply context. */
export interface Hl7Reply {
  /** True when the message itself is refused (AR): MSH unreadable, unsupported type, event or version. */
  reject: boolean;
  /** MSH-10, echoed in MSA-2 (absent when unreadable). */
  controlId?: string;
  /** MSH-9.2, echoed in the ACK's MSH-9 `ACK^<trigger>^ACK`. */
  trigger?: string;
  /** MSH-12.1 when supported, echoed in the ACK's MSH-12. */
  version?: string;
  /** MSH-11.1 (P production, T training, D debugging). */
  processingId?: string;
  /** HD components of MSH-3..MSH-6, decoded; swapped in the ACK. */
  sendingApplication: string[];
  sendingFacility: string[];
  receivingApplication: string[];
  receivingFacility: string[];
  /** HL7 table 0357 code of each issue the mapper raised, by `field` + LF + `message`. */
  errorCodes: Record<string, ErrorCondition>;
}

/** Issues with the HL7 error condition each one is answered with in ERR-3. */
export class Hl7Issues {
  readonly issues: RecordIssue[] = [];
  readonly codes: Record<string, ErrorCondition> = {};

  add(category: IssueCategory, field: string, message: string, code: ErrorCondition): void {
    this.issues.push({ category, field, message });
    this.codes[`${field}\n${message}`] = code;
  }
}

/** Parse the item's lines with the separators of its MSH; undefined when MSH-1/MSH-2 cannot be read. */
export function parseMessage(lines: string[]): Hl7Message | undefined {
  const first = lines[0] ?? '';
  const seps = separatorsOf(first);
  if (!seps || !first.startsWith('MSH')) return undefined;
  const segments = lines.map((line) => splitSegment(line, seps));
  return { seps, segments, msh: segments[0]! };
}

/** The HD components (namespace id, universal id, universal id type) of an MSH field, decoded. */
function hd(msg: Hl7Message, n: number): string[] {
  return [1, 2, 3].map((comp) => textAt(msg.msh, n, msg.seps, { comp }) ?? '');
}

/** The ACK context of a readable MSH (the caller decides `reject`). */
export function replyOf(msg: Hl7Message, issues: Hl7Issues, reject: boolean): Hl7Reply {
  const version = textAt(msg.msh, 12, msg.seps);
  const controlId = textAt(msg.msh, 10, msg.seps);
  const trigger = textAt(msg.msh, 9, msg.seps, { comp: 2 });
  const processingId = textAt(msg.msh, 11, msg.seps);
  return {
    reject,
    ...(controlId ? { controlId } : {}),
    ...(trigger ? { trigger } : {}),
    ...(version && SUPPORTED_VERSIONS.has(version) ? { version } : {}),
    ...(processingId ? { processingId } : {}),
    sendingApplication: hd(msg, 3), sendingFacility: hd(msg, 4),
    receivingApplication: hd(msg, 5), receivingFacility: hd(msg, 6),
    errorCodes: issues.codes,
  };
}

/** The segments with this id, in order. */
export function segmentsOf(msg: Hl7Message, id: string): Er7Segment[] {
  return msg.segments.filter((s) => s.id === id);
}

/** A field's location as issues name it: `PID-3`, or `RXA[2]-5` for the second RXA of a message. */
export function location(id: string, occurrence: number, field: number): string {
  return occurrence > 1 ? `${id}[${occurrence}]-${field}` : `${id}-${field}`;
}
