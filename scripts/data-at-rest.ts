/**
 * Data at rest (CLI): npm run data -- <command>   (docs/data-at-rest.md)
 *   new-key <id>                       print a fresh DATA_KEYS entry (id 1–255) to put first in DATA_KEYS
 *   status                             stored values per data key id (payloads, raw chunks, archives)
 *   rekey [--batch N]                  re-seal everything not under the current key (then an old key can go)
 *   archive [--days N] [--limit N]     move raw bytes older than RAW_RETENTION_DAYS to RAW_ARCHIVE_DIR
 *   restore <submission-id> [--out F]  write a submission's raw body, exactly as received, from the
 *                                      database or its archive (to F, or stdout)
 * Uses DATABASE_URL, DATA_KEYS / DATA_ENCRYPTION / DEMO, RAW_RETENTION_DAYS, RAW_ARCHIVE_DIR.
 * Prints counts and file names only, never personal data.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../db/migrate.js';
import { DataKeyring, newDataKeySpec } from '../db/encryption.js';
import { loadDataAtRestConfig } from '../gateway/config.js';
import { archiveExpiredRaw, readRawAnywhere } from '../records/raw-retention.js';
import { countByKey, rekeyAll } from '../records/rekey.js';

const USAGE = 'usage: npm run data -- new-key <id> | status | rekey [--batch N] | archive [--days N] [--limit N] | restore <submission-id> [--out file]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { batch: { type: 'string' }, days: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' } },
  });
  const [command, arg] = positionals;
  if (command === 'new-key') {
    console.log(newDataKeySpec(Number(arg ?? 1)));
    return 0;
  }
  if (!['status', 'rekey', 'archive', 'restore'].includes(command ?? '')) {
    console.error(USAGE);
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL is not set (for the npm start services: source .data/demo/env.sh, see README)');
    return 2;
  }
  let settings;
  try {
    settings = loadDataAtRestConfig(process.env);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const keyring = settings.keys.length ? new DataKeyring(settings.keys) : null;
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3, application_name: 'fhir-gateway-data' });
  try {
    await migrate(pool);
    switch (command) {
      case 'status': {
        console.log(JSON.stringify({ currentKey: keyring?.currentId ?? null, listedKeys: keyring?.ids ?? [], ...(await countByKey(pool, settings.rawArchiveDir)) }, null, 2));
        return 0;
      }
      case 'rekey': {
        if (!keyring) throw new Error('rekey needs DATA_KEYS (DATA_ENCRYPTION=off seals nothing)');
        const batchSize = Number(values.batch ?? 500);
        if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch must be a positive integer');
        const started = Date.now();
        const done = await rekeyAll(pool, keyring, {
          batchSize, archiveDir: settings.rawArchiveDir,
          onBatch: (p) => process.stderr.write(`\rre-sealed ${p.payloads} payloads, ${p.chunks} raw chunks, ${p.archives} archives`),
        });
        process.stderr.write('\n');
        console.log(`all stored values are sealed with key ${keyring.currentId} (${done.payloads} payloads, ${done.chunks} raw chunks, ${done.archives} archives re-sealed in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return 0;
      }
      case 'archive': {
        const retentionDays = values.days ? Number(values.days) : settings.rawRetentionDays;
        if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error('--days must be a positive integer');
        const archived = await archiveExpiredRaw(pool, { keyring, archiveDir: settings.rawArchiveDir, retentionDays, limit: Number(values.limit ?? 0) });
        for (const a of archived) console.log(`${a.submissionId}\t${a.rawBytes} → ${a.fileBytes} bytes\t${a.file}`);
        console.log(`archived the raw bytes of ${archived.length} submission(s) older than ${retentionDays} days to ${settings.rawArchiveDir}`);
        return 0;
      }
      case 'restore': {
        if (!arg) throw new Error('usage: restore <submission-id> [--out file]');
        const out = values.out ? createWriteStream(values.out, { mode: 0o600, flags: 'wx' }) : process.stdout;
        await pipeline(Readable.from(readRawAnywhere(pool, keyring, settings.rawArchiveDir, arg)), out);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  } finally {
    await pool.end();
  }
}

process.exit(await main());
