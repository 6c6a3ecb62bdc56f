import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { appendAudit, queryAudit, usageByAccount } from '../../gateway/store/audit.repo.js';
import { ensureAuditPartitions, listAuditPartitions } from '../../gateway/store/audit-partitions.repo.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/database.js';

/** `YYYY-MM` of an instant in Vietnam time (UTC+7), and the name of that month's partition. */
const vnMonth = (d: Date) => new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 7);
const partitionOf = (d: Date) => `audit_events_${vnMonth(d).replace('-', '_')}`;
const COLUMNS = 'id, at, key_id, role, facility, action, method, path, resource, patient, source_ip, status, outcome';

describe('audit_events partitioned by month (migration 002)', () => {
  let db: ScratchDatabase;
  const now = new Date();
  // Inserted in this order, so ids follow it (not the times).
  const seeded = [
    { at: new Date('2024-03-10T05:00:00Z'), path: '/fhir/Patient/a', key: 'k1' },
    { at: new Date('2025-06-30T16:59:59.999Z'), path: '/fhir/Patient/b', key: 'k2' }, // 23:59:59.999 on 30 June, Vietnam
    { at: new Date('2025-06-30T17:00:00Z'), path: '/fhir/Patient/c', key: 'k1' },     // midnight 1 July, Vietnam
    { at: new Date('2024-03-01T00:00:00Z'), path: '/fhir/Patient/d', key: 'k2' },     // older, inserted later
    { at: now, path: '/api/stats/facilities', key: 'k1' },
  ];
  let before: Array<Record<string, unknown>>;

  beforeAll(async () => {
    db = await createScratchDatabase('audit_part');
    // The database as it was before 002: only the first gateway migration, with rows in it.
    const only001 = await mkdtemp(join(tmpdir(), 'mig001-'));
    await copyFile(fileURLToPath(new URL('../../gateway/store/migrations/001_auth_audit.sql', import.meta.url)), join(only001, '001_auth_audit.sql'));
    await migrate(db.pool, [{ owner: 'gateway', dir: `${only001}/` }]);
    await rm(only001, { recursive: true });
    for (const [i, s] of seeded.entries()) {
      await db.pool.query(
        `INSERT INTO audit_events (at, key_id, role, facility, action, method, path, resource, patient, source_ip, status, outcome)
         VALUES ($1, $2, 'portal', NULL, 'read', 'GET', $3, $3, $4, '10.0.0.1', $5, $6)`,
        [s.at, s.key, s.path, i % 2 ? `Patient/p${i}` : null, i === 3 ? 404 : 200, i === 3 ? '4' : '0'],
      );
    }
    before = (await db.pool.query(`SELECT ${COLUMNS} FROM audit_events ORDER BY id`)).rows;
    await migrate(db.pool); // every migration: 002 converts the table, later ones add columns to the partitioned table
  });
  afterAll(async () => db?.drop());

  it('keeps every row with its id, columns and order', async () => {
    expect(before.map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5]);
    const after = (await db.pool.query(`SELECT ${COLUMNS} FROM audit_events ORDER BY id`)).rows;
    expect(after).toEqual(before);
    const { rows } = await db.pool.query("SELECT relkind FROM pg_class WHERE relname = 'audit_events'");
    expect(rows[0].relkind).toBe('p');
    expect((await db.pool.query("SELECT to_regclass('audit_events_unpartitioned') AS t")).rows[0].t).toBeNull();
  });

  it('puts each row in the partition of its Vietnam calendar month', async () => {
    const { rows } = await db.pool.query('SELECT id, tableoid::regclass::text AS part FROM audit_events ORDER BY id');
    expect(rows.map((r) => r.part)).toEqual(['audit_events_2024_03', 'audit_events_2025_06', 'audit_events_2025_07', 'audit_events_2024_03', partitionOf(now)]);
    const names = (await listAuditPartitions(db.pool)).map((p) => p.name);
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 15));
    expect(names).toEqual(expect.arrayContaining(['audit_events_2024_03', 'audit_events_2025_06', 'audit_events_2025_07', partitionOf(now), partitionOf(nextMonth), 'audit_events_default']));
    const june = (await listAuditPartitions(db.pool)).find((p) => p.name === 'audit_events_2025_06')!;
    expect([june.month, june.from?.toISOString(), june.to?.toISOString()]).toEqual(['2025-06', '2025-05-31T17:00:00.000Z', '2025-06-30T17:00:00.000Z']);
  });

  it('continues the id sequence, and new rows land in their month (DEFAULT only until a partition exists)', async () => {
    await appendAudit(db.pool, { keyId: 'k3', role: 'auditor', facility: null, action: 'view', method: 'GET', path: '/api/audit', resource: null, patient: null, sourceIp: null, status: 200 });
    const latest = (await db.pool.query('SELECT id, tableoid::regclass::text AS part FROM audit_events ORDER BY id DESC LIMIT 1')).rows[0];
    expect([Number(latest.id), latest.part]).toEqual([6, partitionOf(now)]);

    const far = new Date('2031-04-10T03:00:00Z');
    const ins = await db.pool.query(
      "INSERT INTO audit_events (at, action, method, path, status, outcome) VALUES ($1, 'view', 'GET', '/x', 200, '0') RETURNING id, tableoid::regclass::text AS part", [far],
    );
    expect(ins.rows[0].part).toBe('audit_events_default');
    const created = await ensureAuditPartitions(db.pool);
    expect(created).toEqual(['audit_events_2031_04']);
    const moved = await db.pool.query('SELECT id, at, tableoid::regclass::text AS part FROM audit_events WHERE path = $1', ['/x']);
    expect(moved.rows).toEqual([{ id: ins.rows[0].id, at: far, part: 'audit_events_2031_04' }]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_events_default')).rows[0].n).toBe(0);
    expect(await ensureAuditPartitions(db.pool)).toEqual([]); // nothing left to do
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the parent and on every partition, DEFAULT included', async () => {
    const tables = ['audit_events', ...(await listAuditPartitions(db.pool)).map((p) => p.name)];
    expect(tables.length).toBeGreaterThanOrEqual(7);
    for (const t of tables) {
      await expect(db.pool.query(`UPDATE ${t} SET status = 500`), `UPDATE ${t}`).rejects.toThrow(/append-only/);
      await expect(db.pool.query(`DELETE FROM ${t}`), `DELETE ${t}`).rejects.toThrow(/append-only/);
      await expect(db.pool.query(`DELETE FROM ${t} WHERE id = 1`), `DELETE 1 ${t}`).rejects.toThrow(/append-only/);
      await expect(db.pool.query(`TRUNCATE ${t}`), `TRUNCATE ${t}`).rejects.toThrow(/append-only/);
    }
    await expect(db.pool.query('UPDATE audit_archives SET rows = 0')).rejects.toThrow(/append-only/);
    await expect(db.pool.query('TRUNCATE audit_archives')).rejects.toThrow(/append-only/);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n).toBe(7);
  });

  it('queryAudit and usageByAccount read across partitions; a period touches only its months', async () => {
    const from = new Date('2025-06-01T00:00:00+07:00');
    const to = new Date('2025-08-01T00:00:00+07:00');
    const rows = await queryAudit(db.pool, { from, to, limit: 10, offset: 0 });
    expect(rows.map((r) => [r.id, r.path])).toEqual([[3, '/fhir/Patient/c'], [2, '/fhir/Patient/b']]);
    const march = await queryAudit(db.pool, { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-12-31T00:00:00Z'), keyId: 'k2', limit: 10, offset: 0 });
    expect(march.map((r) => [r.id, r.status, r.outcome])).toEqual([[4, 404, '4']]);
    const usage = await usageByAccount(db.pool, new Date('2024-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    expect(usage.map((u) => [u.keyId, u.requests, u.failures]).sort()).toEqual([['k1', 2, 0], ['k2', 2, 1]]);
    const plan = (await db.pool.query(`EXPLAIN SELECT * FROM audit_events WHERE at >= '${from.toISOString()}' AND at < '${to.toISOString()}'`)).rows
      .map((r) => r['QUERY PLAN'] as string).join('\n');
    const scanned = [...new Set([...plan.matchAll(/ on (audit_events_(?:\d{4}_\d{2}|default))\b/g)].map((m) => m[1]))].sort();
    expect(scanned).toEqual(['audit_events_2025_06', 'audit_events_2025_07']); // partition pruning
  });

  it('a column added to the parent later reaches every partition, existing and new', async () => {
    await db.pool.query('ALTER TABLE audit_events ADD COLUMN retention_probe text');
    await db.pool.query("INSERT INTO audit_events (at, action, method, path, status, outcome, retention_probe) VALUES ('2033-02-10T00:00:00Z', 'view', 'GET', '/y', 200, '0', 'kept')");
    expect(await ensureAuditPartitions(db.pool)).toEqual(['audit_events_2033_02']); // moved out of DEFAULT with the new column
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_attribute a ON a.attrelid = i.inhrelid AND a.attname = 'retention_probe' AND NOT a.attisdropped
        WHERE i.inhparent = 'audit_events'::regclass`,
    );
    expect(rows[0].n).toBe((await listAuditPartitions(db.pool)).length);
    expect((await db.pool.query("SELECT retention_probe, tableoid::regclass::text AS part FROM audit_events WHERE path = '/y'")).rows)
      .toEqual([{ retention_probe: 'kept', part: 'audit_events_2033_02' }]);
  });

  it('several processes ensuring partitions at once do not collide', async () => {
    const results = await Promise.all([0, 1, 2].map(() => ensureAuditPartitions(db.pool, 3, new Date('2034-06-15T00:00:00Z'))));
    expect(results.flat().sort()).toEqual(['audit_events_2034_06', 'audit_events_2034_07', 'audit_events_2034_08', 'audit_events_2034_09']);
  });
});
