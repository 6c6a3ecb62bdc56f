import { join } from 'node:path';
import type pg from 'pg';
import type { DataKeyring } from '../db/encryption.js';
import { withTransaction } from '../db/pool.js';
import { archiveFileName, readRawArchive, writeRawArchive } from './raw-archive-file.js';
import { readRawSubmission } from './submissions.repo.js';

/**
 * Raw-submission retention (docs/data-at-rest.md): after RAW_RETENTION_DAYS the raw bytes of a
 * submission move from `submission_chunks` to an archive file under RAW_ARCHIVE_DIR (gzip, sealed
 * with the current data key, a `.sha256` beside it); the submission row — marked with `archived_at`
 * and `archive_file` — and its records stay. The bytes are checked against the submission's SHA-256
 * before anything is deleted, and the file is durable before the transaction that deletes them.
 */

/** One submission whose raw bytes were archived. */
export interface ArchivedSubmission {
  submissionId: string;
  /** Relative to the archive directory. */
  file: string;
  rawBytes: number;
  fileBytes: number;
}

/** What one run of the retention does. */
export interface RetentionOptions {
  keyring: DataKeyring | null;
  archiveDir: string;
  /** Archive submissions received more than this many days ago (RAW_RETENTION_DAYS). */
  retentionDays: number;
  /** At most this many submissions per run (0 = all that are due). */
  limit?: number;
}

/** Any constant: one retention run at a time across every process and host sharing the database. */
const RETENTION_LOCK = 7_130_4751;

/**
 * Archive the raw bytes of every submission older than the retention period; returns what was
 * archived, oldest first. Throws when another run holds the lock, or when a submission's bytes do not
 * match its SHA-256 (that submission is left in the database, its partial file removed).
 */
export async function archiveExpiredRaw(pool: pg.Pool, opts: RetentionOptions): Promise<ArchivedSubmission[]> {
  const lock = await pool.connect();
  try {
    const { rows: [got] } = await lock.query('SELECT pg_try_advisory_lock($1) AS ok', [RETENTION_LOCK]);
    if (!got.ok) throw new Error('another raw-retention run is in progress');
    try {
      const { rows } = await pool.query<{ id: string; received_at: Date; sha256: string | null; content_encoding: string }>(
        `SELECT id, received_at, sha256, content_encoding FROM submissions
          WHERE archived_at IS NULL AND received_at < now() - make_interval(days => $1)
          ORDER BY received_at LIMIT $2`,
        [opts.retentionDays, opts.limit && opts.limit > 0 ? opts.limit : null],
      );
      const done: ArchivedSubmission[] = [];
      for (const s of rows) done.push(await archiveOne(pool, opts, s));
      return done;
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
    }
  } finally {
    lock.release();
  }
}

async function archiveOne(
  pool: pg.Pool,
  opts: RetentionOptions,
  s: { id: string; received_at: Date; sha256: string | null; content_encoding: string },
): Promise<ArchivedSubmission> {
  const file = archiveFileName(s.id, new Date(s.received_at), opts.keyring !== null);
  const path = join(opts.archiveDir, file);
  // A gzip body hardly shrinks again: the fastest level keeps the file a plain gzip stream.
  const written = await writeRawArchive(path, s.id, readRawSubmission(pool, opts.keyring, s.id), opts.keyring, s.content_encoding === 'gzip' ? 1 : 6);
  if (s.sha256 && written.rawSha256 !== s.sha256) {
    throw new Error(`submission ${s.id}: its stored raw bytes do not match its SHA-256; not archived (${file} left for inspection)`);
  }
  await withTransaction(pool, async (client) => {
    await client.query('DELETE FROM submission_chunks WHERE submission_id = $1', [s.id]);
    await client.query('UPDATE submissions SET archived_at = now(), archive_file = $2 WHERE id = $1', [s.id, file]);
  });
  return { submissionId: s.id, file, rawBytes: written.rawBytes, fileBytes: written.fileBytes };
}

/** Where a submission's raw bytes are: still in the database, or archived (with the file). */
export async function rawLocation(db: pg.Pool, submissionId: string): Promise<{ archivedAt: Date | null; archiveFile: string | null } | undefined> {
  const { rows } = await db.query('SELECT archived_at, archive_file FROM submissions WHERE id = $1', [submissionId]);
  return rows[0] ? { archivedAt: rows[0].archived_at, archiveFile: rows[0].archive_file } : undefined;
}

/** The raw body of a submission wherever it is (database or archive), exactly as it arrived. */
export async function* readRawAnywhere(pool: pg.Pool, keyring: DataKeyring | null, archiveDir: string, submissionId: string): AsyncGenerator<Buffer> {
  const where = await rawLocation(pool, submissionId);
  if (!where) throw new Error(`no submission ${submissionId}`);
  if (where.archiveFile) yield* readRawArchive(join(archiveDir, where.archiveFile), submissionId, keyring);
  else yield* readRawSubmission(pool, keyring, submissionId);
}
