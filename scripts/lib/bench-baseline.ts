/**
 * The plain-insert baseline: how fast this PostgreSQL takes the same FHIR resources when nothing
 * else happens (no XML, no validation, no queue, no HTTP): multi-row INSERT … SELECT FROM
 * jsonb_to_recordset, one transaction per batch, one connection.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';

/** One row of the baseline table. */
export interface PlainRow {
  resource_type: string;
  id: string;
  content: unknown;
}

/** Result of the baseline. */
export interface PlainInsertResult {
  resources: number;
  batches: number;
  ms: number;
  perSecond: number;
}

const TABLE = 'bench_plain';

/**
 * Insert `rows` (distinct by type and id) into a fresh `bench_plain` table in batches of `batchSize`
 * and time it (JSON serialisation of each batch included); the table is dropped afterwards.
 */
export async function plainInsertBaseline(pool: pg.Pool, rows: readonly PlainRow[], batchSize = 500): Promise<PlainInsertResult> {
  const client = await pool.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.query(`CREATE TABLE ${TABLE} (resource_type text NOT NULL, id text NOT NULL, content jsonb NOT NULL, PRIMARY KEY (resource_type, id))`);
    const t0 = performance.now();
    let batches = 0;
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = JSON.stringify(rows.slice(i, i + batchSize));
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${TABLE} (resource_type, id, content)
         SELECT x.resource_type, x.id, x.content FROM jsonb_to_recordset($1::jsonb) AS x(resource_type text, id text, content jsonb)`,
        [batch],
      );
      await client.query('COMMIT');
      batches++;
    }
    const ms = performance.now() - t0;
    const { rows: counted } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE}`);
    if (counted[0]?.n !== rows.length) throw new Error(`baseline stored ${counted[0]?.n} rows, expected ${rows.length}`);
    return { resources: rows.length, batches, ms, perSecond: rows.length / (ms / 1000) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    client.release();
  }
}
