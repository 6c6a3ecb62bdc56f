/**
 * Which ingest route a file goes to, decided from its name and its first bytes (decompressed when
 * the file is gzip): pure functions, no I/O, so every rule is a unit test.
 */
import { basename, extname } from 'node:path';
import { csvFacilityOf } from './csv-facility.js';

/** The gateway's ingest formats the import sends (one route each, `POST /ingest/<format>`). */
export type ImportFormat = 'qd130' | 'hl7v2' | 'csv' | 'fhir';

/** CSV kinds of `POST /ingest/csv?kind=` (docs/formats/csv.md). */
export const CSV_KINDS = ['immunization', 'encounter'] as const;
export type CsvKind = (typeof CSV_KINDS)[number];

/** A file's format, or why it is skipped. */
export type Detection = { format: ImportFormat } | { format: null; reason: string };

/** `MSH|`, `FHS|` or `BHS|` at the start: an HL7 v2 ER7 message or batch. */
const HL7_START = /^(MSH|FHS|BHS)\|/;
/** A header segment with whatever field separator it declares (MSH-1). */
const HL7_HEADER = /^(MSH|FHS|BHS)[^A-Za-z0-9\s]/;

/**
 * The first bytes as text for sniffing: UTF-8, without a BOM, leading whitespace or an MLLP start
 * block (0x0B), which some HL7 exports keep in their files.
 */
export function headText(head: Uint8Array): string {
  return Buffer.from(head).toString('utf8').replace(/^[\uFEFF\u000B\s]+/, '');
}

/** True when `text` (the start of a JSON document) is a FHIR Bundle. */
function isBundle(text: string): boolean {
  return text.startsWith('{') && /"resourceType"\s*:\s*"Bundle"/.test(text);
}

/** True when `text` (the start of an XML document) is a GIAMDINHHS claim envelope. */
function isClaimEnvelope(text: string): boolean {
  return text.startsWith('<') && /<GIAMDINHHS[\s>]/.test(text);
}

/** The file name without a trailing `.gz`, lower case: `claims.XML.gz` → `claims.xml`. */
export function innerName(fileName: string): string {
  return basename(fileName).toLowerCase().replace(/\.gz$/, '');
}

/**
 * The format of a file: by extension first (`.xml` claim XML, `.hl7`/`.er7` HL7 v2, `.csv`,
 * `.json` only when it is a FHIR Bundle), then by content for any other name (an HL7 header, a
 * GIAMDINHHS root, a Bundle). `head` is the start of the (decompressed) content.
 */
export function detectFormat(fileName: string, head: Uint8Array): Detection {
  const ext = extname(innerName(fileName));
  const text = headText(head);
  if (ext === '.xml') return { format: 'qd130' };
  if (ext === '.hl7' || ext === '.er7') return { format: 'hl7v2' };
  if (ext === '.csv') return { format: 'csv' };
  if (ext === '.json') return isBundle(text) ? { format: 'fhir' } : { format: null, reason: 'JSON that is not a FHIR Bundle' };
  if (HL7_START.test(text)) return { format: 'hl7v2' };
  if (isClaimEnvelope(text)) return { format: 'qd130' };
  if (isBundle(text)) return { format: 'fhir' };
  return { format: null, reason: `unknown format${ext ? ` (${ext})` : ''}` };
}

/** Lower case without Vietnamese diacritics: `Tiêm-Chủng` → `tiem-chung`, `Đợt` → `dot`. */
function foldName(name: string): string {
  return name.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd');
}

/**
 * The CSV kind a file name implies: `immunization` or `tiem` (tiêm chủng) → immunization,
 * `encounter` or `kcb` (khám chữa bệnh) → encounter; undefined when it names neither or both.
 */
export function inferCsvKind(fileName: string): CsvKind | undefined {
  const name = foldName(basename(fileName));
  const immunization = /immunization|tiem/.test(name);
  const encounter = /encounter|kcb/.test(name);
  if (immunization === encounter) return undefined;
  return immunization ? 'immunization' : 'encounter';
}

/**
 * The sending facility of an HL7 v2 body (as the gateway reads it): FHS-4 or BHS-4, else the first
 * MSH-4, first component (HD-1). Undefined when none is there.
 */
export function hl7FacilityOf(text: string): string | undefined {
  for (const segment of text.split(/\r\n|\r|\n/)) {
    const m = HL7_HEADER.exec(segment);
    if (!m) continue;
    const fieldSep = segment[3]!;
    const componentSep = segment[4] ?? '^';
    const value = segment.split(fieldSep)[3]?.split(componentSep)[0]?.trim();
    if (value) return value;
    if (m[1] === 'MSH') return undefined;
  }
  return undefined;
}

/** `THONGTINDONVI/MACSKCB` of a claim envelope when it is within `text` (the file's start). */
export function claimFacilityOf(text: string): string | undefined {
  return /<MACSKCB>\s*([^<\s]{1,16})\s*<\/MACSKCB>/.exec(text)?.[1];
}

/**
 * The facility a file's content names, when its start shows one: HL7 FHS-4/BHS-4/MSH-4, the claim
 * envelope's MACSKCB, a CSV's one `facility_code`. Summaries count a file under it when the answer
 * names none (HL7 ACKs; CSV sent with an admin key). `complete` when `head` is the whole content.
 */
export function facilityHintOf(format: ImportFormat, head: Uint8Array, complete = false): string | undefined {
  const text = headText(head);
  if (format === 'hl7v2') return hl7FacilityOf(text);
  if (format === 'qd130') return claimFacilityOf(text);
  if (format === 'csv') return csvFacilityOf(Buffer.from(head).toString('utf8').replace(/^\uFEFF/, ''), complete);
  return undefined;
}
