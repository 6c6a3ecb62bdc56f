import type { ReaderLimits } from '../contract.js';
import { MappingError } from '../errors.js';
import { separatorsOf, splitSegment, textAt } from './er7.js';

/** One message as read: its position in the body (1-based) and its segment lines, MSH first. */
export interface Hl7MessageItem {
  index: number;
  lines: string[];
}

/** What the reader found around the messages: the file/batch header's facility, else the first MSH-4. */
export interface Hl7BodyHeader {
  facility?: string;
  /** FHS-11 / BHS-11 file or batch control id, when sent. */
  batchControlId?: string;
  [k: string]: unknown;
}

/** Segment ends: CR (the standard), LF or CR LF; MLLP frame characters (0x0B, 0x1C) end a segment too. */
export const SEGMENT_END = /\r\n|\r|\n|\x0b|\x1c/;
/** File and batch header and trailer segments (HL7 v2.5.1 §2.10.3). */
export const BATCH_SEGMENTS: ReadonlySet<string> = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

/**
 * Splits a body into HL7 v2 messages as text arrives (HL7 v2.5.1 §2.10.3 batch protocol): one or
 * more messages, with or without FHS/BHS … BTS/FTS around them. A message starts at each MSH and
 * ends before the next MSH or batch segment. The body must start with MSH, FHS or BHS (else it is
 * not HL7 v2: MappingError). Feeding the same text in any pieces gives the same messages.
 */
export class Hl7BodyReader {
  readonly header: Hl7BodyHeader = {};
  private pending = '';
  private current: string[] | null = null;
  private count = 0;
  private started = false;
  private readonly maxLine: number;

  constructor(private readonly onItem: (item: Hl7MessageItem) => void, private readonly limits: ReaderLimits) {
    // A segment is bounded like the largest field of any format (MAX_FIELD_MB).
    this.maxLine = Math.max(limits.maxHeaderChars ?? 0, limits.maxFieldChars, 1);
  }

  /** Feed the next piece of text. */
  write(chunk: string): void {
    const parts = (this.pending + chunk).split(SEGMENT_END);
    this.pending = parts.pop() ?? '';
    if (this.pending.length > this.maxLine) {
      throw new MappingError(`a segment is longer than ${this.maxLine} characters`, this.where(), 'too-costly');
    }
    for (const line of parts) this.line(line);
  }

  /** The body has ended: hand out the last message. */
  end(): void {
    this.line(this.pending);
    this.pending = '';
    this.emit();
  }

  private where(): string {
    return this.current ? `message[${this.count + 1}]` : 'body';
  }

  private line(raw: string): void {
    if (raw.length > this.maxLine) throw new MappingError(`a segment is longer than ${this.maxLine} characters`, this.where(), 'too-costly');
    const line = this.started ? raw : raw.replace(/^[\s\uFEFF]+/, '');
    if (line.trim() === '') return;
    const id = line.slice(0, 3);
    if (!this.started) {
      if (!separatorsOf(line)) {
        throw new MappingError('the body is not HL7 v2 ER7: it must start with an MSH, FHS or BHS segment declaring its separators (MSH-1, MSH-2)', 'MSH', 'structure');
      }
      this.started = true;
    }
    if (id === 'MSH') {
      this.emit();
      this.current = [line];
      return;
    }
    if (BATCH_SEGMENTS.has(id)) {
      this.emit();
      if (id === 'FHS' || id === 'BHS') this.batchHeader(line);
      return;
    }
    if (!this.current) throw new MappingError(`segment ${JSON.stringify(id)} is outside a message: every message starts with MSH`, 'MSH', 'structure');
    this.current.push(line);
  }

  /** FHS-4 / BHS-4 sending facility (HD first component) names the facility of the whole body. */
  private batchHeader(line: string): void {
    const seps = separatorsOf(line);
    if (!seps) return;
    const seg = splitSegment(line, seps);
    const facility = textAt(seg, 4, seps);
    if (facility && this.header.facility === undefined) this.header.facility = facility;
    const control = textAt(seg, 11, seps);
    if (control && this.header.batchControlId === undefined) this.header.batchControlId = control;
  }

  private emit(): void {
    if (!this.current) return;
    const lines = this.current;
    this.current = null;
    this.count += 1;
    if (this.count > this.limits.maxItems) {
      throw new MappingError(`the body holds more than ${this.limits.maxItems} messages (MAX_RECORDS_PER_SUBMISSION)`, `message[${this.count}]`, 'too-costly');
    }
    if (this.header.facility === undefined) {
      const seps = separatorsOf(lines[0]!);
      const facility = seps ? textAt(splitSegment(lines[0]!, seps), 4, seps) : undefined;
      if (facility) this.header.facility = facility;
    }
    this.onItem({ index: this.count, lines });
  }
}
