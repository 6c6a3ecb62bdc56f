/**
 * The plain-insert baseline: how fast this PostgreSQL takes the same FHIR resources when nothing
 * else happens (no XML, no validation, no queue, no HTTP): multi-row INSERT … SELECT FROM
 * jsonb_to_recordset, one transaction per batch, one connection. Rows are streamed in, so a run of
 * a million episodes never holds its resources in memory.
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
  /** Distinct (type, id) rows stored. */
  resources: number;
  batches: number;
  /** Time spent serialising and inserting (producing the rows is not counted). */
  ms: number;
  perSecond: number;
}

const TABLE = 'bench_plain';

/**
 * Insert `rows` into a fresh `bench_plain` table in batches of `batchSize` distinct rows and time it
 * (JSON serialisation of each batch included, producing the rows not); the table is dropped afterwards.
 * A (type, id) seen in an earlier batch is skipped by ON CONFLICT DO NOTHING, so no set of every id is kept.
 */
export async function plainInsertBaseline(pool: pg.Pool, rows: Iterable<PlainRow>, batchSize = 500): Promise<PlainInsertResult> {
  const client = await pool.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.query(`CREATE TABLE ${TABLE} (resource_type text NOT NULL, id text NOT NULL, content jsonb NOT NULL, PRIMARY KEY (resource_type, id))`);
    let ms = 0;
    let batches = 0;
    const flush = async (batch: Map<string, PlainRow>) => {
      const t0 = performance.now();
      const json = JSON.stringify([...batch.values()]);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${TABLE} (resource_type, id, content)
         SELECT x.resource_type, x.id, x.content FROM jsonb_to_recordset($1::jsonb) AS x(resource_type text, id text, content jsonb)
         ON CONFLICT (resource_type, id) DO NOTHING`,
        [json],
      );
      await client.query('COMMIT');
      ms += performance.now() - t0;
      batches++;
    };
    let batch = new Map<string, PlainRow>();
    for (const row of rows) {
      batch.set(`${row.resource_type}/${row.id}`, row); // a repeat within one statement would be an error
      if (batch.size >= batchSize) {
        await flush(batch);
        batch = new Map();
      }
    }
    if (batch.size) await flush(batch);
    const { rows: counted } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE}`);
    const resources = counted[0]?.n ?? 0;
    return { resources, batches, ms, perSecond: resources / (ms / 1000) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    client.release();
  }
}
