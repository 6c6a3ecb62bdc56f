import { Router } from 'express';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import type pg from 'pg';
import { badRequest } from '../../errors/outcome.js';
import { requireRole } from '../http/auth.js';
import { listAuditArchives } from '../store/audit-partitions.repo.js';
import { failedLoginsByAddress, queryAudit, usageByAccount, type AuditRow } from '../store/audit.repo.js';
import { parsePeriod } from './api.routes.js';
import { intParam } from '../../http-input/params.js';

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

/**
 * Audit log for auditors: entries (JSON or FHIR AuditEvent Bundle) and usage per account. The JSON
 * form also lists, under `archived`, the months of the period whose rows were moved to archive files.
 */
export function auditRoutes(deps: {
  pool: pg.Pool;
  clock: () => Date;
  /** The Patient id and audit hash of a CCCD, for `?cccd=` (a data subject's access log). */
  personOf: (cccd: string) => { patient: string; valueHash: string };
}): Router {
  const router = Router();
  router.get('/', requireRole('auditor'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const { from, to } = parsePeriod(q, deps.clock());
    const limit = intParam(q, '_count', { min: 1, max: 1000, default: 100 });
    const offset = intParam(q, '_offset', { min: 0, max: 1_000_000, default: 0 });
    for (const k of ['keyId', 'patient', 'action', 'cccd'] as const) {
      if (q[k] !== undefined && (typeof q[k] !== 'string' || (q[k] as string).length > 200)) throw badRequest(`${k} must be a single string`, [k]);
    }
    const rows = await queryAudit(deps.pool, {
      from, to, limit, offset,
      ...(q.keyId ? { keyId: q.keyId as string } : {}),
      ...(q.patient ? { patient: q.patient as string } : {}),
      ...(q.action ? { action: q.action as string } : {}),
      ...(q.cccd ? { person: deps.personOf(q.cccd as string) } : {}),
    });
    if (q._format === 'fhir') {
      const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: rows.length, entry: rows.map((r) => ({ resource: toAuditEvent(r) })) };
      res.type('application/fhir+json').send(JSON.stringify(bundle));
      return;
    }
    // Months of the period already archived to files (docs/audit-retention.md): their rows are not in `events`.
    const archived = await listAuditArchives(deps.pool, from, to);
    res.json({ from: from.toISOString(), to: to.toISOString(), events: rows, archived });
  });
  router.get('/usage', requireRole('auditor'), async (req, res) => {
    const { from, to } = parsePeriod(req.query as Record<string, unknown>, deps.clock());
    res.json({
      from: from.toISOString(), to: to.toISOString(),
      accounts: await usageByAccount(deps.pool, from, to),
      addresses: await failedLoginsByAddress(deps.pool, from, to),
    });
  });
  return router;
}
