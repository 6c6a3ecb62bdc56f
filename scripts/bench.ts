/**
 * End-to-end benchmark on real PostgreSQL + Redis: `npm run bench [-- --episodes N …]`.
 *
 * Synthetic QĐ 130 envelopes, generated lazily while posting, are POSTed to a gateway + worker running
 * as a separate process (`node --import tsx gateway/main.ts`; or, with --gateways N --workers M,
 * N ROLE=gateway + M ROLE=worker processes) until every episode is linked into the built-in FHIR
 * store; the throughput of each tenth of the run is recorded with the store's size. Then the same
 * FHIR resources are inserted plainly into a scratch table as a baseline of what this PostgreSQL
 * can take. Prints a readable block and one JSON line; exits 0, or 1 with the reason.
 * Options: `npm run bench -- --help` (flags or BENCH_* variables); BENCH_CPU_PROF=DIR also writes a
 * V8 CPU profile of the gateway child into DIR (node --cpu-prof) when it shuts down.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiKey } from '../gateway/auth/api-keys.js';
import { loadConfig } from '../gateway/config.js';
import { migrate } from '../db/migrate.js';
import { plainInsertBaseline } from './lib/bench-baseline.js';
import { BENCH_FORMATS } from './lib/bench-formats.js';
import { readProcMemory } from './lib/bench-child.js';
import { cpuSnapshot, cpuUsed, findPostmaster } from './lib/bench-cpu.js';
import { startFleet, type Fleet } from './lib/bench-fleet.js';
import { facilityTotals, postEnvelopes, settled, Sleeper, subtractTotals, waitUntilSettled, yesterday, type LinkTotals, type PostPhase } from './lib/bench-http.js';
import { benchUsage, readBenchOptions, type BenchOptions } from './lib/bench-options.js';
import { BacklogGate, countStoreResources, RunProgress, type Received } from './lib/bench-progress.js';
import { computeResults, formatResults, resultsJsonLine } from './lib/bench-report.js';
import { layoutRoles } from './lib/bench-roles.js';
import { TenthsTracker, type Tenth } from './lib/bench-tenths.js';
import { mappedRows, planWorkload, type MappingCounts, type WorkloadPlan } from './lib/bench-workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROGRESS_MS = 5000;

const say = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

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

/** Environment of every child (ROLE and PORT are added per process): real services, a private queue, quiet logs. */
function childEnv(o: BenchOptions, services: { DATABASE_URL: string; REDIS_URL: string }, runId: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(EHR_FHIR_URL|EHR_API_KEY|ROLE|DEMO|PORT)$/.test(k)) env[k] = v;
  return {
    ...env,
    ...services,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench${runId}`,
    WORKER_CONCURRENCY: String(o.workerConcurrency),
    LINK_BATCH_SIZE: String(o.linkBatchSize),
    RATE_LIMIT_PER_MINUTE: '1000000',
  };
}

/** Live counters of the timed phase. */
interface Live {
  posted: number;
  received: Received;
  totals?: LinkTotals;
}

function startProgress(live: Live, target: number, t0: number): () => void {
  const timer = setInterval(() => {
    const t = live.totals;
    const linkage = t ? `received ${t.received}, linked ${t.linked}, pending ${t.pending}, rejected ${t.rejected}, failed ${t.failed}` : 'no progress yet';
    say(`${((performance.now() - t0) / 1000).toFixed(1)} s: posted ${live.posted}/${target} episodes; ${linkage}`);
  }, PROGRESS_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** What the timed phase measured. */
interface Timed {
  post: PostPhase & { bytes: number; envelopes: number };
  totals: LinkTotals;
  settledAt: number;
  linkedAtPostEnd: number;
  polls: number;
  tenths: Tenth[];
}

/** Once the cheap progress says settled, the statistics endpoint must agree (polled until it does). */
async function confirmSettled(o: BenchOptions, read: () => Promise<LinkTotals>, target: number, fleet: Fleet, at: number) {
  const confirmed = await waitUntilSettled({
    read, target, deadline: Date.now() + o.timeoutMs, check: () => fleet.assertAlive(), nextDelayMs: () => 250, sleeper: new Sleeper(),
  });
  return { totals: confirmed.totals, at: confirmed.polls === 1 ? at : confirmed.at, polls: confirmed.polls };
}

/** The timed part: POST everything (lazily generated) while polling progress, until every episode is settled. */
async function runTimedPhase(o: BenchOptions, plan: WorkloadPlan, fleet: Fleet, keys: RunKeys, pool: pg.Pool): Promise<Timed> {
  const from = yesterday();
  const readStats = () => facilityTotals(fleet.urls[0]!, keys.admin, from, plan.facilities);
  const before = await readStats();
  const live: Live = { posted: 0, received: { accepted: 0, rejected: 0 } };
  const progress = new RunProgress(pool, plan.keyPrefix, plan.episodes);
  const gate = new BacklogGate(o.backlog);
  const t0 = performance.now();
  const tenths = new TenthsTracker(plan.episodes, t0, () => countStoreResources(pool), (t) =>
    say(`tenth ${t.index}/10 settled: ${fmt(t.episodesPerSecond)} episodes/s over ${t.seconds} s (posted ${fmt(t.posted)})`));
  const stopProgress = startProgress(live, plan.episodes, t0);
  const sleeper = new Sleeper();
  let postsDone = false;
  let linkedAtPostEnd: number | undefined;
  try {
    const waiting = waitUntilSettled({
      read: () => progress.read(live.received),
      target: plan.episodes,
      deadline: Date.now() + o.timeoutMs,
      check: () => fleet.assertAlive(),
      nextDelayMs: (t, at) => progress.nextDelayMs(settled(t), at, postsDone),
      sleeper,
      onTotals: (t, at) => {
        live.totals = t;
        gate.update(settled(t));
        tenths.observe(settled(t), at, live.posted);
        if (postsDone && linkedAtPostEnd === undefined) linkedAtPostEnd = t.linked; // first poll after the last POST
      },
    });
    const posting = postEnvelopes({
      urls: fleet.urls, mllpPorts: fleet.mllpPorts, format: plan.format, envelopes: plan.envelopes(), keyFor: (f) => keys.byFacility.get(f)!, concurrency: o.httpConcurrency,
      beforePost: (n) => gate.admit(n),
      onDone: (a) => {
        live.posted += a.episodes;
        live.received.accepted += a.accepted;
        live.received.rejected += a.rejected;
      },
    }).then((post) => {
      postsDone = true;
      sleeper.wake();
      return post;
    });
    const [post, done] = await Promise.all([posting, waiting]);
    const confirmed = await confirmSettled(o, async () => subtractTotals(await readStats(), before), plan.episodes, fleet, done.at);
    return {
      post, totals: confirmed.totals, settledAt: confirmed.at, linkedAtPostEnd: linkedAtPostEnd ?? done.totals.linked,
      polls: done.polls + confirmed.polls, tenths: await tenths.finish(confirmed.at, live.posted),
    };
  } finally {
    stopProgress();
  }
}

/** fhir_resources rows created or changed since `since` (a cross-check of what linkage wrote). */
async function countRowsWritten(pool: pg.Pool, since: Date): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resources WHERE last_updated >= $1', [since]);
  return rows[0]?.n ?? 0;
}

async function stopFleet(fleet: Fleet): Promise<void> {
  for (const { name, how } of await fleet.stop()) {
    if (how !== 'exit 0') say(`warning: ${name} shutdown ended with ${how}; last output:\n  ${fleet.members.find((m) => m.child.name === name)?.child.tail().join('\n  ')}`);
  }
}

const maxKb = (values: number[]) => (values.length ? Math.max(...values) : undefined);

async function run(o: BenchOptions, state: { fleet?: Fleet }): Promise<void> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set (npm run bench starts throwaway services)');
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const plan = planWorkload({ ...o, runId, seedBase: randomInt(1, 1_000_000), format: BENCH_FORMATS[o.format] });
  say(`run ${runId}: ${fmt(o.episodes)} ${o.format === 'qd130' ? 'episodes' : `records (${plan.format.record})`} in ${fmt(plan.envelopeCount)} ${o.format} submissions, generated while posting (never all in memory)`);

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    const keys = await createRunKeys(pool, plan.facilities, runId);
    const nodeArgs = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const env = childEnv(o, { DATABASE_URL, REDIS_URL }, runId);
    state.fleet = await startFleet({
      mllp: plan.format.transport.kind === 'mllp',
      root: ROOT, roles: layoutRoles(o.gateways, o.workers), env, nodeArgs, redisUrl: REDIS_URL, queuePrefix: env.QUEUE_PREFIX!, log: say,
      linkerKey: async () => (await createApiKey(pool, { role: 'linker', label: `bench ${runId}` })).key,
    });
    const fleet = state.fleet;
    say(`${fleet.layout}: ${fleet.members.map((m) => `${m.child.name} pid ${m.child.pid}${m.child.url ? ` at ${m.child.url}` : ''}`).join(', ')}; timing starts`);

    const cpuTargets = { gatewayPids: fleet.pids('uploads'), workerPids: fleet.pids('worker'), postmaster: await findPostmaster(pool).catch(() => undefined), redisUrl: REDIS_URL };
    const storeResourcesAtStart = await countStoreResources(pool);
    const runStart = new Date();
    const cpuBefore = await cpuSnapshot(cpuTargets);
    const timed = await runTimedPhase(o, plan, fleet, keys, pool);
    const cpu = cpuUsed(cpuBefore, await cpuSnapshot(cpuTargets));
    const peakOf = (worker: boolean) => maxKb(fleet.members.filter((m) => (m.role === 'worker') === worker).map((m) => m.child.peakRssKb()));
    const gatewayPeakRssKb = peakOf(false) ?? NaN;
    const workerPeakRssKb = peakOf(true);
    const roles = fleet.peaks();
    const benchPeakRssDuringLoadKb = readProcMemory('self')?.hwmKb ?? NaN;
    say(`all ${settled(timed.totals)} episodes settled (${timed.polls} progress polls); stopping ${fleet.layout}`);
    const rowsWrittenInDb = await countRowsWritten(pool, runStart);
    await stopFleet(fleet);

    say('plain INSERT baseline: regenerating and mapping the same episodes (mapping untimed)…');
    const counts: MappingCounts = { mappedEpisodes: 0, producedResources: 0 };
    const plain = await plainInsertBaseline(pool, mappedRows(plan, loadConfig(process.env).systems, counts), o.plainBatch);
    if (counts.mappedEpisodes !== timed.post.accepted) say(`warning: mapper accepts ${counts.mappedEpisodes} episodes, ingest accepted ${timed.post.accepted}`);

    const results = computeResults({
      options: o, episodes: plan.episodes, envelopes: timed.post.envelopes, envelopeBytes: timed.post.bytes,
      post: timed.post, settledAt: timed.settledAt, totals: timed.totals, linkedAtPostEnd: timed.linkedAtPostEnd, cpu,
      producedResources: counts.producedResources, distinctResources: plain.resources, rowsWrittenInDb,
      gatewayPeakRssKb, ...(workerPeakRssKb !== undefined ? { workerPeakRssKb } : {}),
      benchPeakRssDuringLoadKb, benchPeakRssKb: readProcMemory('self')?.hwmKb ?? NaN, plain,
      layout: fleet.layout, ...(fleet.workerEhr ? { workerEhr: fleet.workerEhr } : {}), roles, storeResourcesAtStart, tenths: timed.tenths,
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
  const state: { fleet?: Fleet } = {};
  const interrupt = (signal: string) => {
    say(`${signal}: stopping`);
    void (state.fleet?.stop(2000) ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  try {
    await run(options, state);
    return 0;
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
    await state.fleet?.stop(5000);
    return 1;
  }
}

main().then((code) => process.exit(code));
