import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type pg from 'pg';
import type { FhirValidator } from '../profiles/validate.js';
import { badRequest, GatewayError } from '../errors/outcome.js';
import { applyWrites, type StoreWrite } from './fhir.repo.js';
import { withTransaction } from '../db/pool.js';

/** FHIR id: [A-Za-z0-9\-\.]{1,64} (http://hl7.org/fhir/R4/datatypes.html#id). */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** Upper bound on entries in one transaction (the linkage worker sends ~5 per episode × batch size). */
export const MAX_TRANSACTION_ENTRIES = 10_000;

/**
 * Check a transaction Bundle (http://hl7.org/fhir/R4/http.html#transaction) and turn it into store
 * writes. Every resource is validated against the R4 schema (unless `validator` is null: the in-process
 * linker sends resources that were validated once at ingest and read back from jsonb); all problems are
 * reported at once.
 */
export function checkTransaction(body: unknown, validator: FhirValidator | null): StoreWrite[] {
  const bundle = body as Bundle | undefined;
  if (!bundle || bundle.resourceType !== 'Bundle') throw badRequest('body must be a FHIR Bundle', ['Bundle']);
  if (bundle.type !== 'transaction') throw badRequest(`Bundle.type must be "transaction" (got "${String(bundle.type)}")`, ['Bundle.type']);
  const entries: BundleEntry[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (entries.length > MAX_TRANSACTION_ENTRIES) throw new GatewayError(413, 'too-costly', `a transaction may hold at most ${MAX_TRANSACTION_ENTRIES} entries`);
  const problems: Array<{ message: string; expression: string }> = [];
  const writes: StoreWrite[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const at = `Bundle.entry[${i}]`;
    const method = entry?.request?.method;
    const url = typeof entry?.request?.url === 'string' ? entry.request.url.replace(/^\//, '') : '';
    const resource = entry?.resource as FhirResource | undefined;
    let type: string | undefined;
    let id: string | undefined;
    if (method === 'POST') {
      type = url;
      id = randomUUID();
      if (!TYPE.test(type)) return problems.push({ message: `POST url must be a resource type, got "${url}"`, expression: `${at}.request.url` });
    } else if (method === 'PUT' || method === 'DELETE') {
      const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(url);
      if (!m) return problems.push({ message: `${method} url must be Type/id, got "${url}"`, expression: `${at}.request.url` });
      [, type, id] = m as unknown as [string, string, string];
    } else {
      return problems.push({ message: `request.method must be PUT, POST or DELETE (got "${String(method)}")`, expression: `${at}.request.method` });
    }
    if (seen.has(`${type}/${id}`)) return problems.push({ message: `${type}/${id} appears twice in one transaction`, expression: `${at}.request.url` });
    seen.add(`${type}/${id}`);
    if (method === 'DELETE') return writes.push({ method, type, id });
    if (!resource || resource.resourceType !== type) {
      return problems.push({ message: `resource.resourceType must be ${type}`, expression: `${at}.resource.resourceType` });
    }
    if (method === 'PUT' && resource.id !== id) return problems.push({ message: `resource.id must equal the id in the url (${id})`, expression: `${at}.resource.id` });
    // JSON.stringify escapes exactly NUL and lone surrogates; PostgreSQL jsonb refuses both.
    if (validator && /\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(JSON.stringify(resource))) {
      return problems.push({ message: 'resource contains a NUL character or an unpaired surrogate', expression: `${at}.resource` });
    }
    for (const issue of validator?.validate(method === 'POST' ? { ...resource, id } : resource) ?? []) {
      problems.push({ message: `${issue.resourceType}${issue.path}: ${issue.message}`, expression: `${at}.resource${issue.path.replace(/\//g, '.')}` });
    }
    writes.push({ method: 'PUT', type, id, resource: method === 'POST' ? ({ ...resource, id } as FhirResource) : resource });
  });
  if (problems.length) {
    throw new GatewayError(400, 'invalid', problems.slice(0, 50).map((p) => p.message).join('; '), problems.slice(0, 50).map((p) => p.expression));
  }
  return writes;
}

/** Apply the writes atomically and answer with a transaction-response Bundle. */
export async function executeTransaction(pool: pg.Pool, writes: StoreWrite[], now: Date): Promise<Bundle> {
  const results = await withTransaction(pool, (client) => applyWrites(client, writes, now));
  return {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: results.map((r) => ({
      response: {
        status: r.status,
        ...(r.version !== null ? { location: `${r.type}/${r.id}/_history/${r.version}`, etag: `W/"${r.version}"` } : {}),
        ...(r.lastUpdated ? { lastModified: r.lastUpdated } : {}),
      },
    })),
  };
}
