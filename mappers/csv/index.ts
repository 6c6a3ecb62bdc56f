import type { FormatMapper, FormatOptions, MapContext, MappedItem } from '../contract.js';
import { MappingError } from '../errors.js';
import { quoteValue } from '../shared/quote.js';
import { CSV_KINDS, type CsvKind } from './columns.js';
import { encounterRowFacts } from './encounter-row.js';
import { immunizationRowFacts } from './immunization-row.js';
import { checkCsvProfile, compileDatePattern, profileOf } from './profile.js';
import { CsvRowReader, type CsvRow } from './reader.js';
import type { RowContext } from './person-row.js';

export { CsvRowReader, detectDelimiter, type CsvRow, type CsvHeader } from './reader.js';
export { DEFAULT_COLUMNS, CSV_KINDS, type CsvKind } from './columns.js';
export { checkCsvProfile, type CsvProfile } from './profile.js';

/** The kind: the `kind` option, else the profile's (MappingError naming the query parameter when neither or both disagree). */
export function csvKindOf(options: FormatOptions | undefined): CsvKind {
  const profile = profileOf(options);
  const kind = options?.kind || profile?.kind;
  if (profile && options?.kind && options.kind !== profile.kind) {
    throw new MappingError(`kind ${quoteValue(options.kind)} but the profile is for ${profile.kind} files`, 'kind', 'invalid');
  }
  if (kind && (CSV_KINDS as readonly string[]).includes(kind)) return kind as CsvKind;
  throw new MappingError(
    `${kind ? `kind ${quoteValue(kind)} is not known` : 'kind is missing'}: send ?kind=${CSV_KINDS.join(' or ?kind=')} (or ?profile= of a stored profile)`,
    'kind', 'invalid',
  );
}

const compiled = new Map<string, RegExp[]>();

/** The row's cells after the profile's value maps, and its date patterns (compiled once per profile). */
function rowContext(row: CsvRow, ctx: MapContext): { row: CsvRow; context: RowContext } {
  const profile = profileOf(ctx.options);
  if (!profile) return { row, context: { fallbackFacility: ctx.envelopeFacility, datePatterns: [] } };
  const fields = { ...row.fields };
  for (const [field, map] of Object.entries(profile.values)) {
    const sent = fields[field]?.normalize('NFC').trim().toLowerCase();
    if (sent !== undefined && Object.hasOwn(map, sent)) fields[field] = map[sent]!;
  }
  const key = ctx.options!.profile!;
  if (!compiled.has(key)) {
    if (compiled.size > 50) compiled.clear();
    compiled.set(key, profile.datePatterns.map(compileDatePattern));
  }
  return { row: { ...row, fields }, context: { fallbackFacility: ctx.envelopeFacility, datePatterns: compiled.get(key)! } };
}

/** One CSV row → facts of its kind; the payload is the row as sent (header → cell) with its row and line. */
export function mapCsvRow(sent: CsvRow, ctx: MapContext): MappedItem {
  const kind = csvKindOf(ctx.options);
  const { row, context } = rowContext(sent, ctx);
  const facts = kind === 'immunization' ? immunizationRowFacts(row, context) : encounterRowFacts(row, context);
  return { seq: row.row, kind, facts, payload: { kind, row: row.row, line: row.line, cells: row.cells }, position: { row: row.row, line: row.line } };
}

/**
 * CSV exports of a HIS or a spreadsheet, `POST /ingest/csv?kind=immunization|encounter[&profile=]`
 * (docs/formats/csv.md): one record per data row, default English snake_case columns, the field
 * names, or a stored column profile.
 */
export const csvFormat: FormatMapper<CsvRow> = {
  format: 'csv',
  description: 'CSV (one dose or one encounter per row; ?kind=immunization|encounter, optional ?profile=)',
  contentTypes: /^(text\/csv|application\/csv)\b/i,
  parseOptions(query): FormatOptions {
    const { kind, profile } = query;
    if (Array.isArray(kind)) throw new MappingError('kind is given more than once', 'kind', 'invalid');
    if (Array.isArray(profile)) throw new MappingError('profile is given more than once', 'profile', 'invalid');
    // With a profile the kind may come from it; the reader checks the kind once the profile is applied.
    if (typeof profile === 'string' && profile && !kind) return {};
    return { kind: csvKindOf({ kind: typeof kind === 'string' ? kind : '' }) };
  },
  profiles: {
    check: checkCsvProfile,
    apply: (options, profile) => ({ ...options, profile: JSON.stringify(checkCsvProfile(profile)) }),
  },
  goldenCaseOptions(fileName) {
    return { kind: CSV_KINDS.find((k) => fileName.startsWith(`${k}-`)) ?? '' };
  },
  createReader(onItem, limits, options) {
    const reader = new CsvRowReader(csvKindOf(options), onItem, limits, profileOf(options));
    return { write: (chunk) => reader.write(chunk), end: () => reader.end(), get header() { return { ...reader.header }; } };
  },
  mapItem: mapCsvRow,
  checkEnd(_header, itemCount) {
    if (itemCount === 0) throw new MappingError('the CSV file has a header but no data row', 'line 2');
  },
  goldenDir: 'test/golden/csv',
};
