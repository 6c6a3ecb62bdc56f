import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { readArchiveRows, verifyArchiveFile } from '../../gateway/services/audit-archive-file.js';
import { archiveExpiredAudit, verifyAuditArchive } from '../../gateway/services/audit-archive.service.js';
import { listAuditPartitions } from '../../gateway/store/audit-partitions.repo.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/database.js';
import { startTestGateway } from '../helpers/gateway.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** `npm run audit -- …` as an operator runs it; resolves with the exit code and output. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/audit-maintenance.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** Every audit row, as the archive writes it (all columns, UTC timestamps), for one Vietnam month. */
async function rowsOfMonth(db: ScratchDatabase, month: string): Promise<Array<Record<string, unknown>>> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const { rows } = await client.query(
      "SELECT row_to_json(a)::text AS line FROM audit_events a WHERE to_char(audit_month_of(at), 'YYYY-MM') = $1 ORDER BY id", [month],
    );
    await client.query('COMMIT');
    return rows.map((r) => JSON.parse(r.line));
  } finally {
    client.release();
  }
}

const snapshot = async (db: ScratchDatabase) => (await db.pool.query('SELECT id, at, path, tableoid::regclass::text AS part FROM audit_events ORDER BY id')).rows;

describe('audit retention: monthly archives', () => {
  let db: ScratchDatabase;
  let dir: string;
  // "Now" is 15 March 2027 in Vietnam: with 12 months kept, March 2026 onwards stays, February 2026 and older go.
  const now = new Date('2027-03-15T03:00:00Z');
  const rows: Array<[string, string]> = [
    ['2025-12-20T01:00:00Z', '/fhir/Patient/dec'],
    ['2026-01-05T01:00:00Z', '/fhir/Patient/jan-1'],
    ['2026-01-31T16:59:59.999Z', '/fhir/Patient/jan-last'], // 23:59:59.999 on 31 January, Vietnam
    ['2026-02-28T16:59:59.999Z', '/fhir/Patient/feb-last'],
    ['2026-02-28T17:00:00Z', '/fhir/Patient/mar-first'],     // midnight 1 March, Vietnam: kept
    ['2026-09-09T09:00:00Z', '/fhir/Patient/sep'],
    ['2027-03-10T09:00:00Z', '/fhir/Patient/now'],
  ];

  beforeAll(async () => {
    db = await createScratchDatabase('audit_arch');
    await migrate(db.pool);
    for (const [at, path] of rows) {
      await db.pool.query(
        "INSERT INTO audit_events (at, key_id, role, action, method, path, patient, status, outcome) VALUES ($1, 'k1', 'portal', 'read', 'GET', $2, $2, 200, '0')", [at, path],
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'audit-archive-'));
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a dry run lists the months past retention and changes nothing', async () => {
    const partitions = await listAuditPartitions(db.pool);
    const before = await snapshot(db);
    expect(before.filter((r) => r.part === 'audit_events_default').length).toBeGreaterThanOrEqual(5); // no partitions for those months yet
    const report = await archiveExpiredAudit(db.pool, { retentionMonths: 12, archiveDir: join(dir, 'files'), now, dryRun: true });
    expect(report.keepFrom).toBe('2026-03-01');
    expect(report.defaultRows).toEqual(expect.arrayContaining([{ month: '2025-12', rows: 1 }, { month: '2026-01', rows: 2 }, { month: '2026-03', rows: 1 }]));
    expect(report.months.map((m) => [m.month, m.rows, basename(m.file)])).toEqual([
      ['2025-12', 1, 'audit_events_2025_12.jsonl.gz'], ['2026-01', 2, 'audit_events_2026_01.jsonl.gz'], ['2026-02', 1, 'audit_events_2026_02.jsonl.gz'],
    ]);
    expect(await listAuditPartitions(db.pool)).toEqual(partitions);
    expect(await snapshot(db)).toEqual(before);
    expect(existsSync(join(dir, 'files'))).toBe(false);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_archives')).rows[0].n).toBe(0);
  });

  it('keeps the partition, and records nothing, when the file cannot be put in place', async () => {
    const blocked = join(dir, 'blocked');
    await mkdir(join(blocked, 'audit_events_2025_12.jsonl.gz'), { recursive: true }); // a directory where the file should go
    await expect(archiveExpiredAudit(db.pool, { retentionMonths: 12, archiveDir: blocked, now })).rejects.toThrow();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n).toBe(rows.length);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM audit_events_2025_12")).rows[0].n).toBe(1); // moved out of DEFAULT, not dropped
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_archives')).rows[0].n).toBe(0);
    expect(await readdir(blocked)).toEqual(['audit_events_2025_12.jsonl.gz']); // no half-written file left
  });

  it('archives each old month to a verified gzip JSON-lines file, records it, drops its partition; newer months untouched', async () => {
    const expected = Object.fromEntries(await Promise.all(['2025-12', '2026-01', '2026-02'].map(async (m) => [m, await rowsOfMonth(db, m)])));
    const kept = (await snapshot(db)).filter((r) => r.at >= new Date('2026-02-28T17:00:00Z'));
    const report = await archiveExpiredAudit(db.pool, { retentionMonths: 12, archiveDir: dir, now });
    expect(report.months.map((m) => [m.month, m.partition, m.rows])).toEqual([
      ['2025-12', 'audit_events_2025_12', 1], ['2026-01', 'audit_events_2026_01', 2], ['2026-02', 'audit_events_2026_02', 1],
    ]);
    for (const m of report.months) {
      expect(m.file).toBe(join(dir, `${m.partition}.jsonl.gz`));
      const check = await verifyArchiveFile(m.file);
      expect(check).toMatchObject({ ok: true, rows: m.rows, sha256: m.sha256, expectedSha256: m.sha256 });
      expect(await readFile(`${m.file}.sha256`, 'utf8')).toBe(`${m.sha256}  ${m.partition}.jsonl.gz\n`); // sha256sum -c format
      expect(await readArchiveRows(m.file)).toEqual(expected[m.month]); // the rows themselves, every column, in id order
    }
    expect((await readArchiveRows(report.months[1]!.file)).map((r) => r.path)).toEqual(['/fhir/Patient/jan-1', '/fhir/Patient/jan-last']);
    const manifest = (await db.pool.query("SELECT to_char(month, 'YYYY-MM') AS month, partition, file, rows::int, sha256, first_id::int, last_id::int FROM audit_archives ORDER BY id")).rows;
    expect(manifest).toEqual(report.months.map((m) => ({
      month: m.month, partition: m.partition, file: m.file, rows: m.rows, sha256: m.sha256,
      first_id: expected[m.month]![0]!.id, last_id: expected[m.month]!.at(-1)!.id,
    })));
    const names = (await listAuditPartitions(db.pool)).map((p) => p.name);
    expect(names.filter((n) => /_(2025_12|2026_0[12])$/.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['audit_events_2026_03', 'audit_events_2026_09', 'audit_events_2027_03', 'audit_events_default']));
    expect(await snapshot(db)).toEqual(kept.map((r) => ({ ...r, part: expect.stringMatching(/^audit_events_20(26_03|26_09|27_03)$/) })));
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    // Archived: nothing more to do; the rows that are left still refuse deletion.
    expect((await archiveExpiredAudit(db.pool, { retentionMonths: 12, archiveDir: dir, now })).months).toEqual([]);
    await expect(db.pool.query('DELETE FROM audit_events_2026_03')).rejects.toThrow(/append-only/);
  });

  it('a late row for an archived month goes to a second file; the first is never overwritten', async () => {
    const first = join(dir, 'audit_events_2026_01.jsonl.gz');
    const firstSum = await readFile(`${first}.sha256`, 'utf8');
    await db.pool.query("INSERT INTO audit_events (at, action, method, path, status, outcome) VALUES ('2026-01-20T00:00:00Z', 'view', 'GET', '/late', 200, '0')");
    const report = await archiveExpiredAudit(db.pool, { retentionMonths: 12, archiveDir: dir, now });
    expect(report.defaultRows).toEqual([{ month: '2026-01', rows: 1 }]);
    expect(report.months.map((m) => [m.month, basename(m.file), m.rows])).toEqual([['2026-01', 'audit_events_2026_01.2.jsonl.gz', 1]]);
    expect(await readFile(`${first}.sha256`, 'utf8')).toBe(firstSum);
    expect((await verifyArchiveFile(first)).ok).toBe(true);
  });

  it('verify finds a changed file, and checks the manifest too', async () => {
    const good = join(dir, 'audit_events_2026_02.jsonl.gz');
    expect(await verifyAuditArchive(good, db.pool)).toMatchObject({ ok: true, rows: 1, manifest: { month: '2026-02', rows: 1 } });
    const bad = join(dir, 'tampered.jsonl.gz');
    await copyFile(good, bad);
    await copyFile(`${good}.sha256`, `${bad}.sha256`);
    const bytes = await readFile(bad);
    const middle = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle); // one byte of the compressed data
    await writeFile(bad, bytes);
    expect(await verifyArchiveFile(bad)).toMatchObject({ ok: false, problem: 'SHA-256 does not match the checksum file' });
    await rm(`${bad}.sha256`);
    expect((await verifyArchiveFile(bad)).ok).toBe(false);
  });

  it('GET /api/audit lists the archived months that overlap the period', async () => {
    const gw = await startTestGateway({ DATABASE_URL: db.url });
    try {
      const key = await gw.key('auditor');
      const res = await request(gw.url).get('/api/audit?from=2026-01-15&to=2026-03-31').set('Authorization', `Bearer ${key}`).expect(200);
      expect(res.body.archived.map((a: { month: string; file: string; rows: number }) => [a.month, basename(a.file), a.rows])).toEqual([
        ['2026-01', 'audit_events_2026_01.jsonl.gz', 2], ['2026-01', 'audit_events_2026_01.2.jsonl.gz', 1], ['2026-02', 'audit_events_2026_02.jsonl.gz', 1],
      ]);
      expect(res.body.archived[0]).toEqual({
        month: '2026-01', partition: 'audit_events_2026_01', file: join(dir, 'audit_events_2026_01.jsonl.gz'), rows: 2,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/), firstId: 2, lastId: 3, archivedAt: expect.any(String),
      });
      expect(res.body.events.map((e: { path: string }) => e.path)).toEqual(['/fhir/Patient/mar-first']);
      const recent = await request(gw.url).get('/api/audit?from=2026-03-01&to=2026-03-31').set('Authorization', `Bearer ${key}`).expect(200);
      expect(recent.body.archived).toEqual([]);
    } finally {
      await gw.stop();
    }
  });

  it('npm run audit: refuses a retention under 12 months, dry-runs, verifies', async () => {
    const env = { DATABASE_URL: db.url, AUDIT_ARCHIVE_DIR: dir };
    const short = await cli(['archive'], { ...env, AUDIT_RETENTION_MONTHS: '6' });
    expect(short.code).toBe(2);
    expect(short.out).toMatch(/AUDIT_RETENTION_MONTHS: must be >= 12/);
    const dry = await cli(['archive', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/retention 12 months: keeping \d{4}-\d{2}-01 onwards \(dry run, nothing changed\)/);
    const ok = await cli(['verify', join(dir, 'audit_events_2026_02.jsonl.gz')], env);
    expect([ok.code, ok.out]).toEqual([0, expect.stringMatching(/^OK .* 1 rows, sha256 [0-9a-f]{64}, matches audit_archives \(2026-02\)/)]);
    const bad = await cli(['verify', join(dir, 'tampered.jsonl.gz')], env);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^FAILED /);
    const ensure = await cli(['ensure-partitions', '--months-ahead', '1'], env);
    expect([ensure.code, ensure.out]).toEqual([0, expect.stringMatching(/created|all partitions present/)]);
  });
});
