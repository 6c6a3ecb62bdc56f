/**
 * Options of the end-to-end benchmark (scripts/bench.ts): command-line flags win over BENCH_* variables,
 * which win over the defaults.
 */
import { parseArgs } from 'node:util';
import { BENCH_FORMAT_NAMES, type BenchFormatName } from './bench-formats.js';

/** What one benchmark run does. */
export interface BenchOptions {
  /** Episodes (HOSO) submitted in total. */
  episodes: number;
  /** Facilities submitting (MA_CSKCB 46001, 46002, …). */
  facilities: number;
  /** Episodes per GIAMDINHHS envelope (one POST). */
  perEnvelope: number;
  /** POSTs in flight at once. */
  httpConcurrency: number;
  /** WORKER_CONCURRENCY of the gateway child. */
  workerConcurrency: number;
  /** LINK_BATCH_SIZE of the gateway child. */
  linkBatchSize: number;
  /** Resources per INSERT of the plain-insert baseline. */
  plainBatch: number;
  /** Give up (exit 1) when ingest + linkage take longer than this (default max(600 s, 20 ms per episode)). */
  timeoutMs: number;
  /** ROLE=gateway processes (uploads spread over them); 0 = the default single ROLE=all process. */
  gateways: number;
  /** ROLE=worker processes; 0 with `gateways` ≥ 1 makes the gateways ROLE=all (each links too). */
  workers: number;
  /** At most this many episodes posted but not yet settled (POSTs wait); 0 = no limit. */
  backlog: number;
  /** What is sent (scripts/lib/bench-formats.ts): claim XML, HL7 v2 over MLLP, CSV, FHIR bundles or data-hub JSON. */
  format: BenchFormatName;
}

interface OptionSpec {
  key: Exclude<keyof BenchOptions, 'format'>;
  flag: string;
  env: string;
  fallback: number;
  max: number;
  /** Smallest accepted value (1 unless stated). */
  min?: number;
  /** Multiplier from the unit the user writes to the stored unit (seconds → ms). */
  scale?: number;
}

const SPECS: readonly OptionSpec[] = [
  { key: 'episodes', flag: 'episodes', env: 'BENCH_EPISODES', fallback: 20_000, max: 10_000_000 },
  { key: 'facilities', flag: 'facilities', env: 'BENCH_FACILITIES', fallback: 8, max: 999 },
  { key: 'perEnvelope', flag: 'per-envelope', env: 'BENCH_PER_ENVELOPE', fallback: 250, max: 50_000 },
  { key: 'httpConcurrency', flag: 'concurrency', env: 'BENCH_CONCURRENCY', fallback: 8, max: 1000 },
  { key: 'workerConcurrency', flag: 'worker-concurrency', env: 'BENCH_WORKER_CONCURRENCY', fallback: 4, max: 1000 },
  { key: 'linkBatchSize', flag: 'link-batch', env: 'BENCH_LINK_BATCH', fallback: 100, max: 1000 },
  { key: 'plainBatch', flag: 'plain-batch', env: 'BENCH_PLAIN_BATCH', fallback: 500, max: 100_000 },
  { key: 'timeoutMs', flag: 'timeout', env: 'BENCH_TIMEOUT_S', fallback: 600, max: 86_400, scale: 1000 },
  { key: 'gateways', flag: 'gateways', env: 'BENCH_GATEWAYS', fallback: 0, min: 0, max: 64 },
  { key: 'workers', flag: 'workers', env: 'BENCH_WORKERS', fallback: 0, min: 0, max: 64 },
  { key: 'backlog', flag: 'backlog', env: 'BENCH_BACKLOG', fallback: 0, min: 0, max: 10_000_000 },
];

/** The timeout when none is given: 600 s, or 20 ms per episode for large runs. */
const defaultTimeoutMs = (episodes: number) => Math.max(600_000, episodes * 20);

/** One line per option, for `--help`. */
export function benchUsage(): string {
  const lines = SPECS.map((s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(26)} default ${s.fallback}${s.scale ? ' (seconds; at least 20 ms per episode)' : ''}`);
  return [
    'usage: npm run bench -- [options]   (flag, or environment variable)',
    ...lines,
    'layout: no --gateways/--workers = one ROLE=all process; --gateways N --workers M = N ROLE=gateway + M ROLE=worker',
    '        processes on the same PostgreSQL + Redis (--gateways N alone = N ROLE=all processes).',
    '--backlog N holds POSTs while N episodes are posted but not settled (steady state: each tenth is comparable).',
    `--format F (BENCH_FORMAT) what is sent: ${BENCH_FORMAT_NAMES.join(' | ')} (default qd130); "episodes" are then records`,
    '        (messages, rows, bundle entries), and --per-envelope the records per submission.',
  ].join('\n');
}

function boundedInt(raw: string, name: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

/**
 * Read benchmark options from `argv` (e.g. `--episodes 2000`) and `env` (e.g. `BENCH_EPISODES=2000`).
 * Returns `undefined` when `--help` was asked for; throws on unknown flags or bad values.
 */
export function readBenchOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BenchOptions | undefined {
  const flagOptions: Record<string, { type: 'string' | 'boolean' }> = Object.fromEntries(SPECS.map((s) => [s.flag, { type: 'string' as const }]));
  flagOptions.help = { type: 'boolean' };
  flagOptions.format = { type: 'string' };
  const values: Record<string, string | boolean | undefined> = parseArgs({ args: [...argv], options: flagOptions, strict: true, allowPositionals: false }).values;
  if (values.help === true) return undefined;
  const out: Partial<BenchOptions> = {};
  for (const s of SPECS) {
    const fromFlag = values[s.flag];
    const raw = typeof fromFlag === 'string' ? fromFlag : env[s.env];
    const name = typeof fromFlag === 'string' ? `--${s.flag}` : s.env;
    const given = raw !== undefined && raw !== '';
    out[s.key] = given ? boundedInt(raw, name, s.min ?? 1, s.max) * (s.scale ?? 1) : s.key === 'timeoutMs' ? -1 : s.fallback;
  }
  const format = typeof values.format === 'string' ? values.format : env.BENCH_FORMAT || 'qd130';
  if (!(BENCH_FORMAT_NAMES as readonly string[]).includes(format)) throw new Error(`--format must be one of ${BENCH_FORMAT_NAMES.join(', ')} (got "${format.slice(0, 40)}")`);
  out.format = format as BenchFormatName;
  if (out.timeoutMs === -1) out.timeoutMs = defaultTimeoutMs(out.episodes!);
  if (out.workers! > 0 && out.gateways === 0) throw new Error('--workers needs --gateways (somewhere to upload to)');
  return out as BenchOptions;
}
