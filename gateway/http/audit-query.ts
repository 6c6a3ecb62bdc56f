import { createHmac } from 'node:crypto';
import type { Request } from 'express';

/**
 * Search parameters whose values are not personal data (paging, sorting, resource ids, dates,
 * statuses): the audit keeps them verbatim. Every other value (identifier = a CCCD, name,
 * birthdate, patient…) is replaced by a keyed hash.
 */
const VERBATIM = new Set(['_count', '_offset', '_sort', '_summary', '_include', '_revinclude', '_elements', '_format', '_total', '_id', '_lastUpdated', 'status', 'date', 'from', 'to', 'action', 'facility', 'category', 'format']);
const MAX_PARAMS = 30;
const MAX_VERBATIM_CHARS = 100;

/** `h:` + the first 16 hex digits of HMAC-SHA-256(key, value): equal values give equal hashes, nothing else is recoverable. */
export function auditHash(key: string, value: string): string {
  return `h:${createHmac('sha256', key).update(value.normalize('NFC')).digest('hex').slice(0, 16)}`;
}

/** A token `system|value` keeps its system (not personal) and hashes its value, so a CCCD hashes alike in both spellings. */
function hashValue(key: string, v: string): string {
  const bar = v.lastIndexOf('|');
  return bar < 0 ? auditHash(key, v) : `${v.slice(0, Math.min(bar, MAX_VERBATIM_CHARS))}|${v.slice(bar + 1) === '' ? '' : auditHash(key, v.slice(bar + 1))}`;
}

/**
 * What the audit row keeps of a query string: each parameter name with its value verbatim (see
 * VERBATIM) or as a keyed hash; repeated parameters become arrays. Undefined when there is none.
 */
export function summarizeQuery(query: Record<string, unknown>, hashKey: string): Record<string, string | string[]> | undefined {
  const names = Object.keys(query).slice(0, MAX_PARAMS);
  if (names.length === 0) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const name of names) {
    const raw = query[name];
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
    const kept = values.map((v) => (VERBATIM.has(name) ? v.slice(0, MAX_VERBATIM_CHARS) : hashValue(hashKey, v)));
    out[name.slice(0, 64)] = kept.length === 1 ? kept[0]! : kept;
  }
  return out;
}

/**
 * The purpose the caller states in `X-Purpose-Of-Use` (an HL7 v3 PurposeOfUse code such as TREAT,
 * PUBHLTH, HOPERAT, or the province's own), kept as a short token; anything else is recorded as `invalid`.
 */
export function purposeOf(req: Request): string | null {
  const v = req.get('x-purpose-of-use');
  if (v === undefined) return null;
  return /^[A-Za-z0-9._:-]{1,64}$/.test(v) ? v : 'invalid';
}
