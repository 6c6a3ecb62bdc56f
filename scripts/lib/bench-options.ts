/**
 * Options of the end-to-end benchmark (scripts/bench.ts): command-line flags win over BENCH_* variables,
 * which win over the defaults.
 */
import { parseArgs } from 'node:util';

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
  /** Give up (exit 1) when ingest + linkage take longer than this. */
  timeoutMs: number;
}

interface OptionSpec {
  key: keyof BenchOptions;
  flag: string;
  env: string;
  fallback: number;
  max: number;
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
];

/** One line per option, for `--help`. */
export function benchUsage(): string {
  const lines = SPECS.map((s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(26)} default ${s.fallback}${s.scale ? ' (seconds)' : ''}`);
  return ['usage: npm run bench -- [options]   (flag, or environment variable)', ...lines].join('\n');
}

function positiveInt(raw: string, name: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new Error(`${name} must be an integer from 1 to ${max} (got "${raw}")`);
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
  const values: Record<string, string | boolean | undefined> = parseArgs({ args: [...argv], options: flagOptions, strict: true, allowPositionals: false }).values;
  if (values.help === true) return undefined;
  const out: Partial<BenchOptions> = {};
  for (const s of SPECS) {
    const fromFlag = values[s.flag];
    const raw = typeof fromFlag === 'string' ? fromFlag : env[s.env];
    const name = typeof fromFlag === 'string' ? `--${s.flag}` : s.env;
    out[s.key] = (raw === undefined || raw === '' ? s.fallback : positiveInt(raw, name, s.max)) * (s.scale ?? 1);
  }
  return out as BenchOptions;
}
