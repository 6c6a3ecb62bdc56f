import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type pg from 'pg';
import type { FhirValidator } from '../profiles/validate.js';
import { badRequest, GatewayError } from '../errors/outcome.js';
import type { StoreWrite } from './fhir.repo.js';
import { withTransaction } from '../db/pool.js';
import { applyEntries, type TransactionWrite } from './transaction-conditions.js';

import { FHIR_ID } from './fhir-id.js';

export { FHIR_ID } from './fhir-id.js';
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** Upper bound on entries in one transaction (the linkage worker sends ~5 per episode × batch size). */
export const MAX_TRANSACTION_ENTRIES = 10_000;

/**
 * Check a transaction Bundle (http://hl7.org/fhir/R4/http.html#transaction) and turn it into store
 * writes. Every resource is validated against the R4 schema (unless `validator` is null: the in-process
 * linker sends resources that were validated once at ingest and read back from jsonb); all problems are
 * reported at once.
 */
export function checkTransaction(body: unknown, validator: FhirValidator | null): TransactionWrite[] {
  const bundle = body as Bundle | undefined;
  if (!bundle || bundle.resourceType !== 'Bundle') throw badRequest('body must be a FHIR Bundle', ['Bundle']);
  if (bundle.type !== 'transaction') throw badRequest(`Bundle.type must be "transaction" (got "${String(bundle.type)}")`, ['Bundle.type']);
  const entries: BundleEntry[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (entries.length > MAX_TRANSACTION_ENTRIES) throw new GatewayError(413, 'too-costly', `a transaction may hold at most ${MAX_TRANSACTION_ENTRIES} entries`);
  const problems: Array<{ message: string; expression: string }> = [];
  const writes: TransactionWrite[] = [];
  const seen = new Set<string>();
  const fullUrls = new Set<string>();
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
    const conditions = entryConditions(entry, method, at, problems);
    if (!conditions) return;
    if (conditions.fullUrl) {
      if (fullUrls.has(conditions.fullUrl)) return problems.push({ message: `fullUrl ${conditions.fullUrl} appears twice`, expression: `${at}.fullUrl` });
      fullUrls.add(conditions.fullUrl);
    }
    if (method === 'DELETE') return writes.push({ write: { method, type, id }, ...conditions });
    if (!resource || resource.resourceType !== type) {
      return problems.push({ message: `resource.resourceType must be ${type}`, expression: `${at}.resource.resourceType` });
    }
    if (method === 'PUT' && resource.id !== id) return problems.push({ message: `resource.id must equal the id in the url (${id})`, expression: `${at}.resource.id` });
    // JSON.stringify escapes exactly NUL and lone surrogates; PostgreSQL jsonb refuses both.
    if (validator && hasUnstorableText(resource)) {
      return problems.push({ message: 'resource contains a NUL character or an unpaired surrogate', expression: `${at}.resource` });
    }
    for (const issue of validator?.validate(method === 'POST' ? { ...resource, id } : resource) ?? []) {
      problems.push({ message: `${issue.resourceType}${issue.path}: ${issue.message}`, expression: `${at}.resource${fhirPathOf(issue.path)}` });
    }
    const write: StoreWrite = { method: 'PUT', type, id, resource: method === 'POST' ? ({ ...resource, id } as FhirResource) : resource };
    writes.push({ write, created: method === 'POST', ...conditions });
  });
  if (problems.length) {
    throw new GatewayError(400, 'invalid', problems.slice(0, 50).map((p) => p.message).join('; '), problems.slice(0, 50).map((p) => p.expression));
  }
  return writes;
}

/** A NUL or an unpaired surrogate in any key or string: PostgreSQL jsonb refuses both (a backslash followed by "u0000" is fine). */
function hasUnstorableText(value: unknown): boolean {
  const bad = (t: string) => /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t);
  if (typeof value === 'string') return bad(value);
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => bad(k) || hasUnstorableText(v));
  return false;
}

/** A JSON pointer of the validator (`/name/0/family`) as a FHIRPath suffix (`.name[0].family`; the root: nothing). */
function fhirPathOf(pointer: string): string {
  return pointer.split('/').filter(Boolean).map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`)).join('');
}

/**
 * `fullUrl`, `request.ifMatch` and `request.ifNoneExist` of one entry, checked
 * (http://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.request); undefined after a problem.
 */
function entryConditions(
  entry: BundleEntry, method: string, at: string, problems: Array<{ message: string; expression: string }>,
): { fullUrl?: string; ifMatch?: number; ifNoneExist?: string } | undefined {
  const out: { fullUrl?: string; ifMatch?: number; ifNoneExist?: string } = {};
  if (typeof entry.fullUrl === 'string' && /^urn:(uuid|oid):/.test(entry.fullUrl)) out.fullUrl = entry.fullUrl;
  const ifMatch = entry.request?.ifMatch;
  if (ifMatch !== undefined) {
    const m = /^(?:W\/)?"(\d{1,9})"$/.exec(String(ifMatch));
    if (!m || method === 'POST') { problems.push({ message: 'request.ifMatch must be an ETag like W/"3", on PUT or DELETE', expression: `${at}.request.ifMatch` }); return undefined; }
    out.ifMatch = Number(m[1]);
  }
  const ifNoneExist = entry.request?.ifNoneExist;
  if (ifNoneExist !== undefined) {
    if (method !== 'POST' || typeof ifNoneExist !== 'string' || ifNoneExist.length === 0 || ifNoneExist.length > 2048) {
      problems.push({ message: 'request.ifNoneExist must be a search query (e.g. identifier=system|value), on POST', expression: `${at}.request.ifNoneExist` });
      return undefined;
    }
    out.ifNoneExist = ifNoneExist.replace(/^\?/, '');
  }
  return out;
}

/**
 * Apply the writes atomically (conditional creates resolved, `urn:uuid` references rewritten to the
 * ids assigned, `ifMatch` versions checked) and answer with a transaction-response Bundle.
 */
export async function executeTransaction(pool: pg.Pool, writes: TransactionWrite[], now: Date): Promise<Bundle> {
  const results = await withTransaction(pool, (client) => applyEntries(client, writes, now));
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
