import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { withTransaction } from '../../db/pool.js';
import {
  countArchivesOfMonth, countDefaultPartitionRows, countPartitionRows, ensureAuditPartitions, fetchPartitionCursor, findAuditArchive,
  listAuditPartitions, lockPartitionForArchive, openPartitionCursor, recordArchiveAndDropPartition, retentionCutoff, type AuditArchiveRecord,
} from '../store/audit-partitions.repo.js';
import { verifyArchiveFile, writeArchiveFile, type ArchiveVerification } from './audit-archive-file.js';

/**
 * Audit retention (docs/audit-retention.md): a month's partition older than the retention period
 * is written to `<dir>/audit_events_YYYY_MM.jsonl.gz` (+ `.sha256`), the file is read back and
 * checked, the month is recorded in `audit_archives`, and only then is the partition detached and
 * dropped, all in one transaction that holds the partition against writes.
 */

/** What archiving needs: the retention period, where files go, and the time that counts as now. */
export interface AuditArchiveOptions {
  retentionMonths: number;
  archiveDir: string;
  now?: Date;
  /** List what would be archived, change nothing. */
  dryRun?: boolean;
}

/** One month that is (or would be) archived. */
export interface ArchivedMonth {
  month: string;
  partition: string;
  file: string;
  rows: number;
  sha256?: string;
}

/** Outcome of one archive run. */
export interface AuditArchiveReport {
  dryRun: boolean;
  /** First day of the oldest month kept (`YYYY-MM-DD`); partitions of earlier months are archived. */
  keepFrom: string;
  /** Rows found in the DEFAULT partition (moved to their month's partition first; in a dry run, only counted). */
  defaultRows: Array<{ month: string; rows: number }>;
  months: ArchivedMonth[];
}

/** Archive every month older than the retention period (or, with `dryRun`, only list them). */
export async function archiveExpiredAudit(pool: pg.Pool, opts: AuditArchiveOptions): Promise<AuditArchiveReport> {
  const now = opts.now ?? new Date();
  const dir = resolve(opts.archiveDir);
  const dryRun = opts.dryRun ?? false;
  const defaultRows = await countDefaultPartitionRows(pool);
  // Rows waiting in DEFAULT belong to some month: give them their partition first, so a month is archived whole.
  if (!dryRun) await ensureAuditPartitions(pool, 2, now);
  const { keepFrom, start } = await retentionCutoff(pool, now, opts.retentionMonths);
  const expired = (await listAuditPartitions(pool)).filter((p) => p.to !== null && p.month !== null && p.to.getTime() <= start.getTime());
  const months: ArchivedMonth[] = [];
  if (dryRun) {
    for (const p of expired) {
      months.push({ month: p.month!, partition: p.name, file: await archiveFileFor(pool, dir, p.month!), rows: await countPartitionRows(pool, p.name) });
    }
    // Old rows still in DEFAULT would get their month's partition and be archived with it.
    for (const d of defaultRows.filter((r) => `${r.month}-01` < keepFrom)) {
      const same = months.find((m) => m.month === d.month);
      if (same) same.rows += d.rows;
      else months.push({ month: d.month, partition: `audit_events_${d.month.replace('-', '_')}`, file: await archiveFileFor(pool, dir, d.month), rows: d.rows });
    }
    return { dryRun, keepFrom, defaultRows, months: months.sort((a, b) => a.month.localeCompare(b.month)) };
  }
  if (expired.length) await mkdir(dir, { recursive: true, mode: 0o750 });
  for (const p of expired) {
    const done = await archivePartition(pool, p.name, p.month!, dir);
    if (done) months.push(done);
  }
  return { dryRun, keepFrom, defaultRows, months };
}

/** Archive one partition: file, check, manifest, detach + drop, in one transaction (undefined if it is already gone). */
async function archivePartition(pool: pg.Pool, partition: string, month: string, dir: string): Promise<ArchivedMonth | undefined> {
  return withTransaction(pool, async (client) => {
    await client.query("SET LOCAL TimeZone = 'UTC'"); // timestamps in the file read the same wherever it is opened
    if (!await lockPartitionForArchive(client, partition)) return undefined;
    const expected = await countPartitionRows(client, partition);
    const file = await archiveFileFor(client, dir, month);
    let firstId: number | null = null;
    let lastId: number | null = null;
    await openPartitionCursor(client, partition, 'audit_archive');
    async function* lines() {
      for (;;) {
        const batch = await fetchPartitionCursor(client, 'audit_archive', 2000);
        if (batch.length === 0) return;
        firstId ??= Number(batch[0]!.id);
        lastId = Number(batch[batch.length - 1]!.id);
        for (const row of batch) yield row.line;
      }
    }
    const written = await writeArchiveFile(file, lines());
    await client.query('CLOSE audit_archive');
    const check = await verifyArchiveFile(file);
    if (written.rows !== expected || !check.ok || check.rows !== expected || check.sha256 !== written.sha256) {
      throw new Error(`archive of ${partition} failed its check (${expected} rows in the partition, ${written.rows} written, `
        + `${check.rows ?? 'unreadable'} read back${check.problem ? `: ${check.problem}` : ''}); the partition is kept`);
    }
    await recordArchiveAndDropPartition(client, { month, partition, file, rows: expected, sha256: written.sha256, firstId, lastId });
    return { month, partition, file, rows: expected, sha256: written.sha256 };
  });
}

/** `audit_events_YYYY_MM.jsonl.gz`, or `…_YYYY_MM.N.jsonl.gz` when the month was archived N−1 times before. */
async function archiveFileFor(db: pg.Pool | pg.PoolClient, dir: string, month: string): Promise<string> {
  const earlier = await countArchivesOfMonth(db, month);
  const stem = `audit_events_${month.replace('-', '_')}`;
  return join(dir, earlier === 0 ? `${stem}.jsonl.gz` : `${stem}.${earlier + 1}.jsonl.gz`);
}

/** An archive's check, plus the manifest's row count and checksum when the manifest knows the file. */
export interface ArchiveCheck extends ArchiveVerification {
  manifest?: AuditArchiveRecord;
}

/** Verify an archive file against its checksum file and, when `pool` is given, against the manifest. */
export async function verifyAuditArchive(file: string, pool?: pg.Pool): Promise<ArchiveCheck> {
  const path = resolve(file);
  const check: ArchiveCheck = await verifyArchiveFile(path);
  const manifest = pool ? await findAuditArchive(pool, path) : undefined;
  if (!manifest) return check;
  check.manifest = manifest;
  if (check.ok && manifest.sha256 !== check.sha256) return { ...check, ok: false, problem: 'SHA-256 does not match the audit_archives manifest' };
  if (check.ok && manifest.rows !== check.rows) return { ...check, ok: false, problem: `${check.rows} lines, the manifest says ${manifest.rows}` };
  return check;
}
