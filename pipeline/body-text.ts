import { GatewayError } from '../errors/outcome.js';
import { firstInvalidUtf8Byte, foreignByteOrderMark } from '../mappers/shared/charset.js';

/**
 * The request body (after decompression) as text, chunk by chunk. Every format is read as UTF-8
 * (the route has already refused a Content-Type charset naming anything else): a UTF-16/UTF-32 byte
 * order mark is 415, bytes that are not UTF-8 are 400 naming their offset. Nothing is ever decoded
 * into U+FFFD. A leading UTF-8 BOM is dropped. See docs/encodings.md.
 */
export class Utf8BodyDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private offset = 0;

  /** The text of the next chunk (a character split between chunks comes out with the later one). */
  decode(chunk: Uint8Array): string {
    if (this.offset === 0) {
      const bom = foreignByteOrderMark(chunk);
      if (bom) throw new GatewayError(415, 'not-supported', `the body is ${bom} (byte order mark); only UTF-8 is accepted`);
    }
    try {
      return this.decoder.decode(chunk, { stream: true });
    } catch {
      // A chunk may begin with the end of a character started in the previous one: skip those bytes.
      let lead = 0;
      while (lead < 3 && lead < chunk.length && (chunk[lead]! & 0xc0) === 0x80) lead += 1;
      throw this.invalid(this.offset + lead + firstInvalidUtf8Byte(chunk.subarray(lead)));
    } finally {
      this.offset += chunk.length;
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
