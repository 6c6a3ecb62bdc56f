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
  /** Parameter names with verbatim control values or keyed hashes (gateway/http/audit-query.ts). */
  query?: Record<string, string | string[]> | null;
  /** Resources the answer carried (Type/id), for reads and searches. */
  returned?: string[] | null;
  /** Distinct Patient/<id> whose data the answer carried. */
  patients?: string[] | null;
  /** The purpose the caller stated (X-Purpose-Of-Use). */
  purpose?: string | null;
  /** A bulk read: no patient named, or more patients per hour than the key's limit. */
  bulk?: boolean;
}

/** AuditEvent.outcome: 0 success, 4 minor failure (4xx), 8 serious failure (5xx). */
export function outcomeOf(status: number): string {
  return status < 400 ? '0' : status < 500 ? '4' : '8';
}

/** Append one entry (the table rejects UPDATE and DELETE). */
export async function appendAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (key_id, role, facility, action, method, path, resource, patient, source_ip, status, outcome,
                               query, returned, patients, purpose, bulk)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [e.keyId, e.role, e.facility, e.action, e.method, e.path, e.resource, e.patient, e.sourceIp, e.status, outcomeOf(e.status),
      e.query ? JSON.stringify(e.query) : null, e.returned ?? null, e.patients ?? null, e.purpose ?? null, e.bulk ?? false],
  );
}

export interface AuditQuery {
  from: Date;
  to: Date;
  keyId?: string;
  patient?: string;
  action?: string;
  /** A keyed hash (`h:…`, gateway/http/audit-query.ts) that a search parameter carried. */
  valueHash?: string;
  /** One person: rows about this Patient/<id> or whose search carried this keyed hash (a data subject's access log). */
  person?: { patient: string; valueHash: string };
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
      WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR key_id = $3)
        AND ($4::text IS NULL OR patient = $4 OR patients @> ARRAY[$4::text])
        AND ($5::text IS NULL OR action = $5)
        AND ($8::text IS NULL OR strpos(query::text, $8) > 0)
        AND ($9::text IS NULL OR patient = $9 OR patients @> ARRAY[$9::text] OR strpos(query::text, $10) > 0)
      ORDER BY id DESC LIMIT $6 OFFSET $7`,
    [q.from, q.to, q.keyId ?? null, q.patient ?? null, q.action ?? null, q.limit, q.offset, q.valueHash ?? null,
      q.person?.patient ?? null, q.person?.valueHash ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id), at: new Date(r.at).toISOString(), keyId: r.key_id, role: r.role, facility: r.facility, action: r.action,
    method: r.method, path: r.path, resource: r.resource, patient: r.patient, sourceIp: r.source_ip, status: r.status, outcome: r.outcome,
    query: r.query ?? null, returned: r.returned ?? null, patients: r.patients ?? null, purpose: r.purpose ?? null, bulk: r.bulk ?? false,
  }));
}

/** Usage per account over a period: requests, failures, patient-data reads, first and last use ("login statistics"). */
export async function usageByAccount(db: Db, from: Date, to: Date): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query(
    `SELECT a.key_id, a.role, a.facility, count(*)::int AS requests,
            count(*) FILTER (WHERE a.outcome <> '0')::int AS failures,
            count(*) FILTER (WHERE a.action IN ('read', 'search'))::int AS patient_data_reads,
            count(*) FILTER (WHERE a.action = 'login-failed')::int AS failed_logins,
            count(*) FILTER (WHERE a.bulk)::int AS bulk_reads,
            coalesce(sum(cardinality(a.patients)), 0)::int AS patients_returned,
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
    bulkReads: r.bulk_reads, patientsReturned: r.patients_returned, flagged: r.bulk_reads > 0,
    firstAt: new Date(r.first_at).toISOString(), lastAt: new Date(r.last_at).toISOString(),
  }));
}

/** Failed authentication per source address over a period, with lockouts (who is guessing keys). */
export async function failedLoginsByAddress(db: Db, from: Date, to: Date): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query(
    `SELECT source_ip, count(*) FILTER (WHERE action = 'login-failed')::int AS failed_logins,
            count(*) FILTER (WHERE action = 'lockout')::int AS lockouts, max(at) AS last_at
       FROM audit_events
      WHERE at >= $1 AND at < $2 AND action IN ('login-failed', 'lockout')
      GROUP BY source_ip ORDER BY failed_logins DESC LIMIT 1000`,
    [from, to],
  );
  return rows.map((r) => ({ sourceIp: r.source_ip, failedLogins: r.failed_logins, lockouts: r.lockouts, lastAt: new Date(r.last_at).toISOString() }));
}

/** The audit hash key kept in the database (created by migration 003), unless AUDIT_HASH_KEY is set. */
export async function auditHashKeyOf(db: Db, configured?: string): Promise<string> {
  if (configured) return configured;
  const { rows } = await db.query("SELECT value FROM gateway_secrets WHERE name = 'audit-query-hmac'");
  if (!rows[0]) throw new Error('gateway_secrets has no audit-query-hmac: migration 003_audit_reads did not run');
  return rows[0].value as string;
}
