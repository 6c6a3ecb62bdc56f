import type { FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { GatewayError } from '../errors/outcome.js';
import { applyWrites, type StoreWrite, type WriteResult } from './fhir.repo.js';
import { searchPage } from './search.repo.js';
import { parseSearch } from './search-query.js';

/** One checked entry of a transaction: the write and what the entry made conditional. */
export interface TransactionWrite {
  write: StoreWrite;
  /** POST: the server assigned the id. */
  created?: boolean;
  /** `urn:uuid:` / `urn:oid:` fullUrl other entries may reference. */
  fullUrl?: string;
  /** `request.ifMatch`: the version the sender last saw. */
  ifMatch?: number;
  /** `request.ifNoneExist`: a search that, when it matches one resource, means "do not create". */
  ifNoneExist?: string;
}

const preconditionFailed = (message: string) => new GatewayError(412, 'conflict', message);

/** A query string as the search parser takes it (repeated names become arrays). */
function queryOf(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Conditional create (http://hl7.org/fhir/R4/http.html#ccreate): the existing match, or none. */
async function existingMatch(db: Db, w: TransactionWrite): Promise<{ id: string; version: number; lastUpdated: string } | undefined> {
  const plan = { ...parseSearch(w.write.type, queryOf(w.ifNoneExist!)), count: 2, offset: 0, include: [], revinclude: [], summaryCount: false };
  const { found } = await searchPage(db, plan);
  if (found.length > 1) throw preconditionFailed(`ifNoneExist "${w.ifNoneExist}" matches more than one ${w.write.type}`);
  const r = found[0]?.resource;
  if (!r) return undefined;
  return { id: r.id!, version: Number(r.meta?.versionId ?? 1), lastUpdated: r.meta?.lastUpdated ?? new Date(0).toISOString() };
}

/** Replace every `reference` that names a urn fullUrl of this transaction by the resource's Type/id. */
function rewriteReferences(value: unknown, refs: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, refs));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'reference' && typeof v === 'string' && refs.has(v) ? refs.get(v) : rewriteReferences(v, refs);
  }
  return out;
}

/** Lock the rows named by ifMatch and compare versions (http://hl7.org/fhir/R4/http.html#concurrency). */
async function checkVersions(db: Db, writes: TransactionWrite[]): Promise<void> {
  for (const w of writes.filter((x) => x.ifMatch !== undefined)) {
    const { rows } = await db.query<{ version: number; deleted: boolean }>(
      'SELECT version, deleted FROM fhir_resources WHERE resource_type = $1 AND id = $2 FOR UPDATE', [w.write.type, w.write.id],
    );
    const current = rows[0];
    if (!current || current.deleted || current.version !== w.ifMatch) {
      throw preconditionFailed(`${w.write.type}/${w.write.id}: ifMatch W/"${w.ifMatch}" but the current version is ${current ? (current.deleted ? 'deleted' : `W/"${current.version}"`) : 'none'}`);
    }
  }
}

/**
 * Apply a transaction's entries inside the caller's database transaction: conditional creates
 * first (a match is answered 200 with the existing resource, nothing written), then `urn:uuid`
 * references rewritten to the ids assigned, versions checked, and the writes applied. Answers in
 * entry order. Entries without conditions (the linkage worker's) go straight to applyWrites.
 */
export async function applyEntries(db: Db, entries: TransactionWrite[], now: Date): Promise<WriteResult[]> {
  if (!entries.some((e) => e.fullUrl || e.ifMatch !== undefined || e.ifNoneExist)) return applyWrites(db, entries.map((e) => e.write), now);
  const existing = new Map<TransactionWrite, WriteResult>();
  const refs = new Map<string, string>();
  for (const e of entries) {
    const match = e.ifNoneExist ? await existingMatch(db, e) : undefined;
    if (match) existing.set(e, { type: e.write.type, id: match.id, version: match.version, status: '200 OK', lastUpdated: match.lastUpdated });
    if (e.fullUrl) refs.set(e.fullUrl, `${e.write.type}/${match?.id ?? e.write.id}`);
  }
  await checkVersions(db, entries);
  const pending = entries.filter((e) => !existing.has(e));
  const writes = pending.map((e) => (refs.size && e.write.method === 'PUT' ? { ...e.write, resource: rewriteReferences(e.write.resource, refs) as FhirResource } : e.write));
  const written = await applyWrites(db, writes, now);
  const byEntry = new Map(pending.map((e, i) => [e, written[i]!]));
  return entries.map((e) => existing.get(e) ?? byEntry.get(e)!);
}
