import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { appendAudit, type AuditEntry } from '../store/audit.repo.js';
import type { Db } from '../../db/pool.js';

function actionFor(method: string, path: string): string {
  // read/search = patient data (FHIR store); view = administrative reads (statistics, submissions, audit).
  if (method === 'GET') return /^\/fhir\/[A-Za-z]+\/[^/]+$/.test(path) ? 'read' : path.startsWith('/fhir/') ? 'search' : 'view';
  if (method === 'DELETE') return 'delete';
  if (method === 'PUT') return 'update';
  return path.startsWith('/api/') ? 'execute' : 'create';
}

/**
 * Record every authenticated call and every refused one in the append-only audit log, when the
 * response finishes. Routes add what they know in `res.locals.audit` (resource, patient).
 * Only ids go in (Patient/<uuid>), never names or CCCD numbers.
 */
export function auditTrail(db: Db, log: Logger): RequestHandler {
  return (req, res, next) => {
    const sourceIp = req.socket?.remoteAddress ?? null; // read now: the socket may be gone at 'finish'
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0]!.slice(0, 300); // req.path is router-relative by now
      const detail = (res.locals.audit ?? {}) as { resource?: string; patient?: string };
      const entry: AuditEntry = {
        keyId: req.principal?.keyId ?? null,
        role: req.principal?.role ?? null,
        facility: req.principal?.facility ?? null,
        action: (res.locals.auditAction as string | undefined)
          ?? (res.statusCode === 401 ? 'login-failed' : res.statusCode === 403 ? 'denied' : actionFor(req.method, path)),
        method: req.method,
        path,
        resource: detail.resource ?? null,
        patient: detail.patient ?? null,
        sourceIp,
        status: res.statusCode,
      };
      appendAudit(db, entry).catch((err) => log.error({ err: (err as Error).message, path: entry.path }, 'audit write failed'));
    });
    next();
  };
}
