import type { DataKeyring } from '../db/encryption.js';
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

/** Where a sealed raw chunk belongs (authenticated with it, so it cannot be moved to another row). */
export function chunkContext(submissionId: string, seq: number): string {
  return `submission_chunks/${submissionId}/${seq}`;
}

/**
 * Append one piece of the raw body (kept verbatim so any submission can be replayed), sealed with
 * the keyring's current key; stored as plaintext only when `keyring` is null (DATA_ENCRYPTION=off).
 */
export async function insertChunk(db: Db, keyring: DataKeyring | null, submissionId: string, seq: number, data: Buffer): Promise<void> {
  const stored = keyring ? keyring.seal(data, chunkContext(submissionId, seq)) : data;
  await db.query('INSERT INTO submission_chunks (submission_id, seq, data, sealed) VALUES ($1, $2, $3, $4)', [submissionId, seq, stored, keyring !== null]);
}

/** Open one stored chunk as read from `submission_chunks` (plaintext rows are returned as they are). */
export function openChunk(keyring: DataKeyring | null, row: { submissionId: string; seq: number; data: Buffer; sealed: boolean }): Buffer {
  if (!row.sealed) return row.data;
  if (!keyring) throw new Error(`raw chunk ${row.seq} of submission ${row.submissionId} is sealed but DATA_ENCRYPTION=off: configure DATA_KEYS to read it`);
  return keyring.open(row.data, chunkContext(row.submissionId, row.seq));
}

/**
 * The raw body of a submission exactly as it arrived, one chunk at a time (one query per chunk, so
 * memory stays at one 4 MB chunk). Empty once the raw bytes are archived (see raw-retention.ts).
 */
export async function* readRawSubmission(db: Db, keyring: DataKeyring | null, submissionId: string): AsyncGenerator<Buffer> {
  const { rows } = await db.query<{ seq: number }>('SELECT seq FROM submission_chunks WHERE submission_id = $1 ORDER BY seq', [submissionId]);
  for (const { seq } of rows) {
    const r = await db.query<{ data: Buffer; sealed: boolean }>('SELECT data, sealed FROM submission_chunks WHERE submission_id = $1 AND seq = $2', [submissionId, seq]);
    if (r.rows[0]) yield openChunk(keyring, { submissionId, seq, ...r.rows[0] });
  }
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
