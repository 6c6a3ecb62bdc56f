import type { DataKeyring } from '../db/encryption.js';
import type { Db } from '../db/pool.js';
import { RECORD_STATUSES, STATUS_COUNTS, type RecordIssue, type StatusCount } from './model.js';
import { openKeptFacts } from './errors.repo.js';

/**
 * SQL of the upload history and the per-upload error file (docs/error-review.md): submissions of a
 * facility with their records counted by status, and the records of one submission that failed.
 */

/** One upload as its history lists it. */
export interface UploadSummary {
  id: string;
  facility: string | null;
  format: string;
  receivedAt: string;
  byteSize: number;
  recordCount: number;
  /** The raw bytes were archived (RAW_RETENTION_DAYS): no error file with the original rows. */
  archived: boolean;
  counts: Record<StatusCount, number>;
}

/** Which uploads: a facility (forced for a facility key), a period of arrival, a page. */
export interface UploadsQuery {
  facility?: string;
  from?: Date;
  to?: Date;
  after?: { receivedAt: string; id: string };
  limit: number;
}

/** The SQL of each statistics column: `pending` is every open status that counts as pending. */
const COUNT_SQL = STATUS_COUNTS.map((c) => {
  const statuses = Object.entries(RECORD_STATUSES).filter(([, v]) => v.counts === c).map(([k]) => `'${k}'`);
  return `count(r.id) FILTER (WHERE r.status IN (${statuses.join(', ')}))::int AS "${c}"`;
}).join(', ');

/** Uploads newest first (arrival, then id) with their records counted by status. */
export async function listUploads(db: Db, q: UploadsQuery): Promise<Array<UploadSummary & { cursor: string }>> {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where: string[] = [];
  if (q.facility) where.push(`s.facility = ${p(q.facility)}`);
  if (q.from) where.push(`s.received_at >= ${p(q.from)}`);
  if (q.to) where.push(`s.received_at < ${p(q.to)}`);
  if (q.after) where.push(`(s.received_at, s.id) < (${p(q.after.receivedAt)}::timestamptz, ${p(q.after.id)}::uuid)`);
  const { rows } = await db.query(
    `WITH page AS (
       SELECT s.id, s.facility, s.format, s.received_at, s.byte_size, s.record_count, s.archived_at FROM submissions s
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.received_at DESC, s.id DESC LIMIT ${p(q.limit)})
     SELECT page.id, page.facility, page.format, page.byte_size, page.record_count, page.archived_at IS NOT NULL AS archived, page.received_at,
            to_char(page.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received, ${COUNT_SQL}
       FROM page LEFT JOIN records r ON r.submission_id = page.id
      GROUP BY page.id, page.facility, page.format, page.byte_size, page.record_count, page.archived_at, page.received_at
      ORDER BY page.received_at DESC, page.id DESC`,
    params,
  );
  return rows.map((r) => ({
    id: r.id, facility: r.facility, format: r.format, receivedAt: new Date(r.received_at).toISOString(), byteSize: Number(r.byte_size),
    recordCount: r.record_count, archived: r.archived,
    counts: Object.fromEntries(STATUS_COUNTS.map((c) => [c, r[c]])) as Record<StatusCount, number>,
    cursor: `${r.received}~${r.id}`,
  }));
}

/** What the error file needs of a submission. */
export interface UploadSource {
  id: string;
  facility: string | null;
  format: string;
  contentEncoding: string;
  /** The reader's header (CSV: kind, delimiter, sepLine, columns). */
  header: Record<string, unknown>;
  archivedAt: string | null;
}

/** One submission's metadata, or undefined. */
export async function uploadSource(db: Db, id: string): Promise<UploadSource | undefined> {
  const { rows } = await db.query('SELECT id, facility, format, content_encoding, header, archived_at FROM submissions WHERE id = $1', [id]);
  const s = rows[0];
  if (!s) return undefined;
  return {
    id: s.id, facility: s.facility, format: s.format, contentEncoding: s.content_encoding ?? 'identity', header: s.header ?? {},
    archivedAt: s.archived_at ? new Date(s.archived_at).toISOString() : null,
  };
}

/** A record of a submission as the error file shows it. */
export interface UploadRecord {
  seq: number;
  facility: string;
  recordKey: string;
  status: string;
  category: string | null;
  issues: RecordIssue[];
  lastError: unknown;
  facts: unknown;
}

/**
 * The records of a submission in order: those needing attention (rejected, failed, held), or every
 * record with `all`. Facts are opened only for the records that need attention (they are the only
 * ones that keep them).
 */
export async function recordsOfUpload(db: Db, keyring: DataKeyring | null, submissionId: string, all: boolean): Promise<UploadRecord[]> {
  const { rows } = await db.query(
    `SELECT seq, facility, record_key, status, category, issues, last_error, facts, facts_sealed FROM records
      WHERE submission_id = $1 ${all ? '' : `AND status IN ('rejected', 'failed', 'held')`} ORDER BY seq`,
    [submissionId],
  );
  return rows.map((r) => ({
    seq: r.seq, facility: r.facility, recordKey: r.record_key, status: r.status,
    category: r.status === 'failed' ? 'LINK_FAILED' : r.category, issues: r.issues ?? [], lastError: r.last_error ?? null,
    facts: openKeptFacts(keyring, { ...r, submission_id: submissionId }),
  }));
}
