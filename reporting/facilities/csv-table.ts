import { parse } from 'csv-parse/sync';
import { detectDelimiter } from '../../mappers/csv/reader.js';

/** A data row of a CSV file: its 1-based number (the header not counted), physical line and cells. */
export interface CsvRow {
  row: number;
  line: number;
  cells: string[];
}

/** The file cannot be read as a CSV table (not UTF-8, an unclosed quote, no header). */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError' as const;
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted cell is closed and then followed by other characters than the separator',
  CSV_MAX_RECORD_SIZE: 'a row is longer than 64 KiB',
};

/**
 * Read a small CSV table (a register or a unit list, read whole): UTF-8 with or without a BOM
 * (anything else is refused: "save as CSV UTF-8"), separator `,`, `;` or tab read off the header
 * line (or Excel's `sep=;` first line), quoted cells (RFC 4180), blank lines skipped, cells trimmed.
 */
export function readCsvTable(input: Buffer | string): { header: string[]; rows: CsvRow[] } {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new CsvFormatError('the file is not UTF-8 text: save it as "CSV UTF-8" and send it again');
    }
  }
  text = text.replace(/^\uFEFF/, '');
  let firstLine = 1;
  let delimiter: string | undefined;
  const sep = /^sep=(.)\r?\n/.exec(text);
  if (sep) {
    delimiter = sep[1]!;
    text = text.slice(sep[0].length);
    firstLine = 2;
  }
  delimiter ??= detectDelimiter(text.split(/\r?\n/, 1)[0] ?? '');
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true, info: true, max_record_size: 64 * 1024 }) as unknown as typeof records;
  } catch (err) {
    const e = err as { code?: string; lines?: number };
    throw new CsvFormatError(`not a readable CSV table${e.lines ? ` (line ${e.lines + firstLine - 1})` : ''}: ${CSV_ERRORS[e.code ?? ''] ?? 'malformed'}`);
  }
  const nonEmpty = records.filter((r) => r.record.some((c) => c !== ''));
  const [head, ...body] = nonEmpty;
  if (!head) throw new CsvFormatError('the file is empty: it has no header line');
  return {
    header: head.record.map((c) => c.normalize('NFC')),
    rows: body.map((r, i) => ({ row: i + 1, line: r.info.lines + firstLine - 1, cells: r.record.map((c) => c.normalize('NFC')) })),
  };
}

/** Which column (index) holds each wanted field: header cells are matched by `key(cell)` against `wanted`. */
export function columnsOf<F extends string>(header: string[], wanted: Readonly<Record<F, readonly string[]>>, key: (s: string) => string): Map<F, { index: number; header: string }> {
  const columns = new Map<F, { index: number; header: string }>();
  header.forEach((cell, index) => {
    for (const [field, names] of Object.entries(wanted) as Array<[F, readonly string[]]>) {
      if (!columns.has(field) && names.some((n) => key(n) === key(cell))) columns.set(field, { index, header: cell.trim() });
    }
  });
  return columns;
}
