import { Router } from 'express';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import type pg from 'pg';
import { badRequest } from '../../errors/outcome.js';
import { requireRole } from '../http/auth.js';
import { queryAudit, usageByAccount, type AuditRow } from '../store/audit.repo.js';
import { parsePeriod } from './api.routes.js';

const ACTION_CODES: Record<string, AuditEvent['action']> = { read: 'R', search: 'E', create: 'C', update: 'U', delete: 'D', execute: 'E' };

/** One audit row as a FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html). */
export function toAuditEvent(row: AuditRow): AuditEvent {
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: String(row.id),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    action: ACTION_CODES[row.action] ?? 'E',
    recorded: row.at,
    outcome: row.outcome as AuditEvent['outcome'],
    outcomeDesc: `${row.action} ${row.method} ${row.path} → ${row.status}`,
    agent: [{
      requestor: true,
      who: { identifier: { system: 'urn:fhir-gateway:api-key', value: row.keyId ?? 'anonymous' }, ...(row.facility ? { display: row.facility } : {}) },
      ...(row.role ? { role: [{ text: row.role }] } : {}),
      ...(row.sourceIp ? { network: { address: row.sourceIp, type: '2' as const } } : {}),
    }],
    source: { observer: { display: 'vn-fhir-linkage-gateway' } },
  };
  const entity = [
    ...(row.resource ? [{ what: row.resource.includes('/') && /^[A-Z]/.test(row.resource) ? { reference: row.resource } : { display: row.resource } }] : []),
    ...(row.patient ? [{ what: { reference: row.patient }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' } }] : []),
  ];
  if (entity.length) event.entity = entity;
  return event;
}

/** Audit log for auditors: entries (JSON or FHIR AuditEvent Bundle) and usage per account. */
export function auditRoutes(deps: { pool: pg.Pool; clock: () => Date }): Router {
  const router = Router();
  router.get('/', requireRole('auditor'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const { from, to } = parsePeriod(q, deps.clock());
    const limit = q._count === undefined ? 100 : Number(q._count);
    const offset = q._offset === undefined ? 0 : Number(q._offset);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('_count must be 1–1000', ['_count']);
    if (!Number.isInteger(offset) || offset < 0) throw badRequest('_offset must be ≥ 0', ['_offset']);
    for (const k of ['keyId', 'patient', 'action'] as const) {
      if (q[k] !== undefined && (typeof q[k] !== 'string' || (q[k] as string).length > 200)) throw badRequest(`${k} must be a single string`, [k]);
    }
    const rows = await queryAudit(deps.pool, {
      from, to, limit, offset,
      ...(q.keyId ? { keyId: q.keyId as string } : {}),
      ...(q.patient ? { patient: q.patient as string } : {}),
      ...(q.action ? { action: q.action as string } : {}),
    });
    if (q._format === 'fhir') {
      const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: rows.length, entry: rows.map((r) => ({ resource: toAuditEvent(r) })) };
      res.type('application/fhir+json').send(JSON.stringify(bundle));
      return;
    }
    res.json({ from: from.toISOString(), to: to.toISOString(), events: rows });
  });
  router.get('/usage', requireRole('auditor'), async (req, res) => {
    const { from, to } = parsePeriod(req.query as Record<string, unknown>, deps.clock());
    res.json({ from: from.toISOString(), to: to.toISOString(), accounts: await usageByAccount(deps.pool, from, to) });
  });
  return router;
}
