import type { Bundle, BundleLink } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { badRequest } from '../errors/outcome.js';
import { intParam } from '../http-input/params.js';
import { dateRange } from './date-range.js';
import { readHistory, type StoredVersion } from './history.repo.js';

/**
 * A history Bundle (http://hl7.org/fhir/R4/http.html#history) of one resource (`id`) or of a type:
 * every version newest first, each with its request (PUT, or DELETE for a deletion) and response;
 * `_count` (default 50), `_offset`, `_since` (an instant or date).
 */
export async function historyBundle(db: Db, baseUrl: string, type: string, id: string | undefined, query: Record<string, unknown>, lenient: boolean): Promise<Bundle> {
  for (const name of Object.keys(query)) {
    if (!['_count', '_offset', '_since', '_format'].includes(name) && !lenient) throw badRequest(`_history supports _count, _offset and _since (got ${name})`, [name]);
  }
  const count = intParam(query, '_count', { min: 1, max: 1000, default: 50 });
  const offset = intParam(query, '_offset', { min: 0, max: 100_000, default: 0 });
  let since: Date | undefined;
  if (query._since !== undefined) {
    const range = typeof query._since === 'string' ? dateRange(query._since) : undefined;
    if (!range?.lo) throw badRequest('_since must be an instant, e.g. 2025-03-01T00:00:00+07:00', ['_since']);
    since = range.lo;
  }
  const { versions, total } = await readHistory(db, { type, ...(id ? { id } : {}), ...(since ? { since } : {}), count, offset });
  const path = id ? `${type}/${id}/_history` : `${type}/_history`;
  const url = (o: number) => `${baseUrl}/${path}?_count=${count}${since ? `&_since=${encodeURIComponent(since.toISOString())}` : ''}${o ? `&_offset=${o}` : ''}`;
  const link: BundleLink[] = [{ relation: 'self', url: url(offset) }];
  const more = total !== undefined ? offset + versions.length < total : versions.length === count;
  if (more) link.push({ relation: 'next', url: url(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
  return {
    resourceType: 'Bundle',
    type: 'history',
    ...(total !== undefined ? { total } : {}),
    link,
    entry: versions.map((v) => historyEntry(baseUrl, v)),
  };
}

function historyEntry(baseUrl: string, v: StoredVersion): NonNullable<Bundle['entry']>[number] {
  const ref = `${v.type}/${v.id}`;
  return {
    fullUrl: `${baseUrl}/${ref}`,
    ...(v.resource ? { resource: v.resource } : {}),
    request: { method: v.deleted ? 'DELETE' : 'PUT', url: ref },
    response: {
      status: v.deleted ? '204 No Content' : v.version === 1 ? '201 Created' : '200 OK',
      etag: `W/"${v.version}"`,
      lastModified: v.lastUpdated.toISOString(),
      location: `${ref}/_history/${v.version}`,
    },
  };
}
