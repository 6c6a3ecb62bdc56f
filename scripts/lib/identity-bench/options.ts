/** Command-line options of `npm run bench:identity` (scripts/bench-identity.ts). */
import { parseArgs } from 'node:util';

/** What one identity-benchmark run does. */
export interface IdentityBenchOptions {
  /** People of the synthetic province. */
  people: number;
  /** Feed rows (vaccination records, duplicates included). */
  records: number;
  /** Rows of the population registry table: the province's extract padded with other people. */
  registry: number;
  seed: number;
  /** Queries per verifyMany call of the throughput figure. */
  verifyBatch: number;
  /** Rows per POST /ingest/csv request. */
  rowsPerRequest: number;
  /** Requests in flight at once within a round. */
  concurrency: number;
  /** Give up waiting for linkage after this long. */
  timeoutMs: number;
  /** Keep the temporary registry CSV. */
  keep: boolean;
}

const DEFAULTS: IdentityBenchOptions = {
  people: 100_000, records: 120_000, registry: 1_000_000, seed: 1, verifyBatch: 500, rowsPerRequest: 5_000, concurrency: 2, timeoutMs: 3_600_000, keep: false,
};

/** The usage text. */
export function identityBenchUsage(): string {
  return [
    'usage: npm run bench:identity -- [--people 100000] [--records 120000] [--registry 1000000] [--seed 1]',
    '         [--verify-batch 500] [--rows-per-request 5000] [--concurrency 2] [--timeout-s 3600] [--keep]',
    'Generates a synthetic province, loads its registry extract (padded to --registry rows), measures',
    'registry verification per record, posts the feed to an in-process gateway (VERIFICATION=registry)',
    'and scores the outcomes against the ground truth. Progress on stderr; a table and one JSON line on stdout.',
  ].join('\n');
}

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got "${text.slice(0, 20)}")`);
  return n;
}

/** Parse the flags; undefined for --help; throws naming a bad flag. */
export function readIdentityBenchOptions(argv: readonly string[]): IdentityBenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv], strict: true,
    options: {
      people: { type: 'string' }, records: { type: 'string' }, registry: { type: 'string' }, seed: { type: 'string' },
      'verify-batch': { type: 'string' }, 'rows-per-request': { type: 'string' }, concurrency: { type: 'string' },
      'timeout-s': { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  return {
    people: positiveInt('people', values.people, DEFAULTS.people, 100),
    records: positiveInt('records', values.records, DEFAULTS.records, 100),
    registry: positiveInt('registry', values.registry, DEFAULTS.registry, 0),
    seed: positiveInt('seed', values.seed, DEFAULTS.seed, 0),
    verifyBatch: positiveInt('verify-batch', values['verify-batch'], DEFAULTS.verifyBatch),
    rowsPerRequest: positiveInt('rows-per-request', values['rows-per-request'], DEFAULTS.rowsPerRequest),
    concurrency: positiveInt('concurrency', values.concurrency, DEFAULTS.concurrency),
    timeoutMs: positiveInt('timeout-s', values['timeout-s'], DEFAULTS.timeoutMs / 1000) * 1000,
    keep: values.keep ?? false,
  };
}
