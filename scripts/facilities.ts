/**
 * Facility register and administrative units (CLI): npm run facilities -- <command>
 *   import FILE.csv                  load a Sở Y tế's facility list (MA_CSKCB, TEN_CSKCB, TUYEN, …)
 *   areas FILE.csv [--source NAME]   load administrative units (level, code, name, parent, valid_from, valid_to, source)
 *   units                            store the shipped units (63 + 34 provinces, districts of 46 and 51)
 *   demo                             the demo register (samples/facilities-demo.csv; demo servers only)
 * Uses DATABASE_URL and applies pending migrations first; prints the counts and each problem by
 * row, line and column. Exit code 0 when the import ran (skipped rows included), 1 when the file
 * cannot be read or is not a list, 2 for bad arguments. See docs/facilities.md.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { ensureAdminUnits, importAdminUnits } from '../reporting/facilities/admin-units.js';
import { CsvFormatError } from '../reporting/facilities/csv-table.js';
import { seedDemoFacilities } from '../reporting/facilities/demo.js';
import type { RowProblem } from '../reporting/facilities/model.js';
import { importRegister } from '../reporting/facilities/register-import.js';
import { runWithDatabase } from './lib/db-command.js';

const USAGE = 'usage: npm run facilities -- import FILE.csv | areas FILE.csv [--source NAME] | units | demo';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { source: { type: 'string' } } });
  const [command, file] = positionals;
  if (!command || !['import', 'areas', 'units', 'demo'].includes(command) || ((command === 'import' || command === 'areas') && !file)) {
    console.error(USAGE);
    return 2;
  }
  return runWithDatabase(async (pool) => {
    if (command === 'units') return units(pool);
    if (command === 'demo') return demo(pool);
    let bytes: Buffer;
    try {
      bytes = await readFile(file!);
    } catch (err) {
      console.error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return 1;
    }
    try {
      return command === 'import' ? await register(pool, bytes) : await areas(pool, bytes, values.source ?? basename(file!));
    } catch (err) {
      if (err instanceof CsvFormatError) {
        console.error(`${file}: ${err.message}`);
        return 1;
      }
      throw err;
    }
  });
}

async function register(pool: pg.Pool, bytes: Buffer): Promise<number> {
  await ensureAdminUnits(pool);
  const r = await importRegister(pool, bytes);
  console.log(`${r.rows} rows: ${r.inserted} new, ${r.updated} updated, ${r.skipped} skipped; ${r.successions} code changes recorded`);
  if (r.ignoredColumns.length > 0) console.log(`ignored columns: ${r.ignoredColumns.join(', ')}`);
  printProblems(r.problems, r.problemCount);
  return 0;
}

async function areas(pool: pg.Pool, bytes: Buffer, source: string): Promise<number> {
  await ensureAdminUnits(pool);
  const r = await importAdminUnits(pool, bytes, source);
  console.log(`${r.rows} rows: ${r.inserted} new, ${r.updated} updated, ${r.skipped} skipped`);
  printProblems(r.problems, r.problems.length);
  return 0;
}

async function units(pool: pg.Pool): Promise<number> {
  const r = await ensureAdminUnits(pool);
  console.log(`shipped administrative units: ${r.inserted} new, ${r.updated} refreshed`);
  return 0;
}

async function demo(pool: pg.Pool): Promise<number> {
  const r = await seedDemoFacilities(pool);
  console.log(`demo register: ${r.inserted} new, ${r.updated} updated, ${r.successions} code changes`);
  printProblems(r.problems, r.problemCount);
  return 0;
}

function printProblems(problems: RowProblem[], total: number): void {
  for (const p of problems) console.log(`row ${p.row} (line ${p.line}), column ${p.field}: ${p.severity}: ${p.message}`);
  if (total > problems.length) console.log(`… and ${total - problems.length} more problems`);
}

process.exitCode = await main();
