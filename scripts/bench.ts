/**
 * End-to-end benchmark on real PostgreSQL + Redis: `npm run bench [-- --episodes N …]`.
 *
 * Synthetic QĐ 130 envelopes are POSTed to a gateway + worker running as a separate process
 * (`node --import tsx gateway/main.ts`) until every episode is linked into the built-in FHIR store;
 * then the same FHIR resources are inserted plainly into a scratch table as a baseline of what this
 * PostgreSQL can take. Prints a readable block and one JSON line; exits 0, or 1 with the reason.
 * Options: `npm run bench -- --help` (flags or BENCH_* variables); BENCH_CPU_PROF=DIR also writes a
 * V8 CPU profile of the gateway child into DIR (node --cpu-prof) when it shuts down.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiKey } from '../gateway/auth/api-keys.js';
import { loadConfig } from '../gateway/config.js';
import { migrate } from '../gateway/store/migrate.js';
import { plainInsertBaseline } from './lib/bench-baseline.js';
import { cpuSnapshot, cpuUsed, findPostmaster } from './lib/bench-cpu.js';
import { freePort, readProcMemory, startGatewayChild, type GatewayChild } from './lib/bench-child.js';
import {
  facilityTotals, pollPacer, postEnvelopes, settled, Sleeper, subtractTotals, waitUntilSettled, yesterday, type LinkTotals, type PostPhase,
} from './lib/bench-http.js';
import { benchUsage, readBenchOptions, type BenchOptions } from './lib/bench-options.js';
import { computeResults, formatResults, resultsJsonLine } from './lib/bench-report.js';
import { buildWorkload, mapWorkload, type Workload } from './lib/bench-workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROGRESS_MS = 5000;

const say = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** The API keys of one run: one per facility plus an admin key for the statistics. */
interface RunKeys {
  byFacility: Map<string, string>;
  admin: string;
}

async function createRunKeys(pool: pg.Pool, facilities: readonly string[], runId: string): Promise<RunKeys> {
  const byFacility = new Map<string, string>();
  for (const facility of facilities) {
    byFacility.set(facility, (await createApiKey(pool, { role: 'facility', facility, label: `bench ${runId}` })).key);
  }
  const admin = (await createApiKey(pool, { role: 'admin', label: `bench ${runId}` })).key;
  return { byFacility, admin };
}

/** Environment of the gateway child: real services, a free port, a private queue, quiet logs. */
function childEnv(o: BenchOptions, services: { DATABASE_URL: string; REDIS_URL: string }, port: number, runId: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(EHR_FHIR_URL|EHR_API_KEY|ROLE|DEMO)$/.test(k)) env[k] = v;
  return {
    ...env,
    ...services,
    PORT: String(port),
    HOST: '127.0.0.1',
    ROLE: 'all',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench${runId}`,
    WORKER_CONCURRENCY: String(o.workerConcurrency),
    LINK_BATCH_SIZE: String(o.linkBatchSize),
    RATE_LIMIT_PER_MINUTE: '1000000',
  };
}

/** Live counters for the progress line. */
interface Progress {
  posted: number;
  totals?: LinkTotals;
}

function startProgress(progress: Progress, target: number, t0: number): () => void {
  const timer = setInterval(() => {
    const t = progress.totals;
    const linkage = t ? `received ${t.received}, linked ${t.linked}, pending ${t.pending}, rejected ${t.rejected}, failed ${t.failed}` : 'no statistics yet';
    say(`${((performance.now() - t0) / 1000).toFixed(1)} s: posted ${progress.posted}/${target} episodes; ${linkage}`);
  }, PROGRESS_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** The timed part: POST everything while polling statistics, until every episode is settled. */
async function runTimedPhase(
  o: BenchOptions,
  workload: Workload,
  child: GatewayChild,
  keys: RunKeys,
): Promise<{ post: PostPhase; totals: LinkTotals; settledAt: number; linkedAtPostEnd: number; polls: number }> {
  const from = yesterday();
  const read = () => facilityTotals(child.url, keys.admin, from, workload.facilities);
  const before = await read();
  const progress: Progress = { posted: 0 };
  const t0 = performance.now();
  const stopProgress = startProgress(progress, workload.episodes, t0);
  const sleeper = new Sleeper();
  let postsDone = false;
  let linkedAtPostEnd: number | undefined;
  try {
    const waiting = waitUntilSettled({
      read: async () => subtractTotals(await read(), before),
      target: workload.episodes,
      deadline: Date.now() + o.timeoutMs,
      check: () => child.assertAlive(),
      nextDelayMs: pollPacer(workload.episodes, () => postsDone),
      sleeper,
      onTotals: (t) => {
        progress.totals = t;
        if (postsDone && linkedAtPostEnd === undefined) linkedAtPostEnd = t.linked; // first poll after the last POST
      },
    });
    const posting = postEnvelopes(child.url, workload.envelopes, (f) => keys.byFacility.get(f)!, o.httpConcurrency, (n) => (progress.posted += n))
      .then((post) => {
        postsDone = true;
        sleeper.wake();
        return post;
      });
    const [post, done] = await Promise.all([posting, waiting]);
    return { post, totals: done.totals, settledAt: done.at, linkedAtPostEnd: linkedAtPostEnd ?? done.totals.linked, polls: done.polls };
  } finally {
    stopProgress();
  }
}

/** fhir_resources rows created or changed since `since` (a cross-check of what linkage wrote). */
async function countRowsWritten(pool: pg.Pool, since: Date): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resources WHERE last_updated >= $1', [since]);
  return rows[0]?.n ?? 0;
}

async function stopChild(child: GatewayChild): Promise<void> {
  const how = await child.stop();
  if (how !== 'exit 0') say(`warning: gateway shutdown ended with ${how}; last output:\n  ${child.tail().join('\n  ')}`);
}

async function run(o: BenchOptions, state: { child?: GatewayChild }): Promise<void> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set (npm run bench starts throwaway services)');
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

  say(`run ${runId}: generating ${o.episodes} episodes…`);
  const workload = buildWorkload({ ...o, runId, seedBase: randomInt(1, 1_000_000) });
  say(`${workload.envelopes.length} envelopes, ${(workload.bytes / 1048576).toFixed(1)} MB`);

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    const keys = await createRunKeys(pool, workload.facilities, runId);
    const port = await freePort();
    const nodeArgs = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    state.child = await startGatewayChild(ROOT, childEnv(o, { DATABASE_URL, REDIS_URL }, port, runId), nodeArgs);
    const child = state.child;
    say(`gateway pid ${child.pid} at ${child.url}; timing starts`);

    const cpuTargets = { gatewayPid: child.pid, postmaster: await findPostmaster(pool).catch(() => undefined), redisUrl: REDIS_URL };
    const runStart = new Date();
    const cpuBefore = await cpuSnapshot(cpuTargets);
    const timed = await runTimedPhase(o, workload, child, keys);
    const cpu = cpuUsed(cpuBefore, await cpuSnapshot(cpuTargets));
    const gatewayPeakRssKb = child.peakRssKb();
    const benchPeakRssDuringLoadKb = readProcMemory('self')?.hwmKb ?? NaN;
    say(`all ${settled(timed.totals)} episodes settled (${timed.polls} statistics polls); stopping the gateway`);
    const rowsWrittenInDb = await countRowsWritten(pool, runStart);
    await stopChild(child);

    say('mapping the same episodes for the plain-insert baseline (untimed)…');
    const mapped = mapWorkload(workload, loadConfig(process.env).systems);
    if (mapped.mappedEpisodes !== timed.post.accepted) say(`warning: mapper accepts ${mapped.mappedEpisodes} episodes, ingest accepted ${timed.post.accepted}`);
    say(`plain INSERT of ${mapped.distinct.length} resources…`);
    const plain = await plainInsertBaseline(pool, mapped.distinct, o.plainBatch);

    const results = computeResults({
      options: o, episodes: workload.episodes, envelopes: workload.envelopes.length, envelopeBytes: workload.bytes,
      post: timed.post, settledAt: timed.settledAt, totals: timed.totals, linkedAtPostEnd: timed.linkedAtPostEnd, cpu,
      producedResources: mapped.producedResources, distinctResources: mapped.distinct.length, rowsWrittenInDb,
      gatewayPeakRssKb, benchPeakRssDuringLoadKb, benchPeakRssKb: readProcMemory('self')?.hwmKb ?? NaN, plain,
    });
    if (timed.totals.failed || timed.totals.rejected) say(`warning: ${timed.totals.rejected} rejected and ${timed.totals.failed} failed episodes`);
    console.log(formatResults(results));
    console.log(resultsJsonLine(results));
  } finally {
    await pool.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = readBenchOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${benchUsage()}`);
    return 2;
  }
  if (!options) {
    console.log(benchUsage());
    return 0;
  }
  const state: { child?: GatewayChild } = {};
  const interrupt = (signal: string) => {
    say(`${signal}: stopping`);
    void (state.child?.stop(2000) ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  try {
    await run(options, state);
    return 0;
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
    await state.child?.stop(5000);
    return 1;
  }
}

main().then((code) => process.exit(code));
