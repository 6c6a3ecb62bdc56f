import type { FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import type { SearchFilter, SearchPlan } from './search-query.js';

/** A stored resource as a search returns it: content with its tokens (for _include). */
export interface FoundResource {
  resource: FhirResource;
  tokens: string[];
}

/** jsonb orders keys by length; put resourceType first again, as FHIR JSON is usually written. */
export function withTypeFirst(content: FhirResource): FhirResource {
  return Object.assign({ resourceType: content.resourceType }, content);
}

const RANGE = {
  date: { lo: `coalesce(date_lo, '-infinity')`, hi: `coalesce(date_hi, 'infinity')`, present: '(date_lo IS NOT NULL OR date_hi IS NOT NULL)' },
  updated: { lo: 'last_updated', hi: `(last_updated + interval '1 millisecond')`, present: 'true' },
};

/**
 * A date filter as SQL (http://hl7.org/fhir/R4/search.html#prefix): the target's range [lo, hi)
 * against the search value's [slo, shi). eq: the value contains the target; gt/lt: the target
 * reaches beyond/before the value; ge/le: it reaches into or beyond; sa/eb: wholly after/before.
 */
function dateCondition(f: Extract<SearchFilter, { kind: 'date' }>, param: (v: unknown) => string): string {
  const { lo, hi, present } = RANGE[f.column];
  const slo = () => `${param(f.lo.toISOString())}::timestamptz`;
  const shi = () => `${param(f.hi.toISOString())}::timestamptz`;
  const eq = () => `(${lo} >= ${slo()} AND ${hi} <= ${shi()})`;
  const cond = {
    eq, ne: () => `NOT ${eq()}`, gt: () => `${hi} > ${shi()}`, lt: () => `${lo} < ${slo()}`, ge: () => `${hi} > ${slo()}`,
    le: () => `${lo} < ${shi()}`, sa: () => `${lo} >= ${shi()}`, eb: () => `${hi} <= ${slo()}`,
  }[f.prefix]();
  return `(${present} AND ${cond})`;
}

/** The WHERE clause of a plan, with its parameters from $2 on ($1 is the type). */
export function whereOf(plan: SearchPlan): { where: string; params: unknown[] } {
  const params: unknown[] = [plan.type];
  const p = (v: unknown) => `$${params.push(v)}`;
  const parts = ['resource_type = $1', 'NOT deleted'];
  for (const f of plan.filters) {
    if (f.kind === 'tokens') parts.push(`tokens && ${p(f.anyOf)}::text[]`);
    else if (f.kind === 'ids') parts.push(`id = ANY(${p(f.ids)}::text[])`);
    else if (f.kind === 'name') parts.push(`EXISTS (SELECT 1 FROM unnest(name_keys) AS k WHERE k LIKE ANY(${p(f.patterns)}::text[]))`);
    else parts.push(dateCondition(f, p));
  }
  return { where: parts.join(' AND '), params };
}

function orderOf(plan: SearchPlan): string {
  const keys = plan.sort.map((s) => {
    const dir = s.desc ? 'DESC' : 'ASC';
    if (s.key === 'id') return `id ${dir}`;
    if (s.key === 'updated') return `last_updated ${dir}`;
    return s.desc ? 'date_hi DESC NULLS LAST, date_lo DESC NULLS LAST' : 'date_lo ASC NULLS LAST';
  });
  if (!plan.sort.some((s) => s.key === 'id')) keys.push('id ASC');
  return keys.join(', ');
}

/** One page of a plan's matches and how many there are in all. */
export async function searchPage(db: Db, plan: SearchPlan): Promise<{ total: number; found: FoundResource[] }> {
  const { where, params } = whereOf(plan);
  const totalQuery = db.query<{ n: number }>(`SELECT count(*)::int AS n FROM fhir_resources WHERE ${where}`, params);
  if (plan.summaryCount || plan.count === 0) return { total: (await totalQuery).rows[0]!.n, found: [] };
  const page = db.query(
    `SELECT content, tokens FROM fhir_resources WHERE ${where} ORDER BY ${orderOf(plan)} LIMIT ${plan.count} OFFSET ${plan.offset}`,
    params,
  );
  const [{ rows }, total] = await Promise.all([page, totalQuery]);
  return { total: total.rows[0]!.n, found: rows.map((r) => ({ resource: withTypeFirst(r.content), tokens: r.tokens })) };
}

/** Resources by reference (`Type/id`), current and not deleted, at most `limit`. */
export async function resourcesByRef(db: Db, refs: string[], limit: number): Promise<FhirResource[]> {
  if (!refs.length) return [];
  const { rows } = await db.query(
    `SELECT f.content FROM fhir_resources f JOIN unnest($1::text[], $2::text[]) AS r(rt, id) ON f.resource_type = r.rt AND f.id = r.id
      WHERE NOT f.deleted ORDER BY f.resource_type, f.id LIMIT $3`,
    [refs.map((r) => r.split('/')[0]), refs.map((r) => r.split('/')[1]), limit],
  );
  return rows.map((r) => withTypeFirst(r.content));
}

/** Resources of `type` holding any of these tokens (reverse includes, compartments), at most `limit`. */
export async function resourcesWithTokens(db: Db, type: string, tokens: string[], limit: number): Promise<FoundResource[]> {
  if (!tokens.length) return [];
  const { rows } = await db.query(
    `SELECT content, tokens FROM fhir_resources WHERE resource_type = $1 AND NOT deleted AND tokens && $2::text[] ORDER BY id LIMIT $3`,
    [type, tokens, limit],
  );
  return rows.map((r) => ({ resource: withTypeFirst(r.content), tokens: r.tokens }));
}
