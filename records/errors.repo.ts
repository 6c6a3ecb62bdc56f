import type { DataKeyring } from '../db/encryption.js';
import type { Db } from '../db/pool.js';
import { ISSUE_CATEGORY_TABLE, type RecordIssue, type ReportGroup } from './model.js';
import { factsContext } from './records.repo.js';

/**
 * SQL of error review (docs/error-review.md): the records that need attention (rejected, failed,
 * held), filtered and paged newest first over the partial index `records_needing_attention`, and
 * the bulk re-run's selection of failed and held records. Areas are the facility's, valid on the
 * record's arrival day in Vietnam time (`facility_areas`, former codes through `facility_now`).
 */

/** Statuses that need someone's attention (the partial index's predicate). */
export const ATTENTION_STATUSES = ['rejected', 'failed', 'held'] as const;
export type AttentionStatus = (typeof ATTENTION_STATUSES)[number];

/** Which records: every field combines with AND; `statuses` is never empty. */
export interface RecordsWhere {
  statuses: readonly AttentionStatus[];
  facility?: string;
  submissionId?: string;
  keys?: readonly string[];
  province?: string;
  district?: string;
  commune?: string;
  /** A report category (`LINK_FAILED` = failed records). */
  category?: string;
  group?: ReportGroup;
  /** The submission's format (`qd130`, `csv`, …). */
  format?: string;
  kind?: string;
  /** Arrival at or after `from`, before `to` (instants of Vietnam day boundaries). */
  from?: Date;
  to?: Date;
}

/** A page position: the last row's arrival (exact, microseconds, UTC) and id. */
export interface AttentionCursor {
  receivedAt: string;
  id: number;
}

/** One record needing attention as stored, its facts opened when kept. */
export interface AttentionRow {
  id: number;
  submissionId: string;
  seq: number;
  facility: string;
  format: string;
  kind: string;
  recordKey: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`: exact, the cursor of the next page. */
  receivedAt: string;
  status: AttentionStatus;
  /** The category the statistics count it under: failed → LINK_FAILED, rejected → its category (SCHEMA when none). */
  category: string | null;
  issues: RecordIssue[];
  lastError: unknown;
  /** The kept facts (rejected and held records), undefined when none or unreadable. */
  facts: unknown;
  /** The facility's area on the arrival day, when the register knows it. */
  area: { province: string | null; district: string | null; commune: string | null } | null;
}

/** The category a record is counted under, as in the statistics triggers (reporting/migrations/002_record_counts.sql). */
const CATEGORY_SQL = `CASE r.status WHEN 'failed' THEN 'LINK_FAILED' WHEN 'rejected' THEN coalesce(r.category, 'SCHEMA') ELSE coalesce(r.category, '') END`;

/** The facility's area valid on the record's arrival day (Vietnam time), one row at most. */
const AREA_JOIN = `LEFT JOIN LATERAL (
    SELECT a.province, a.district, a.commune FROM facility_areas a
     WHERE a.facility = facility_now(r.facility) AND vn_day(r.received_at) >= a.valid_from AND (a.valid_to IS NULL OR vn_day(r.received_at) <= a.valid_to)
     ORDER BY a.valid_from DESC LIMIT 1) fa ON true`;

/** The categories of a report group ('other' also takes held records without a category). */
export function categoriesOfGroup(group: ReportGroup): string[] {
  const of = Object.entries(ISSUE_CATEGORY_TABLE).filter(([, v]) => v.group === group).map(([k]) => k);
  return group === 'other' ? [...of, ''] : of;
}

/** WHERE clauses and parameters of a filter (statuses are literals from a fixed list, so the partial index applies). */
function whereOf(f: RecordsWhere, params: unknown[]): string[] {
  const p = (v: unknown) => `$${params.push(v)}`;
  const statuses = f.statuses.filter((s) => (ATTENTION_STATUSES as readonly string[]).includes(s));
  if (statuses.length === 0) throw new Error('no status to select');
  const where = [`r.status IN (${statuses.map((s) => `'${s}'`).join(', ')})`];
  if (f.facility) where.push(`r.facility = ${p(f.facility)}`);
  if (f.submissionId) where.push(`r.submission_id = ${p(f.submissionId)}::uuid`);
  if (f.keys) where.push(`r.record_key = ANY(${p(f.keys)}::text[])`);
  if (f.category) where.push(`${CATEGORY_SQL} = ${p(f.category)}`);
  if (f.group) where.push(`${CATEGORY_SQL} = ANY(${p(categoriesOfGroup(f.group))}::text[])`);
  if (f.format) where.push(`s.format = ${p(f.format)}`);
  if (f.kind) where.push(`r.kind = ${p(f.kind)}`);
  if (f.from) where.push(`r.received_at >= ${p(f.from)}`);
  if (f.to) where.push(`r.received_at < ${p(f.to)}`);
  for (const level of ['province', 'district', 'commune'] as const) {
    if (f[level]) where.push(`fa.${level} = ${p(f[level])}`);
  }
  return where;
}

const needsArea = (f: Pick<RecordsWhere, 'province' | 'district' | 'commune'>) => !!(f.province || f.district || f.commune);

/**
 * Open a record's kept facts (plaintext rows as they are); undefined when none, or when sealed under
 * a key the keyring lacks (the row is still listed, without its source fields).
 */
export function openKeptFacts(keyring: DataKeyring | null, r: { submission_id: string; seq: number; facts: unknown; facts_sealed: Buffer | null }): unknown {
  if (r.facts_sealed === null) return r.facts ?? undefined;
  if (!keyring) return undefined;
  try {
    return JSON.parse(keyring.open(r.facts_sealed, factsContext(r.submission_id, r.seq)).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** One page of records needing attention, newest first (arrival, then id), after `cursor`. */
export async function listAttention(db: Db, keyring: DataKeyring | null, f: RecordsWhere, page: { after?: AttentionCursor; limit: number }): Promise<AttentionRow[]> {
  const params: unknown[] = [];
  const where = whereOf(f, params);
  if (page.after) where.push(`(r.received_at, r.id) < ($${params.push(page.after.receivedAt)}::timestamptz, $${params.push(page.after.id)}::bigint)`);
  const { rows } = await db.query(
    `SELECT r.id, r.submission_id, r.seq, r.facility, s.format, r.kind, r.record_key,
            to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received,
            r.status, ${CATEGORY_SQL} AS counted_category, r.issues, r.last_error, r.facts, r.facts_sealed,
            fa.province, fa.district, fa.commune
       FROM records r JOIN submissions s ON s.id = r.submission_id
       ${AREA_JOIN}
      WHERE ${where.join(' AND ')}
      ORDER BY r.received_at DESC, r.id DESC
      LIMIT $${params.push(page.limit)}`,
    params,
  );
  return rows.map((r) => ({
    id: Number(r.id), submissionId: r.submission_id, seq: r.seq, facility: r.facility, format: r.format, kind: r.kind, recordKey: r.record_key,
    receivedAt: r.received, status: r.status, category: r.counted_category || null, issues: r.issues ?? [], lastError: r.last_error ?? null,
    facts: openKeptFacts(keyring, r),
    area: r.province || r.district || r.commune ? { province: r.province, district: r.district, commune: r.commune } : null,
  }));
}

/** How many records match (counting stops after `max`, so the answer is at most `max`). */
export async function countAttention(db: Db, f: RecordsWhere, max: number): Promise<number> {
  const params: unknown[] = [];
  const where = whereOf(f, params);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM records r JOIN submissions s ON s.id = r.submission_id ${needsArea(f) ? AREA_JOIN : ''}
        WHERE ${where.join(' AND ')} LIMIT $${params.push(max)}) x`,
    params,
  );
  return rows[0].n;
}

/** Move the failed records of a filter back to accepted so they are linked again; returns their ids. */
export async function reopenFailedWhere(db: Db, f: Omit<RecordsWhere, 'statuses'>): Promise<number[]> {
  const params: unknown[] = [];
  const where = whereOf({ ...f, statuses: ['failed'] }, params);
  const { rows } = await db.query(
    `UPDATE records SET status = 'accepted', queued_at = NULL, job_id = NULL, attempts = 0, updated_at = now()
      WHERE status = 'failed' AND id IN (
        SELECT r.id FROM records r JOIN submissions s ON s.id = r.submission_id ${needsArea(f) ? AREA_JOIN : ''}
         WHERE ${where.join(' AND ')})
      RETURNING id`,
    params,
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Ids of held records of a filter, oldest first, after `afterId` (at most `limit`): the bulk re-run decides them one by one. */
export async function heldIdsWhere(db: Db, f: Omit<RecordsWhere, 'statuses'>, afterId: number, limit: number): Promise<number[]> {
  const params: unknown[] = [];
  const where = whereOf({ ...f, statuses: ['held'] }, params);
  const { rows } = await db.query(
    `SELECT r.id FROM records r JOIN submissions s ON s.id = r.submission_id ${needsArea(f) ? AREA_JOIN : ''}
      WHERE ${where.join(' AND ')} AND r.id > $${params.push(afterId)}
      ORDER BY r.id LIMIT $${params.push(limit)}`,
    params,
  );
  return rows.map((r) => Number(r.id));
}
