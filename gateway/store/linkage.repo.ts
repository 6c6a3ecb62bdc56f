import type { FhirResource } from 'fhir/r4.js';
import type { Db } from './pool.js';

/** The version of an episode to push: the newest accepted record of (facility, MA_LK). */
export interface EpisodeToLink {
  facility: string;
  recordKey: string;
  latestRecordId: number;
  resources: FhirResource[];
  /** "Type/id" pushed last time, so resources a resubmission dropped can be deleted. */
  previousRefs: string[];
}

/**
 * Take per-episode advisory locks (transaction-scoped, in a fixed order so two workers never
 * deadlock) for the episodes of these records. Returns the (facility, key) pairs locked.
 */
export async function lockEpisodesOfRecords(db: Db, recordIds: number[]): Promise<Array<{ facility: string; recordKey: string }>> {
  const { rows } = await db.query<{ facility: string; record_key: string }>(
    `WITH eps AS (SELECT DISTINCT facility, record_key FROM records WHERE id = ANY($1::bigint[])),
          locked AS (SELECT e.*, pg_advisory_xact_lock(hashtextextended(e.facility || '|' || e.record_key, 0)) AS l
                       FROM (SELECT * FROM eps ORDER BY hashtextextended(facility || '|' || record_key, 0)) e)
     SELECT facility, record_key FROM locked`,
    [recordIds],
  );
  return rows.map((r) => ({ facility: r.facility, recordKey: r.record_key }));
}

/** For each locked episode that still has an open record: its newest record with resources, and what was linked before. */
export async function loadEpisodesToLink(db: Db, episodes: Array<{ facility: string; recordKey: string }>): Promise<EpisodeToLink[]> {
  if (episodes.length === 0) return [];
  const { rows } = await db.query(
    `WITH eps AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(facility text, "recordKey" text))
     SELECT DISTINCT ON (r.facility, r.record_key) r.facility, r.record_key, r.id, r.resources, e.linked_refs
       FROM eps JOIN records r ON r.facility = eps.facility AND r.record_key = eps."recordKey"
       LEFT JOIN episodes e ON e.facility = r.facility AND e.record_key = r.record_key
      WHERE r.resources IS NOT NULL AND r.status IN ('accepted', 'linked', 'failed')
        AND EXISTS (SELECT 1 FROM records o WHERE o.facility = r.facility AND o.record_key = r.record_key AND o.status = 'accepted')
      ORDER BY r.facility, r.record_key, r.id DESC`,
    [JSON.stringify(episodes)],
  );
  return rows.map((r) => ({
    facility: r.facility,
    recordKey: r.record_key,
    latestRecordId: Number(r.id),
    resources: r.resources,
    previousRefs: r.linked_refs ?? [],
  }));
}

/**
 * Record a successful push: every open record of the episode up to the pushed version is linked
 * (a resubmission replaced them), and the episode remembers what it now consists of.
 */
export async function markEpisodesLinked(db: Db, linked: Array<{ facility: string; recordKey: string; latestRecordId: number; refs: string[] }>): Promise<number> {
  if (linked.length === 0) return 0;
  const json = JSON.stringify(linked);
  const res = await db.query(
    `UPDATE records r SET status = 'linked', linked_at = now(), updated_at = now(), last_error = NULL
       FROM jsonb_to_recordset($1::jsonb) AS x(facility text, "recordKey" text, "latestRecordId" bigint)
      WHERE r.facility = x.facility AND r.record_key = x."recordKey" AND r.id <= x."latestRecordId"
        AND r.status IN ('accepted', 'failed')`,
    [json],
  );
  await db.query(
    `INSERT INTO episodes (facility, record_key, linked_record_id, linked_refs, updated_at)
     SELECT x.facility, x."recordKey", x."latestRecordId", x.refs, now()
       FROM jsonb_to_recordset($1::jsonb) AS x(facility text, "recordKey" text, "latestRecordId" bigint, refs jsonb)
     ON CONFLICT (facility, record_key) DO UPDATE
       SET linked_record_id = EXCLUDED.linked_record_id, linked_refs = EXCLUDED.linked_refs, updated_at = now()`,
    [json],
  );
  return res.rowCount ?? 0;
}

/** Mark the open records of these episodes failed, keeping the EHR's answer. */
export async function markEpisodesFailed(db: Db, episodes: Array<{ facility: string; recordKey: string; latestRecordId: number }>, error: unknown): Promise<number> {
  if (episodes.length === 0) return 0;
  const res = await db.query(
    `UPDATE records r SET status = 'failed', last_error = $2::jsonb, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS x(facility text, "recordKey" text, "latestRecordId" bigint)
      WHERE r.facility = x.facility AND r.record_key = x."recordKey" AND r.id <= x."latestRecordId" AND r.status = 'accepted'`,
    [JSON.stringify(episodes), JSON.stringify(error)],
  );
  return res.rowCount ?? 0;
}

/** Count an attempt on these records (visible in the submission view). */
export async function countAttempt(db: Db, recordIds: number[]): Promise<void> {
  await db.query(`UPDATE records SET attempts = attempts + 1, updated_at = now() WHERE id = ANY($1::bigint[]) AND status = 'accepted'`, [recordIds]);
}

/** Remember which queue job carries these records (the relay re-queues records whose job vanished). */
export async function markQueued(db: Db, recordIds: number[], jobId: string): Promise<void> {
  await db.query('UPDATE records SET queued_at = now(), job_id = $2 WHERE id = ANY($1::bigint[])', [recordIds, jobId]);
}

/** Accepted records whose queueing is older than `staleMs`: never queued after ingest, or their job may be lost. */
export async function findOpenRecords(db: Db, staleMs: number, limit: number): Promise<Array<{ id: number; jobId: string | null }>> {
  const { rows } = await db.query(
    `SELECT id, job_id FROM records
      WHERE status = 'accepted' AND (queued_at IS NULL OR queued_at < now() - ($1::int * interval '1 millisecond'))
      ORDER BY id LIMIT $2`,
    [staleMs, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), jobId: r.job_id }));
}

/** Move failed records (dead letters) back to accepted so they are linked again; returns their ids. */
export async function reopenFailed(db: Db, filter: { facility?: string; submissionId?: string; keys?: string[] }): Promise<number[]> {
  const { rows } = await db.query(
    `UPDATE records SET status = 'accepted', queued_at = NULL, job_id = NULL, attempts = 0, updated_at = now()
      WHERE status = 'failed'
        AND ($1::text IS NULL OR facility = $1)
        AND ($2::uuid IS NULL OR submission_id = $2)
        AND ($3::text[] IS NULL OR record_key = ANY($3))
      RETURNING id`,
    [filter.facility ?? null, filter.submissionId ?? null, filter.keys ?? null],
  );
  return rows.map((r) => Number(r.id));
}
