/**
 * The request of the data-hub contract (`POST /api/kcb/xml/guiHoSoXml`, docs/formats/data-hub.md):
 * checking the JSON body and decoding each file. Pure: no I/O.
 */
import { badRequest } from '../../errors/outcome.js';

/**
 * Accepted `loaiHoSo`: the claim package of QĐ 130 and its amendments (BHXH sends `130`; 4750 and
 * 3176 name the same GIAMDINHHS package) and of the older QĐ 4210. All go to the same reader.
 */
export const LOAI_HO_SO = ['130', '4750', '3176', '4210'] as const;
/** The `loaiHoSo` of a body that names none (BHXH's value for claim XML). */
export const DEFAULT_LOAI_HO_SO = '130';
/** Files in one request at most (each is one submission and one transaction). */
export const MAX_FILES = 100;

const FACILITY = /^[0-9A-Za-z]{5}$/;
const PROVINCE = /^\d{2}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /\s/;

/** A checked request: who it declares and the files as sent (base64 text; emptied as they are decoded, see takeHubFile). */
export interface HubRequest {
  loaiHoSo: string;
  maTinh: string | null;
  maCSKCB: string;
  files: string[];
}

/** One file decoded: the envelope's bytes and how they are compressed. */
export type DecodedFile = { bytes: Buffer; encoding: 'identity' | 'gzip' } | { problem: string };

const isText = (v: unknown): v is string => typeof v === 'string';

/** `files` as sent: the array, or BHXH's single `fileHSBase64` as a one-file batch. */
function filesOf(b: Record<string, unknown>): string[] {
  if (b.files !== undefined && b.fileHSBase64 !== undefined) throw badRequest('send files or fileHSBase64, not both', ['files']);
  if (b.fileHSBase64 !== undefined) {
    if (!isText(b.fileHSBase64)) throw badRequest('fileHSBase64 must be a base64 string', ['fileHSBase64']);
    return [b.fileHSBase64];
  }
  if (!Array.isArray(b.files) || b.files.length === 0) throw badRequest('files must be a non-empty array of base64 strings (one GIAMDINHHS envelope each)', ['files']);
  if (b.files.length > MAX_FILES) throw badRequest(`files holds ${b.files.length} files; at most ${MAX_FILES} per request`, ['files']);
  const bad = b.files.findIndex((f) => !isText(f));
  if (bad >= 0) throw badRequest(`files[${bad}] must be a base64 string`, [`files[${bad}]`]);
  return [...(b.files as string[])]; // the request's own array: its files are taken one by one (takeHubFile)
}

/** An optional short code field: absent (or empty) gives null; otherwise it must match `pattern`. */
function codeOf(b: Record<string, unknown>, name: string, pattern: RegExp, what: string): string | null {
  const v = b[name];
  if (v === undefined || v === null || v === '') return null;
  if (!isText(v) || !pattern.test(v)) throw badRequest(`${name} must be ${what}`, [name]);
  return v;
}

/** `loaiHoSo` as a string (vendors send `130` or `"130"`); absent gives the default. */
function loaiHoSoOf(v: unknown): string {
  if (v === undefined || v === null || v === '') return DEFAULT_LOAI_HO_SO;
  const value = typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  if (!(LOAI_HO_SO as readonly string[]).includes(value)) throw badRequest(`loaiHoSo must be one of ${LOAI_HO_SO.join(', ')} (a GIAMDINHHS claim package)`, ['loaiHoSo']);
  return value;
}

/**
 * Check the body: `maCSKCB` (5 characters) is required, `maTinh` (2 digits) and `loaiHoSo`
 * (one of LOAI_HO_SO, default 130) are optional, `files` is 1–MAX_FILES strings. Other fields
 * (`username`, …) are ignored. A broken field is 400 naming it; a broken file is that file's result.
 */
export function parseHubRequest(body: unknown): HubRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object { loaiHoSo, maTinh, maCSKCB, files }');
  const b = body as Record<string, unknown>;
  const maCSKCB = codeOf(b, 'maCSKCB', FACILITY, 'the 5-character facility code (MA_CSKCB)');
  if (maCSKCB === null) throw badRequest('maCSKCB is required: the facility whose files these are', ['maCSKCB']);
  return { loaiHoSo: loaiHoSoOf(b.loaiHoSo), maTinh: codeOf(b, 'maTinh', PROVINCE, 'the 2-digit province code'), maCSKCB, files: filesOf(b) };
}

/**
 * Decode one file: strict base64 (line breaks allowed, as MIME encoders write them; no URL-safe
 * alphabet, no `data:` prefix). Bytes starting 1F 8B are a gzip-compressed envelope.
 */
export function decodeHubFile(text: string): DecodedFile {
  const compact = WHITESPACE.test(text) ? text.replace(/\s+/g, '') : text;
  if (compact.length === 0) return { problem: 'the file is empty' };
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return { problem: 'the file is not valid base64' };
  const bytes = Buffer.from(compact, 'base64');
  return { bytes, encoding: bytes[0] === 0x1f && bytes[1] === 0x8b ? 'gzip' : 'identity' };
}

/**
 * The text of file `index`, leaving '' in its place: a batch decodes its files one after the other,
 * and need not hold every file's base64 until the answer.
 */
export function takeHubFile(files: string[], index: number): string {
  const text = files[index] ?? '';
  files[index] = '';
  return text;
}
