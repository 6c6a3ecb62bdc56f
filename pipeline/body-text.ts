import { GatewayError } from '../errors/outcome.js';
import { firstInvalidUtf8Byte, foreignByteOrderMark } from '../mappers/shared/charset.js';

/**
 * The request body (after decompression) as text, chunk by chunk. Every format is read as UTF-8
 * (the route has already refused a Content-Type charset naming anything else): a UTF-16/UTF-32 byte
 * order mark is 415, bytes that are not UTF-8 are 400 naming their offset. Nothing is ever decoded
 * into U+FFFD. A leading UTF-8 BOM is dropped. See docs/input-rules.md.
 */
export class Utf8BodyDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private offset = 0;
  /** The last bytes of the previous chunk: a character it left unfinished starts there. */
  private tail: Uint8Array = new Uint8Array(0);

  /** The text of the next chunk (a character split between chunks comes out with the later one). */
  decode(chunk: Uint8Array): string {
    if (this.offset === 0) {
      const bom = foreignByteOrderMark(chunk);
      if (bom) throw new GatewayError(415, 'not-supported', `the body is ${bom} (byte order mark); only UTF-8 is accepted`);
    }
    try {
      return this.decoder.decode(chunk, { stream: true });
    } catch {
      // Scan from a character boundary in the previous chunk's last bytes (which may hold the start
      // of the offending sequence), skipping the continuation bytes of a character finished there.
      const bytes = Buffer.concat([this.tail, chunk]);
      let start = 0;
      while (start < this.tail.length && (bytes[start]! & 0xc0) === 0x80) start += 1;
      throw this.invalid(this.offset - this.tail.length + start + firstInvalidUtf8Byte(bytes.subarray(start)));
    } finally {
      this.offset += chunk.length;
      this.tail = Uint8Array.from(chunk.length >= 3 ? chunk.subarray(-3) : Buffer.concat([this.tail, chunk]).subarray(-3));
    }
  }

  /** What is left at the end of the body; throws when the body ends inside a character. */
  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw this.invalid(this.offset);
    }
  }

  private invalid(at: number): GatewayError {
    return new GatewayError(400, 'invalid', `the body is not valid UTF-8 at byte offset ${at} (after decompression); send UTF-8`);
  }
}
