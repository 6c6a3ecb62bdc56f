import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { appendAudit, type AuditEntry } from '../store/audit.repo.js';
import type { Db } from '../../db/pool.js';
import { purposeOf, summarizeQuery } from './audit-query.js';

/**
 * The audit action of a request. read/search = patient data (FHIR store); view = administrative
 * reads (statistics, submissions, audit). HEAD is a read like GET; the path is classified in lower
 * case so no spelling of it escapes read/search (routing is case-sensitive as well, gateway/app.ts).
 */
export function actionFor(method: string, path: string): string {
  const p = path.toLowerCase();
  if (method === 'GET' || method === 'HEAD') return /^\/fhir\/[a-z]+\/[^/]+$/.test(p) ? 'read' : p.startsWith('/fhir/') ? 'search' : 'view';
  if (method === 'POST' && /^\/fhir\/[a-z]+\/_search$/.test(p)) return 'search';
  if (method === 'DELETE') return 'delete';
  if (method === 'PUT') return 'update';
  return p.startsWith('/api/') ? 'execute' : 'create';
}

/** What routes leave in `res.locals.audit` for the audit row (ids only). */
export interface AuditDetail {
  resource?: string;
  patient?: string;
  returned?: string[];
  patients?: string[];
  bulk?: boolean;
}

/** Resources listed per row at most (one page of a search). */
const MAX_RETURNED = 1000;

/**
 * Record every authenticated call and every refused one in the append-only audit log, when the
 * response finishes. Routes add what they know in `res.locals.audit` (resource, patient, what a
 * read returned). Only ids go in (Patient/<uuid>), never names or CCCD numbers: query values that
 * may be personal are replaced by keyed hashes (`hashKey`, gateway/http/audit-query.ts).
 */
export function auditTrail(db: Db, log: Logger, hashKey: string): RequestHandler {
  return (req, res, next) => {
    const sourceIp = req.ip ?? req.socket?.remoteAddress ?? null; // read now: the socket may be gone at 'finish' (req.ip follows TRUST_PROXY)
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0]!.slice(0, 300); // req.path is router-relative by now
      const detail = (res.locals.audit ?? {}) as AuditDetail;
      const entry: AuditEntry = {
        keyId: req.principal?.keyId ?? null,
        role: req.principal?.role ?? null,
        facility: req.principal?.facility ?? null,
        action: (res.locals.auditAction as string | undefined)
          ?? (res.statusCode === 401 ? 'login-failed' : res.statusCode === 403 ? 'denied' : actionFor(req.method, path)),
        method: req.method,
        path,
        resource: detail.resource ?? null,
        patient: detail.patient ?? (detail.patients?.length === 1 ? detail.patients[0]! : null),
        sourceIp,
        status: res.statusCode,
        query: summarizeQuery({ ...(req.query as Record<string, unknown>), ...(res.locals.auditQuery as Record<string, unknown> | undefined) }, hashKey) ?? null,
        returned: detail.returned?.slice(0, MAX_RETURNED) ?? null,
        patients: detail.patients?.slice(0, MAX_RETURNED) ?? null,
        purpose: purposeOf(req),
        bulk: detail.bulk ?? false,
      };
      appendAudit(db, entry).catch((err) => log.error({ err: (err as Error).message, path: entry.path }, 'audit write failed'));
    });
    next();
  };
}
