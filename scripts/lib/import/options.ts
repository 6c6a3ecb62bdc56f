/**
 * The import's command line: flags win over GATEWAY_URL / GATEWAY_API_KEY, which win over the
 * defaults. A bad argument is a UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';
import { CSV_KINDS, type CsvKind } from './detect.js';

/** What one import run does. */
export interface ImportOptions {
  paths: string[];
  /** Gateway base URL without a trailing slash. */
  url: string;
  /** API key; empty only for a dry run. */
  key: string;
  kind?: CsvKind;
  profile?: string;
  /** Files in flight at once. */
  concurrency: number;
  dryRun: boolean;
  json: boolean;
}

/** A command line that cannot run (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `npm start` listens on 127.0.0.1:8080 (PORT, HOST; README). 127.0.0.1 rather than localhost, which may resolve to ::1 first. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_CONCURRENCY = 2;
const MAX_CONCURRENCY = 32;
/** Profile names as the gateway accepts them (gateway/services/format-profiles.service.ts). */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The usage line printed after a usage error. */
export const USAGE = 'usage: npm run import -- [options] <files or folders…>   (--help lists the options)';

/** The help text (`--help`). */
export const HELP = `usage: npm run import -- [options] <files or folders…>

Streams claim XML (QĐ 130, .xml / .xml.gz), HL7 v2 (.hl7 / .er7), CSV (.csv) and FHIR Bundle (.json)
files into a running gateway; folders are walked recursively in name order, hidden files skipped.

options:
  --url URL            gateway base URL (default GATEWAY_URL, else ${DEFAULT_URL})
  --key KEY            API key, facility or admin (default GATEWAY_API_KEY); required
  --kind KIND          CSV kind: immunization | encounter (default: from the file name,
                       immunization/tiem or encounter/kcb)
  --profile NAME       CSV column profile stored with PUT /api/csv-profiles/NAME
  --concurrency N      files in flight at once (default ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})
  --dry-run            list what would be sent, send nothing (no key needed)
  --json               print the summary as JSON
  --help               this text

exit code: 0 every record accepted · 1 a record rejected or a file failed · 2 bad arguments`;

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, not ${url.protocol}`);
  if (url.search || url.hash) throw new UsageError('--url is the gateway base URL, without query or fragment');
  return url.toString().replace(/\/+$/, '');
}

function checkConcurrency(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_CONCURRENCY)) throw new UsageError(`--concurrency must be a whole number 1–${MAX_CONCURRENCY}`);
  return n;
}

function checkKind(value: string | undefined): CsvKind | undefined {
  if (value === undefined) return undefined;
  if (!(CSV_KINDS as readonly string[]).includes(value)) throw new UsageError(`--kind must be ${CSV_KINDS.join(' or ')}`);
  return value as CsvKind;
}

function checkProfile(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!PROFILE_NAME.test(value)) throw new UsageError('--profile must be 1–64 letters, digits, - or _');
  return value;
}

/**
 * Options from the arguments after `--` and the environment; `'help'` when help was asked for.
 * Throws UsageError for an unknown flag, a bad value, no path, or no key (except for a dry run).
 */
export function parseImportArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ImportOptions | 'help' {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args], allowPositionals: true, strict: true,
      options: {
        url: { type: 'string' }, key: { type: 'string' }, kind: { type: 'string' }, profile: { type: 'string' },
        concurrency: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const dryRun = values['dry-run'] ?? false;
  const key = values.key ?? env.GATEWAY_API_KEY ?? '';
  if (!positionals.length) throw new UsageError('no files or folders given');
  if (!key && !dryRun) throw new UsageError('no API key: give --key or set GATEWAY_API_KEY');
  const kind = checkKind(values.kind);
  const profile = checkProfile(values.profile);
  return {
    paths: positionals,
    url: checkUrl(values.url ?? (env.GATEWAY_URL || DEFAULT_URL)),
    key,
    ...(kind ? { kind } : {}),
    ...(profile ? { profile } : {}),
    concurrency: checkConcurrency(values.concurrency),
    dryRun,
    json: values.json ?? false,
  };
}
