import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { KeyVerifier, Principal } from '../auth/api-keys.js';
import type { AuthGuard } from './rate-limit.js';
import { forbidden, unauthorized } from '../../errors/outcome.js';
import type { Role } from '../store/keys.repo.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** The key a request presents, if any. */
export function presentedKey(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1];
  }
  return req.get('x-api-key') ?? undefined;
}

/** Authenticate every request by API key (`Authorization: Bearer fgw_…` or `X-API-Key`). */
export function authenticate(verifier: KeyVerifier, guard?: AuthGuard): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const key = presentedKey(req);
      const principal = key ? await verifier.verify(key) : undefined;
      if (!principal) {
        await guard?.recordFailure(req);
        if (key) res.locals.auditAction = 'login-failed';
        return next(unauthorized(key ? 'API key is unknown, revoked or expired' : 'an API key is required (Authorization: Bearer <key>)'));
      }
      req.principal = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Allow only the given roles; everyone else gets 403 (and the audit log records the refusal). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const p = req.principal;
    if (!p || !roles.includes(p.role)) {
      res.locals.auditAction = 'denied';
      return next(forbidden(`role ${p?.role ?? 'anonymous'} may not ${req.method} ${req.baseUrl}${req.path}; allowed: ${roles.join(', ')}`));
    }
    next();
  };
}
