import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { KeyVerifier, Principal } from '../auth/api-keys.js';
import { forbidden, unauthorized } from '../../errors/outcome.js';
import type { Role } from '../store/keys.repo.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

function presentedKey(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1];
  }
  return req.get('x-api-key') ?? undefined;
}

/** Authenticate every request by API key (`Authorization: Bearer fgw_…` or `X-API-Key`). */
export function authenticate(verifier: KeyVerifier): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    if (!key) return next(unauthorized('an API key is required (Authorization: Bearer <key>)'));
    const principal = await verifier.verify(key);
    if (!principal) {
      res.locals.auditAction = 'login-failed';
      return next(unauthorized('API key is unknown, revoked or expired'));
    }
    req.principal = principal;
    next();
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
