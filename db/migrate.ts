import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';

/** Any constant: serialises migrations when several gateway and worker processes start at once. */
const MIGRATION_LOCK = 7_130_4750;

/**
 * The schema owners, applied in this order: linkage records, gateway accounts and audit, the
 * built-in EHR store, then the reporting counters (they read records). Each folder's files are recorded as `<owner>/<file>` in schema_migrations.
 */
export const MIGRATION_SETS: ReadonlyArray<{ owner: string; dir: string }> = [
  { owner: 'records', dir: fileURLToPath(new URL('../records/migrations/', import.meta.url)) },
  { owner: 'gateway', dir: fileURLToPath(new URL('../gateway/store/migrations/', import.meta.url)) },
  { owner: 'identity', dir: fileURLToPath(new URL('../identity/migrations/', import.meta.url)) },
  { owner: 'ehr-store', dir: fileURLToPath(new URL('../ehr-store/migrations/', import.meta.url)) },
  { owner: 'reporting', dir: fileURLToPath(new URL('../reporting/migrations/', import.meta.url)) },
];

/** Apply pending `*.sql` of every owner in name order, each in its own transaction, under an advisory lock. */
export async function migrate(pool: Pool, sets = MIGRATION_SETS): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const { owner, dir } of sets) {
      const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
      for (const file of files) {
        const name = `${owner}/${file}`;
        if (done.has(name)) continue;
        const sql = await readFile(dir + file, 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
          await client.query('COMMIT');
          applied.push(name);
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
