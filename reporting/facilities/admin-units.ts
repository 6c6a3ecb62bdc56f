import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../db/pool.js';
import { parseAdminUnitsCsv } from './admin-units-csv.js';
import type { AdminUnit, RowProblem } from './model.js';
import { unitsByCode, upsertAdminUnits } from './admin-units.repo.js';

/** The shipped unit lists (reporting/data/README.md): every `*.csv` there except the demo ones. */
const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** What a unit import did. */
export interface AdminUnitsImportResult {
  rows: number;
  inserted: number;
  updated: number;
  skipped: number;
  problems: RowProblem[];
}

/** Read one shipped data file (a unit list of reporting/data/), refusing any bad row: shipped data must be clean. */
export async function readShippedUnits(file: string): Promise<AdminUnit[]> {
  const parsed = parseAdminUnitsCsv(await readFile(DATA_DIR + file), null);
  const bad = parsed.problems[0];
  if (bad) throw new Error(`reporting/data/${file} row ${bad.row}, column ${bad.field}: ${bad.message}`);
  return parsed.units.map(({ row: _r, line: _l, ...u }) => u);
}

/**
 * Idempotent upsert of the shipped administrative units (the 63 provinces to 30/06/2025, the 34
 * from 01/07/2025, the districts of Huế and Quảng Ngãi before the reform); call at start. Rows an
 * administrator imported from another source are left as they are.
 */
export async function ensureAdminUnits(db: Db): Promise<{ inserted: number; updated: number }> {
  const files = (await readdir(DATA_DIR)).filter((f) => f.endsWith('.csv') && !f.startsWith('demo-')).sort();
  const units = (await Promise.all(files.map(readShippedUnits))).flat();
  return upsertAdminUnits(db, units, true);
}

/**
 * Import an administrative-unit list (`npm run facilities -- areas FILE.csv`): the communes of a
 * province from the GSO list, a corrected name. Bad rows and rows whose period overlaps another
 * period of the same unit (in the file or stored) are reported and skipped; the others are upserted.
 */
export async function importAdminUnits(db: Db, input: Buffer | string, source: string): Promise<AdminUnitsImportResult> {
  const parsed = parseAdminUnitsCsv(input, source);
  const problems = [...parsed.problems];
  const stored = await unitsByCode(db, parsed.units);
  const seen = new Map<string, AdminUnit[]>();
  for (const u of stored) seen.set(`${u.level}:${u.code}`, [...(seen.get(`${u.level}:${u.code}`) ?? []), u]);
  const good: AdminUnit[] = [];
  for (const { row, line, ...u } of parsed.units) {
    const key = `${u.level}:${u.code}`;
    const others = (seen.get(key) ?? []).filter((o) => o.validFrom !== u.validFrom);
    const clash = others.find((o) => o.validFrom <= (u.validTo ?? '9999-12-31') && u.validFrom <= (o.validTo ?? '9999-12-31'));
    if (clash) {
      problems.push({ row, line, field: 'valid_from', message: `${u.level} ${u.code} is already valid from ${clash.validFrom}${clash.validTo ? ` to ${clash.validTo}` : ''}: periods of one code must not overlap`, severity: 'error' });
      continue;
    }
    seen.set(key, [...(seen.get(key) ?? []).filter((o) => o.validFrom !== u.validFrom), u]);
    good.push(u);
  }
  const written = await upsertAdminUnits(db, dedupe(good));
  problems.sort((a, b) => a.row - b.row);
  return { rows: parsed.rows, ...written, skipped: new Set(problems.map((p) => p.row)).size, problems };
}

/** One row per (level, code, valid_from): the later row of a file wins (one INSERT cannot touch a row twice). */
function dedupe(units: AdminUnit[]): AdminUnit[] {
  return [...new Map(units.map((u) => [`${u.level}:${u.code}:${u.validFrom}`, u])).values()];
}
