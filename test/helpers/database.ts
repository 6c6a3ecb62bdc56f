import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { servicesEnv } from './gateway.js';

/** A throwaway database on the test PostgreSQL (for tests that change the schema or need a known state). */
export interface ScratchDatabase {
  url: string;
  pool: pg.Pool;
  /** Close the pool and drop the database. */
  drop: () => Promise<void>;
}

/** Create an empty database next to the shared test database (the test role is a superuser). */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const base = servicesEnv().DATABASE_URL;
  const name = `${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
