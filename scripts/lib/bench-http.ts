/**
 * The benchmark's HTTP side: POST envelopes to /ingest/qd130 with bounded concurrency, and read
 * linkage progress from GET /api/stats/facilities.
 */
import { performance } from 'node:perf_hooks';
import type { BenchEnvelope } from './bench-workload.js';

/** Latency of one POST. */
export interface PostTiming {
  ms: number;
  episodes: number;
}

/** Outcome of the POST phase. */
export interface PostPhase {
  timings: PostTiming[];
  /** performance.now() when the first POST started and the last answer was read. */
  startedAt: number;
  endedAt: number;
  accepted: number;
  rejected: number;
}

/** Counts over the run's facilities (deltas against the snapshot taken before the run). */
export interface LinkTotals {
  received: number;
  linked: number;
  rejected: number;
  failed: number;
  pending: number;
}

interface IngestAnswer {
  records?: Array<{ status?: string }>;
}

async function postOne(url: string, key: string, envelope: BenchEnvelope): Promise<{ ms: number; accepted: number; rejected: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/ingest/qd130`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${key}` },
    body: envelope.body,
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 202) throw new Error(`POST /ingest/qd130 (${envelope.facility}, ${envelope.episodes} episodes) answered ${res.status}: ${text.slice(0, 500)}`);
  const records = (JSON.parse(text) as IngestAnswer).records ?? [];
  const accepted = records.filter((r) => r.status === 'accepted').length;
  return { ms, accepted, rejected: records.length - accepted };
}

/**
 * POST every envelope with at most `concurrency` requests in flight (each facility with its own key);
 * any answer other than 202 fails the phase. `onDone` is called after each answer (for progress).
 */
export async function postEnvelopes(
  url: string,
  envelopes: readonly BenchEnvelope[],
  keyFor: (facility: string) => string,
  concurrency: number,
  onDone: (episodes: number) => void = () => undefined,
): Promise<PostPhase> {
  const phase: PostPhase = { timings: [], startedAt: performance.now(), endedAt: 0, accepted: 0, rejected: 0 };
  let next = 0;
  const lane = async () => {
    while (next < envelopes.length) {
      const envelope = envelopes[next++]!;
      const r = await postOne(url, keyFor(envelope.facility), envelope);
      phase.timings.push({ ms: r.ms, episodes: envelope.episodes });
      phase.accepted += r.accepted;
      phase.rejected += r.rejected;
      onDone(envelope.episodes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, envelopes.length) }, lane));
  phase.endedAt = performance.now();
  return phase;
}

interface StatsAnswer {
  facilities: Array<LinkTotals & { facility: string }>;
}

/** The day before today (UTC) as YYYY-MM-DD: a `from` that surely covers everything received today. */
export function yesterday(now = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** Sum GET /api/stats/facilities?from=… over `facilities` (admin key). */
export async function facilityTotals(url: string, adminKey: string, from: string, facilities: readonly string[]): Promise<LinkTotals> {
  const res = await fetch(`${url}/api/stats/facilities?from=${from}`, { headers: { authorization: `Bearer ${adminKey}` }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /api/stats/facilities answered ${res.status}: ${text.slice(0, 500)}`);
  const wanted = new Set(facilities);
  const totals: LinkTotals = { received: 0, linked: 0, rejected: 0, failed: 0, pending: 0 };
  for (const f of (JSON.parse(text) as StatsAnswer).facilities) {
    if (!wanted.has(f.facility)) continue;
    for (const k of Object.keys(totals) as Array<keyof LinkTotals>) totals[k] += f[k];
  }
  return totals;
}

/** `now − before`, field by field. */
export function subtractTotals(now: LinkTotals, before: LinkTotals): LinkTotals {
  return {
    received: now.received - before.received,
    linked: now.linked - before.linked,
    rejected: now.rejected - before.rejected,
    failed: now.failed - before.failed,
    pending: now.pending - before.pending,
  };
}

/** Records that reached a final state. */
export const settled = (t: LinkTotals): number => t.linked + t.rejected + t.failed;

/** A sleep that can be cut short (the poller wakes up at once when the POSTs end). */
export class Sleeper {
  private wakeUp: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}

/**
 * How long to wait before the next statistics poll. Every poll is a GROUP BY over the day's records
 * (tens of ms of PostgreSQL CPU once the table is large), so polling must not load the system it
 * measures: once a second while POSTs are still running (the run cannot finish before), afterwards a
 * third of the estimated time left at the current linkage rate, between 100 ms and 2 s.
 */
export function pollPacer(target: number, postsDone: () => boolean): (t: LinkTotals, at: number) => number {
  let previous: { settled: number; at: number } | undefined;
  return (t, at) => {
    const current = { settled: settled(t), at };
    const rate = previous && current.at > previous.at ? (current.settled - previous.settled) / (current.at - previous.at) : 0;
    previous = current;
    if (!postsDone()) return 1000;
    if (rate <= 0) return 250;
    return Math.min(2000, Math.max(100, (target - current.settled) / rate / 3));
  };
}

/**
 * Poll the run's totals until `target` records are settled (linked, rejected or failed), sleeping
 * `nextDelayMs(totals, at)` between polls. Resolves with the totals and performance.now() of the
 * answer that showed it. `check` runs before each poll (throw to abort, e.g. when the gateway died).
 */
export async function waitUntilSettled(o: {
  read: () => Promise<LinkTotals>;
  target: number;
  deadline: number;
  check: () => void;
  nextDelayMs: (t: LinkTotals, at: number) => number;
  sleeper: Sleeper;
  onTotals?: (t: LinkTotals) => void;
}): Promise<{ totals: LinkTotals; at: number; polls: number }> {
  for (let polls = 1; ; polls++) {
    o.check();
    const totals = await o.read();
    const at = performance.now();
    o.onTotals?.(totals);
    if (settled(totals) >= o.target) return { totals, at, polls };
    if (Date.now() > o.deadline) {
      throw new Error(`timed out: ${settled(totals)} of ${o.target} episodes settled (linked ${totals.linked}, pending ${totals.pending}, received ${totals.received})`);
    }
    await o.sleeper.sleep(o.nextDelayMs(totals, at));
  }
}
