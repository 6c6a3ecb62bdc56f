import type pg from 'pg';
import { linkLatencyBuckets } from '../../reporting/counts.repo.js';

/** All-time records of one group, from the statistics counters (never from `records`). */
export interface RecordGroup {
  /** The facility's current code: records sent under a former code count under it (as /api/stats). */
  facility: string;
  format: string;
  status: string;
  /** rejected: its category; failed: LINK_FAILED; held: its reason; otherwise ''. */
  category: string;
  /** '' counts records; a warning code counts the records carrying that warning. */
  warning: string;
  n: number;
}

/** What one scrape reads from PostgreSQL, in one snapshot. */
export interface MetricsSnapshot {
  records: RecordGroup[];
  /** Linkage latency observations per bucket upper bound (seconds, Infinity last). */
  latency: Array<{ le: number; n: number }>;
  /** Identity operations of the person index (identity_events): re-keys, merges, moves. */
  identityOperations: Array<{ action: string; operations: number; records: number }>;
}

/**
 * All-time counts by arrival: the monthly table (basis 'a') plus the deltas not folded yet
 * (reporting/migrations/002_record_counts.sql). Its size follows months × facilities × formats ×
 * statuses × categories, not the number of records, so it stays cheap at 10M records.
 */
const RECORD_GROUPS_SQL = `
  SELECT coalesce(fs.new_code, g.facility) AS facility, g.format, g.status, g.category, g.warning, sum(g.n)::bigint AS n
    FROM (SELECT facility, format, status, category, warning, sum(n) AS n
            FROM (SELECT facility, format, status, category, warning, n FROM stats_monthly WHERE basis = 'a'
                  UNION ALL
                  SELECT facility, format, status, category, warning, n FROM stats_deltas WHERE latency_le IS NULL) src
           GROUP BY 1, 2, 3, 4, 5) g
    LEFT JOIN facility_successions fs ON fs.old_code = g.facility
   GROUP BY 1, 2, 3, 4, 5
  HAVING sum(g.n) <> 0`;

/** One row per operation, far fewer than records. */
const IDENTITY_OPERATIONS_SQL = `
  SELECT action, count(*)::bigint AS operations, coalesce(sum(records), 0)::bigint AS records FROM identity_events GROUP BY action`;

/**
 * Read every database-backed metric in one read-only REPEATABLE READ transaction, so a scrape never
 * sees a fold half done (the latency total and the linked count agree), bounded by `timeoutMs`.
 */
export async function readMetricsSnapshot(pool: pg.Pool, timeoutMs: number): Promise<MetricsSnapshot> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    const groups = await client.query<{ facility: string; format: string; status: string; category: string; warning: string; n: string }>(RECORD_GROUPS_SQL);
    const latency = await linkLatencyBuckets(client);
    const ops = await client.query<{ action: string; operations: string; records: string }>(IDENTITY_OPERATIONS_SQL);
    await client.query('COMMIT');
    return {
      records: groups.rows.map((r) => ({ facility: r.facility, format: r.format, status: r.status, category: r.category, warning: r.warning, n: Number(r.n) })),
      latency,
      identityOperations: ops.rows.map((r) => ({ action: r.action, operations: Number(r.operations), records: Number(r.records) })),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
