/**
 * Verification throughput: every feed row with a 12-digit CCCD asked of the registry table
 * (`registryTable(db).verifyMany`) in batches, as the identity stage asks once per submission;
 * then the same batches against an empty table of the same shape (a session's temporary table
 * shadows `population_registry`), so the ratio shows what the rows themselves cost beyond the
 * round trips.
 */
import type pg from 'pg';
import { registryTable } from '../../../identity/registry/registry-table.js';
import type { VerifyQuery } from '../../../identity/registry/port.js';
import type { FeedRow } from './types.js';

/** What the throughput phase measured. */
export interface VerificationThroughput {
  queries: number;
  batch: number;
  msPerRecord: number;
  /** The same against an empty table. */
  baselineMsPerRecord: number;
  /** msPerRecord / baselineMsPerRecord. */
  ratio: number;
  /** Verdicts of the timed pass, by outcome. */
  outcomes: Record<string, number>;
}

/** The verification queries of the rows that carry a 12-digit CCCD, as the identity stage would send them. */
export function verifyQueries(rows: readonly FeedRow[]): VerifyQuery[] {
  const out: VerifyQuery[] = [];
  for (const { cells } of rows) {
    const cccd = cells.patient_cccd ?? '';
    if (!/^\d{12}$/.test(cccd)) continue;
    const gender = cells.patient_gender === '1' || cells.patient_gender === 'nam' ? 'male' : 'female';
    out.push({ cccd, name: cells.patient_name!.normalize('NFC'), birthDate: cells.patient_birth_date!, gender });
  }
  return out;
}

async function timedPass(db: pg.PoolClient, queries: readonly VerifyQuery[], batch: number, outcomes?: Record<string, number>): Promise<number> {
  const registry = registryTable(db);
  await registry.verifyMany(queries.slice(0, batch)); // warm: plan cached, pages in memory
  const t0 = performance.now();
  for (let i = 0; i < queries.length; i += batch) {
    const verdicts = await registry.verifyMany(queries.slice(i, i + batch));
    if (outcomes) for (const v of verdicts) outcomes[v.outcome] = (outcomes[v.outcome] ?? 0) + 1;
  }
  return performance.now() - t0;
}

/** Time verifyMany over `queries` against the loaded table, then against an empty one. */
export async function measureVerification(pool: pg.Pool, queries: readonly VerifyQuery[], batch: number): Promise<VerificationThroughput> {
  const client = await pool.connect();
  try {
    const outcomes: Record<string, number> = {};
    const ms = await timedPass(client, queries, batch, outcomes);
    await client.query('CREATE TEMP TABLE population_registry (LIKE public.population_registry INCLUDING ALL)');
    let baselineMs: number;
    try {
      baselineMs = await timedPass(client, queries, batch);
    } finally {
      await client.query('DROP TABLE IF EXISTS pg_temp.population_registry');
    }
    const n = Math.max(1, queries.length);
    return { queries: queries.length, batch, msPerRecord: ms / n, baselineMsPerRecord: baselineMs / n, ratio: baselineMs > 0 ? ms / baselineMs : NaN, outcomes };
  } finally {
    client.release();
  }
}
