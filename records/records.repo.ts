import type { FhirResource } from 'fhir/r4.js';
import type { DataKeyring } from '../db/encryption.js';
import type { Db } from '../db/pool.js';
import {
  RECORD_STATUSES, type IngestedRecord, type RecordIssue, type RecordStatus,
} from './model.js';

/**
 * The records repository: every SQL statement on `records` and `episodes` lives here. A record row
 * is written once at ingest (already carrying its queue job) and updated once when it links or fails.
 */

/** Teach the database the statuses of the model (records/model.ts); run after migrations. */
export async function syncRecordStatuses(db: Db): Promise<void> {
  await db.query('INSERT INTO record_statuses (status) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [Object.keys(RECORD_STATUSES)]);
}

/** A batch of records to insert, with the queue job that will carry the accepted ones. */
export interface RecordBatch {
  rows: IngestedRecord[];
  jobId: string | null;
  /** Seals each payload (null: stored as plaintext json, DATA_ENCRYPTION=off). */
  keyring: DataKeyring | null;
}

/** Serialise a batch once with plaintext payloads (DATA_ENCRYPTION=off): the INSERT's parameter. */
export function serializeRecords(rows: IngestedRecord[]): string {
  return JSON.stringify(rows);
}

/** Where a record's sealed payload belongs (authenticated with it, so it cannot be moved to another row). */
export function payloadContext(submissionId: string, seq: number): string {
  return `records.payload/${submissionId}/${seq}`;
}

/**
 * Serialise a batch once for `insertRecords`, each record's whole payload sealed in one call
 * (never per field) and carried as base64 (`payloadSealed`) to a bytea column. `storedBytes` is what
 * the rows store (sealed payloads counted as bytes, not base64), for the facility quota.
 */
export function serializeRecordBatch(rows: IngestedRecord[], submissionId: string, keyring: DataKeyring | null): { json: string; storedBytes: number } {
  if (!keyring) {
    const json = serializeRecords(rows);
    return { json, storedBytes: json.length };
  }
  let base64Chars = 0;
  const seal = (value: unknown, context: string) => {
    const sealed = keyring.seal(JSON.stringify(value ?? null), context).toString('base64');
    base64Chars += sealed.length;
    return sealed;
  };
  const json = JSON.stringify(rows.map(({ payload, facts, ...row }) => ({
    ...row,
    payloadSealed: seal(payload, payloadContext(submissionId, row.seq)),
    ...(facts !== undefined ? { factsSealed: seal(facts, factsContext(submissionId, row.seq)) } : {}),
  })));
  return { json, storedBytes: json.length - Math.floor(base64Chars / 4) };
}

/** Where a record's sealed facts belong (kept for records that may be corrected and re-run). */
export function factsContext(submissionId: string, seq: number): string {
  return `records.facts/${submissionId}/${seq}`;
}

/** Insert a batch (rows, or their `serializeRecordBatch` JSON) in one statement; returns the ids of the accepted records in seq order. */
export async function insertRecords(db: Db, submissionId: string, batch: RecordBatch | { json: string; jobId: string | null }): Promise<number[]> {
  const json = 'json' in batch ? batch.json : batch.rows.length ? serializeRecordBatch(batch.rows, submissionId, batch.keyring).json : '';
  if (!json || json === '[]') return [];
  const { rows } = await db.query<{ id: string; status: string }>(
    `INSERT INTO records (submission_id, seq, facility, record_key, status, category, issues, warnings, kind, doses, unmapped, payload, payload_sealed, related, resources,
                          person_id, facts, facts_sealed, review, learn, area_province, area_district, area_commune, service_date, visit_type, insured, verify_after, queued_at, job_id)
     SELECT $1, x.seq, x.facility, x.key, x.status, x.category, x.issues, x.warnings, x.kind, x.doses, x.unmapped, x.payload, decode(x."payloadSealed", 'base64'), x.related, x.resources,
            x."personId", x.facts, decode(x."factsSealed", 'base64'), x.review, x.learn, x.area->>'province', x.area->>'district', x.area->>'commune',
            x."serviceDate", x."visitType", x.insured,
            CASE WHEN x.status = 'unverified' THEN now() END, -- checked again at the next pass (pipeline/verification-retry.ts)
            -- queued at ingest: the relay leaves the record to the ingest path until it is stale
            CASE WHEN x.status = 'accepted' THEN now() END, CASE WHEN x.status = 'accepted' THEN $3 END
       FROM json_to_recordset($2::json) AS x(seq int, facility text, key text, status text, category text,
                                            issues jsonb, warnings jsonb, kind text, doses int, unmapped jsonb, payload json, "payloadSealed" text, related jsonb, resources json,
                                            "personId" uuid, facts json, "factsSealed" text, review jsonb, learn jsonb, area jsonb,
                                            "serviceDate" date, "visitType" text, insured boolean)
      ORDER BY x.seq
     RETURNING id, status`,
    [submissionId, json, batch.jobId],
  );
  return rows.filter((r) => r.status === 'accepted').map((r) => Number(r.id));
}

/** The version of an episode to push: the newest accepted record of (facility, key). */
export interface EpisodeToLink {
  facility: string;
  recordKey: string;
  latestRecordId: number;
  /** The person the identity stage (or a correction) gave the newest record; null before the person index. */
  personId: string | null;
  /** What the person index learns from the newest record (applied by the worker as it links), its format and arrival. */
  learn: unknown;
  format: string;
  receivedAt: Date;
  resources: FhirResource[];
  /** "Type/id" pushed last time, so resources a resubmission dropped can be deleted. */
  previousRefs: string[];
}

/**
 * Take per-episode advisory locks (transaction-scoped, in a fixed order so two workers never
 * deadlock) for the episodes of these records; returns the (facility, key) pairs locked.
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
     SELECT DISTINCT ON (r.facility, r.record_key) r.facility, r.record_key, r.id, r.person_id, r.resources, r.learn, r.received_at, s.format, e.linked_refs
       FROM eps JOIN records r ON r.facility = eps.facility AND r.record_key = eps."recordKey"
       JOIN submissions s ON s.id = r.submission_id
       LEFT JOIN episodes e ON e.facility = r.facility AND e.record_key = r.record_key
      WHERE r.resources IS NOT NULL AND r.status IN ('accepted', 'linked', 'failed')
        AND EXISTS (SELECT 1 FROM records o WHERE o.facility = r.facility AND o.record_key = r.record_key AND o.status = 'accepted')
      ORDER BY r.facility, r.record_key, r.id DESC`,
    [JSON.stringify(episodes)],
  );
  return rows.map((r) => ({
    facility: r.facility, recordKey: r.record_key, latestRecordId: Number(r.id), personId: r.person_id ?? null, resources: r.resources, previousRefs: r.linked_refs ?? [],
    learn: r.learn ?? null, format: r.format, receivedAt: new Date(r.received_at),
  }));
}

/**
 * Record a successful push: every open record of the episode up to the pushed version is linked
 * (a resubmission replaced them) with its attempt counted, and the episode remembers what it consists of.
 */
export async function markEpisodesLinked(db: Db, linked: Array<{ facility: string; recordKey: string; latestRecordId: number; refs: string[] }>): Promise<number> {
  if (linked.length === 0) return 0;
  const json = JSON.stringify(linked);
  const res = await db.query(
    `UPDATE records r SET status = 'linked', linked_at = now(), updated_at = now(), last_error = NULL, attempts = r.attempts + 1
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

/** Mark the open records of these episodes failed (the EHR refused them), keeping the EHR's answer. */
export async function markEpisodesFailed(db: Db, episodes: Array<{ facility: string; recordKey: string; latestRecordId: number }>, error: unknown): Promise<number> {
  if (episodes.length === 0) return 0;
  const res = await db.query(
    `UPDATE records r SET status = 'failed', last_error = $2::jsonb, updated_at = now(), attempts = r.attempts + 1
       FROM jsonb_to_recordset($1::jsonb) AS x(facility text, "recordKey" text, "latestRecordId" bigint)
      WHERE r.facility = x.facility AND r.record_key = x."recordKey" AND r.id <= x."latestRecordId" AND r.status = 'accepted'`,
    [JSON.stringify(episodes), JSON.stringify(error)],
  );
  return res.rowCount ?? 0;
}

/** A linkage attempt failed as a whole (EHR down, database error): count it; after the last one the records become failed. */
export async function recordAttemptFailure(db: Db, recordIds: number[], error: unknown, last: boolean): Promise<void> {
  await db.query(
    `UPDATE records SET attempts = attempts + 1, updated_at = now(),
            status = CASE WHEN $3 THEN 'failed' ELSE status END, last_error = CASE WHEN $3 THEN $2::jsonb ELSE last_error END
      WHERE id = ANY($1::bigint[]) AND status = 'accepted'`,
    [recordIds, JSON.stringify(error), last],
  );
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

/**
 * The parsed source of one record, opened when sealed (plaintext rows from before encryption at
 * rest, or DATA_ENCRYPTION=off, read as they are); undefined when there is no such record.
 * Throws SealedDataError when the row was sealed with a key the keyring lacks, or altered.
 */
export async function recordPayload(db: Db, keyring: DataKeyring | null, recordId: number): Promise<unknown> {
  const { rows } = await db.query('SELECT submission_id, seq, payload, payload_sealed FROM records WHERE id = $1', [recordId]);
  const r = rows[0];
  if (!r) return undefined;
  if (r.payload_sealed === null) return r.payload;
  if (!keyring) throw new Error(`record ${recordId} is sealed but DATA_ENCRYPTION=off: configure DATA_KEYS to read it`);
  return JSON.parse(keyring.open(r.payload_sealed, payloadContext(r.submission_id, r.seq)).toString('utf8'));
}

/** One record as the API shows it. */
export interface RecordView {
  key: string;
  facility: string;
  status: RecordStatus;
  category: string | null;
  issues: RecordIssue[];
  linkedAt: string | null;
  attempts: number;
  error: unknown;
}

/** The records of a submission in order. */
export async function recordsOfSubmission(db: Db, submissionId: string): Promise<RecordView[]> {
  const { rows } = await db.query(
    `SELECT record_key, facility, status, category, issues, linked_at, attempts, last_error
       FROM records WHERE submission_id = $1 ORDER BY seq`,
    [submissionId],
  );
  return rows.map((r) => ({
    key: r.record_key, facility: r.facility, status: r.status, category: r.category, issues: r.issues,
    linkedAt: r.linked_at ? new Date(r.linked_at).toISOString() : null, attempts: r.attempts, error: r.last_error,
  }));
}

