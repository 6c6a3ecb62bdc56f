/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol, HL7 v2.5.1 Appendix C.4.3 / HL7 Transport
 * Specification MLLP Release 2): each message is sent as `0x0B` (VT) … `0x1C 0x0D` (FS CR).
 */
export const START_BLOCK = 0x0b;
export const END_BLOCK = 0x1c;
export const CARRIAGE_RETURN = 0x0d;

/** What the framer found in the byte stream, in order. */
export type MllpEvent =
  | { kind: 'frame'; payload: Buffer }
  /** Bytes outside any frame that are not whitespace (skipped; the listener answers AR). */
  | { kind: 'garbage'; bytes: number }
  /** A frame longer than the limit (discarded up to its end block; the listener answers AR). */
  | { kind: 'oversize'; bytes: number };

/**
 * Reassembles frames from reads of any size: a frame split across reads, several frames in one
 * read, bytes between frames. A frame's payload is buffered only up to `maxFrameBytes`; a larger
 * frame is reported once and skipped to its end block, so one sender cannot exhaust memory.
 */
export class MllpFramer {
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  private oversize = false;
  private garbage = 0;
  /** The previous byte was FS inside a frame (its CR may arrive in the next read). */
  private sawEnd = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feed one read; returns what it completed. */
  push(chunk: Buffer): MllpEvent[] {
    const events: MllpEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.inFrame) {
        const start = chunk.indexOf(START_BLOCK, i);
        const end = start < 0 ? chunk.length : start;
        for (let j = i; j < end; j++) if (!isWhitespace(chunk[j]!)) this.garbage += 1;
        if (start < 0) break;
        this.flushGarbage(events);
        this.inFrame = true;
        i = start + 1;
        continue;
      }
      if (this.sawEnd) {
        this.sawEnd = false;
        // FS must be followed by CR; a missing CR is tolerated (the frame still ends at FS).
        if (chunk[i] === CARRIAGE_RETURN) i += 1;
        this.finish(events);
        continue;
      }
      const fs = chunk.indexOf(END_BLOCK, i);
      const stop = fs < 0 ? chunk.length : fs;
      this.append(chunk.subarray(i, stop));
      if (fs < 0) break;
      this.sawEnd = true;
      i = fs + 1;
    }
    // Stray bytes are answered as soon as the read that carried them ends (a frame in progress waits).
    if (!this.inFrame) this.flushGarbage(events);
    return events;
  }

  /** The connection ended: a partial frame is dropped; stray bytes are reported. */
  end(): MllpEvent[] {
    const events: MllpEvent[] = [];
    if (this.sawEnd) this.finish(events);
    this.flushGarbage(events);
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
    return events;
  }

  private append(piece: Buffer): void {
    if (this.oversize || piece.length === 0) {
      this.size += piece.length;
      return;
    }
    if (this.size + piece.length > this.maxFrameBytes) {
      this.oversize = true;
      this.parts = [];
    } else this.parts.push(Buffer.from(piece));
    this.size += piece.length;
  }

  private finish(events: MllpEvent[]): void {
    events.push(this.oversize ? { kind: 'oversize', bytes: this.size } : { kind: 'frame', payload: Buffer.concat(this.parts) });
    this.parts = [];
    this.size = 0;
    this.oversize = false;
    this.inFrame = false;
  }

  private flushGarbage(events: MllpEvent[]): void {
    if (this.garbage > 0) events.push({ kind: 'garbage', bytes: this.garbage });
    this.garbage = 0;
  }
}

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Wrap an answer in an MLLP frame. */
export function frame(text: string): Buffer {
  return Buffer.concat([Buffer.from([START_BLOCK]), Buffer.from(text, 'utf8'), Buffer.from([END_BLOCK, CARRIAGE_RETURN])]);
}
