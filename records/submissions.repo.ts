import type { Db } from '../db/pool.js';
import { RECORD_STATUSES, type RecordStatus } from './model.js';
import { recordsOfSubmission, type RecordView } from './records.repo.js';

/** A submission as spooled: what is known before its records are parsed. */
export interface NewSubmission {
  id: string;
  format: string;
  clientId: string | null;
  contentType: string | null;
  /** How the raw bytes are stored: as they arrived (`gzip` stays gzip). */
  contentEncoding: string;
  /** Bytes of the body as received (before decompression). */
  byteSize: number;
  sha256: string;
}

/** Open the submission row inside the commit transaction (records reference it). */
export async function insertSubmission(db: Db, s: NewSubmission): Promise<void> {
  await db.query(
    `INSERT INTO submissions (id, format, client_id, content_type, content_encoding, byte_size, sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [s.id, s.format, s.clientId, s.contentType, s.contentEncoding, s.byteSize, s.sha256],
  );
}

/** Close the submission: facility, header, record count and the bytes it stores (raw + rows, for the quota). */
export async function finishSubmission(
  db: Db,
  id: string,
  s: { facility: string | null; recordCount: number; header: unknown; storedBytes: number },
): Promise<void> {
  await db.query(
    'UPDATE submissions SET facility = $2, record_count = $3, header = $4, stored_bytes = $5 WHERE id = $1',
    [id, s.facility, s.recordCount, JSON.stringify(s.header), s.storedBytes],
  );
}

/** Append one piece of the raw body (kept verbatim so any submission can be replayed). */
export async function insertChunk(db: Db, submissionId: string, seq: number, data: Buffer): Promise<void> {
  await db.query('INSERT INTO submission_chunks (submission_id, seq, data) VALUES ($1, $2, $3)', [submissionId, seq, data]);
}

/** Bytes a facility already stores (raw submissions and their rows), for its quota. */
export async function facilityStoredBytes(db: Db, facility: string): Promise<number> {
  const { rows } = await db.query('SELECT coalesce(sum(stored_bytes), 0)::bigint AS n FROM submissions WHERE facility = $1', [facility]);
  return Number(rows[0].n);
}

/** A submission with each record's current state, for `GET /api/submissions/{id}`. */
export interface SubmissionView {
  submissionId: string;
  facility: string | null;
  format: string;
  receivedAt: string;
  byteSize: number;
  clientId: string | null;
  counts: Record<RecordStatus, number>;
  records: RecordView[];
}

/** Load a submission and its records; undefined when the id is unknown. */
export async function getSubmission(db: Db, id: string): Promise<SubmissionView | undefined> {
  const sub = await db.query('SELECT id, facility, format, received_at, byte_size, client_id FROM submissions WHERE id = $1', [id]);
  const s = sub.rows[0];
  if (!s) return undefined;
  const records = await recordsOfSubmission(db, id);
  const counts = Object.fromEntries(Object.keys(RECORD_STATUSES).map((k) => [k, 0])) as Record<RecordStatus, number>;
  for (const r of records) counts[r.status] += 1;
  return {
    submissionId: s.id, facility: s.facility, format: s.format, receivedAt: new Date(s.received_at).toISOString(),
    byteSize: Number(s.byte_size), clientId: s.client_id, counts, records,
  };
}

/** The facility a submission belongs to (for access checks), or undefined. */
export async function getSubmissionFacility(db: Db, id: string): Promise<{ facility: string | null } | undefined> {
  const { rows } = await db.query('SELECT facility FROM submissions WHERE id = $1', [id]);
  return rows[0];
}
