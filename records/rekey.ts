import { join } from 'node:path';
import type pg from 'pg';
import type { DataKeyring } from '../db/encryption.js';
import { archiveKeyId, resealRawArchive } from './raw-archive-file.js';
import { factsContext, payloadContext } from './records.repo.js';
import { chunkContext, openChunk } from './submissions.repo.js';

/**
 * Key rotation (docs/data-at-rest.md): re-seal, in batches, every stored value not sealed with the
 * keyring's current key — record payloads, raw chunks, raw archives — and seal the plaintext left
 * from before encryption at rest. Each batch is one UPDATE; a value under a key the keyring lacks
 * stops the run with a SealedDataError naming the row (nothing is overwritten with garbage).
 * Afterwards `countByKey` shows no value under the old key and it can leave DATA_KEYS.
 */

/** Progress of a re-seal run, reported after each batch. */
export interface RekeyProgress {
  payloads: number;
  /** Kept facts of records that may be decided again (held, unverified, rejected). */
  facts: number;
  chunks: number;
  archives: number;
}

/** Re-seal what is not under the current key; returns how many values of each kind were rewritten. */
export async function rekeyAll(
  pool: pg.Pool,
  keyring: DataKeyring,
  opts: { batchSize: number; archiveDir: string; onBatch?: (p: RekeyProgress) => void },
): Promise<RekeyProgress> {
  const progress: RekeyProgress = { payloads: 0, facts: 0, chunks: 0, archives: 0 };
  const report = () => opts.onBatch?.({ ...progress });
  const current = Buffer.from([keyring.currentId]);

  // Record payloads, by id (keyset pagination: each batch starts where the last ended).
  for (let after = 0; ;) {
    const { rows } = await pool.query(
      `SELECT id, submission_id, seq, payload::text AS plain, payload_sealed FROM records
        WHERE id > $1 AND (payload_sealed IS NULL OR substring(payload_sealed FROM 2 FOR 1) <> $2)
        ORDER BY id LIMIT $3`,
      [after, current, opts.batchSize],
    );
    if (rows.length === 0) break;
    const ids: string[] = [];
    const sealed: Buffer[] = [];
    for (const r of rows) {
      const context = payloadContext(r.submission_id, r.seq);
      const plain = r.payload_sealed ? keyring.open(r.payload_sealed, context) : Buffer.from(r.plain ?? 'null', 'utf8');
      ids.push(r.id);
      sealed.push(keyring.seal(plain, context));
    }
    await pool.query(
      `UPDATE records r SET payload = NULL, payload_sealed = x.sealed
         FROM unnest($1::bigint[], $2::bytea[]) AS x(id, sealed) WHERE r.id = x.id`,
      [ids, sealed],
    );
    progress.payloads += rows.length;
    after = Number(rows[rows.length - 1].id);
    report();
  }

  // Kept facts (identity decisions need them), sealed like the payload under their own context.
  for (let after = 0; ;) {
    const { rows } = await pool.query(
      `SELECT id, submission_id, seq, facts::text AS plain, facts_sealed FROM records
        WHERE id > $1 AND (facts IS NOT NULL OR (facts_sealed IS NOT NULL AND substring(facts_sealed FROM 2 FOR 1) <> $2))
        ORDER BY id LIMIT $3`,
      [after, current, opts.batchSize],
    );
    if (rows.length === 0) break;
    const sealed = rows.map((r) => {
      const context = factsContext(r.submission_id, r.seq);
      return keyring.seal(r.facts_sealed ? keyring.open(r.facts_sealed, context) : Buffer.from(r.plain, 'utf8'), context);
    });
    await pool.query(
      `UPDATE records r SET facts = NULL, facts_sealed = x.sealed FROM unnest($1::bigint[], $2::bytea[]) AS x(id, sealed) WHERE r.id = x.id`,
      [rows.map((r) => r.id), sealed],
    );
    progress.facts += rows.length;
    after = Number(rows[rows.length - 1].id);
    report();
  }

  // Raw chunks (≤ 4 MB each): a few per batch. `substring` reads one byte of a stored value, not all of it.
  const chunkBatch = Math.max(1, Math.min(opts.batchSize, 8));
  for (let after = { id: '00000000-0000-0000-0000-000000000000', seq: -1 }; ;) {
    const { rows } = await pool.query<{ submission_id: string; seq: number }>(
      `SELECT submission_id, seq FROM submission_chunks
        WHERE (submission_id, seq) > ($1::uuid, $2::int) AND (NOT sealed OR substring(data FROM 2 FOR 1) <> $3)
        ORDER BY submission_id, seq LIMIT $4`,
      [after.id, after.seq, current, chunkBatch],
    );
    if (rows.length === 0) break;
    for (const { submission_id: id, seq } of rows) {
      const { rows: [row] } = await pool.query('SELECT data, sealed FROM submission_chunks WHERE submission_id = $1 AND seq = $2', [id, seq]);
      if (!row) continue; // archived meanwhile
      const plain = openChunk(keyring, { submissionId: id, seq, data: row.data, sealed: row.sealed });
      await pool.query('UPDATE submission_chunks SET data = $3, sealed = true WHERE submission_id = $1 AND seq = $2', [id, seq, keyring.seal(plain, chunkContext(id, seq))]);
      progress.chunks += 1;
    }
    after = { id: rows[rows.length - 1]!.submission_id, seq: rows[rows.length - 1]!.seq };
    report();
  }

  // Sealed raw archives.
  const { rows: archived } = await pool.query<{ id: string; archive_file: string; sha256: string | null }>(
    "SELECT id, archive_file, sha256 FROM submissions WHERE archive_file LIKE '%.sealed' ORDER BY archived_at",
  );
  for (const a of archived) {
    const path = join(opts.archiveDir, a.archive_file);
    if ((await archiveKeyId(path)) === keyring.currentId) continue;
    await resealRawArchive(path, a.id, keyring, a.sha256);
    progress.archives += 1;
    report();
  }
  return progress;
}

/** How many stored values each key id seals (`plaintext` for unsealed ones), to see when an old key can go. */
export async function countByKey(pool: pg.Pool, archiveDir: string): Promise<{ payloads: Record<string, number>; facts: Record<string, number>; chunks: Record<string, number>; archives: Record<string, number> }> {
  const tally = (rows: Array<{ k: string | null; n: string }>) => Object.fromEntries(rows.map((r) => [r.k ?? 'plaintext', Number(r.n)]));
  const payloads = await pool.query("SELECT get_byte(substring(payload_sealed FROM 2 FOR 1), 0)::text AS k, count(*) AS n FROM records GROUP BY 1");
  const facts = await pool.query(
    'SELECT get_byte(substring(facts_sealed FROM 2 FOR 1), 0)::text AS k, count(*) AS n FROM records WHERE facts IS NOT NULL OR facts_sealed IS NOT NULL GROUP BY 1',
  );
  const chunks = await pool.query("SELECT CASE WHEN sealed THEN get_byte(substring(data FROM 2 FOR 1), 0)::text END AS k, count(*) AS n FROM submission_chunks GROUP BY 1");
  const archives: Record<string, number> = {};
  const { rows } = await pool.query<{ archive_file: string }>('SELECT archive_file FROM submissions WHERE archive_file IS NOT NULL');
  for (const { archive_file: file } of rows) {
    const id = await archiveKeyId(join(archiveDir, file)).catch(() => 'missing' as const);
    const k = id === undefined ? 'plaintext' : String(id);
    archives[k] = (archives[k] ?? 0) + 1;
  }
  return { payloads: tally(payloads.rows), facts: tally(facts.rows), chunks: tally(chunks.rows), archives };
}
