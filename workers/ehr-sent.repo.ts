import { createHash } from 'node:crypto';
import type { FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';

/**
 * What each EHR already holds, as the linkage worker last sent it (table `ehr_sent_hashes`,
 * records/migrations/010_ehr_sent_hashes.sql): one hash per EHR and resource reference. A PUT of
 * unchanged content is not sent again (docs/linkage-external-ehr.md).
 */

/** Advisory-lock class of "a resource of one EHR" (two-int4 form: a key space apart from the episode and person locks). */
const SENT_LOCK_CLASS = 1_300_421;

/** JSON with object keys sorted at every level: equal content, equal text, whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Hex SHA-256 of a resource's content without `meta` (versionId, lastUpdated and tags are the
 * server's: http://hl7.org/fhir/R4/resource.html#Meta), so a server's meta never makes it "changed".
 */
export function contentHash(resource: FhirResource): string {
  const { meta: _meta, ...content } = resource as FhirResource & { meta?: unknown };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The key of an EHR in the table: its base URL without trailing slashes (or the built-in store's name). */
export function ehrKey(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The stored hashes of these references for one EHR. */
export async function loadSentHashes(db: Db, ehr: string, refs: string[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const { rows } = await db.query<{ ref: string; hash: string }>('SELECT ref, hash FROM ehr_sent_hashes WHERE ehr = $1 AND ref = ANY($2::text[])', [ehr, refs]);
  return new Map(rows.map((r) => [r.ref, r.hash]));
}

/**
 * Transaction-scoped advisory locks on resources of one EHR, in a fixed order (no deadlock between
 * workers): two jobs sending different content for one resource push and store in turn, so the
 * stored hash always names what the server holds.
 */
export async function lockSentRefs(db: Db, ehr: string, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await db.query(
    `SELECT count(pg_advisory_xact_lock($1::int, h)) FROM (SELECT DISTINCT hashtext($2 || '|' || r) AS h FROM unnest($3::text[]) AS r ORDER BY 1) s`,
    [SENT_LOCK_CLASS, ehr, refs],
  );
}

/** After the EHR accepted a Bundle: remember what its PUTs sent and forget what its DELETEs removed. */
export async function recordSent(db: Db, ehr: string, sent: Map<string, string>, deleted: string[]): Promise<void> {
  if (sent.size > 0) {
    await db.query(
      `INSERT INTO ehr_sent_hashes (ehr, ref, hash, sent_at)
       SELECT $1, x.ref, x.hash, now() FROM unnest($2::text[], $3::text[]) AS x(ref, hash)
       ON CONFLICT (ehr, ref) DO UPDATE SET hash = EXCLUDED.hash, sent_at = now()`,
      [ehr, [...sent.keys()], [...sent.values()]],
    );
  }
  if (deleted.length > 0) await db.query('DELETE FROM ehr_sent_hashes WHERE ehr = $1 AND ref = ANY($2::text[])', [ehr, deleted]);
}
