import pg from 'pg';

/** A PostgreSQL pool; gateway and worker each get their own so one cannot starve the other. */
export function createPool(url: string, max = 10, applicationName = 'fhir-gateway'): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (PostgreSQL restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  // A checked-out client whose server goes away emits 'error' too; its pending query rejects anyway.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export type Db = pg.Pool | pg.PoolClient;

/** Run `fn` in a transaction on a dedicated client; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
