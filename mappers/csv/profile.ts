import type { FormatOptions } from '../contract.js';
import { MappingError } from '../errors.js';
import { quoteValue } from '../shared/quote.js';
import { CSV_KINDS, DEFAULT_COLUMNS, normalizeHeader, type CsvKind } from './columns.js';

/**
 * A column profile: how one site's CSV differs from the default columns (docs/formats/csv.md,
 * "Column profiles"). Stored by an administrator (`PUT /api/csv-profiles/{name}`), named by the
 * sender (`?profile=`), handed to the reader and the mapper inside the options as JSON.
 */
export interface CsvProfile {
  kind: CsvKind;
  /** Header as matched (NFC, trimmed, case-folded) → field; checked before the default columns. */
  columns: Record<string, string>;
  /** Extra date patterns (`dd/MM/yyyy`, `d/M/yyyy`, `yyyyMMdd`, `dd/MM/yyyy HH:mm`), tried after ISO. */
  datePatterns: string[];
  /** Physical lines before the header (after an Excel `sep=` line): titles, report dates. */
  skipLines: number;
  /** Field → (cell as matched → value the mapper reads), e.g. `patient.gender: {"trai": "male"}`. */
  values: Record<string, Record<string, string>>;
}

const KEYS = new Set(['kind', 'columns', 'datePatterns', 'skipLines', 'values']);
const TOKENS = /yyyy|MM|M|dd|d|HH|mm|ss/g;

function fail(message: string, where: string): never {
  throw new MappingError(message, where, 'invalid');
}

function stringMap(x: unknown, where: string): Record<string, string> {
  if (x === undefined) return {};
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(`${where} must be an object of strings`, where);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string') fail(`${where}.${k} must be a string`, `${where}.${k}`);
    out[normalizeHeader(k)] = v;
  }
  return out;
}

/** A date pattern as a regex with named groups; it must name a year, a month and a day. */
export function compileDatePattern(pattern: string): RegExp {
  const tokens: string[] = pattern.match(TOKENS) ?? [];
  if (!tokens.includes('yyyy') || !tokens.some((t) => t === 'M' || t === 'MM') || !tokens.some((t) => t === 'd' || t === 'dd')) {
    fail(`date pattern ${quoteValue(pattern)} must have yyyy, M or MM, and d or dd`, 'datePatterns');
  }
  if (new Set(tokens).size !== tokens.length) fail(`date pattern ${quoteValue(pattern)} repeats a part`, 'datePatterns');
  const groups: Record<string, string> = { yyyy: '(?<y>\\d{4})', MM: '(?<mo>\\d{2})', M: '(?<mo>\\d{1,2})', dd: '(?<d>\\d{2})', d: '(?<d>\\d{1,2})', HH: '(?<h>\\d{2})', mm: '(?<mi>\\d{2})', ss: '(?<s>\\d{2})' };
  let source = '';
  let at = 0;
  for (const m of pattern.matchAll(TOKENS)) {
    source += pattern.slice(at, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + groups[m[0]]!;
    at = m.index + m[0].length;
  }
  source += pattern.slice(at).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${source}$`);
}

/** Check a profile body as an administrator sent it (MappingError naming the member, answered 400). */
export function checkCsvProfile(body: unknown): CsvProfile {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('a CSV profile is a JSON object', 'profile');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!KEYS.has(k)) fail(`unknown member ${quoteValue(k)} (kind, columns, datePatterns, skipLines, values)`, k);
  if (typeof b.kind !== 'string' || !(CSV_KINDS as readonly string[]).includes(b.kind)) fail(`kind must be ${CSV_KINDS.join(' or ')}`, 'kind');
  const kind = b.kind as CsvKind;
  const fields = new Set(Object.values(DEFAULT_COLUMNS[kind]));
  const columns = stringMap(b.columns, 'columns');
  for (const [h, f] of Object.entries(columns)) if (!fields.has(f)) fail(`columns.${h}: ${quoteValue(f)} is not a field of a ${kind} file`, `columns.${h}`);
  if (b.datePatterns !== undefined && (!Array.isArray(b.datePatterns) || b.datePatterns.some((p) => typeof p !== 'string') || b.datePatterns.length > 10)) {
    fail('datePatterns must be a list of at most 10 strings', 'datePatterns');
  }
  const datePatterns = (b.datePatterns as string[] | undefined) ?? [];
  datePatterns.forEach(compileDatePattern);
  const skipLines = b.skipLines ?? 0;
  if (typeof skipLines !== 'number' || !Number.isInteger(skipLines) || skipLines < 0 || skipLines > 100) fail('skipLines must be a whole number from 0 to 100', 'skipLines');
  const values: CsvProfile['values'] = {};
  if (b.values !== undefined && (typeof b.values !== 'object' || b.values === null || Array.isArray(b.values))) fail('values must be an object of field → object of strings', 'values');
  for (const [f, map] of Object.entries((b.values as Record<string, unknown> | undefined) ?? {})) {
    if (!fields.has(f)) fail(`values.${f}: not a field of a ${kind} file`, `values.${f}`);
    values[f] = stringMap(map, `values.${f}`);
  }
  return { kind, columns, datePatterns, skipLines, values };
}

let cached: { json: string; profile: CsvProfile } | undefined;

/** The profile carried in the options (`options.profile`, JSON of a checked profile), or undefined. */
export function profileOf(options: FormatOptions | undefined): CsvProfile | undefined {
  const json = options?.profile;
  if (!json) return undefined;
  if (cached?.json !== json) cached = { json, profile: checkCsvProfile(JSON.parse(json)) };
  return cached.profile;
}
