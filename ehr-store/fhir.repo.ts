import { createHash } from 'node:crypto';
import type { FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { indexFields, INDEX_VERSION } from './index-fields.js';

/** One write of a transaction, already checked: PUT creates or replaces, DELETE marks deleted. */
export type StoreWrite =
  | { method: 'PUT'; type: string; id: string; resource: FhirResource }
  | { method: 'DELETE'; type: string; id: string };

/** What happened to one write, for the transaction-response Bundle. */
export interface WriteResult {
  type: string;
  id: string;
  version: number | null;
  status: '200 OK' | '201 Created' | '204 No Content';
  lastUpdated: string | null;
}

/** A PUT as stored: `content` is the resource without `meta`, already serialised once (hashed and sent as it is). */
type PutRow = { rt: string; id: string; content: string; hash: string; tokens: string[]; names: string[]; lo: string | null; hi: string | null };

/** The resource without `meta` as JSON, and its SHA-1 (an unchanged PUT is recognised by it). */
function putRow(w: Extract<StoreWrite, { method: 'PUT' }>): PutRow {
  const { meta: _meta, ...body } = w.resource as FhirResource & { meta?: unknown };
  const content = JSON.stringify(body);
  const index = indexFields(w.resource);
  return {
    rt: w.type, id: w.id, content, hash: createHash('sha1').update(content).digest('hex'), tokens: index.tokens, names: index.nameKeys,
    lo: index.date?.lo?.toISOString() ?? null, hi: index.date?.hi?.toISOString() ?? null,
  };
}

/** The rows as one JSON array, each resource's text spliced in as it is (never serialised twice). */
function rowsJson(rows: PutRow[]): string {
  return `[${rows.map((r) => `{"rt":${JSON.stringify(r.rt)},"id":${JSON.stringify(r.id)},"hash":"${r.hash}","tokens":${JSON.stringify(r.tokens)},"names":${JSON.stringify(r.names)},"lo":${JSON.stringify(r.lo)},"hi":${JSON.stringify(r.hi)},"content":${r.content}}`).join(',')}]`;
}

/** Stored hash, version and state of these resources (a plain read: no locks). */
async function storedVersions(db: Db, rows: PutRow[]): Promise<Map<string, { hash: string; version: number; deleted: boolean; lastUpdated: string }>> {
  const { rows: found } = await db.query(
    `SELECT f.resource_type, f.id, f.version, f.last_updated, f.content_hash, f.deleted FROM fhir_resources f
       JOIN jsonb_to_recordset($1::jsonb) AS x(rt text, id text) ON f.resource_type = x.rt AND f.id = x.id`,
    [JSON.stringify(rows.map((r) => ({ rt: r.rt, id: r.id })))],
  );
  return new Map(found.map((f) => [`${f.resource_type}/${f.id}`, {
    hash: f.content_hash, version: f.version, deleted: f.deleted, lastUpdated: new Date(f.last_updated).toISOString(),
  }]));
}

/**
 * Create or replace changed resources in one statement. A PUT whose content equals the stored one
 * (written meanwhile by another transaction) changes nothing and is answered with the stored version.
 */
async function upsertChanged(db: Db, rows: PutRow[], at: string, results: Map<string, WriteResult>): Promise<void> {
  const { rows: changed } = await db.query(
    `INSERT INTO fhir_resources AS f (resource_type, id, version, content, content_hash, tokens, name_keys, date_lo, date_hi, index_version, deleted, last_updated)
     SELECT x.rt, x.id, 1, x.content || jsonb_build_object('meta', jsonb_build_object('versionId', '1', 'lastUpdated', $2::text)),
            x.hash, ARRAY(SELECT jsonb_array_elements_text(x.tokens)), ARRAY(SELECT jsonb_array_elements_text(x.names)), x.lo, x.hi, $3, false, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(rt text, id text, content jsonb, hash text, tokens jsonb, names jsonb, lo timestamptz, hi timestamptz)
     ON CONFLICT (resource_type, id) DO UPDATE
       SET version = f.version + 1,
           content = EXCLUDED.content || jsonb_build_object('meta', jsonb_build_object('versionId', (f.version + 1)::text, 'lastUpdated', $2::text)),
           content_hash = EXCLUDED.content_hash, tokens = EXCLUDED.tokens, name_keys = EXCLUDED.name_keys, date_lo = EXCLUDED.date_lo,
           date_hi = EXCLUDED.date_hi, index_version = EXCLUDED.index_version, deleted = false, last_updated = EXCLUDED.last_updated
       WHERE f.content_hash <> EXCLUDED.content_hash OR f.deleted
     RETURNING resource_type, id, version, (xmax = 0) AS inserted`,
    [rowsJson(rows), at, INDEX_VERSION],
  );
  for (const c of changed) {
    results.set(`${c.resource_type}/${c.id}`, { type: c.resource_type, id: c.id, version: c.version, status: c.inserted ? '201 Created' : '200 OK', lastUpdated: at });
  }
  const unchanged = rows.filter((r) => !results.has(`${r.rt}/${r.id}`));
  if (!unchanged.length) return;
  const stored = await storedVersions(db, unchanged);
  for (const [key, s] of stored) {
    const [type, id] = key.split('/') as [string, string];
    results.set(key, { type, id, version: s.version, status: '200 OK', lastUpdated: s.lastUpdated });
  }
}

type StoredVersions = Awaited<ReturnType<typeof storedVersions>>;

/** The stored resource has this content and is not deleted. */
function isUnchanged(r: PutRow, stored: StoredVersions): boolean {
  const s = stored.get(`${r.rt}/${r.id}`);
  return !!s && !s.deleted && s.hash === r.hash;
}

/** Answer the unchanged rows from what is stored (200 OK, the stored version); returns them. */
function answerUnchanged(rows: PutRow[], stored: StoredVersions, results: Map<string, WriteResult>): PutRow[] {
  return rows.filter((r) => {
    if (!isUnchanged(r, stored)) return false;
    const s = stored.get(`${r.rt}/${r.id}`)!;
    results.set(`${r.rt}/${r.id}`, { type: r.rt, id: r.id, version: s.version, status: '200 OK', lastUpdated: s.lastUpdated });
    return true;
  });
}

/**
 * Apply writes inside the caller's transaction, in (type, id) order so concurrent transactions lock
 * rows in the same order. A PUT whose content equals the stored one changes nothing (no new version):
 * re-delivered linkage jobs are therefore invisible in the store.
 */
export async function applyWrites(db: Db, writes: StoreWrite[], now: Date): Promise<WriteResult[]> {
  const sorted = [...writes].sort((a, b) => (a.type === b.type ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.type < b.type ? -1 : 1));
  const puts = sorted.filter((w): w is Extract<StoreWrite, { method: 'PUT' }> => w.method === 'PUT');
  const deletes = sorted.filter((w) => w.method === 'DELETE');
  const at = now.toISOString();
  const results = new Map<string, WriteResult>();

  let skipped: PutRow[] = [];
  if (puts.length) {
    const rows = puts.map(putRow);
    // Unchanged resources (the facility's Organization in every episode, a Patient sent again) are
    // answered from what is stored, without an upsert: no new version, and no row lock that would make
    // concurrent linkage jobs of one facility wait for each other.
    skipped = answerUnchanged(rows, await storedVersions(db, rows), results);
    const unchanged = new Set(skipped);
    const toWrite = rows.filter((r) => !unchanged.has(r));
    if (toWrite.length) await upsertChanged(db, toWrite, at, results);
  }
  for (const d of deletes) {
    const { rows } = await db.query(
      `UPDATE fhir_resources SET deleted = true, version = version + 1, last_updated = $3
        WHERE resource_type = $1 AND id = $2 AND NOT deleted RETURNING version`,
      [d.type, d.id, at],
    );
    results.set(`${d.type}/${d.id}`, { type: d.type, id: d.id, version: rows[0]?.version ?? null, status: '204 No Content', lastUpdated: rows[0] ? at : null });
  }
  // A skipped PUT must still be the last word when this transaction commits after another that changed
  // the same resource while this one waited for a row lock (READ COMMITTED: each statement sees what
  // was committed before it began). Look again once every lock is held; write what changed meanwhile.
  if (skipped.length && puts.length + deletes.length > skipped.length) {
    const latest = await storedVersions(db, skipped);
    const changedMeanwhile = skipped.filter((r) => !isUnchanged(r, latest));
    if (changedMeanwhile.length) await upsertChanged(db, changedMeanwhile, at, results);
  }
  return writes.map((w) => results.get(`${w.type}/${w.id}`)!);
}
