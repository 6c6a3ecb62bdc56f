import type { Bundle } from 'fhir/r4.js';
import { badRequest } from '../errors/outcome.js';
import { searchResources } from './fhir.repo.js';
import type { Db } from '../db/pool.js';
import { FHIR_ID } from './transaction.service.js';
import { intParam } from '../http-input/params.js';

/** Search parameters each type supports (also advertised in the CapabilityStatement). */
export const SEARCH_PARAMS: Readonly<Record<string, readonly string[]>> = {
  Patient: ['identifier', '_id'],
  Encounter: ['identifier', 'patient', 'subject', '_id'],
  Condition: ['encounter', 'patient', 'subject', '_id'],
  Organization: ['identifier', '_id'],
  Immunization: ['identifier', 'patient', '_id'],
  /** The mother of an infant registered under her ID (relationship MTH). */
  RelatedPerson: ['identifier', 'patient', '_id'],
  /** Identity operations (re-key, merge, move) on Patients. */
  Provenance: ['target', '_id'],
};
const CONTROL = new Set(['_count', '_offset', '_format']);
const MAX_COUNT = 1000;
const MAX_OFFSET = 1_000_000;

function reference(param: string, value: string, targetType: string): string {
  const ref = value.includes('/') ? value : `${targetType}/${value}`;
  if (!/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(ref)) throw badRequest(`${param} must be a reference like ${targetType}/<id>`, [param]);
  return ref;
}

/**
 * Validate query parameters and translate them to store tokens. Unknown parameters are refused
 * (strict handling) rather than ignored, so a typo never returns every patient.
 */
export function parseSearch(type: string, query: Record<string, unknown>): { tokens: string[]; ids?: string[]; count: number; offset: number } {
  const allowed = Object.hasOwn(SEARCH_PARAMS, type) ? SEARCH_PARAMS[type] : undefined;
  if (!allowed) throw badRequest(`search on ${type} is not supported`);
  const tokens: string[] = [];
  let ids: string[] | undefined;
  for (const [name, raw] of Object.entries(query)) {
    if (CONTROL.has(name)) continue;
    if (!allowed.includes(name)) throw badRequest(`unknown search parameter "${name}" for ${type}; supported: ${allowed.join(', ')}`, [name]);
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 512 || /[\u0000\ud800-\udfff]/.test(raw)) throw badRequest(`search parameter ${name} must be given once, 1–512 characters`, [name]);
    if (name === 'identifier') {
      const bar = raw.indexOf('|');
      tokens.push(bar < 0 ? `identifier:value=${raw}` : `identifier=${raw}`);
    } else if (name === '_id') {
      ids = raw.split(',');
      if (!ids.every((id) => FHIR_ID.test(id))) throw badRequest('_id must be FHIR ids', ['_id']);
    } else if (name === 'patient') {
      tokens.push(`patient=${reference(name, raw, 'Patient')}`);
    } else if (name === 'subject') {
      tokens.push(`subject=${reference(name, raw, 'Patient')}`);
    } else if (name === 'encounter') {
      tokens.push(`encounter=${reference(name, raw, 'Encounter')}`);
    } else if (name === 'target') {
      tokens.push(`target=${reference(name, raw, 'Patient')}`);
    }
  }
  const count = intParam(query, '_count', { min: 0, max: MAX_COUNT, default: 50 });
  const offset = intParam(query, '_offset', { min: 0, max: MAX_OFFSET, default: 0 });
  return { tokens, ...(ids ? { ids } : {}), count, offset };
}

/**
 * Whether a search names whom it is about: a patient (Patient by `_id` or an `identifier` value;
 * the others by `patient`, `subject`, `encounter`, `identifier` or `_id`). Organization searches
 * hold no personal data and always count as targeted. An untargeted search pages through the
 * province: a bulk read (gateway/http/read-guard.ts).
 */
export function isTargetedSearch(type: string, query: Record<string, unknown>): boolean {
  if (type === 'Organization') return true;
  const allowed = SEARCH_PARAMS[type] ?? [];
  return Object.entries(query).some(([name, raw]) => {
    if (CONTROL.has(name) || !allowed.includes(name) || typeof raw !== 'string' || raw === '') return false;
    return name !== 'identifier' || !raw.endsWith('|'); // `system|` alone names every patient of a system
  });
}

/** Run a search and build the searchset Bundle with self/next links. */
export async function searchBundle(db: Db, baseUrl: string, type: string, query: Record<string, unknown>): Promise<Bundle> {
  const { tokens, ids, count, offset } = parseSearch(type, query);
  const { total, resources } = await searchResources(db, type, tokens, ids, count, offset);
  const params = new URLSearchParams(Object.entries(query).filter(([k]) => k !== '_offset').map(([k, v]) => [k, String(v)] as [string, string]));
  const link = [{ relation: 'self', url: `${baseUrl}/${type}?${params}${offset ? `&_offset=${offset}` : ''}` }];
  // No next link past the largest _offset accepted, nor for _count=0 (it would point at this page again).
  if (count > 0 && offset + resources.length < total && offset + count <= MAX_OFFSET) link.push({ relation: 'next', url: `${baseUrl}/${type}?${params}&_offset=${offset + count}` });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link,
    entry: resources.map((resource) => ({ fullUrl: `${baseUrl}/${type}/${resource.id}`, resource, search: { mode: 'match' } })),
  };
}
