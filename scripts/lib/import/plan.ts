/**
 * What the import does with each file: send it to a route with a content type (and the CSV kind
 * and profile), skip it, or report why it cannot be sent. Pure: the file's detection is an input.
 */
import type { FoundFile } from './discover.js';
import { inferCsvKind, type CsvKind, type Detection, type ImportFormat } from './detect.js';

/** The CSV options of the command line: they apply to every CSV file. */
export interface CsvOptions {
  kind?: CsvKind;
  profile?: string;
}

/** A file to send. */
export interface SendPlan {
  action: 'send';
  file: FoundFile;
  format: ImportFormat;
  /** Path and query below the gateway's base URL, e.g. `/ingest/csv?kind=immunization`. */
  route: string;
  contentType: string;
  /** Sent as is with `Content-Encoding: gzip`. */
  gzip: boolean;
  /** The facility the content names (HL7 MSH-4, claim MACSKCB), when its start shows one. */
  facilityHint?: string;
}

/** A file that is not sent: not a format the gateway takes (`skip`), or one it cannot be sent as (`error`). */
export interface NotSent {
  action: 'skip' | 'error';
  file: FoundFile;
  format?: ImportFormat;
  reason: string;
}

export type FilePlan = SendPlan | NotSent;

/** Content types the ingest routes accept, one per format (README, API table). */
export const CONTENT_TYPES: Readonly<Record<ImportFormat, string>> = {
  qd130: 'application/xml',
  hl7v2: 'x-application/hl7-v2+er7',
  csv: 'text/csv; charset=utf-8',
  fhir: 'application/fhir+json',
};

/**
 * The CSV route of a file: `--kind` wins, else the kind its name implies; with `--profile` the
 * kind may come from the stored profile. Undefined when the kind is unknown.
 */
export function csvRoute(fileName: string, options: CsvOptions): string | undefined {
  const kind = options.kind ?? inferCsvKind(fileName);
  if (!kind && !options.profile) return undefined;
  const query = new URLSearchParams();
  if (kind) query.set('kind', kind);
  if (options.profile) query.set('profile', options.profile);
  return `/ingest/csv?${query.toString()}`;
}

/** The plan of one file from its detection, gzip flag and facility hint. */
export function planFile(file: FoundFile, detection: Detection, gzip: boolean, options: CsvOptions, facilityHint?: string): FilePlan {
  if (detection.format === null) return { action: 'skip', file, reason: detection.reason };
  const format = detection.format;
  let route = `/ingest/${format}`;
  if (format === 'csv') {
    const csv = csvRoute(file.display, options);
    if (!csv) {
      return {
        action: 'error', file, format,
        reason: 'CSV kind unknown: give --kind immunization|encounter (or --profile), or name the file with immunization/tiem or encounter/kcb',
      };
    }
    route = csv;
  }
  return { action: 'send', file, format, route, contentType: CONTENT_TYPES[format], gzip, ...(facilityHint ? { facilityHint } : {}) };
}
