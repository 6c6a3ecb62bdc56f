import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import { runPeriodically } from '../resilience/periodic.js';

/** Deltas moved per statement: bounded so a backlog never holds one long transaction. */
const FOLD_BATCH = 50_000;

/**
 * Move the statistics deltas that triggers captured into the daily and monthly tables
 * (reporting/migrations/002_record_counts.sql `stats_fold`). Returns how many deltas were folded,
 * or -1 when another process is folding. Answers are exact either way: queries read the deltas too.
 */
export async function foldStats(db: Db, maxRows = FOLD_BATCH): Promise<number> {
  const { rows } = await db.query<{ folded: number }>('SELECT stats_fold($1) AS folded', [maxRows]);
  return rows[0]!.folded;
}

/**
 * After a large fold the deltas table is full of dead rows that every statistics query would read
 * until autovacuum comes by (77 ms of an empty table at 1 M folded deltas): vacuum it at once.
 */
const VACUUM_AFTER = 200_000;

async function vacuumDeltas(db: Db): Promise<void> {
  await db.query('VACUUM (ANALYZE) stats_deltas').catch(() => undefined); // a role that does not own the table: autovacuum does it later
}

/** Fold until the deltas are empty (tests and the benchmark; the periodic folder does one batch per tick). */
export async function foldAllStats(db: Db): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await foldStats(db);
    if (n <= 0) break;
    total += n;
  }
  if (total >= VACUUM_AFTER) await vacuumDeltas(db);
  return total;
}

/** Fold every `intervalMs` in this process; several processes may run it, an advisory lock lets one fold at a time. */
export function startStatsFolder(db: Db, log: Logger, intervalMs: number): { stop: () => Promise<void> } {
  return runPeriodically(async () => {
    let total = 0;
    for (let n = FOLD_BATCH; n === FOLD_BATCH; total += Math.max(n, 0)) n = await foldStats(db);
    if (total >= VACUUM_AFTER) await vacuumDeltas(db);
  }, intervalMs, (err) => log.warn({ err: err.message }, 'statistics fold failed; retried at the next tick'));
}
