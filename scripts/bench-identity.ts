/**
 * Identity-quality benchmark on real PostgreSQL + Redis: `npm run bench:identity [-- --people N …]`
 * (docs/identity-benchmark.md).
 *
 * 1. Generate a synthetic province (scripts/lib/identity-bench/province.ts), its registry extract
 *    and its vaccination feed with injected errors and ground truth.
 * 2. Write the extract padded to --registry rows as a roster CSV under the OS temp dir and load it
 *    with the roster import (identity/registry/roster-import.ts).
 * 3. Verification throughput: verifyMany over every feed row with a CCCD, in batches, against the
 *    loaded table and against an empty one.
 * 4. A gateway + worker in this process with VERIFICATION=registry; the feed POSTed as CSV files per
 *    facility, round by round; wait until nothing is pending; outcomes read from the records table.
 * 5. Score against the truth (evaluate.ts); print a table and one JSON line on stdout, progress on stderr.
 * Exit code 0 whatever the figures (a benchmark reports; "TARGET MISSED" lines say what fell short,
 * errors name the phase that could not run); 2 for bad flags.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../db/migrate.js';
import type { Runtime } from '../gateway/runtime.js';
import { missGroups } from './lib/identity-bench/diagnose.js';
import { evaluate, type RecordOutcome } from './lib/identity-bench/evaluate.js';
import { facilityKeys, postFeed, readOutcomes, startBenchGateway, waitSettled } from './lib/identity-bench/gateway-run.js';
import { identityBenchUsage, readIdentityBenchOptions, type IdentityBenchOptions } from './lib/identity-bench/options.js';
import { feed, generateProvince, registryExtract } from './lib/identity-bench/province.js';
import { loadRegistry, writeRegistryCsv } from './lib/identity-bench/registry-file.js';
import { formatIdentityResults, identityResultsJsonLine, missedTargets, type IdentityBenchResults } from './lib/identity-bench/report.js';
import { measureVerification, verifyQueries } from './lib/identity-bench/throughput.js';
import type { Feed } from './lib/identity-bench/types.js';

const say = (msg: string) => process.stderr.write(`[bench:identity] ${msg}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Run `fn` as a named phase: an error is recorded (and said) instead of ending the run. */
async function phase<T>(results: IdentityBenchResults, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    results.errors.push({ phase: name, message });
    say(`${name} failed: ${(err as Error).stack ?? message}`);
    return undefined;
  }
}

async function loadPhase(o: IdentityBenchOptions, results: IdentityBenchResults, pool: pg.Pool, dir: string, extract: ReturnType<typeof registryExtract>): Promise<void> {
  const file = await writeRegistryCsv(dir, extract, o.registry, o.seed);
  results.province.registryRows = file.rows;
  say(`registry CSV: ${fmt(file.rows)} rows (${fmt(extract.rows.length)} of the province), ${(file.bytes / 1048576).toFixed(1)} MB at ${file.path}`);
  let last = 0;
  const imported = await loadRegistry(pool, file.path, `bench-identity-seed-${o.seed}`, (rows) => {
    if (rows - last >= 100_000) say(`  imported ${fmt((last = rows))} rows`);
  });
  results.registryImport = {
    rows: imported.rows, inserted: imported.inserted, updated: imported.updated, skipped: imported.skipped, seconds: imported.seconds,
    rowsPerSecond: imported.rows / Math.max(1e-9, imported.seconds),
  };
  if (imported.problemCount) say(`  roster problems: ${imported.problemCount} (first: ${JSON.stringify(imported.problems.slice(0, 3))})`);
}

async function endToEnd(o: IdentityBenchOptions, results: IdentityBenchResults, pool: pg.Pool, f: Feed, state: { runtime?: Runtime }): Promise<Map<string, RecordOutcome>> {
  state.runtime = await startBenchGateway(process.env);
  say(`gateway at ${state.runtime.url} (VERIFICATION=registry); posting ${fmt(f.rows.length)} rows in ${f.rounds} rounds`);
  const keys = await facilityKeys(pool, f, `bench-identity seed ${o.seed}`);
  const post = await postFeed(state.runtime.url, f, keys, {
    perRequest: o.rowsPerRequest, concurrency: o.concurrency,
    onRound: (round, posted) => say(`  round ${round + 1}/${f.rounds} answered (${fmt(posted)} rows posted)`),
    // A round is a month of exports: linked (what the index learns) before the next month is sent.
    betweenRounds: async (submissions) => { await waitSettled(pool, submissions, o.timeoutMs, () => undefined); },
  });
  for (const failure of post.failures.slice(0, 5)) say(`  request failed: ${failure}`);
  for (const reason of post.retryReasons) say(`  request retried: ${reason}`);
  let lastSaid = 0;
  const settled = await waitSettled(pool, post.submissions, o.timeoutMs, (pending) => {
    if (performance.now() - lastSaid > 5000) { lastSaid = performance.now(); say(`  ${fmt(pending)} records pending`); }
  });
  results.ingest = { requests: post.requests, retriedRequests: post.retries, failedRequests: post.failures.length, postSeconds: post.seconds, settleSeconds: settled.seconds, pendingAtEnd: settled.pending };
  if (post.failures.length) results.errors.push({ phase: 'ingest', message: `${post.failures.length} of ${post.requests} requests failed; first: ${post.failures[0]}` });
  if (post.retries) results.errors.push({ phase: 'ingest', message: `${post.retries} requests answered 5xx/429 and were sent again; first: ${post.retryReasons[0]}` });
  return readOutcomes(pool, post);
}

async function run(o: IdentityBenchOptions, results: IdentityBenchResults, state: { runtime?: Runtime }): Promise<void> {
  const t0 = performance.now();
  const province = generateProvince({ people: o.people, seed: o.seed });
  const extract = registryExtract(province);
  const f = feed(province, { records: o.records, registry: extract, idPrefix: `IB${o.seed}-${Date.now().toString(36)}-` });
  results.province = { people: province.people.length, records: f.rows.length, registryRows: extract.rows.length, generateSeconds: seconds(t0) };
  say(`province: ${fmt(province.people.length)} people, feed ${fmt(f.rows.length)} rows, extract ${fmt(extract.rows.length)} rows (${results.province.generateSeconds.toFixed(1)} s)`);
  const { DATABASE_URL } = process.env;
  if (!DATABASE_URL) throw new Error('DATABASE_URL must be set (npm run bench:identity starts throwaway services)');
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  pool.on('error', () => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'bench-identity-'));
  try {
    await migrate(pool);
    await phase(results, 'registry import', () => loadPhase(o, results, pool, dir, extract));
    results.verification = (await phase(results, 'verification throughput', async () => {
      const queries = verifyQueries(f.rows);
      say(`verification: ${fmt(queries.length)} queries in batches of ${o.verifyBatch}`);
      return measureVerification(pool, queries, o.verifyBatch);
    })) ?? null;
    const outcomes = await phase(results, 'end to end', () => endToEnd(o, results, pool, f, state));
    if (outcomes) {
      results.quality = evaluate(f.truth, outcomes);
      for (const g of missGroups(f.truth, outcomes)) say(`  not correct: ${fmt(g.rows)} × ${g.what} (e.g. ${g.example})`);
    }
  } finally {
    await state.runtime?.stop().catch((err: Error) => say(`gateway stop: ${err.message}`));
    state.runtime = undefined;
    await pool.end().catch(() => undefined);
    if (o.keep) say(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  let o: IdentityBenchOptions | undefined;
  try {
    o = readIdentityBenchOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:identity: ${(err as Error).message}\n${identityBenchUsage()}`);
    return 2;
  }
  if (!o) {
    console.log(identityBenchUsage());
    return 0;
  }
  const t0 = performance.now();
  const results: IdentityBenchResults = {
    bench: 'identity', options: o, province: { people: 0, records: 0, registryRows: 0, generateSeconds: 0 },
    registryImport: null, verification: null, ingest: null, quality: null, wallSeconds: 0, errors: [],
  };
  const state: { runtime?: Runtime } = {};
  process.once('SIGINT', () => { say('SIGINT: stopping'); void (state.runtime?.stop() ?? Promise.resolve()).finally(() => process.exit(130)); });
  await phase(results, 'run', () => run(o!, results, state));
  results.wallSeconds = seconds(t0);
  console.log(formatIdentityResults(results));
  for (const line of missedTargets(results)) console.log(line);
  console.log(identityResultsJsonLine(results));
  return 0;
}

main().then((code) => process.exit(code));
