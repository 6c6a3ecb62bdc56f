import type pg from 'pg';
import { withTransaction } from '../../db/pool.js';
import { loadUnitIndex } from './admin-units.repo.js';
import type { RowProblem } from './model.js';
import { parseRegisterCsv, type RegisterRow } from './register-csv.js';
import { saveFacility } from './facilities.repo.js';
import { recordSuccession, SuccessionError } from './successions.repo.js';
import { checkArea } from './unit-index.js';

/** Problems listed in an answer at most (`problemCount` counts them all). */
const MAX_PROBLEMS = 1000;

/** What a register import did. */
export interface RegisterImportResult {
  /** Data rows read. */
  rows: number;
  inserted: number;
  updated: number;
  /** Rows not stored (an error in the row, or an earlier row of a code given again). */
  skipped: number;
  /** Code changes recorded from MA_CSKCB_CU. */
  successions: number;
  /** Errors (the row was skipped) and warnings (stored), by row, line and column, in row order. */
  problems: RowProblem[];
  problemCount: number;
  /** Header cells naming no known column. */
  ignoredColumns: string[];
}

/**
 * Import a facility list (docs/facilities.md): rows are read and checked against the units valid
 * on each area's first day, then every good row is written (facility, areas replaced, successions)
 * in one transaction, each row under its own savepoint so a row the database refuses (a succession
 * loop) is reported and the others are kept. Throws CsvFormatError when the file is not a list.
 */
export async function importRegister(pool: pg.Pool, input: Buffer | string): Promise<RegisterImportResult> {
  const file = parseRegisterCsv(input);
  const problems = [...file.problems];
  const byCode = new Map<string, RegisterRow>();
  for (const r of file.valid) {
    const earlier = byCode.get(r.facility.code);
    if (earlier) problems.push({ row: r.row, line: r.line, field: 'MA_CSKCB', message: `the same MA_CSKCB as row ${earlier.row}; this later row is stored`, severity: 'warning' });
    byCode.set(r.facility.code, r);
  }
  const areas = [...byCode.values()].flatMap((r) => r.facility.areas);
  const index = await loadUnitIndex(pool, [...new Set(areas.map((a) => a.province))],
    [...new Set(areas.flatMap((a) => [a.district, a.commune]).filter((c): c is string => c !== null))]);
  const good: RegisterRow[] = [];
  for (const r of byCode.values()) {
    const found = r.facility.areas.flatMap((a, i) => checkArea(a, index, r.areaFields[i]!)).map((p) => ({ ...p, row: r.row, line: r.line }));
    problems.push(...found);
    if (!found.some((p) => p.severity === 'error')) good.push(r);
  }
  const result = { inserted: 0, updated: 0, successions: 0 };
  await withTransaction(pool, async (client) => {
    for (const r of good) {
      await client.query('SAVEPOINT register_row');
      try {
        const saved = await saveFacility(client, r.facility);
        for (const oldCode of r.predecessors) {
          await recordSuccession(client, { oldCode, newCode: r.facility.code, effective: r.effective!, basis: r.basis ?? 'danh sách cơ sở KCB (import)' });
        }
        await client.query('RELEASE SAVEPOINT register_row');
        result[saved] += 1;
        result.successions += r.predecessors.length;
      } catch (err) {
        if (!(err instanceof SuccessionError)) throw err;
        await client.query('ROLLBACK TO SAVEPOINT register_row');
        problems.push({ row: r.row, line: r.line, field: 'MA_CSKCB_CU', message: err.message, severity: 'error' });
      }
    }
  });
  problems.sort((a, b) => a.row - b.row || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const listed = collapseRepeats(problems);
  return {
    rows: file.rows, ...result, skipped: file.rows - result.inserted - result.updated,
    problems: listed.slice(0, MAX_PROBLEMS), problemCount: listed.length, ignoredColumns: file.ignoredColumns,
  };
}

/**
 * The same warning on many rows (every commune of a province whose list is not loaded) is listed
 * once, at its first row, with the number of other rows it applies to.
 */
function collapseRepeats(problems: RowProblem[]): RowProblem[] {
  const first = new Map<string, { problem: RowProblem; more: number }>();
  const out: RowProblem[] = [];
  for (const p of problems) {
    const key = `${p.field}|${p.message}`;
    const seen = p.severity === 'warning' ? first.get(key) : undefined;
    if (seen) { seen.more += 1; continue; }
    const entry = { problem: { ...p }, more: 0 };
    if (p.severity === 'warning') first.set(key, entry);
    out.push(entry.problem);
  }
  for (const { problem, more } of first.values()) if (more > 0) problem.message += ` (and ${more} more row${more === 1 ? '' : 's'})`;
  return out;
}
