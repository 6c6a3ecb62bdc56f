/**
 * The end-to-end half of the identity benchmark: a gateway + worker in this process with
 * VERIFICATION=registry (as test/helpers/gateway.ts starts one), the feed POSTed round by round as
 * CSV files per facility, a wait until no record is pending, and the outcomes read back from the
 * records table (the latest version of each record, its Patient followed through merges).
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type pg from 'pg';
import { createApiKey } from '../../../gateway/auth/api-keys.js';
import { loadConfig } from '../../../gateway/config.js';
import { startRuntime, type Runtime } from '../../../gateway/runtime.js';
import { feedCsv } from './cells.js';
import type { OutcomeStatus, RecordOutcome } from './evaluate.js';
import type { Feed, FeedRow } from './types.js';

/** The data key when the environment names none (the benchmark's data is synthetic). */
const BENCH_DATA_KEYS = `1:${Buffer.alloc(32, 0x5b).toString('base64')}`;

/** Start a gateway + worker on a random port with registry verification. */
export async function startBenchGateway(env: NodeJS.ProcessEnv): Promise<Runtime> {
  const { DATABASE_URL, REDIS_URL } = env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set (npm run bench:identity starts throwaway services)');
  const config = loadConfig({
    DATABASE_URL, REDIS_URL, DATA_KEYS: env.DATA_KEYS || BENCH_DATA_KEYS,
    PORT: '0', QUEUE_PREFIX: `bid${randomBytes(3).toString('hex')}`, LOG_LEVEL: 'warn', LINK_WORKER_THREAD: '0',
    VERIFICATION: 'registry', RATE_LIMIT_PER_MINUTE: '1000000', AUTH_ATTEMPTS_PER_MINUTE: '1000000', RELAY_INTERVAL_MS: '1000',
  });
  // The gateway logs to stderr with the progress: stdout carries only the table and the JSON line.
  return startRuntime(config, pino({ level: config.logLevel }, pino.destination(2)));
}

/** One facility key per facility of the feed. */
export async function facilityKeys(pool: pg.Pool, feed: Feed, label: string): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const facility of new Set(feed.rows.map((r) => r.facility))) keys.set(facility, (await createApiKey(pool, { role: 'facility', facility, label })).key);
  return keys;
}

/** What posting the feed gave back. */
export interface PostResult {
  /** rowKey → the record's facility and key, from the 202 answers. */
  keys: Map<string, { facility: string; key: string }>;
  submissions: string[];
  requests: number;
  /** Requests answered 5xx or 429 (or not at all) and sent again, as a facility's HIS would; the first reasons. */
  retries: number;
  retryReasons: string[];
  failures: string[];
  seconds: number;
}

/** The requests of one round: each facility's rows cut into files of at most `perRequest` rows. */
function requestsOf(rows: readonly FeedRow[], perRequest: number): FeedRow[][] {
  const byFacility = new Map<string, FeedRow[]>();
  for (const r of rows) {
    const list = byFacility.get(r.facility);
    if (list) list.push(r);
    else byFacility.set(r.facility, [r]);
  }
  const out: FeedRow[][] = [];
  for (const list of byFacility.values()) for (let i = 0; i < list.length; i += perRequest) out.push(list.slice(i, i + perRequest));
  return out;
}

async function postFile(url: string, key: string, rows: readonly FeedRow[]): Promise<{ submissionId: string; keys: string[] }> {
  const res = await fetch(`${url}/ingest/csv?kind=immunization`, {
    method: 'POST', headers: { 'content-type': 'text/csv; charset=utf-8', authorization: `Bearer ${key}` }, body: feedCsv(rows), signal: AbortSignal.timeout(600_000),
  }).catch((err: Error) => { throw new Retryable(`POST /ingest/csv (${rows[0]?.facility}): ${err.message}`); });
  const text = await res.text();
  if (res.status >= 500 || res.status === 429) {
    const after = Number(res.headers.get('retry-after') ?? 0) * 1000;
    throw new Retryable(`POST /ingest/csv (${rows[0]?.facility}, ${rows.length} rows) answered ${res.status}: ${text.slice(0, 300)}`, Number.isFinite(after) ? after : 0);
  }
  if (res.status !== 202 && res.status !== 200) throw new Error(`POST /ingest/csv (${rows[0]?.facility}, ${rows.length} rows) answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { submissionId: string; records: Array<{ key: string }> };
  return { submissionId: body.submissionId, keys: body.records.map((r) => r.key) };
}

const ATTEMPTS = 4;

/** An error worth sending the same file again for: a 5xx or 429 answer, or no answer. */
class Retryable extends Error {
  constructor(message: string, readonly afterMs = 0) {
    super(message);
  }
}

/** POST a file, again after a 5xx or a network error (up to ATTEMPTS), counting the retries in `out`. */
async function postWithRetries(url: string, key: string, rows: readonly FeedRow[], out: PostResult): Promise<{ submissionId: string; keys: string[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postFile(url, key, rows);
    } catch (err) {
      if (!(err instanceof Retryable) || attempt >= ATTEMPTS) throw err;
      out.retries += 1;
      if (out.retryReasons.length < 5) out.retryReasons.push(err.message);
      await new Promise((r) => setTimeout(r, Math.max(500 * attempt, err.afterMs)));
    }
  }
}

/**
 * POST every round in order (a round's files `concurrency` at a time; the next round once all are
 * answered and, with `betweenRounds`, once that has resolved: a round is a month, linked before the next).
 */
export async function postFeed(
  url: string, feed: Feed, keys: ReadonlyMap<string, string>,
  o: { perRequest: number; concurrency: number; onRound: (round: number, posted: number) => void; betweenRounds?: (submissions: readonly string[]) => Promise<void> },
): Promise<PostResult> {
  const out: PostResult = { keys: new Map(), submissions: [], requests: 0, retries: 0, retryReasons: [], failures: [], seconds: 0 };
  const t0 = performance.now();
  let posted = 0;
  for (let round = 0; round < feed.rounds; round++) {
    const queue = requestsOf(feed.rows.filter((r) => r.round === round), o.perRequest);
    const lane = async () => {
      for (let rows = queue.shift(); rows; rows = queue.shift()) {
        out.requests += 1;
        try {
          const answer = await postWithRetries(url, keys.get(rows[0]!.facility)!, rows, out);
          out.submissions.push(answer.submissionId);
          rows.forEach((r, i) => out.keys.set(r.rowKey, { facility: r.facility, key: answer.keys[i] ?? r.cells.immunization_identifier! }));
        } catch (err) {
          out.failures.push((err as Error).message);
        }
        posted += rows.length;
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, lane));
    o.onRound(round, posted);
    if (round < feed.rounds - 1) await o.betweenRounds?.(out.submissions);
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/** Records of the run still waiting (accepted or unverified). */
export async function pendingCount(pool: pg.Pool, submissions: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM records WHERE submission_id = ANY($1::uuid[]) AND status IN ('accepted', 'unverified')`, [submissions]);
  return rows[0]?.n ?? 0;
}

/** Poll until nothing of the run is pending twice in a row, or the time runs out; the seconds waited. */
export async function waitSettled(pool: pg.Pool, submissions: readonly string[], timeoutMs: number, onPoll: (pending: number) => void): Promise<{ seconds: number; pending: number }> {
  const t0 = performance.now();
  let zeros = 0;
  for (;;) {
    const pending = await pendingCount(pool, submissions);
    onPoll(pending);
    zeros = pending === 0 ? zeros + 1 : 0;
    if (zeros >= 2 || performance.now() - t0 > timeoutMs) return { seconds: (performance.now() - t0) / 1000, pending };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The latest version of every record of the run, its Patient followed through merges, keyed by rowKey. */
export async function readOutcomes(pool: pg.Pool, post: PostResult): Promise<Map<string, RecordOutcome>> {
  const { rows } = await pool.query<{ facility: string; record_key: string; status: string; category: string | null; person_id: string | null }>(
    `SELECT DISTINCT ON (r.facility, r.record_key) r.facility, r.record_key, r.status, r.category, r.person_id::text AS person_id
       FROM records r JOIN submissions s ON s.id = r.submission_id
      WHERE s.id = ANY($1::uuid[])
      ORDER BY r.facility, r.record_key, r.id DESC`, [post.submissions]);
  const merged = new Map((await pool.query<{ id: string; into: string }>(`SELECT id::text AS id, merged_into::text AS into FROM persons WHERE merged_into IS NOT NULL`)).rows.map((r) => [r.id, r.into]));
  const resolve = (id: string | null) => {
    for (let hops = 0; id && merged.has(id) && hops < 20; hops++) id = merged.get(id)!;
    return id;
  };
  const byRecord = new Map(rows.map((r) => [`${r.facility}|${r.record_key}`, {
    status: (r.status === 'unverified' ? 'pending' : r.status) as OutcomeStatus, category: r.category, personId: resolve(r.person_id),
  }]));
  const out = new Map<string, RecordOutcome>();
  for (const [rowKey, { facility, key }] of post.keys) {
    const o = byRecord.get(`${facility}|${key}`);
    if (o) out.set(rowKey, o);
  }
  return out;
}
