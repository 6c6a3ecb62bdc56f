import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/**
 * Cross-site request forgery defences of the dashboard's forms (docs/dashboard.md): besides the
 * SameSite=Strict cookie, every POST must come from a page of this host (Origin, or Referer when the
 * browser sends no Origin) and carry the session's token in a hidden field.
 */

/** Whether the request's Origin (or else Referer), when present, names this host. */
export function sameOrigin(req: Request): boolean {
  const source = req.get('origin') ?? req.get('referer');
  if (source === undefined) return true; // non-browser clients; the token still has to match
  try {
    return new URL(source).host === req.get('host');
  } catch {
    return false; // "null" (sandboxed or privacy-redirected documents) and garbage
  }
}

/** Constant-time comparison of the submitted token with the session's. */
export function tokenMatches(submitted: unknown, expected: string): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
