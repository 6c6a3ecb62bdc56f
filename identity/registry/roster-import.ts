import { pipeline, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Db } from '../../db/pool.js';
import { detectDelimiter } from '../../mappers/csv/reader.js';
import { foldName } from '../names.js';

/** One row that was skipped or loaded with a caveat: where, never what (no name or CCCD). */
export interface RosterProblem {
  /** 1-based data row (the header line and blank lines are not counted). */
  row: number;
  /** The column as the file's header spells it, e.g. `NGAY_SINH`. */
  column: string;
  message: string;
}

/** What an import did. */
export interface RosterImportResult {
  /** Data rows read. */
  rows: number;
  inserted: number;
  updated: number;
  skipped: number;
  /** The first 100 problems. */
  problems: RosterProblem[];
  /** Every problem, including those past the first 100. */
  problemCount: number;
}

/** Options of one import. */
export interface RosterImportOptions {
  /** Which extract this is (stored in `population_registry.source`). */
  source: string;
  /** Called as rows are read: data rows so far and bytes of input read. */
  onProgress?(rows: number, bytes: number): void;
}

/** The file is not a roster: no header, a required column missing, or not readable as CSV. */
export class RosterFormatError extends Error {
  override name = 'RosterFormatError' as const;
}

type RosterField = 'cccd' | 'name' | 'birthDate' | 'gender' | 'province' | 'commune' | 'previousIds';

/** Header names accepted for each field (matched trimmed and case-insensitively); the first is the roster's own. */
const HEADERS: Record<RosterField, readonly string[]> = {
  cccd: ['SO_CCCD', 'cccd'],
  name: ['HO_TEN', 'full_name', 'name'],
  birthDate: ['NGAY_SINH', 'birth_date'],
  gender: ['GIOI_TINH', 'gender'],
  province: ['MA_TINH', 'province'],
  commune: ['MA_XA', 'commune'],
  previousIds: ['SO_CCCD_CU', 'previous_ids'],
};
const REQUIRED: readonly RosterField[] = ['cccd', 'name', 'birthDate'];
const BATCH_ROWS = 5_000;
const MAX_PROBLEMS = 100;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_ROW_CHARS = 1024 * 1024;
const PROGRESS_EVERY_ROWS = 1_000;
const DATE_FORMATS = 'yyyy, yyyy-mm, yyyy-mm-dd, yyyymmdd, yyyymm, dd/mm/yyyy or mm/yyyy';

/** One row as the table stores it (the json_to_recordset column names). */
interface RosterRecord {
  cccd: string;
  full_name: string;
  name_key: string;
  birth_date: string;
  gender: 'male' | 'female' | 'unknown';
  province: string | null;
  commune: string | null;
  previous_ids: string[];
}

type Columns = Map<RosterField, { index: number; header: string }>;

/**
 * One upsert per batch. An empty cell never erases a stored province or commune, and previous
 * numbers only accumulate: a cancelled number is never given to anyone else (NĐ 70/2024).
 * `xmax = 0` tells a freshly inserted row from an updated one.
 */
const UPSERT_SQL = `
  WITH up AS (
    INSERT INTO population_registry AS p (cccd, full_name, name_key, birth_date, gender, province, commune, previous_ids, source, loaded_at)
    SELECT r.cccd, r.full_name, r.name_key, r.birth_date, r.gender, r.province, r.commune, COALESCE(r.previous_ids, '{}'), $2, now()
      FROM json_to_recordset($1::json) AS r(cccd text, full_name text, name_key text, birth_date text, gender text,
                                            province text, commune text, previous_ids text[])
    ON CONFLICT (cccd) DO UPDATE SET
      full_name = EXCLUDED.full_name, name_key = EXCLUDED.name_key, birth_date = EXCLUDED.birth_date, gender = EXCLUDED.gender,
      province = COALESCE(EXCLUDED.province, p.province), commune = COALESCE(EXCLUDED.commune, p.commune),
      previous_ids = p.previous_ids || ARRAY(SELECT x FROM unnest(EXCLUDED.previous_ids) AS x WHERE x <> ALL (p.previous_ids)),
      source = EXCLUDED.source, loaded_at = EXCLUDED.loaded_at
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`;

/**
 * Load a roster CSV (UTF-8, optional BOM; `,` or `;` (or a tab) read off the header line) into
 * `population_registry`, streaming, upserting 5,000 rows per statement. Rows with a CCCD that is
 * not 12 digits, no name, or no readable birth date are skipped and reported by row and column.
 * Throws RosterFormatError when the file has no header, lacks SO_CCCD, HO_TEN or NGAY_SINH, or is
 * not CSV (rows of batches already written stay: importing again is safe).
 */
export async function importRoster(db: Db, input: Readable, opts: RosterImportOptions): Promise<RosterImportResult> {
  const read = { bytes: 0 };
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head = await readHeaderBytes(chunks, read);
  const headerLine = head.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const parser = parse({ delimiter: detectDelimiter(headerLine), bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: MAX_ROW_CHARS });
  pipeline(Readable.from(replay(head, chunks, read)), parser, () => undefined); // errors surface in the loop below
  const state = new ImportState(db, opts, read);
  try {
    for await (const cells of parser as AsyncIterable<string[]>) await state.take(cells);
  } catch (err) {
    throw csvError(err) ?? err;
  }
  const result = await state.finish();
  // Fresh statistics, so the lookups plan index scans on the table as it now is.
  await db.query('ANALYZE population_registry');
  return result;
}

/** The accumulating work of one import: columns, the pending batch, counts and problems. */
class ImportState {
  private columns: Columns | undefined;
  private batch = new Map<string, { record: RosterRecord; row: number }>();
  private readonly result: RosterImportResult = { rows: 0, inserted: 0, updated: 0, skipped: 0, problems: [], problemCount: 0 };

  constructor(private readonly db: Db, private readonly opts: RosterImportOptions, private readonly read: { bytes: number }) {}

  async take(cells: string[]): Promise<void> {
    if (cells.every((c) => c === '')) return;
    if (!this.columns) {
      this.columns = resolveColumns(cells);
      return;
    }
    const row = ++this.result.rows;
    const problems: RosterProblem[] = [];
    const record = readRecord(cells, this.columns, row, problems);
    const earlier = record && this.batch.get(record.cccd);
    if (earlier) problems.push({ row, column: this.columns.get('cccd')!.header, message: `the same number as row ${earlier.row}; the later row is loaded` });
    problems.forEach((p) => this.problem(p));
    if (!record) this.result.skipped += 1;
    else this.batch.set(record.cccd, { record, row });
    if (this.batch.size >= BATCH_ROWS) await this.flush();
    else if (row % PROGRESS_EVERY_ROWS === 0) this.progress();
  }

  async finish(): Promise<RosterImportResult> {
    if (!this.columns) throw new RosterFormatError('the roster is empty: it has no header line');
    await this.flush();
    return this.result;
  }

  private async flush(): Promise<void> {
    if (this.batch.size > 0) {
      const records = [...this.batch.values()].map((b) => b.record);
      this.batch = new Map();
      const { rows } = await this.db.query<{ inserted: number; updated: number }>(UPSERT_SQL, [JSON.stringify(records), this.opts.source]);
      this.result.inserted += rows[0]?.inserted ?? 0;
      this.result.updated += rows[0]?.updated ?? 0;
    }
    this.progress();
  }

  private problem(p: RosterProblem): void {
    this.result.problemCount += 1;
    if (this.result.problems.length < MAX_PROBLEMS) this.result.problems.push(p);
  }

  private progress(): void {
    this.opts.onProgress?.(this.result.rows, this.read.bytes);
  }
}

/** The bytes up to the first line break (or the first 64 KiB), read off the input to choose the separator. */
async function readHeaderBytes(chunks: AsyncIterator<Buffer | string>, read: { bytes: number }): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < MAX_HEADER_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value, 'utf8');
    parts.push(chunk);
    size += chunk.length;
    read.bytes += chunk.length;
    if (chunk.includes(0x0a)) break;
  }
  return Buffer.concat(parts);
}

/** The header bytes again, then the rest of the input, counting bytes as they pass. */
async function* replay(head: Buffer, chunks: AsyncIterator<Buffer | string>, read: { bytes: number }): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value, 'utf8');
      read.bytes += chunk.length;
      yield chunk;
    }
  } finally {
    await chunks.return?.(); // an import that stops early (a database error) closes the input too
  }
}

/** Which cell holds which field; throws naming the required columns the header lacks. */
function resolveColumns(header: string[]): Columns {
  const columns: Columns = new Map();
  header.forEach((cell, index) => {
    const name = cell.replace(/^\uFEFF/, '').trim();
    for (const [field, names] of Object.entries(HEADERS) as Array<[RosterField, readonly string[]]>) {
      if (!columns.has(field) && names.some((n) => n.toLowerCase() === name.toLowerCase())) columns.set(field, { index, header: name });
    }
  });
  const missing = REQUIRED.filter((f) => !columns.has(f)).map((f) => HEADERS[f].join(' or '));
  if (missing.length > 0) throw new RosterFormatError(`the roster has no ${missing.join(', no ')} column`);
  return columns;
}

/** The row as a table record, or undefined when it must be skipped; problems are appended. */
function readRecord(cells: string[], columns: Columns, row: number, problems: RosterProblem[]): RosterRecord | undefined {
  const cell = (f: RosterField): string => {
    const c = columns.get(f);
    return c ? (cells[c.index] ?? '').normalize('NFC').trim() : '';
  };
  const report = (f: RosterField, message: string): void => {
    problems.push({ row, column: columns.get(f)!.header, message });
  };
  const cccd = cell('cccd');
  const name = cell('name').replace(/\s+/g, ' ');
  const birth = cell('birthDate');
  const birthDate = birth ? parseRosterDate(birth) : undefined;
  if (!/^[0-9]{12}$/.test(cccd)) report('cccd', cccd ? 'not a 12-digit number' : 'empty');
  if (!name) report('name', 'empty');
  if (!birth) report('birthDate', 'empty');
  else if (!birthDate) report('birthDate', `not a date (${DATE_FORMATS})`);
  if (problems.length > 0 || !birthDate) return undefined;
  const genderCell = cell('gender');
  const gender = parseRosterGender(genderCell);
  if (genderCell && gender === 'unknown') report('gender', 'not a known gender (1/nam/male/M, 2/nữ/female/F); loaded as unknown');
  return {
    cccd, full_name: name, name_key: foldName(name), birth_date: birthDate, gender,
    province: cell('province') || null, commune: cell('commune') || null,
    previous_ids: readPreviousIds(cell('previousIds'), cccd, () => report('previousIds', 'an old number that is not 12 digits is ignored')),
  };
}

/** Old numbers separated by `|` or spaces; the current number and malformed ones are left out. */
function readPreviousIds(text: string, cccd: string, onMalformed: () => void): string[] {
  const ids = text.split(/[|\s]+/).filter((t) => t !== '');
  if (ids.some((t) => !/^[0-9]{12}$/.test(t))) onMalformed();
  return [...new Set(ids.filter((t) => /^[0-9]{12}$/.test(t) && t !== cccd))];
}

/** 1/nam/male/M → male, 2/nữ/nu/female/F → female, anything else unknown. */
function parseRosterGender(text: string): RosterRecord['gender'] {
  const g = text.toLowerCase();
  if (['1', 'nam', 'male', 'm'].includes(g)) return 'male';
  if (['2', 'nữ', 'nu', 'female', 'f'].includes(g)) return 'female';
  return 'unknown';
}

/** A roster date in any accepted format as `yyyy`, `yyyy-mm` or `yyyy-mm-dd`; undefined when unreadable or not a calendar date. */
function parseRosterDate(text: string): string | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$/.exec(text))) return calendarDate(m[1]!, m[2], m[3]);
  if ((m = /^([0-9]{4})([0-9]{2})([0-9]{2})?$/.exec(text))) return calendarDate(m[1]!, m[2], m[3]);
  if ((m = /^([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{4})$/.exec(text))) return calendarDate(m[3]!, m[2], m[1]);
  if ((m = /^([0-9]{1,2})\/([0-9]{4})$/.exec(text))) return calendarDate(m[2]!, m[1], undefined);
  return undefined;
}

function calendarDate(year: string, month: string | undefined, day: string | undefined): string | undefined {
  const y = Number(year);
  if (y < 1800 || y > 2100) return undefined;
  if (month === undefined) return year;
  const mo = Number(month);
  if (mo < 1 || mo > 12) return undefined;
  const mm = String(mo).padStart(2, '0');
  if (day === undefined) return `${year}-${mm}`;
  const d = Number(day);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return undefined;
  return `${year}-${mm}-${String(d).padStart(2, '0')}`;
}

/** csv-parse's errors, restated without quoting the file's data. */
function csvError(err: unknown): RosterFormatError | undefined {
  const { code, lines } = (err ?? {}) as { code?: unknown; lines?: unknown };
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return undefined;
  return new RosterFormatError(`the roster cannot be read as CSV (${code})${typeof lines === 'number' ? ` near line ${lines}` : ''}`);
}
