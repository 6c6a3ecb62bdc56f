/**
 * Population registry table (CLI): npm run registry -- <command>
 *   import FILE.csv [--source NAME]   load a roster extract into population_registry (upsert)
 *   count                             rows in the table, by source
 * Uses DATABASE_URL and applies pending migrations first. Progress goes to stderr, the summary and
 * the problems (row and column, never a name or a CCCD) to stdout. See docs/registry.md.
 * Exit code 0 when the import ran (skipped rows included), 1 when the file cannot be read or is not
 * a roster (a required column missing), 2 for bad arguments.
 */
import { runWithDatabase } from './lib/db-command.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { importRoster, RosterFormatError, type RosterImportResult } from '../identity/registry/roster-import.js';

const USAGE = 'usage: npm run registry -- import FILE.csv [--source NAME] | count';
const PROGRESS_INTERVAL_MS = 200;
/** Without a terminal (a log file, CI) a line is written at most this often instead of redrawing one. */
const PLAIN_PROGRESS_INTERVAL_MS = 5_000;
const BAR_WIDTH = 24;
const MB = 1024 * 1024;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { source: { type: 'string' } } });
  const [command, file] = positionals;
  if (command !== 'import' && command !== 'count') {
    console.error(USAGE);
    return 2;
  }
  if (command === 'import' && !file) {
    console.error(`import needs a file\n${USAGE}`);
    return 2;
  }
  return runWithDatabase((pool) => (command === 'count' ? count(pool) : importFile(pool, file!, values.source ?? basename(file!))));
}

async function importFile(pool: pg.Pool, file: string, source: string): Promise<number> {
  let totalBytes: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    totalBytes = info.size;
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 1;
  }
  const started = Date.now();
  const progress = progressWriter(totalBytes, started);
  const input = createReadStream(file);
  let readError: NodeJS.ErrnoException | undefined;
  input.on('error', (err) => { readError = err; });
  let result: RosterImportResult;
  try {
    result = await importRoster(pool, input, { source, onProgress: progress.update });
  } catch (err) {
    progress.end();
    if (err instanceof RosterFormatError) {
      console.error(`${file}: ${err.message}`);
      return 1;
    }
    const fileError = readError;
    if (fileError && err === fileError) {
      console.error(`cannot read ${file}: ${fileError.code ?? fileError.message}`);
      return 1;
    }
    throw err;
  }
  progress.end();
  console.log(summaryLine(file, result, Date.now() - started));
  for (const p of result.problems) console.log(`  row ${p.row}, column ${p.column}: ${p.message}`);
  const more = result.problemCount - result.problems.length;
  if (more > 0) console.log(`  … and ${more} more problem(s) not listed`);
  return 0;
}

async function count(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ source: string | null; n: string; last: Date }>(
    'SELECT source, count(*) AS n, max(loaded_at) AS last FROM population_registry GROUP BY source ORDER BY max(loaded_at) DESC',
  );
  const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
  console.log(`${total.toLocaleString('en-US')} people in population_registry`);
  for (const r of rows) console.log(`  ${r.source ?? '(no source)'}\t${Number(r.n).toLocaleString('en-US')}\tlast loaded ${r.last.toISOString()}`);
  return 0;
}

function summaryLine(file: string, r: RosterImportResult, elapsedMs: number): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return `${file}: ${n(r.rows)} rows read, ${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.skipped)} skipped, `
    + `${n(r.problemCount)} problem(s), in ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** A progress bar on stderr, redrawn at most every 200 ms (a plain line every 5 s without a terminal). */
function progressWriter(totalBytes: number, started: number): { update: (rows: number, bytes: number) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  const interval = tty ? PROGRESS_INTERVAL_MS : PLAIN_PROGRESS_INTERVAL_MS;
  let last = 0;
  let drawn = false;
  return {
    update(rows, bytes) {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      drawn = true;
      const line = progressLine(rows, bytes, totalBytes, now - started);
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    end() {
      if (drawn && tty) process.stderr.write('\n');
    },
  };
}

function progressLine(rows: number, bytes: number, totalBytes: number, elapsedMs: number): string {
  const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = elapsedMs > 0 ? Math.round((rows * 1000) / elapsedMs) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  `
    + `${rows.toLocaleString('en-US')} rows  ${(bytes / MB).toFixed(1)} / ${(totalBytes / MB).toFixed(1)} MB  ${rate.toLocaleString('en-US')} rows/s`;
}

process.exitCode = await main();
