import type { DataKeyring } from '../db/encryption.js';
import type { Db } from '../db/pool.js';
import type { IngestedRecord, RecordIssue, RecordStatus, RecordWarning } from './model.js';
import { factsContext } from './records.repo.js';

/**
 * SQL for records the identity stage could not settle: the review queue (held), records waiting
 * for the registry (unverified), re-runs after a correction, and the decisions taken on them.
 */

/** A record loaded to be decided again, with its kept facts opened. */
export interface RecordToRerun {
  id: number;
  submissionId: string;
  seq: number;
  facility: string;
  key: string;
  format: string;
  status: RecordStatus;
  category: string | null;
  kind: IngestedRecord['kind'];
  personId: string | null;
  /** The mapped facts as stored (undefined: the record was stored before facts were kept). */
  facts: unknown;
  review: unknown;
}

function openFacts(keyring: DataKeyring | null, r: { submission_id: string; seq: number; facts: unknown; facts_sealed: Buffer | null }): unknown {
  if (r.facts_sealed === null) return r.facts ?? undefined;
  if (!keyring) throw new Error('record facts are sealed but DATA_ENCRYPTION=off: configure DATA_KEYS to read them');
  return JSON.parse(keyring.open(r.facts_sealed, factsContext(r.submission_id, r.seq)).toString('utf8'));
}

const RERUN_COLUMNS = `r.id, r.submission_id, r.seq, r.facility, r.record_key, s.format, r.status, r.category, r.kind, r.person_id, r.facts, r.facts_sealed, r.review`;

function toRerun(keyring: DataKeyring | null, r: Record<string, unknown>): RecordToRerun {
  return {
    id: Number(r.id), submissionId: r.submission_id as string, seq: r.seq as number, facility: r.facility as string, key: r.record_key as string,
    format: r.format as string, status: r.status as RecordStatus, category: r.category as string | null, kind: r.kind as IngestedRecord['kind'],
    personId: r.person_id as string | null,
    facts: openFacts(keyring, r as { submission_id: string; seq: number; facts: unknown; facts_sealed: Buffer | null }), review: r.review,
  };
}

/** One record, locked for the transaction, to decide again; undefined when unknown. */
export async function lockRecordForRerun(db: Db, keyring: DataKeyring | null, id: number): Promise<RecordToRerun | undefined> {
  const { rows } = await db.query(`SELECT ${RERUN_COLUMNS} FROM records r JOIN submissions s ON s.id = r.submission_id WHERE r.id = $1 FOR UPDATE OF r`, [id]);
  return rows[0] ? toRerun(keyring, rows[0]) : undefined;
}

/** Ids of unverified records due for another registry check, locked (SKIP LOCKED: several workers share the work). */
export async function lockDueUnverified(db: Db, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM records WHERE status = 'unverified' AND verify_after <= now() ORDER BY verify_after, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((r) => Number(r.id));
}

/** The new outcome of a re-run record: written over its row (accepted ones are left for the relay to queue). */
export interface RerunOutcome {
  status: IngestedRecord['status'];
  category: string | null;
  issues: RecordIssue[];
  warnings: RecordWarning[];
  resources: unknown[] | null;
  personId: string | null;
  facts?: unknown;
  review?: unknown;
  verifyAfterMs?: number;
  /** What the person index learns when the worker links it (accepted records). */
  learn?: unknown;
}

/** Write a re-run's outcome (facts resealed when kept, cleared otherwise). */
export async function updateRerunRecord(db: Db, keyring: DataKeyring | null, rec: Pick<RecordToRerun, 'id' | 'submissionId' | 'seq'>, o: RerunOutcome): Promise<void> {
  const factsJson = o.facts === undefined ? null : JSON.stringify(o.facts);
  const sealed = factsJson !== null && keyring ? keyring.seal(factsJson, factsContext(rec.submissionId, rec.seq)) : null;
  await db.query(
    `UPDATE records SET status = $2, category = $3, issues = $4, warnings = $5, resources = $6, person_id = $7,
            facts = $8, facts_sealed = $9, review = $10, updated_at = now(), attempts = 0, last_error = NULL,
            queued_at = NULL, job_id = NULL, learn = $12,
            verify_after = CASE WHEN $2 = 'unverified' THEN now() + ($11::int * interval '1 millisecond') END
      WHERE id = $1`,
    [rec.id, o.status, o.category, JSON.stringify(o.issues), JSON.stringify(o.warnings), o.resources ? JSON.stringify(o.resources) : null, o.personId,
      sealed ? null : factsJson, sealed, o.review === undefined ? null : JSON.stringify(o.review), o.verifyAfterMs ?? 60_000,
      o.learn ? JSON.stringify(o.learn) : null],
  );
}

/** Put an unverified record's next check later (the registry is still unavailable). */
export async function postponeVerification(db: Db, ids: number[], afterMs: number): Promise<void> {
  await db.query("UPDATE records SET verify_after = now() + ($2::int * interval '1 millisecond') WHERE id = ANY($1::bigint[]) AND status = 'unverified'", [ids, afterMs]);
}

/** Linked records of persons that were merged or moved: back to accepted, so the relay links them again to the person they now are. */
export async function reopenRecordsOfPersons(db: Db, personIds: readonly string[]): Promise<number> {
  if (personIds.length === 0) return 0;
  const res = await db.query(
    `UPDATE records SET status = 'accepted', queued_at = NULL, job_id = NULL, attempts = 0, updated_at = now()
      WHERE person_id = ANY($1::uuid[]) AND status IN ('linked', 'failed')`,
    [personIds],
  );
  return res.rowCount ?? 0;
}

/** Point records at another person (a correction after linking) and reopen them; returns their ids. */
export async function moveRecordsToPerson(db: Db, recordIds: readonly number[], personId: string): Promise<number[]> {
  const { rows } = await db.query(
    `UPDATE records SET person_id = $2, status = CASE WHEN status IN ('linked', 'failed') THEN 'accepted' ELSE status END,
            queued_at = NULL, job_id = NULL, attempts = 0, updated_at = now()
      WHERE id = ANY($1::bigint[]) AND person_id IS NOT NULL RETURNING id`,
    [recordIds, personId],
  );
  return rows.map((r) => Number(r.id));
}

/** Record an administrator's (or the cleaning round trip's) decision on a record. */
export async function insertDecision(db: Db, d: { recordId: number; actor: string; action: string; detail: unknown }): Promise<void> {
  await db.query('INSERT INTO record_decisions (record_id, actor, action, detail) VALUES ($1, $2, $3, $4)', [d.recordId, d.actor, d.action, JSON.stringify(d.detail ?? {})]);
}

/** Every decision taken on these records, oldest first. */
export async function decisionsOf(db: Db, recordIds: readonly number[]): Promise<Map<number, Array<{ actor: string; at: string; action: string; detail: unknown }>>> {
  const map = new Map<number, Array<{ actor: string; at: string; action: string; detail: unknown }>>();
  if (recordIds.length === 0) return map;
  const { rows } = await db.query('SELECT record_id, actor, at, action, detail FROM record_decisions WHERE record_id = ANY($1::bigint[]) ORDER BY id', [recordIds]);
  for (const r of rows) {
    const list = map.get(Number(r.record_id)) ?? [];
    list.push({ actor: r.actor, at: new Date(r.at).toISOString(), action: r.action, detail: r.detail });
    map.set(Number(r.record_id), list);
  }
  return map;
}

/** One record of the review queue. */
export interface ReviewItem {
  id: number;
  facility: string;
  key: string;
  status: RecordStatus;
  category: string | null;
  issues: RecordIssue[];
  review: unknown;
  area: { province: string | null; district: string | null; commune: string | null };
  receivedAt: string;
}

/** Records waiting for a person's decision: held (the review queue), optionally unverified and rejected for identity, newest last. */
export async function listReviewRecords(db: Db, f: { facility?: string; statuses: RecordStatus[]; categories?: string[]; commune?: string; afterId?: number; limit: number }): Promise<ReviewItem[]> {
  const { rows } = await db.query(
    `SELECT id, facility, record_key, status, category, issues, review, area_province, area_district, area_commune, received_at FROM records
      WHERE status = ANY($1::text[]) AND ($2::text IS NULL OR facility = $2) AND ($3::text[] IS NULL OR category = ANY($3))
        AND ($4::text IS NULL OR area_commune = $4) AND id > $5
      ORDER BY id LIMIT $6`,
    [f.statuses, f.facility ?? null, f.categories ?? null, f.commune ?? null, f.afterId ?? 0, f.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id), facility: r.facility, key: r.record_key, status: r.status, category: r.category, issues: r.issues, review: r.review,
    area: { province: r.area_province, district: r.area_district, commune: r.area_commune }, receivedAt: new Date(r.received_at).toISOString(),
  }));
}

/** A person's records (id, facility, format, built resources), optionally only these ids; for moves after linking. */
export async function recordsOfPerson(db: Db, personId: string, ids?: readonly number[]): Promise<Array<{ id: number; facility: string; format: string; resources: unknown[] | null; status: RecordStatus }>> {
  const { rows } = await db.query(
    `SELECT r.id, r.facility, s.format, r.resources, r.status FROM records r JOIN submissions s ON s.id = r.submission_id
      WHERE r.person_id = $1 AND ($2::bigint[] IS NULL OR r.id = ANY($2::bigint[])) ORDER BY r.id`,
    [personId, ids ?? null],
  );
  return rows.map((r) => ({ id: Number(r.id), facility: r.facility, format: r.format, resources: r.resources, status: r.status }));
}
