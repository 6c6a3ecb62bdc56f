import express, { type RequestHandler } from 'express';
import { GatewayError } from '../errors/outcome.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** A number literal this long or with an exponent is parsed to check it is finite; shorter ones always are. */
const PLAIN_NUMBER_CHARS = 300;

/** Whether `c` can continue a JSON number literal (digits, `.`, `e`, `E`, `+`, `-`). */
const numberChar = (c: number) => (c >= DIGIT_0 && c <= DIGIT_9) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;

/**
 * What is wrong with JSON text (UTF-8 bytes) before it is parsed: arrays and objects nested deeper
 * than `maxDepth` (a top-level object is depth 1; brackets inside strings do not count), or a number
 * too large for a double (`1e999`, which JSON.parse would silently turn into Infinity and storage
 * into null). One pass, no recursion; malformed text is left for the parser to refuse.
 */
export function jsonTextProblem(utf8: Uint8Array, maxDepth: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < utf8.length; i++) {
    const c = utf8[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return `JSON body is nested deeper than ${maxDepth} levels of arrays and objects`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
    else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const start = i;
      let exponent = false;
      while (i + 1 < utf8.length && numberChar(utf8[i + 1]!)) {
        i++;
        if (utf8[i] === 0x65 || utf8[i] === 0x45) exponent = true;
      }
      if ((exponent || i + 1 - start >= PLAIN_NUMBER_CHARS) && !Number.isFinite(Number(Buffer.from(utf8.subarray(start, i + 1)).toString('latin1')))) {
        return 'JSON body holds a number too large to represent (beyond ±1.7976931348623157e308)';
      }
    }
  }
  return undefined;
}

/** The body as UTF-8 bytes (the scanner's input); other charsets body-parser allows are re-encoded. */
function utf8Of(body: Buffer, charset: string): Uint8Array {
  if (charset === 'utf-8' || charset === 'utf8') return body;
  let text: string;
  try {
    text = new TextDecoder(charset).decode(body);
  } catch {
    throw new GatewayError(415, 'not-supported', `charset ${charset} is not supported; send UTF-8`);
  }
  return Buffer.from(text, 'utf8');
}

/** What a JSON body route accepts. */
export interface JsonBodyRule {
  /** Accepted media types (the first is named in the 415 answer). */
  types: string[];
  /** Largest body, in bytes or a body-parser size such as `'1mb'` (beyond it 413). */
  limit: number | string;
  /** Deepest nesting of arrays and objects (beyond it 400, checked before parsing). */
  maxDepth: number;
}

/**
 * Middleware for routes whose body is JSON: a body of any other Content-Type is 415 (never ignored,
 * so a filter sent as text/plain cannot turn into "no filter"), a body nested deeper than
 * `maxDepth` or holding a number beyond a double is 400 before JSON.parse sees it, then express.json
 * parses it into req.body.
 */
export function jsonBody(rule: JsonBodyRule): RequestHandler[] {
  const requireJsonType: RequestHandler = (req, _res, next) => {
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (hasBody && !req.is(rule.types)) {
      const sent = req.get('content-type');
      next(new GatewayError(415, 'not-supported', `Content-Type ${sent || 'none'} is not accepted here; send ${rule.types.join(' or ')}`));
      return;
    }
    next();
  };
  const parse = express.json({
    type: rule.types,
    limit: rule.limit,
    verify: (_req, _res, body, charset) => {
      const problem = jsonTextProblem(utf8Of(body, (charset ?? 'utf-8').toLowerCase()), rule.maxDepth);
      if (problem) throw new GatewayError(400, 'too-costly', problem);
    },
  });
  return [requireJsonType, parse];
}
