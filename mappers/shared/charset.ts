/**
 * Character encodings of submitted documents. QĐ 130 (like QĐ 4210 before it) exchanges XML in
 * UTF-8, and XML 1.0 §4.3.3 makes UTF-8 the encoding of a document without a declaration or byte
 * order mark. The gateway accepts UTF-8 only and never guesses: a document that declares another
 * encoding is refused naming it, and bytes that are not UTF-8 are refused naming where they are,
 * never decoded into U+FFFD inside a patient's name. See docs/input-rules.md.
 */
import { quoteValue } from './quote.js';

/**
 * True when `label` names UTF-8: `utf-8`, `utf8` or another label the WHATWG Encoding Standard
 * maps to UTF-8 (`unicode-1-1-utf-8`, …), in any case. (`us-ascii`, `latin1` and the rest are not.)
 */
export function isUtf8Label(label: string): boolean {
  if (label.length > 40) return false;
  try {
    return new TextDecoder(label.trim()).encoding === 'utf-8';
  } catch {
    return false;
  }
}

/** A byte order mark of an encoding other than UTF-8 at the start of `bytes` (XML 1.0 Appendix F.1), or undefined. */
export function foreignByteOrderMark(bytes: Uint8Array): 'UTF-16BE' | 'UTF-16LE' | 'UTF-32BE' | 'UTF-32LE' | undefined {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) return 'UTF-32BE';
  if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) return 'UTF-32LE';
  if (b0 === 0xfe && b1 === 0xff) return 'UTF-16BE';
  if (b0 === 0xff && b1 === 0xfe) return 'UTF-16LE';
  return undefined;
}

/** XML declaration at the start of a document (XML 1.0 §2.8 XMLDecl, §4.3.3 EncodingDecl), read as ASCII. */
const XML_DECL_ENCODING = /^<\?xml[ \t\r\n][^>]*?\bencoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"'>]*)\1/;

/** The encoding named by the XML declaration at the start of `bytes` (after any BOM), or undefined. */
export function declaredXmlEncoding(bytes: Uint8Array): string | undefined {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(bytes.length - start, 512)).toString('latin1');
  return XML_DECL_ENCODING.exec(head)?.[2];
}

/** Why a document could not be read as UTF-8: refused because of what it declares, or because of its bytes. */
export interface EncodingProblem {
  /** `not-supported`: it declares (or its BOM says) another encoding; `invalid`: its bytes are not UTF-8. */
  code: 'not-supported' | 'invalid';
  message: string;
}

/**
 * Decode one XML document that must be UTF-8: refuses a byte order mark or XML declaration of any
 * other encoding, and bytes that are not well-formed UTF-8 (reported with their offset, line and
 * the element they follow; the text around them is never quoted: it may be a name). A leading UTF-8
 * BOM is dropped.
 */
export function decodeUtf8Document(bytes: Uint8Array): { text: string } | { problem: EncodingProblem } {
  const bom = foreignByteOrderMark(bytes);
  if (bom) return { problem: { code: 'not-supported', message: `is ${bom} (byte order mark); only UTF-8 is accepted` } };
  const declared = declaredXmlEncoding(bytes);
  if (declared !== undefined && !isUtf8Label(declared)) {
    return { problem: { code: 'not-supported', message: `declares encoding ${quoteValue(declared)}; only UTF-8 is accepted (re-export the file as UTF-8)` } };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8Byte(bytes);
    const why = declared === undefined ? 'declares no encoding, so it must be UTF-8' : `declares ${quoteValue(declared)}`;
    return { problem: { code: 'invalid', message: `is not valid UTF-8: ${describeByte(bytes, at)} (the document ${why}; was it saved in another encoding?)` } };
  }
}

/** Offset of the first byte that is not well-formed UTF-8 in `bytes` (bytes.length when there is none). */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  // One lenient decode (only on the error path): before the first replaced sequence every character
  // maps back to its own bytes, so the offset is the UTF-8 length of the text before it. A U+FFFD
  // that was sent as such (EF BF BD) is skipped.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  let offset = 0;
  let from = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(text.slice(from, i), 'utf8');
    if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) return offset;
    offset += 3;
    from = i + 1;
  }
  return bytes.length;
}

/** `byte 0xCA at offset 1234 (line 3, after <HO_TEN>)`: where byte `at` is; no other content is quoted. */
function describeByte(bytes: Uint8Array, at: number): string {
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, at);
  let line = 1;
  for (let i = before.indexOf(0x0a); i >= 0; i = before.indexOf(0x0a, i + 1)) line += 1;
  const tail = before.subarray(Math.max(0, at - 4096)).toString('latin1');
  const tags = [...tail.matchAll(/<([A-Za-z_][\w.:-]{0,63})[\s/>]/g)];
  const tag = tags[tags.length - 1]?.[1];
  const byte = at < bytes.length ? `byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}` : 'an unfinished sequence';
  return `${byte} at offset ${at} (line ${line}${tag ? `, after <${tag}>` : ''})`;
}
