import type { Db } from '../../db/pool.js';
import { countRecords, type CountQuery } from '../../reporting/counts.repo.js';
import { shapeCounts, type GroupStats } from '../../reporting/statistics.js';

/** One group of the answer: its key (a facility code, an area code, a format, a day…) and its counters. */
export type StatsRow = { key: string | null } & GroupStats;

/** The statistics of a period: the total and one row per value of `by`. */
export interface StatsAnswer {
  basis: CountQuery['basis'];
  /** First day counted. */
  from: string;
  /** Last day counted (inclusive). */
  to: string;
  by: CountQuery['by'] | null;
  totals: GroupStats;
  rows: StatsRow[];
}

/** Counters of a period grouped as asked; every row and the total add up (`received = linked + rejected + held + failed + pending`). */
export async function statistics(db: Db, q: CountQuery): Promise<StatsAnswer> {
  const { totals, groups } = shapeCounts(await countRecords(db, q));
  const last = new Date(Date.parse(`${q.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return { basis: q.basis, from: q.from, to: last, by: q.by ?? null, totals, rows: q.by ? groups : [] };
}
