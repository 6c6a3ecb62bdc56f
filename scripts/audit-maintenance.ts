/**
 * Audit log maintenance (CLI): npm run audit -- <command>   (docs/audit-retention.md)
 *   ensure-partitions [--months-ahead N]   create this month's and the next N months' partitions (default 2),
 *                                          move rows out of the DEFAULT partition
 *   archive [--dry-run]                    archive every month older than AUDIT_RETENTION_MONTHS to
 *                                          AUDIT_ARCHIVE_DIR, record it in audit_archives, drop its partition
 *   verify <file>                          check an archive against its .sha256 file (and the manifest,
 *                                          when DATABASE_URL is set)
 *   status                                 partitions, rows waiting in DEFAULT, archived months
 * Uses DATABASE_URL (a role that owns audit_events: dropping a partition is DDL). Exit 0 on success,
 * 1 on failure (a bad archive), 2 on bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../db/migrate.js';
import { ConfigError, loadAuditRetentionConfig } from '../gateway/config.js';
import { archiveExpiredAudit, verifyAuditArchive } from '../gateway/services/audit-archive.service.js';
import { countDefaultPartitionRows, ensureAuditPartitions, listAuditArchives, listAuditPartitions } from '../gateway/store/audit-partitions.repo.js';

const USAGE = 'usage: npm run audit -- ensure-partitions [--months-ahead N] | archive [--dry-run] | verify <file> | status';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean' }, 'months-ahead': { type: 'string' } },
  });
  const [command, arg] = positionals;
  if (!command || !['ensure-partitions', 'archive', 'verify', 'status'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  let retention;
  try {
    retention = loadAuditRetentionConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
  if (command === 'verify' && !arg) {
    console.error('usage: npm run audit -- verify <file>');
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    if (command === 'verify') return report(await verifyAuditArchive(arg!));
    console.error('DATABASE_URL is not set (for the npm start services: source .data/demo/env.sh, see README)');
    return 2;
  }
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, application_name: 'fhir-gateway-audit-maintenance' });
  try {
    if (command === 'verify') return report(await verifyAuditArchive(arg!, pool));
    await migrate(pool);
    switch (command) {
      case 'ensure-partitions': {
        const ahead = values['months-ahead'] === undefined ? 2 : Number(values['months-ahead']);
        if (!Number.isInteger(ahead) || ahead < 0 || ahead > 24) throw new Error('--months-ahead must be an integer 0–24');
        const created = await ensureAuditPartitions(pool, ahead);
        console.log(created.length ? `created ${created.join(', ')}` : 'all partitions present');
        return 0;
      }
      case 'archive': {
        const r = await archiveExpiredAudit(pool, { retentionMonths: retention.months, archiveDir: retention.archiveDir, dryRun: values['dry-run'] ?? false });
        const verb = r.dryRun ? 'would archive' : 'archived';
        console.log(`retention ${retention.months} months: keeping ${r.keepFrom} onwards${r.dryRun ? ' (dry run, nothing changed)' : ''}`);
        for (const d of r.defaultRows) console.log(`DEFAULT partition: ${d.rows} rows of ${d.month}${r.dryRun ? ' (would be moved to their partition)' : ' moved to their partition'}`);
        for (const m of r.months) console.log(`${verb} ${m.month}: ${m.rows} rows → ${m.file}${m.sha256 ? ` sha256 ${m.sha256}` : ''}`);
        if (!r.months.length) console.log('nothing to archive');
        return 0;
      }
      default: {
        for (const p of await listAuditPartitions(pool)) console.log(`partition ${p.name}${p.month ? ` ${p.month}` : ' (DEFAULT)'}`);
        for (const d of await countDefaultPartitionRows(pool)) console.log(`waiting in DEFAULT: ${d.rows} rows of ${d.month} (run ensure-partitions)`);
        for (const a of await listAuditArchives(pool, new Date(0), new Date(8.64e15))) {
          console.log(`archived ${a.month}: ${a.rows} rows, ${a.file}, sha256 ${a.sha256}, ${a.archivedAt}`);
        }
        return 0;
      }
    }
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  } finally {
    await pool.end();
  }
}

function report(check: Awaited<ReturnType<typeof verifyAuditArchive>>): number {
  if (check.ok) {
    console.log(`OK ${check.file}: ${check.rows} rows, sha256 ${check.sha256}${check.manifest ? `, matches audit_archives (${check.manifest.month})` : ''}`);
    return 0;
  }
  console.error(`FAILED ${check.file}: ${check.problem}`);
  return 1;
}

process.exit(await main());
