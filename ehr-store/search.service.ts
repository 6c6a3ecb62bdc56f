import type { Bundle, BundleEntry, BundleLink, FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { resourcesByRef, resourcesWithTokens, searchPage, type FoundResource } from './search.repo.js';
import { SEARCH_MAX_OFFSET, type SearchPlan } from './search-query.js';

export { parseSearch, type SearchPlan } from './search-query.js';
export { SEARCH_PARAMS } from './search-params.js';

/** Most resources one page adds through _include and _revinclude together. */
export const MAX_INCLUDED = 1000;

const refOf = (r: FhirResource) => `${r.resourceType}/${r.id}`;

/** Resources the page's matches point at (_include), not already among them. */
async function included(db: Db, plan: SearchPlan, matches: FoundResource[], seen: Set<string>): Promise<FhirResource[]> {
  const refs = new Set<string>();
  for (const inc of plan.include) {
    for (const m of matches) {
      for (const t of m.tokens) {
        if (!t.startsWith(`${inc.param}=`)) continue;
        const ref = t.slice(inc.param.length + 1);
        if ((!inc.target || ref.startsWith(`${inc.target}/`)) && !seen.has(ref)) refs.add(ref);
      }
    }
  }
  return resourcesByRef(db, [...refs], MAX_INCLUDED);
}

/** Resources that point at the page's matches (_revinclude). */
async function revIncluded(db: Db, plan: SearchPlan, matches: FoundResource[]): Promise<FhirResource[]> {
  const out: FhirResource[] = [];
  for (const rev of plan.revinclude) {
    const tokens = matches.map((m) => `${rev.param}=${refOf(m.resource)}`);
    out.push(...(await resourcesWithTokens(db, rev.type, tokens, MAX_INCLUDED - out.length)).map((f) => f.resource));
    if (out.length >= MAX_INCLUDED) break;
  }
  return out;
}

function links(baseUrl: string, plan: SearchPlan, shown: number, total: number): BundleLink[] {
  const url = (offset: number) => {
    const params = new URLSearchParams(plan.used);
    if (offset) params.set('_offset', String(offset));
    return `${baseUrl}/${plan.type}?${params}`;
  };
  const link: BundleLink[] = [{ relation: 'self', url: url(plan.offset) }];
  if (plan.summaryCount || plan.count === 0) return link; // a count, not a page: no next (it would be this page again)
  if (plan.offset + shown < total && plan.offset + plan.count <= SEARCH_MAX_OFFSET) link.push({ relation: 'next', url: url(plan.offset + plan.count) });
  if (plan.offset > 0) link.push({ relation: 'previous', url: url(Math.max(0, plan.offset - plan.count)) });
  return link;
}

/**
 * Run a checked search and build the searchset Bundle (http://hl7.org/fhir/R4/bundle.html#searchset):
 * matches with `search.mode = match`, then what `_include` / `_revinclude` asked for (`include`),
 * absolute fullUrls, self / next / previous links, `total` always.
 */
export async function searchBundle(db: Db, baseUrl: string, plan: SearchPlan): Promise<Bundle> {
  const { total, found } = await searchPage(db, plan);
  const seen = new Set(found.map((f) => refOf(f.resource)));
  const extra: FhirResource[] = [];
  if (found.length && (plan.include.length || plan.revinclude.length)) {
    for (const r of [...(await included(db, plan, found, seen)), ...(await revIncluded(db, plan, found))]) {
      if (seen.has(refOf(r))) continue;
      seen.add(refOf(r));
      extra.push(r);
    }
  }
  const entry = (resource: FhirResource, mode: 'match' | 'include'): BundleEntry => ({ fullUrl: `${baseUrl}/${refOf(resource)}`, resource, search: { mode } });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: links(baseUrl, plan, found.length, total),
    ...(plan.summaryCount ? {} : { entry: [...found.map((f) => entry(f.resource, 'match')), ...extra.map((r) => entry(r, 'include'))] }),
  };
}
