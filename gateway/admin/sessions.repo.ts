import type { Db } from '../../db/pool.js';

/** One stored dashboard session (the session id itself is never stored, only its hash). */
export interface AdminSessionRow {
  idHash: string;
  keyId: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

function toRow(r: Record<string, unknown>): AdminSessionRow {
  return {
    idHash: r.id_hash as string, keyId: r.key_id as string, csrfToken: r.csrf_token as string,
    createdAt: r.created_at as Date, lastSeenAt: r.last_seen_at as Date, expiresAt: r.expires_at as Date,
  };
}

/** Store a new session; also drops every session past its absolute expiry (keeps the table small). */
export async function insertSession(db: Db, s: Omit<AdminSessionRow, 'lastSeenAt'>): Promise<void> {
  await db.query('DELETE FROM admin_sessions WHERE expires_at < $1', [s.createdAt]);
  await db.query(
    'INSERT INTO admin_sessions (id_hash, key_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)',
    [s.idHash, s.keyId, s.csrfToken, s.createdAt, s.expiresAt],
  );
}

/** The session with this id hash, if stored. */
export async function findSession(db: Db, idHash: string): Promise<AdminSessionRow | undefined> {
  const { rows } = await db.query('SELECT * FROM admin_sessions WHERE id_hash = $1', [idHash]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** Record activity (the idle timeout counts from here). */
export async function touchSession(db: Db, idHash: string, at: Date): Promise<void> {
  await db.query('UPDATE admin_sessions SET last_seen_at = $2 WHERE id_hash = $1', [idHash, at]);
}

/** End one session. */
export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.query('DELETE FROM admin_sessions WHERE id_hash = $1', [idHash]);
}

/** End every session opened with this key (its key was revoked or expired). */
export async function deleteSessionsOfKey(db: Db, keyId: string): Promise<void> {
  await db.query('DELETE FROM admin_sessions WHERE key_id = $1', [keyId]);
}
