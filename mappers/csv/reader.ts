import { Parser } from 'csv-parse';
import type { ReaderLimits } from '../contract.js';
import { MappingError } from '../errors.js';
import { quoteValue } from '../shared/quote.js';
import { fieldOfHeader, type CsvKind } from './columns.js';
import type { CsvProfile } from './profile.js';

/** One data row of a CSV file, its cells keyed by the field their column names. */
export interface CsvRow {
  /** 1-based data row (the header, an Excel `sep=` line and blank lines are not counted). */
  row: number;
  /** 1-based physical line the row starts on (a quoted cell may hold line breaks). */
  line: number;
  /** Field → trimmed cell, for the columns that name a field and are not empty. */
  fields: Record<string, string>;
  /** Header → cell as sent (the payload kept with the record). */
  cells: Record<string, string>;
  /** Headers of non-empty cells whose column names no field. */
  unknownColumns: string[];
  /** Cells in this row and in the header (they differ when a row is broken). */
  cellCount: number;
  headerCount: number;
}

/** What the reader learnt from the start of the file. */
export interface CsvHeader {
  kind: CsvKind;
  delimiter: string;
  /** The file began with Excel's `sep=` line. */
  sepLine: boolean;
  /** The header cells as sent (column names, never data). */
  columns: string[];
}

/** The synchronous push API inside csv-parse's stream Parser (`parser.api`); pinned by reader.test.ts. */
interface CsvPushParser {
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

const DEFAULT_MAX_HEADER_CHARS = 64 * 1024;
const DEFAULT_MAX_ROW_CHARS = 1024 * 1024;

/** The first line break outside quotes at or after `from`, or -1 (RFC 4180 quoted cells may hold line breaks). */
export function lineEnd(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) return i;
  }
  return -1;
}

/** `;`, `,` or a tab: whichever separates the most cells of the header line (outside quotes); `,` when none does. */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [c, n] of counts) if (n > counts.get(best)!) best = c;
  return best;
}

/** Messages for csv-parse error codes, without quoting the sender's data. */
const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted cell is closed and then followed by other characters than the separator or a line break',
  CSV_MAX_RECORD_SIZE: 'a row is longer than this gateway accepts (MAX_TEXT_NODE_KB)',
};

/**
 * Streaming CSV reader over csv-parse: fed text in any pieces, it hands out each data row as soon
 * as it is complete. The first line may be Excel's `sep=;`; otherwise the separator is read off the
 * header line. CRLF and LF, quoted cells with separators, quotes and line breaks (RFC 4180).
 * A file that is not CSV at all (an unclosed quote, a header naming no field) is a MappingError
 * naming the physical line.
 */
export class CsvRowReader {
  private prelude = '';
  /** A high surrogate the last piece ended with. */
  private held = '';
  private parser: CsvPushParser | undefined;
  private columns: Array<{ header: string; field: string | undefined }> | undefined;
  private nextLine = 1;
  private rows = 0;
  private currentLine = 1;
  readonly header: Partial<CsvHeader> & { kind: CsvKind };

  constructor(
    kind: CsvKind,
    private readonly onRow: (row: CsvRow) => void,
    private readonly limits: ReaderLimits,
    private readonly profile?: CsvProfile,
  ) {
    this.header = { kind };
  }

  /** Feed the next piece of text (a surrogate pair split between pieces is joined first). */
  write(piece: string): void {
    const chunk = this.held + piece;
    this.held = '';
    const last = chunk.charCodeAt(chunk.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.held = chunk.slice(-1);
      return this.writeWhole(chunk.slice(0, -1));
    }
    this.writeWhole(chunk);
  }

  private writeWhole(chunk: string): void {
    if (this.parser) return this.feed(chunk, false);
    this.prelude += chunk;
    this.startWhenReady(false);
  }

  /** The source has ended. */
  end(): void {
    if (this.held) this.writeWhole(this.held);
    this.held = '';
    if (!this.parser) this.startWhenReady(true);
    if (this.parser) this.feed(undefined, true);
    if (!this.columns) throw new MappingError('the CSV file has no header line', 'line 1');
  }

  /**
   * Once the prelude holds the header line (after an optional `sep=` line and the profile's lines
   * to skip), choose the separator and start parsing.
   */
  private startWhenReady(ended: boolean): void {
    let text = this.prelude.replace(/^\uFEFF/, '');
    let line = 1;
    let end = lineEnd(text, 0);
    const sep = /^sep=(.)\r?$/i.exec(end === -1 ? text : text.slice(0, end));
    let delimiter: string | undefined;
    if (sep && (end !== -1 || ended)) {
      delimiter = sep[1]!;
      this.header.sepLine = true;
      line = 2;
      text = end === -1 ? '' : text.slice(end + 1);
    }
    let waiting = false;
    for (let i = 0; i < (this.profile?.skipLines ?? 0) && !waiting; i += 1) {
      const nl = text.indexOf('\n');
      if (nl === -1 && !ended) waiting = true;
      else {
        text = nl === -1 ? '' : text.slice(nl + 1);
        line += 1;
      }
    }
    end = waiting ? -1 : lineEnd(text, 0);
    if (end === -1 && !ended) {
      const max = this.limits.maxHeaderChars ?? DEFAULT_MAX_HEADER_CHARS;
      if (this.prelude.length > max) throw new MappingError(`the header line is longer than ${max} characters`, `line ${line}`, 'too-costly');
      return;
    }
    this.nextLine = line;
    this.header.delimiter = delimiter ?? detectDelimiter(end === -1 ? text : text.slice(0, end));
    const parser = new Parser({
      delimiter: this.header.delimiter,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: this.limits.maxTextChars ?? DEFAULT_MAX_ROW_CHARS,
    });
    this.parser = (parser as unknown as { api: CsvPushParser }).api;
    this.prelude = '';
    if (text) this.feed(text, false);
  }

  private feed(text: string | undefined, end: boolean): void {
    const err = this.parser!.parse(text === undefined ? undefined : Buffer.from(text, 'utf8'), end, (record) => this.record(record), () => undefined);
    if (err) {
      const code = (err as { code?: string }).code ?? '';
      throw new MappingError(`the file cannot be read as CSV: ${CSV_ERRORS[code] ?? code}`, `line ${this.nextLine}`, code === 'CSV_MAX_RECORD_SIZE' ? 'too-costly' : 'structure');
    }
  }

  private record(cells: string[]): void {
    this.currentLine = this.nextLine;
    for (const cell of cells) for (const ch of cell) if (ch === '\n') this.nextLine += 1;
    this.nextLine += 1;
    if (cells.every((c) => c.trim() === '')) return;
    if (!this.columns) return this.readHeader(cells);
    this.rows += 1;
    if (this.rows > this.limits.maxItems) {
      throw new MappingError(`the file has more than ${this.limits.maxItems} data rows (MAX_RECORDS_PER_SUBMISSION)`, `line ${this.currentLine}`, 'too-costly');
    }
    const row: CsvRow = { row: this.rows, line: this.currentLine, fields: {}, cells: {}, unknownColumns: [], cellCount: cells.length, headerCount: this.columns.length };
    cells.forEach((raw, i) => {
      const column = this.columns![i];
      const header = column?.header ?? `#${i + 1}`;
      row.cells[header] = raw;
      const value = raw.trim();
      if (!value) return;
      if (column?.field) row.fields[column.field] = value;
      else if (column) row.unknownColumns.push(header);
    });
    this.onRow(row);
  }

  private readHeader(cells: string[]): void {
    const kind = this.header.kind;
    const columns = cells.map((header) => ({ header: header.trim(), field: fieldOfHeader(kind, header, this.profile?.columns) }));
    const seen = new Map<string, string>();
    for (const { header, field } of columns) {
      if (!field) continue;
      if (seen.has(field)) {
        throw new MappingError(`columns ${quoteValue(seen.get(field)!)} and ${quoteValue(header)} both name ${field}`, `line ${this.currentLine}`);
      }
      seen.set(field, header);
    }
    if (seen.size === 0) {
      throw new MappingError(`the header line names no column of a ${kind} file (e.g. patient_cccd; see docs/formats/csv.md), or the file has no header line`, `line ${this.currentLine}`);
    }
    this.columns = columns;
    this.header.columns = columns.map((c) => c.header);
  }
}
