import type { Db } from './pool.js';
import type { RecordIssue } from '../../mappers/types.js';

/** Status of one record as the API reports it. */
export type RecordStatus = 'accepted' | 'linked' | 'rejected' | 'failed';

/** A record ready to insert at ingest time. */
export interface NewRecord {
  seq: number;
  facility: string;
  record_key: string;
  status: 'accepted' | 'rejected';
  category: string | null;
  issues: RecordIssue[];
  unmapped: string[];
  payload: unknown;
  resources: unknown[] | null;
}

/** Open a submission row (inside the ingest transaction); facility and counts are filled in at the end. */
export async function insertSubmission(db: Db, s: { id: string; format: string; clientId: string | null; contentType: string | null }): Promise<void> {
  await db.query('INSERT INTO submissions (id, format, client_id, content_type) VALUES ($1, $2, $3, $4)', [s.id, s.format, s.clientId, s.contentType]);
}

/** Append one piece of the raw body (kept verbatim so any submission can be replayed). */
export async function insertChunk(db: Db, submissionId: string, seq: number, data: Buffer): Promise<void> {
  await db.query('INSERT INTO submission_chunks (submission_id, seq, data) VALUES ($1, $2, $3)', [submissionId, seq, data]);
}

/** Close a submission: facility, size, hash, header, record count. */
export async function finishSubmission(
  db: Db,
  id: string,
  s: { facility: string | null; byteSize: number; sha256: string; recordCount: number; header: unknown },
): Promise<void> {
  await db.query(
    'UPDATE submissions SET facility = $2, byte_size = $3, sha256 = $4, record_count = $5, header = $6 WHERE id = $1',
    [id, s.facility, s.byteSize, s.sha256, s.recordCount, JSON.stringify(s.header)],
  );
}

/** Insert a batch of records in one statement; returns their ids keyed by seq. */
export async function insertRecords(db: Db, submissionId: string, rows: NewRecord[]): Promise<Map<number, number>> {
  if (rows.length === 0) return new Map();
  const { rows: out } = await db.query<{ id: string; seq: number }>(
    `INSERT INTO records (submission_id, seq, facility, record_key, status, category, issues, unmapped, payload, resources, queued_at)
     SELECT $1, x.seq, x.facility, x.record_key, x.status, x.category, x.issues, x.unmapped, x.payload, x.resources,
            -- queued_at starts at ingest so the relay leaves the record to the ingest path until it is stale
            CASE WHEN x.status = 'accepted' THEN now() END
       FROM jsonb_to_recordset($2::jsonb) AS x(seq int, facility text, record_key text, status text, category text,
                                              issues jsonb, unmapped jsonb, payload jsonb, resources jsonb)
     RETURNING id, seq`,
    [submissionId, JSON.stringify(rows)],
  );
  return new Map(out.map((r) => [r.seq, Number(r.id)]));
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
  records: Array<{
    key: string;
    facility: string;
    status: RecordStatus;
    category: string | null;
    issues: RecordIssue[];
    linkedAt: string | null;
    attempts: number;
    error: unknown;
  }>;
}

/** Load a submission and its records; undefined when the id is unknown. */
export async function getSubmission(db: Db, id: string): Promise<SubmissionView | undefined> {
  const sub = await db.query('SELECT id, facility, format, received_at, byte_size, client_id FROM submissions WHERE id = $1', [id]);
  const s = sub.rows[0];
  if (!s) return undefined;
  const recs = await db.query(
    `SELECT record_key, facility, status, category, issues, linked_at, attempts, last_error
       FROM records WHERE submission_id = $1 ORDER BY seq`,
    [id],
  );
  const counts: Record<RecordStatus, number> = { accepted: 0, linked: 0, rejected: 0, failed: 0 };
  const records = recs.rows.map((r) => {
    counts[r.status as RecordStatus] += 1;
    return {
      key: r.record_key,
      facility: r.facility,
      status: r.status,
      category: r.category,
      issues: r.issues,
      linkedAt: r.linked_at ? new Date(r.linked_at).toISOString() : null,
      attempts: r.attempts,
      error: r.last_error,
    };
  });
  return {
    submissionId: s.id,
    facility: s.facility,
    format: s.format,
    receivedAt: new Date(s.received_at).toISOString(),
    byteSize: Number(s.byte_size),
    clientId: s.client_id,
    counts,
    records,
  };
}

/** The facility a submission belongs to (for access checks), or undefined. */
export async function getSubmissionFacility(db: Db, id: string): Promise<{ facility: string | null } | undefined> {
  const { rows } = await db.query('SELECT facility FROM submissions WHERE id = $1', [id]);
  return rows[0];
}
