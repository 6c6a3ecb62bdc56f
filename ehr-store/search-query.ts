import { badRequest } from '../errors/outcome.js';
import { intParam } from '../http-input/params.js';
import { parseDateSearch, type DatePrefix } from './date-range.js';
import { foldName } from './index-fields.js';
import { DATE_PARAM, isServedType, referenceParams, RESULT_PARAMS, SEARCH_PARAMS } from './search-params.js';
import { FHIR_ID } from './fhir-id.js';

/** One condition of a search; all of a plan's filters must hold (AND), values within one are OR. */
export type SearchFilter =
  | { kind: 'tokens'; anyOf: string[] }
  | { kind: 'ids'; ids: string[] }
  | { kind: 'date'; column: 'date' | 'updated'; prefix: DatePrefix; lo: Date; hi: Date }
  | { kind: 'name'; patterns: string[] };

/** A checked search: filters, paging, sort, includes, and the parameters echoed in the self link. */
export interface SearchPlan {
  type: string;
  filters: SearchFilter[];
  count: number;
  offset: number;
  sort: Array<{ key: 'date' | 'updated' | 'id'; desc: boolean }>;
  include: Array<{ param: string; target?: string }>;
  revinclude: Array<{ type: string; param: string }>;
  summaryCount: boolean;
  /** Names whom it is about (a patient, an encounter, an id): otherwise a bulk read. */
  targeted: boolean;
  /** The parameters honoured, for the self link (lenient handling drops the others). */
  used: Array<[string, string]>;
}

const MAX_COUNT = 1000;
const MAX_OFFSET = 1_000_000;
const MAX_REPEATS = 10;
/** Parameters that name whom a search is about. */
const TARGETING = new Set(['_id', 'patient', 'subject', 'encounter', 'target']);

/** Values of one parameter (repeated → several, AND); each checked for length and characters. */
function valuesOf(name: string, raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_REPEATS) throw badRequest(`search parameter ${name} is repeated more than ${MAX_REPEATS} times`, [name]);
  return list.map((v) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > 512 || /[\u0000\ud800-\udfff]/.test(v)) throw badRequest(`search parameter ${name} must be 1–512 characters`, [name]);
    return v;
  });
}

/** Split on commas not escaped with a backslash (http://hl7.org/fhir/R4/search.html#escaping). */
function orValues(value: string): string[] {
  return value.split(/(?<!\\),/).map((v) => v.replace(/\\([,$|\\])/g, '$1'));
}

function tokenOf(name: string, value: string): string {
  const bar = value.search(/(?<!\\)\|/);
  if (bar < 0) return `${name}:code=${value}`;
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (code === '') {
    if (system === '') throw badRequest(`${name}: "|" alone names nothing`, [name]);
    return `${name}:system=${system}`;
  }
  return `${name}=${system}|${code}`;
}

function referenceOf(name: string, value: string, target: string): string {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/\d+)?$/.exec(value);
  const ref = m ? `${m[1]}/${m[2]}` : `${target}/${value}`;
  if (!/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(ref)) throw badRequest(`${name} must be a reference like ${target}/<id>`, [name]);
  return `${name}=${ref}`;
}

/** LIKE pattern of a folded name value: starts with (default) or contains; %, _ and \ escaped. */
function namePattern(value: string, contains: boolean): string {
  const folded = foldName(value).replace(/[\\%_]/g, (c) => `\\${c}`);
  return contains ? `%${folded}%` : `${folded}%`;
}

type Handled = { filter?: SearchFilter; targeted?: boolean } | 'unsupported';

function filterOf(type: string, name: string, modifier: string | undefined, value: string): Handled {
  const def = SEARCH_PARAMS[type]![name]!;
  if (def.type === 'date') {
    if (modifier) return 'unsupported';
    const d = parseDateSearch(value);
    if (!d) throw badRequest(`${name} must be a date with an optional prefix (eq, ne, gt, lt, ge, le, sa, eb), e.g. ge2025-03-01`, [name]);
    return { filter: { kind: 'date', column: name === '_lastUpdated' ? 'updated' : 'date', prefix: d.prefix, lo: d.range.lo, hi: d.range.hi } };
  }
  if (name === '_id') {
    if (modifier) return 'unsupported';
    const ids = orValues(value);
    if (!ids.every((id) => FHIR_ID.test(id))) throw badRequest('_id must be FHIR ids', ['_id']);
    return { filter: { kind: 'ids', ids }, targeted: true };
  }
  if (def.type === 'string') {
    if (modifier && modifier !== 'contains') return 'unsupported';
    if (orValues(value).some((v) => foldName(v) === '')) throw badRequest(`${name} must contain a letter or digit`, [name]);
    const patterns = orValues(value).map((v) => namePattern(v, modifier === 'contains'));
    return { filter: { kind: 'name', patterns } };
  }
  if (def.type === 'reference') {
    if (modifier && !isServedType(modifier)) return 'unsupported';
    return { filter: { kind: 'tokens', anyOf: orValues(value).map((v) => referenceOf(name, v, modifier ?? def.target!)) }, targeted: TARGETING.has(name) };
  }
  if (modifier) return 'unsupported';
  const anyOf = orValues(value).map((v) => tokenOf(name, v));
  return { filter: { kind: 'tokens', anyOf }, targeted: name === 'identifier' && anyOf.some((t) => !t.startsWith('identifier:system=')) };
}

function includeOf(type: string, value: string, rev: boolean): { type: string; param: string; target?: string } {
  const [source, param, target, more] = value.split(':');
  const what = rev ? '_revinclude' : '_include';
  if (more !== undefined || !source || !param || !isServedType(source) || !referenceParams(source).includes(param) || (!rev && source !== type)) {
    throw badRequest(`${what}=${value} is not supported: use ${rev ? 'Type' : type}:<reference parameter>${rev ? '' : '[:Target]'} (${rev ? 'e.g. Encounter:patient' : referenceParams(type).map((p) => `${type}:${p}`).join(', ') || 'none'})`, [what]);
  }
  if (target !== undefined && !isServedType(target)) throw badRequest(`${what}: ${target} is not served here`, [what]);
  const pointsAt = target ?? SEARCH_PARAMS[source]![param]!.target;
  if (rev && pointsAt !== type && !['subject', 'target'].includes(param)) {
    throw badRequest(`${what}=${value} does not point at ${type}`, [what]);
  }
  return { type: source, param, ...(target ? { target } : {}) };
}

function sortOf(type: string, value: string): SearchPlan['sort'] {
  return value.split(',').map((raw) => {
    const desc = raw.startsWith('-');
    const name = desc ? raw.slice(1) : raw;
    if (name === '_id') return { key: 'id' as const, desc };
    if (name === '_lastUpdated') return { key: 'updated' as const, desc };
    if (name === DATE_PARAM[type]) return { key: 'date' as const, desc };
    throw badRequest(`_sort on ${name} is not supported for ${type}; use ${[DATE_PARAM[type], '_lastUpdated', '_id'].filter(Boolean).join(', ')} (prefix - for descending)`, ['_sort']);
  });
}

/**
 * Check a search's parameters (http://hl7.org/fhir/R4/search.html) and turn them into a plan.
 * Unknown parameters and unsupported modifiers are a 400 naming them, unless `lenient`
 * (`Prefer: handling=lenient`), which ignores them; a malformed value is always a 400.
 */
export function parseSearch(type: string, query: Record<string, unknown>, lenient = false): SearchPlan {
  if (!isServedType(type)) throw badRequest(`search on ${type} is not supported`);
  const plan: SearchPlan = { type, filters: [], count: 50, offset: 0, sort: [], include: [], revinclude: [], summaryCount: false, targeted: type === 'Organization', used: [] };
  for (const [key, raw] of Object.entries(query)) {
    const [name, modifier, extra] = key.split(':') as [string, string | undefined, string | undefined];
    if (RESULT_PARAMS.has(key)) {
      const values = key === '_count' || key === '_offset' ? [] : valuesOf(key, raw);
      if (key === '_include' || key === '_revinclude') {
        for (const v of values) (key === '_include' ? plan.include : plan.revinclude).push(includeOf(type, v, key === '_revinclude') as never);
      } else if (key === '_sort') plan.sort = sortOf(type, values[values.length - 1]!);
      else if (key === '_summary') {
        if (values.length !== 1 || !['count', 'false'].includes(values[0]!)) throw badRequest('_summary supports count (and false) only', ['_summary']);
        plan.summaryCount = values[0] === 'count';
      }
      if (key !== '_offset') for (const v of key === '_count' ? [String(raw)] : values) plan.used.push([key, v]);
      continue;
    }
    const known = Object.hasOwn(SEARCH_PARAMS[type]!, name) && extra === undefined;
    if (!known) {
      if (lenient) continue;
      throw badRequest(`unknown search parameter "${key}" for ${type}; supported: ${Object.keys(SEARCH_PARAMS[type]!).join(', ')}`, [key]);
    }
    for (const value of valuesOf(key, raw)) {
      const handled = filterOf(type, name, modifier, value);
      if (handled === 'unsupported') {
        if (lenient) continue;
        throw badRequest(`modifier :${modifier} is not supported on ${name}`, [key]);
      }
      if (handled.filter) plan.filters.push(handled.filter);
      if (handled.targeted) plan.targeted = true;
      plan.used.push([key, value]);
    }
  }
  plan.count = intParam(query, '_count', { min: 0, max: MAX_COUNT, default: 50 });
  plan.offset = intParam(query, '_offset', { min: 0, max: MAX_OFFSET, default: 0 });
  return plan;
}

/** The largest `_offset` accepted: no next link past it. */
export const SEARCH_MAX_OFFSET = MAX_OFFSET;
