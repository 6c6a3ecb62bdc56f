import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../../db/pool.js';
import type { Principal } from '../auth/api-keys.js';
import { findKey } from '../store/keys.repo.js';
import { deleteSession, deleteSessionsOfKey, findSession, insertSession, touchSession } from './sessions.repo.js';

/** A session ends 8 hours after login, whatever happens (docs/dashboard.md). */
export const SESSION_ABSOLUTE_MS = 8 * 3600_000;
/** …and after 60 minutes without a request. */
export const SESSION_IDLE_MS = 60 * 60_000;
/** `last_seen_at` is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;
/** How long this process trusts a session it has just checked, for the rate-limit bypass only (`knows`). */
const PEEK_MS = 10_000;

/** The cookie of plain-HTTP deployments (the demo); over HTTPS the `__Secure-` name (a `__Host-` cookie would need Path=/). */
export const COOKIE_PLAIN = 'fgw_admin';
export const COOKIE_SECURE = '__Secure-fgw_admin';

/** A checked session: who it is, and the token its forms must carry. */
export interface AdminSession {
  idHash: string;
  csrfToken: string;
  principal: Principal;
}

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

/** The value of cookie `name` in a request's Cookie header. */
export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session id the request presents (the cookie of its scheme), if well-formed. */
function presentedId(req: Request): string | undefined {
  const v = cookieValue(req, req.secure ? COOKIE_SECURE : COOKIE_PLAIN);
  return v && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
}

/**
 * Server-side sessions of the dashboard: a random 32-byte id in an HttpOnly, SameSite=Strict cookie
 * (Path=/admin, Secure over HTTPS); the table holds its SHA-256 hash, the API key it was opened with
 * and the CSRF token. Every request re-reads the key, so revoking it ends its sessions at once.
 */
export class AdminSessions {
  private readonly recent = new Map<string, number>();
  constructor(private readonly db: Db, private readonly clock: () => Date) {}

  /** Open a session for an admin key; returns the cookie value (shown to the browser only). */
  async open(keyId: string): Promise<{ id: string; csrfToken: string }> {
    const id = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.clock();
    await insertSession(this.db, { idHash: hashOf(id), keyId, csrfToken, createdAt: now, expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS) });
    return { id, csrfToken };
  }

  /** The request's session if it is valid now: not expired, not idle, its key still an active admin key. */
  async load(req: Request): Promise<AdminSession | undefined> {
    const id = presentedId(req);
    if (!id) return undefined;
    const idHash = hashOf(id);
    const row = await findSession(this.db, idHash);
    const now = this.clock().getTime();
    if (!row) return undefined;
    if (row.expiresAt.getTime() <= now || row.lastSeenAt.getTime() + SESSION_IDLE_MS <= now) {
      await deleteSession(this.db, idHash);
      return undefined;
    }
    const key = await findKey(this.db, row.keyId);
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now) || key.role !== 'admin') {
      await deleteSessionsOfKey(this.db, row.keyId);
      return undefined;
    }
    if (now - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await touchSession(this.db, idHash, new Date(now));
    this.remember(idHash, now);
    return { idHash, csrfToken: row.csrfToken, principal: { keyId: key.id, role: key.role, facility: null, scopes: key.scopes } };
  }

  /** End the request's session (logout). */
  async close(req: Request): Promise<void> {
    const id = presentedId(req);
    if (!id) return;
    this.recent.delete(hashOf(id));
    await deleteSession(this.db, hashOf(id));
  }

  /**
   * Whether this process checked the request's session in the last seconds (no database work):
   * lets a signed-in administrator through the per-address lookup limit, as a verified key is.
   */
  knows(req: Request): boolean {
    const id = presentedId(req);
    return !!id && (this.recent.get(hashOf(id)) ?? 0) > this.clock().getTime();
  }

  private remember(idHash: string, now: number): void {
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(idHash, now + PEEK_MS);
  }
}

/** Set the session cookie: HttpOnly, SameSite=Strict, Path=/admin, Secure over HTTPS. */
export function setSessionCookie(req: Request, res: Response, id: string): void {
  const name = req.secure ? COOKIE_SECURE : COOKIE_PLAIN;
  res.append('Set-Cookie', `${name}=${id}; Path=/admin; Max-Age=${SESSION_ABSOLUTE_MS / 1000}; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`);
}

/** Remove the session cookie. */
export function clearSessionCookie(req: Request, res: Response): void {
  const name = req.secure ? COOKIE_SECURE : COOKIE_PLAIN;
  res.append('Set-Cookie', `${name}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`);
}
