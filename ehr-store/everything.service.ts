import type { Bundle, BundleLink } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { badRequest, GatewayError, notFound } from '../errors/outcome.js';
import { intParam } from '../http-input/params.js';
import { readCurrent } from './history.repo.js';
import { resourcesByRef } from './search.repo.js';

/** The types of a patient's record returned by $everything, in this order after the Patient. */
const COMPARTMENT = ['Encounter', 'Condition', 'Immunization', 'RelatedPerson'];
/** Reference parameters whose targets (Organizations) come along. */
const ORGANIZATION_TOKENS = ['service-provider=Organization/', 'performer=Organization/', 'organization=Organization/'];
/** Most compartment members listed for one patient (paged through `_count` / `_offset`). */
export const MAX_EVERYTHING = 10_000;

/** References of the patient's compartment and of the Organizations they point at, in a stable order. */
async function compartmentRefs(db: Db, patientRef: string): Promise<string[]> {
  const { rows } = await db.query<{ ref: string; tokens: string[] }>(
    `SELECT resource_type || '/' || id AS ref, tokens FROM fhir_resources
      WHERE resource_type = ANY($1::text[]) AND NOT deleted AND tokens && ARRAY[$2]::text[]
      ORDER BY array_position($1::text[], resource_type), id LIMIT ${MAX_EVERYTHING}`,
    [COMPARTMENT, `patient=${patientRef}`],
  );
  const orgs = new Set<string>();
  for (const r of rows) {
    for (const t of r.tokens) {
      const prefix = ORGANIZATION_TOKENS.find((p) => t.startsWith(p));
      if (prefix) orgs.add(t.slice(t.indexOf('=') + 1));
    }
  }
  return [...rows.map((r) => r.ref), ...[...orgs].sort()];
}

/**
 * Patient `$everything` (http://hl7.org/fhir/R4/patient-operation-everything.html): the Patient,
 * its Encounters, Conditions, Immunizations and RelatedPersons, and the Organizations they name,
 * as a searchset paged with `_count` (default 100) and `_offset`.
 */
export async function patientEverything(db: Db, baseUrl: string, id: string, query: Record<string, unknown>, lenient: boolean): Promise<Bundle> {
  for (const name of Object.keys(query)) {
    if (!['_count', '_offset', '_format'].includes(name) && !lenient) throw badRequest(`$everything supports _count and _offset only (got ${name})`, [name]);
  }
  const count = intParam(query, '_count', { min: 1, max: 1000, default: 100 });
  const offset = intParam(query, '_offset', { min: 0, max: MAX_EVERYTHING, default: 0 });
  const patient = await readCurrent(db, 'Patient', id);
  if (!patient) throw notFound(`Patient/${id} not found`);
  if (patient.deleted) throw new GatewayError(410, 'deleted', `Patient/${id} was deleted`);
  const refs = [`Patient/${id}`, ...(await compartmentRefs(db, `Patient/${id}`))];
  const page = refs.slice(offset, offset + count);
  const byRef = new Map((await resourcesByRef(db, page, count)).map((r) => [`${r.resourceType}/${r.id}`, r]));
  const url = (o: number) => `${baseUrl}/Patient/${id}/$everything?_count=${count}${o ? `&_offset=${o}` : ''}`;
  const link: BundleLink[] = [{ relation: 'self', url: url(offset) }];
  if (offset + count < refs.length) link.push({ relation: 'next', url: url(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: refs.length,
    link,
    entry: page.flatMap((ref) => {
      const resource = byRef.get(ref);
      return resource ? [{ fullUrl: `${baseUrl}/${ref}`, resource, search: { mode: ref.startsWith('Organization/') ? 'include' as const : 'match' as const } }] : [];
    }),
  };
}
