import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { unauthorized } from '../../errors/outcome.js';

/** The token a request presents as `Authorization: Bearer <token>` (RFC 6750 §2.1), if any. */
function bearerOf(req: Request): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
}

/**
 * Constant-time equality of two secrets: both are hashed first, so neither their contents nor
 * their lengths show in the comparison's timing.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Who may scrape /metrics. With METRICS_TOKEN set: exactly that bearer token (a scraper's
 * credential, no API key accepted); a wrong or missing one is 401 and counts as a failed
 * authentication of the source address (`onFailure`, the lockout of gateway/http/rate-limit.ts).
 * Without it: `fallback`, the usual API-key chain ending in the admin role.
 */
export function metricsAuth(opts: { token?: string; onFailure: (req: Request) => Promise<void>; fallback: RequestHandler[] }): RequestHandler[] {
  const { token } = opts;
  if (!token) return opts.fallback;
  return [async (req, _res, next) => {
    const presented = bearerOf(req);
    if (presented && sameSecret(presented, token)) return next();
    try {
      await opts.onFailure(req);
    } catch (err) {
      return next(err);
    }
    next(unauthorized('the metrics token is required (Authorization: Bearer <METRICS_TOKEN>)'));
  }];
}
