import type { Db } from '../../db/pool.js';

/**
 * SQL on the monthly partitions of `audit_events` and the archive manifest `audit_archives`
 * (migration 002_audit_partitions.sql; docs/audit-retention.md). Months are Vietnam calendar
 * months (UTC+7) and are written `YYYY-MM`.
 */

/** One partition of `audit_events`: a month's range, or the DEFAULT safety net. */
export interface AuditPartition {
  name: string;
  /** `YYYY-MM`, null for the DEFAULT partition. */
  month: string | null;
  /** Range [from, to); null for the DEFAULT partition. */
  from: Date | null;
  to: Date | null;
}

/** One archived month, as recorded in the manifest. */
export interface AuditArchiveRecord {
  month: string;
  partition: string;
  file: string;
  rows: number;
  sha256: string;
  firstId: number | null;
  lastId: number | null;
  archivedAt: string;
}

/** Advisory lock key shared with audit_events_ensure_partitions(): one maintenance step at a time. */
export const AUDIT_PARTITION_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('audit_events partitions'))";

/**
 * Create the partitions of the current month and `monthsAhead` more, move rows out of the DEFAULT
 * partition into their month's partition, and make every partition refuse UPDATE/DELETE/TRUNCATE.
 * Cheap when there is nothing to do. Returns the partitions created.
 */
export async function ensureAuditPartitions(db: Db, monthsAhead = 2, now: Date = new Date()): Promise<string[]> {
  const { rows } = await db.query<{ created: string[] }>('SELECT audit_events_ensure_partitions($1, $2) AS created', [monthsAhead, now]);
  return rows[0]!.created;
}

/** Every partition of `audit_events`, oldest month first, DEFAULT last. */
export async function listAuditPartitions(db: Db): Promise<AuditPartition[]> {
  const { rows } = await db.query<{ name: string; from: Date | null; to: Date | null; month: string | null }>(
    `WITH p AS (
       SELECT c.relname AS name, regexp_match(pg_get_expr(c.relpartbound, c.oid), $$FROM \\('([^']+)'\\) TO \\('([^']+)'\\)$$) AS b
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_events'::regclass)
     SELECT name, b[1]::timestamptz AS "from", b[2]::timestamptz AS "to", to_char(audit_month_of(b[1]::timestamptz), 'YYYY-MM') AS month
       FROM p ORDER BY b[1]::timestamptz NULLS LAST, name`,
  );
  return rows;
}

/**
 * The oldest month still kept: `retentionMonths` before the month of `now` (its first day,
 * `YYYY-MM-DD`, and the instant it starts). Months that end at or before `start` are archived.
 */
export async function retentionCutoff(db: Db, now: Date, retentionMonths: number): Promise<{ keepFrom: string; start: Date }> {
  const { rows } = await db.query<{ keepFrom: string; start: Date }>(
    `SELECT to_char(m, 'YYYY-MM-DD') AS "keepFrom", audit_month_start(m) AS start
       FROM (SELECT (audit_month_of($1) - make_interval(months => $2))::date AS m) c`, [now, retentionMonths],
  );
  return rows[0]!;
}

/** Rows in the DEFAULT partition (rows whose month had no partition when they were written). */
export async function countDefaultPartitionRows(db: Db): Promise<Array<{ month: string; rows: number }>> {
  const { rows } = await db.query<{ month: string; rows: number }>(
    `SELECT to_char(audit_month_of(at), 'YYYY-MM') AS month, count(*)::int AS rows FROM audit_events_default GROUP BY 1 ORDER BY 1`,
  );
  return rows;
}

/** Exact row count of one partition. */
export async function countPartitionRows(db: Db, partition: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(partition)}`);
  return Number(rows[0]!.n);
}

/** How many files already archive `month` (a month can be archived again if late rows arrived for it). */
export async function countArchivesOfMonth(db: Db, month: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_archives WHERE month = $1::date', [`${month}-01`]);
  return rows[0]!.n;
}

/**
 * Take the maintenance lock, then block writes to a partition until the transaction ends (readers
 * go on). False when the partition is gone (another run archived it first).
 */
export async function lockPartitionForArchive(db: Db, partition: string): Promise<boolean> {
  await db.query(AUDIT_PARTITION_LOCK_SQL);
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = 'audit_events'::regclass AND inhrelid = to_regclass($1)) AS present`, [quoteIdent(partition)],
  );
  if (!rows[0]!.present) return false;
  await db.query(`LOCK TABLE ${quoteIdent(partition)} IN SHARE MODE`);
  return true;
}

/** Open a cursor `name` over the partition's rows as JSON text (every column, in id order). */
export async function openPartitionCursor(db: Db, partition: string, name: string): Promise<void> {
  await db.query(`DECLARE ${quoteIdent(name)} NO SCROLL CURSOR FOR
                    SELECT p.id, row_to_json(p)::text AS line FROM ${quoteIdent(partition)} p ORDER BY p.id, p.at`);
}

/** The next `count` rows of a cursor opened by openPartitionCursor. */
export async function fetchPartitionCursor(db: Db, name: string, count: number): Promise<Array<{ id: string; line: string }>> {
  return (await db.query<{ id: string; line: string }>(`FETCH ${Math.trunc(count)} FROM ${quoteIdent(name)}`)).rows;
}

/** Record an archived month in the manifest, then detach and drop its partition (the only removal of audit rows). */
export async function recordArchiveAndDropPartition(db: Db, a: Omit<AuditArchiveRecord, 'archivedAt'>): Promise<void> {
  await db.query(
    `INSERT INTO audit_archives (month, partition, file, rows, sha256, first_id, last_id) VALUES ($1::date, $2, $3, $4, $5, $6, $7)`,
    [`${a.month}-01`, a.partition, a.file, a.rows, a.sha256, a.firstId, a.lastId],
  );
  await db.query(`ALTER TABLE audit_events DETACH PARTITION ${quoteIdent(a.partition)}`);
  await db.query(`DROP TABLE ${quoteIdent(a.partition)}`);
}

/** Manifest rows of the months that overlap [from, to), oldest first. */
export async function listAuditArchives(db: Db, from: Date, to: Date): Promise<AuditArchiveRecord[]> {
  const { rows } = await db.query(
    `SELECT to_char(month, 'YYYY-MM') AS month, partition, file, rows, sha256, first_id, last_id, archived_at FROM audit_archives
      WHERE audit_month_start(month) < $2 AND audit_month_start((month + INTERVAL '1 month')::date) > $1
      ORDER BY month, id`,
    [from, to],
  );
  return rows.map(toArchiveRecord);
}

/** The manifest row of one archive file (by its recorded path), if any. */
export async function findAuditArchive(db: Db, file: string): Promise<AuditArchiveRecord | undefined> {
  const { rows } = await db.query(
    `SELECT to_char(month, 'YYYY-MM') AS month, partition, file, rows, sha256, first_id, last_id, archived_at FROM audit_archives
      WHERE file = $1 ORDER BY id DESC LIMIT 1`,
    [file],
  );
  return rows[0] ? toArchiveRecord(rows[0]) : undefined;
}

function toArchiveRecord(r: Record<string, unknown>): AuditArchiveRecord {
  return {
    month: r.month as string, partition: r.partition as string, file: r.file as string, rows: Number(r.rows), sha256: r.sha256 as string,
    firstId: r.first_id === null ? null : Number(r.first_id), lastId: r.last_id === null ? null : Number(r.last_id),
    archivedAt: new Date(r.archived_at as string).toISOString(),
  };
}

/** An identifier quoted for SQL (partition names come from the catalog, but never trust a name). */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
