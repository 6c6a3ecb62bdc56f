import type { Db } from '../../db/pool.js';

/** One audited action (who, when, what, which patient, from where, outcome). */
export interface AuditEntry {
  keyId: string | null;
  role: string | null;
  facility: string | null;
  action: string;
  method: string;
  path: string;
  resource: string | null;
  patient: string | null;
  sourceIp: string | null;
  status: number;
}

/** AuditEvent.outcome: 0 success, 4 minor failure (4xx), 8 serious failure (5xx). */
export function outcomeOf(status: number): string {
  return status < 400 ? '0' : status < 500 ? '4' : '8';
}

/** Append one entry (the table rejects UPDATE and DELETE). */
export async function appendAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (key_id, role, facility, action, method, path, resource, patient, source_ip, status, outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [e.keyId, e.role, e.facility, e.action, e.method, e.path, e.resource, e.patient, e.sourceIp, e.status, outcomeOf(e.status)],
  );
}

export interface AuditQuery {
  from: Date;
  to: Date;
  keyId?: string;
  patient?: string;
  action?: string;
  limit: number;
  offset: number;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: string;
  outcome: string;
}

/** Entries in [from, to) with optional filters, newest first. */
export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditRow[]> {
  const { rows } = await db.query(
    `SELECT * FROM audit_events
      WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR key_id = $3) AND ($4::text IS NULL OR patient = $4)
        AND ($5::text IS NULL OR action = $5)
      ORDER BY id DESC LIMIT $6 OFFSET $7`,
    [q.from, q.to, q.keyId ?? null, q.patient ?? null, q.action ?? null, q.limit, q.offset],
  );
  return rows.map((r) => ({
    id: Number(r.id), at: new Date(r.at).toISOString(), keyId: r.key_id, role: r.role, facility: r.facility, action: r.action,
    method: r.method, path: r.path, resource: r.resource, patient: r.patient, sourceIp: r.source_ip, status: r.status, outcome: r.outcome,
  }));
}

/** Usage per account over a period: requests, failures, patient-data reads, first and last use ("login statistics"). */
export async function usageByAccount(db: Db, from: Date, to: Date): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query(
    `SELECT a.key_id, a.role, a.facility, count(*)::int AS requests,
            count(*) FILTER (WHERE a.outcome <> '0')::int AS failures,
            count(*) FILTER (WHERE a.action IN ('read', 'search'))::int AS patient_data_reads,
            count(*) FILTER (WHERE a.action = 'login-failed')::int AS failed_logins,
            min(a.at) AS first_at, max(a.at) AS last_at, k.label
       FROM audit_events a LEFT JOIN api_keys k ON k.id = a.key_id
      WHERE a.at >= $1 AND a.at < $2
      GROUP BY a.key_id, a.role, a.facility, k.label
      ORDER BY requests DESC`,
    [from, to],
  );
  return rows.map((r) => ({
    keyId: r.key_id, label: r.label ?? null, role: r.role, facility: r.facility, requests: r.requests, failures: r.failures,
    patientDataReads: r.patient_data_reads, failedLogins: r.failed_logins,
    firstAt: new Date(r.first_at).toISOString(), lastAt: new Date(r.last_at).toISOString(),
  }));
}
