import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { Parser } from 'csv-parse';
import type pg from 'pg';
import type { DataKeyring } from '../../db/encryption.js';
import { forbidden, GatewayError, notFound } from '../../errors/outcome.js';
import { readRawSubmission } from '../../records/submissions.repo.js';
import { recordsOfUpload, uploadSource, type UploadRecord } from '../../records/uploads.repo.js';
import { patientOf, summarizeError } from './errors.service.js';
import { lineEnd } from '../../mappers/csv/reader.js';

/**
 * The error file of one upload (`GET /api/submissions/{id}/errors`, docs/error-review.md): for a
 * CSV upload, the file as the site sent it — the lines before the header, the header and the rows
 * of the failing records (every row with `?rows=all`) exactly as sent — plus a last column `LOI`
 * naming each problem, so the site corrects the cells and uploads the file again (the gateway reads
 * `LOI` as an unknown column). Other formats: a CSV of the failing records' key fields and the error.
 */

/** Name of the error column (an earlier error file's own `LOI` column is filled again, not repeated). */
export const ERROR_COLUMN = 'LOI';
const BOM = '\uFEFF';
const CRLF = '\r\n';
/** How far into the file the header line is looked for (title lines a column profile skips). */
const MAX_PRELUDE_CHARS = 1024 * 1024;
const FORMULA_START = /^[=+\-@\t\r]/;

/** What the CSV reader recorded of the file (the submission's header). */
export interface CsvShape {
  delimiter: string;
  sepLine: boolean;
  /** Header cells, trimmed. */
  columns: string[];
}

/** The issues of a record as one cell: `field: message; …` (a failed record: the EHR's answer). */
export function errorTextOf(r: Pick<UploadRecord, 'status' | 'issues' | 'lastError'>): string {
  if (r.status === 'failed') return `EHR: ${summarizeError(r.lastError) ?? 'linkage failed after every retry'}`;
  return r.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

function quoteCell(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A cell only people read: never started like a formula. */
const inert = (v: string) => (FORMULA_START.test(v) ? `'${v}` : v);

/** Where the header line starts: after an Excel `sep=` line and any lines a column profile skipped; undefined until known. */
function headerStart(text: string, shape: CsvShape, ended: boolean): number | undefined {
  let pos = 0;
  if (shape.sepLine) {
    const nl = text.indexOf('\n');
    if (nl === -1) return ended ? fail() : undefined;
    pos = nl + 1;
  }
  for (;;) {
    const end = lineEnd(text, pos);
    if (end === -1 && !ended) return undefined;
    const line = (end === -1 ? text.slice(pos) : text.slice(pos, end)).replace(/\r$/, '');
    const cells = line.trim() ? firstRecord(line, shape.delimiter) : undefined;
    if (cells && cells.length === shape.columns.length && cells.every((c, i) => c.trim() === shape.columns[i])) return pos;
    const nl = text.indexOf('\n', pos);
    if (nl === -1 || nl + 1 > MAX_PRELUDE_CHARS) return fail();
    pos = nl + 1;
  }
}

/** The cells of a line, or undefined when it is not one CSV record (a title line with a stray quote). */
function firstRecord(line: string, delimiter: string): string[] | undefined {
  try {
    return (parseCsvSync(line, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][])[0];
  } catch {
    return undefined;
  }
}

function fail(): never {
  throw new GatewayError(409, 'conflict', 'the stored upload does not start with the header its reader recorded: the error file cannot be built from it');
}

/**
 * The CSV error file from the upload's text: BOM, the lines before the header as sent, the header
 * plus `LOI`, then each data row to return (`errors` maps the data row — 1 = the first after the
 * header, blank rows not counted, as the reader numbers them — to its error text) as sent, plus
 * its error. With `all`, rows without an error come too, their `LOI` empty.
 */
export async function* csvErrorFile(text: AsyncIterable<string>, shape: CsvShape, errors: ReadonlyMap<number, string>, all: boolean): AsyncGenerator<string> {
  const d = shape.delimiter;
  const loiAt = shape.columns.findIndex((c) => c.toUpperCase() === ERROR_COLUMN);
  let prelude = '';
  let parser: { parse(buf: Buffer | undefined, end: boolean, push: (r: { record: string[]; raw: string }) => void, close: () => void): Error | undefined } | undefined;
  let headerSeen = false;
  let row = 0;
  const out: string[] = [];
  const onRecord = ({ record, raw }: { record: string[]; raw: string }) => {
    if (record.every((c) => c.trim() === '')) return;
    if (!headerSeen) {
      headerSeen = true;
      const header = raw.replace(/\r?\n?$/, '');
      out.push(loiAt >= 0 ? header + CRLF : `${header}${d}${ERROR_COLUMN}${CRLF}`);
      return;
    }
    row += 1;
    const error = errors.get(row);
    if (error === undefined && !all) return;
    const loi = quoteCell(inert(error ?? ''), d);
    if (loiAt >= 0) {
      const cells = [...record];
      while (cells.length <= loiAt) cells.push('');
      out.push(cells.map((c, i) => (i === loiAt ? loi : quoteCell(c, d))).join(d) + CRLF);
    } else {
      out.push(`${raw.replace(/\r?\n?$/, '')}${d.repeat(Math.max(0, shape.columns.length - record.length))}${d}${loi}${CRLF}`);
    }
  };
  const feed = (piece: string | undefined, end: boolean) => {
    const err = parser!.parse(piece === undefined ? undefined : Buffer.from(piece, 'utf8'), end, onRecord, () => undefined);
    if (err) fail();
  };
  const start = (ended: boolean): boolean => {
    const text = prelude.replace(/^\uFEFF/, '');
    const at = headerStart(text, shape, ended);
    if (at === undefined) {
      if (prelude.length > MAX_PRELUDE_CHARS) fail();
      return false;
    }
    out.push(BOM + text.slice(0, at));
    parser = (new Parser({
      delimiter: d, record_delimiter: ['\r\n', '\n'], relax_column_count: true, relax_quotes: true, skip_empty_lines: false, raw: true,
    }) as unknown as { api: NonNullable<typeof parser> }).api;
    feed(text.slice(at), false);
    return true;
  };
  for await (const piece of text) {
    if (parser) feed(piece, false);
    else {
      prelude += piece;
      start(false);
    }
    if (out.length) yield out.splice(0).join('');
  }
  if (!parser && !start(true)) fail();
  feed(undefined, true);
  if (!headerSeen) fail();
  if (out.length) yield out.splice(0).join('');
}

/** Columns of the error file of a non-CSV upload (Vietnamese standard field names). */
export const KEY_FIELD_COLUMNS = ['STT', 'MA_CSKCB', 'MA_LK', 'TRANG_THAI', 'MA_LOI', 'HO_TEN', 'NGAY_SINH', 'SO_CCCD', ERROR_COLUMN] as const;

/** The error file of a non-CSV upload: one line per record (its position in the upload as STT), key fields and the error. */
export function keyFieldsErrorFile(records: readonly UploadRecord[]): string {
  const lines = [KEY_FIELD_COLUMNS.join(',')];
  for (const r of records) {
    const p = patientOf(r.facts);
    lines.push([String(r.seq), r.facility, r.recordKey, r.status, r.category ?? '', inert(p?.name ?? ''), p?.birthDate ?? '', p?.SO_CCCD ?? '', inert(errorTextOf(r))]
      .map((c) => quoteCell(c, ',')).join(','));
  }
  return BOM + lines.join(CRLF) + CRLF;
}

/** The upload's text as stored: sealed chunks opened, gzip inflated, UTF-8 decoded (the BOM dropped). */
async function* uploadText(pool: pg.Pool, keyring: DataKeyring | null, id: string, gzip: boolean): AsyncGenerator<string> {
  const raw = readRawSubmission(pool, keyring, id);
  const bytes: AsyncIterable<Buffer> = gzip ? Readable.from(raw).pipe(createGunzip()) : raw;
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of bytes) yield decoder.decode(chunk, { stream: true });
  yield decoder.decode();
}

/** An error file to send: its name and its text, piece by piece (the first piece already built, so a refusal is still an HTTP error). */
export interface ErrorFile {
  fileName: string;
  records: number;
  body: Iterable<string> | AsyncIterable<string>;
}

/** The error file of a submission; a facility caller only for its own (404 unknown, 403 another's, 410 raw bytes archived). */
export async function submissionErrorFile(deps: { pool: pg.Pool; keyring: DataKeyring | null }, id: string, callerFacility: string | null, all: boolean): Promise<ErrorFile> {
  const src = await uploadSource(deps.pool, id);
  if (!src) throw notFound(`submission ${id} not found`);
  if (callerFacility && src.facility !== callerFacility) throw forbidden('this submission belongs to another facility');
  const records = await recordsOfUpload(deps.pool, deps.keyring, id, all);
  const failing = records.filter((r) => ['rejected', 'failed', 'held'].includes(r.status));
  const fileName = `loi-${src.facility ?? 'unknown'}-${id}.csv`;
  const columns = src.header.columns;
  if (src.format !== 'csv' || !Array.isArray(columns) || typeof src.header.delimiter !== 'string') {
    return { fileName, records: failing.length, body: [keyFieldsErrorFile(all ? records : failing)] };
  }
  if (src.archivedAt) {
    throw new GatewayError(410, 'deleted', `the original bytes of submission ${id} were archived on ${src.archivedAt.slice(0, 10)} (RAW_RETENTION_DAYS), so its rows cannot be sent back; `
      + 'its records and their errors are still listed by GET /api/errors?… and GET /api/submissions/{id}');
  }
  const shape: CsvShape = { delimiter: src.header.delimiter, sepLine: src.header.sepLine === true, columns: columns.map(String) };
  const errors = new Map(failing.map((r) => [r.seq, errorTextOf(r)]));
  const body = csvErrorFile(uploadText(deps.pool, deps.keyring, id, src.contentEncoding === 'gzip'), shape, errors, all);
  const first = await body.next();
  return {
    fileName, records: failing.length,
    body: (async function* () {
      if (!first.done) yield first.value;
      yield* body;
    })(),
  };
}
