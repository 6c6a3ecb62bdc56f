import type pg from 'pg';
import type { FhirResource } from 'fhir/r4.js';
import { withTransaction } from '../db/pool.js';
import { indexFields, INDEX_VERSION } from './index-fields.js';

/** Rows indexed again per transaction. */
const BATCH = 500;
/** Advisory lock key: one process re-indexes at a time (the others start without waiting). */
const REINDEX_LOCK = 71304751;

/** One batch under the lock: undefined when another process holds it, else how many rows it indexed. */
async function reindexBatch(pool: pg.Pool): Promise<number | undefined> {
  return withTransaction(pool, async (db) => {
    const { rows: [lock] } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [REINDEX_LOCK]);
    if (!lock!.ok) return undefined;
    const { rows } = await db.query<{ resource_type: string; id: string; content: FhirResource }>(
      `SELECT resource_type, id, content FROM fhir_resources WHERE index_version < $1 ORDER BY resource_type, id LIMIT ${BATCH} FOR UPDATE`,
      [INDEX_VERSION],
    );
    if (!rows.length) return 0;
    const fields = rows.map((r) => {
      const f = indexFields(r.content);
      return { rt: r.resource_type, id: r.id, tokens: f.tokens, names: f.nameKeys, lo: f.date?.lo?.toISOString() ?? null, hi: f.date?.hi?.toISOString() ?? null };
    });
    await db.query(
      `UPDATE fhir_resources f SET tokens = x.tokens, name_keys = x.names, date_lo = x.lo, date_hi = x.hi, index_version = $1
         FROM jsonb_to_recordset($2::jsonb) AS x(rt text, id text, tokens text[], names text[], lo timestamptz, hi timestamptz)
        WHERE f.resource_type = x.rt AND f.id = x.id`,
      [INDEX_VERSION, JSON.stringify(fields)],
    );
    return rows.length;
  });
}

/**
 * Index again every stored resource whose search fields were extracted by an older
 * `INDEX_VERSION` (a store upgraded from a release with fewer search parameters), in batches of
 * locked rows, so new parameters find old resources too. Content and versions are untouched. One
 * process does it (an advisory lock); the others return at once. Returns how many rows it indexed.
 */
export async function reindexStaleResources(pool: pg.Pool): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await reindexBatch(pool);
    if (!n) return done;
    done += n;
  }
}
