import type { Db } from '../../db/pool.js';

/** Roles of API clients (README "Keys and roles"). `linker` is the worker's credential for the built-in EHR. */
export type Role = 'facility' | 'portal' | 'admin' | 'auditor' | 'linker';
export const ROLES: readonly Role[] = ['facility', 'portal', 'admin', 'auditor', 'linker'];

/** A stored key, without its secret. */
export interface ApiKeyRow {
  id: string;
  secretHash: string;
  role: Role;
  facility: string | null;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** Extra permissions, e.g. `bulk-read` (see KEY_SCOPES). */
  scopes: string[];
}

/**
 * Scopes a key may carry beyond its role. `bulk-read`: FHIR searches that name no patient, and
 * reads of more patients per hour than BULK_READ_PATIENTS_PER_HOUR (a portal's reporting job).
 */
export const KEY_SCOPES = ['bulk-read'] as const;

function toRow(r: Record<string, unknown>): ApiKeyRow {
  return {
    id: r.id as string,
    secretHash: r.secret_hash as string,
    role: r.role as Role,
    facility: (r.facility as string | null) ?? null,
    label: r.label as string,
    createdAt: r.created_at as Date,
    expiresAt: (r.expires_at as Date | null) ?? null,
    revokedAt: (r.revoked_at as Date | null) ?? null,
    lastUsedAt: (r.last_used_at as Date | null) ?? null,
    scopes: (r.scopes as string[] | null) ?? [],
  };
}

export async function insertKey(
  db: Db,
  k: { id: string; secretHash: string; role: Role; facility: string | null; label: string; expiresAt: Date | null; scopes: readonly string[] },
): Promise<void> {
  await db.query(
    'INSERT INTO api_keys (id, secret_hash, role, facility, label, expires_at, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [k.id, k.secretHash, k.role, k.facility, k.label, k.expiresAt, k.scopes],
  );
}

export async function findKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query('SELECT * FROM api_keys WHERE id = $1', [id]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function listKeys(db: Db): Promise<ApiKeyRow[]> {
  const { rows } = await db.query('SELECT * FROM api_keys ORDER BY created_at');
  return rows.map(toRow);
}

/** Active keys that expire before `before`, soonest first (`npm run keys -- expiring`). */
export async function keysExpiringBefore(db: Db, before: Date): Promise<ApiKeyRow[]> {
  const { rows } = await db.query(
    'SELECT * FROM api_keys WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at < $1 ORDER BY expires_at',
    [before],
  );
  return rows.map(toRow);
}

/** Revoke a key; returns false when it did not exist or was already revoked. */
export async function revokeKey(db: Db, id: string, replacedBy: string | null = null): Promise<boolean> {
  const res = await db.query('UPDATE api_keys SET revoked_at = now(), replaced_by = $2 WHERE id = $1 AND revoked_at IS NULL', [id, replacedBy]);
  return (res.rowCount ?? 0) > 0;
}

/** Remember the last use; KeyVerifier calls it at most once a minute per key, and the WHERE keeps other processes from rewriting it sooner. */
export async function touchKey(db: Db, id: string): Promise<void> {
  await db.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", [id]);
}
