import type { Db } from '../../db/pool.js';

/** A stored profile of a format (CSV column profile), as checked when it was stored. */
export interface FormatProfileRow {
  format: string;
  name: string;
  body: unknown;
  updatedAt: Date;
  updatedBy: string | null;
}

/** Store (insert or replace) a profile; returns whether it existed before. */
export async function putFormatProfile(db: Db, p: { format: string; name: string; body: unknown; updatedBy: string | null }): Promise<{ created: boolean }> {
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO format_profiles (format, name, body, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (format, name) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING (xmax = 0) AS created`,
    [p.format, p.name, JSON.stringify(p.body), p.updatedBy],
  );
  return { created: rows[0]!.created };
}

/** The stored profile, or undefined. */
export async function getFormatProfile(db: Db, format: string, name: string): Promise<FormatProfileRow | undefined> {
  const { rows } = await db.query<{ format: string; name: string; body: unknown; updated_at: Date; updated_by: string | null }>(
    'SELECT format, name, body, updated_at, updated_by FROM format_profiles WHERE format = $1 AND name = $2', [format, name],
  );
  const r = rows[0];
  return r ? { format: r.format, name: r.name, body: r.body, updatedAt: r.updated_at, updatedBy: r.updated_by } : undefined;
}
