import pg from 'pg';
import { migrate } from '../../db/migrate.js';

/**
 * The frame of a database command (`npm run keys`, `npm run registry`): DATABASE_URL required
 * (exit 2 naming it), a small pool, migrations applied, the command's exit code, any error printed
 * as its message (exit 1), the pool closed.
 */
export async function runWithDatabase(command: (pool: pg.Pool) => Promise<number>): Promise<number> {
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL is not set (for the npm start services: source .data/demo/env.sh, see README)');
    return 2;
  }
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    await migrate(pool);
    return await command(pool);
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  } finally {
    await pool.end();
  }
}
