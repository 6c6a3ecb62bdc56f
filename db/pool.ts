import pg from 'pg';

/** A PostgreSQL pool; gateway and worker each get their own so one cannot starve the other. */
export function createPool(url: string, max = 10, applicationName = 'fhir-gateway'): pg.Pool {
  // JIT off: the gateway's statements are short, and PostgreSQL's JIT compiles any plan costed above
  // jit_above_cost — a statistics question over millions of counter rows spent more time compiling
  // than running (docs/decisions.md, "Statistics latency").
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName, connectionTimeoutMillis: 10_000, options: '-c jit=off' });
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
