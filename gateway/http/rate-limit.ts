import type { RequestHandler } from 'express';
import { tooManyRequests } from '../../errors/outcome.js';

/**
 * Fixed-window rate limit per API key (or per address before authentication), per process.
 * Behind N gateway replicas the effective limit is N × `perMinute`.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (req, _res, next) => {
    const who = req.principal?.keyId ?? `ip:${req.ip}`;
    const t = now();
    let w = windows.get(who);
    if (!w || t - w.start >= 60_000) {
      if (windows.size > 50_000) windows.clear();
      w = { start: t, count: 0 };
      windows.set(who, w);
    }
    w.count += 1;
    if (w.count > perMinute) return next(tooManyRequests(Math.ceil((w.start + 60_000 - t) / 1000)));
    next();
  };
}
