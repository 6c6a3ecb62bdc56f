/**
 * Statistics latency benchmark on real PostgreSQL: `npm run bench:stats [-- --records N --facilities N --runs N]`
 * (docs/reporting.md, "Latency at 10 million records").
 *
 * 1. Migrate a database (a throwaway one unless DATABASE_URL is set), register the facilities and
 *    their areas (old district until 30/06/2025, new commune after), one submission per format.
 * 2. Insert the records in batches as linkage leaves them (scripts/lib/stats-bench/populate.ts):
 *    the statement triggers count them into the deltas as they land; fold them.
 * 3. Start a gateway (ROLE=gateway, random port) and ask each question of STATS_QUESTIONS over HTTP
 *    `--runs` times with an admin key: p50 / p95 / max beside the 100 ms target.
 * 4. Insert one more batch without folding (deltas pending, as between two ticks of the folder) and
 *    ask again: answers stay exact and the figures say what reading the deltas costs.
 * Prints a table and one JSON line on stdout, progress on stderr. Exit 0 whatever the figures
 * ("TARGET MISSED" says what fell short); 2 for bad flags.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { migrate } from '../db/migrate.js';
import { createApiKey } from '../gateway/auth/api-keys.js';
import { loadConfig } from '../gateway/config.js';
import { startRuntime } from '../gateway/runtime.js';
import { syncRecordStatuses } from '../records/records.repo.js';
import { foldAllStats } from '../reporting/fold.js';
import { insertRecordBatch, registerFacilities, type StatsBenchShape } from './lib/stats-bench/populate.js';
import { STATS_QUESTIONS } from './lib/stats-bench/queries.js';

const TARGET_MS = 100;
const BATCH = 250_000;
const say = (msg: string) => process.stderr.write(`[bench:stats] ${msg}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

interface Options { records: number; facilities: number; runs: number; pendingRecords: number }

function readOptions(argv: readonly string[]): Options {
  const o: Options = { records: 10_000_000, facilities: 200, runs: 20, pendingRecords: 50_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(name in o) || !Number.isInteger(value) || value < 1) {
      process.stderr.write('usage: npm run bench:stats [-- --records N --facilities N --runs N --pendingRecords N]\n');
      process.exit(2);
    }
    o[name] = value;
  }
  return o;
}

/** Latency figures of one question, in milliseconds. */
interface Timing { name: string; query: string; p50: number; p95: number; max: number; groups: number }

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function timeQuestions(url: string, key: string, runs: number): Promise<Timing[]> {
  const out: Timing[] = [];
  for (const { name, query } of STATS_QUESTIONS) {
    const ms: number[] = [];
    let groups = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/stats?${query}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { rows?: unknown[] };
      if (res.status !== 200) throw new Error(`${query}: answered ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      if (i > 0) ms.push(performance.now() - t0); // the first run warms the plan cache
      groups = body.rows?.length ?? 0;
    }
    ms.sort((a, b) => a - b);
    out.push({ name, query, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: ms[ms.length - 1]!, groups });
  }
  return out;
}

function table(title: string, timings: readonly Timing[]): string {
  const lines = [title, `${'question'.padEnd(42)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'rows'.padStart(6)}  p95/target`];
  for (const t of timings) {
    lines.push(`${t.name.padEnd(42)} ${t.p50.toFixed(1).padStart(8)} ${t.p95.toFixed(1).padStart(8)} ${t.max.toFixed(1).padStart(8)} ${String(t.groups).padStart(6)}  ${(t.p95 / TARGET_MS).toFixed(2)}`);
  }
  return lines.join('\n');
}

async function populate(pool: pg.Pool, shape: StatsBenchShape, from: number): Promise<number> {
  const t0 = performance.now();
  for (let offset = from; offset < from + shape.records; offset += BATCH) {
    await insertRecordBatch(pool, shape, offset, Math.min(BATCH, from + shape.records - offset));
    if ((offset - from) % 1_000_000 === 0) say(`  inserted ${fmt(offset - from + Math.min(BATCH, shape.records))} records`);
  }
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set (npm run bench:stats starts throwaway services)');
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  await migrate(pool);
  await syncRecordStatuses(pool);
  const shape: StatsBenchShape = { records: o.records, facilities: o.facilities, firstDay: '2025-01-01', months: 23 };
  const { rows: [existing] } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM records');
  const start = Number(existing!.n) + 1;
  say(`registering ${o.facilities} facilities; inserting ${fmt(o.records)} records in batches of ${fmt(BATCH)} (${fmt(start - 1)} already there)`);
  await registerFacilities(pool, shape);
  const insertSeconds = await populate(pool, shape, start);
  const t1 = performance.now();
  const folded = await foldAllStats(pool);
  const foldSeconds = (performance.now() - t1) / 1000;
  await pool.query('ANALYZE');
  say(`inserted in ${insertSeconds.toFixed(0)} s (${fmt(Math.round(o.records / insertSeconds))} records/s with the counting triggers); folded ${fmt(folded)} deltas in ${foldSeconds.toFixed(1)} s`);

  const config = loadConfig({
    DATABASE_URL, REDIS_URL, DATA_KEYS: process.env.DATA_KEYS || `1:${Buffer.alloc(32, 0x3c).toString('base64')}`, ROLE: 'gateway', PORT: '0',
    QUEUE_PREFIX: `bst${randomBytes(3).toString('hex')}`, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', STATS_FOLD_MS: '3600000',
  });
  const runtime = await startRuntime(config, pino({ level: 'warn' }, pino.destination(2)));
  try {
    const { key } = await createApiKey(pool, { role: 'admin', label: 'bench:stats' });
    const folded10M = await timeQuestions(runtime.url, key, o.runs);
    await insertRecordBatch(pool, { ...shape, records: o.pendingRecords, firstDay: '2026-10-01', months: 1 }, start + o.records, o.pendingRecords);
    const { rows: [pending] } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM stats_deltas');
    const withDeltas = await timeQuestions(runtime.url, key, o.runs);
    const total = o.records + start - 1;
    process.stdout.write(`${table(`statistics over ${fmt(total)} records, ${o.facilities} facilities, folded (target p95 < ${TARGET_MS} ms)`, folded10M)}\n\n`);
    process.stdout.write(`${table(`the same with ${fmt(Number(pending!.n))} deltas not yet folded (${fmt(o.pendingRecords)} new records in October 2026)`, withDeltas)}\n\n`);
    const worst = Math.max(...folded10M.map((t) => t.p95), ...withDeltas.map((t) => t.p95));
    process.stdout.write(`insert with triggers: ${fmt(Math.round(o.records / insertSeconds))} records/s; fold: ${fmt(Math.round(folded / Math.max(foldSeconds, 1e-3)))} deltas/s\n`);
    process.stdout.write(worst < TARGET_MS ? `every question p95 < ${TARGET_MS} ms (worst ${worst.toFixed(1)} ms, ratio ${(worst / TARGET_MS).toFixed(2)})\n` : `TARGET MISSED: worst p95 ${worst.toFixed(1)} ms ≥ ${TARGET_MS} ms\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'stats', records: total, facilities: o.facilities, targetMs: TARGET_MS, insertRecordsPerSecond: Math.round(o.records / insertSeconds), foldSeconds, folded: folded10M, pendingDeltas: Number(pending!.n), withDeltas })}\n`);
  } finally {
    await runtime.stop();
    await pool.end();
  }
}

main().catch((err) => {
  say(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
