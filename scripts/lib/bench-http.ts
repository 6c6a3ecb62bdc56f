/**
 * The benchmark's HTTP side: POST submissions to the format's ingest route (or send them over MLLP) with bounded concurrency over one or
 * more gateways, read the run's totals from GET /api/stats/facilities, and wait until it is settled.
 */
import { performance } from 'node:perf_hooks';
import type { BenchFormat } from './bench-formats.js';
import { sendOverMllp } from './bench-mllp.js';
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
  /** In the review queue (a person must decide): settled as far as the run is concerned. */
  held: number;
  failed: number;
  pending: number;
}

async function postOne(url: string, key: string, envelope: BenchEnvelope, format: BenchFormat): Promise<{ ms: number; accepted: number; rejected: number }> {
  const t0 = performance.now();
  const { transport } = format;
  if (transport.kind === 'mllp') throw new Error('postOne is for HTTP formats');
  const res = await fetch(`${url}${transport.path}`, {
    method: 'POST',
    headers: { 'content-type': transport.contentType, authorization: `Bearer ${key}` },
    body: envelope.body,
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 202 && res.status !== 200) throw new Error(`POST ${transport.path} (${envelope.facility}, ${envelope.episodes} records) answered ${res.status}: ${text.slice(0, 500)}`);
  return { ms, ...format.count(text) };
}

/** How the POST phase is driven. */
export interface PostPlan {
  /** Gateway base URLs; envelope i goes to `urls[i % urls.length]`. */
  urls: readonly string[];
  /** The gateways' MLLP ports, for a format sent over MLLP (same order as `urls`). */
  mllpPorts?: readonly number[];
  format: BenchFormat;
  /** Generated lazily and pulled by the lanes one at a time. */
  envelopes: Iterable<BenchEnvelope>;
  keyFor: (facility: string) => string;
  concurrency: number;
  /** Called after each answer (for progress). */
  onDone?: (answer: { episodes: number; accepted: number; rejected: number }) => void;
  /** Awaited before each POST (backlog limit); resolves at once when there is none. */
  beforePost?: (episodes: number) => Promise<void>;
}

/**
 * POST every envelope with at most `concurrency` requests in flight (each facility with its own key),
 * spread round-robin over the gateways; any answer other than 202 fails the phase. Only the
 * envelopes in flight are in memory; `bytes` sums what was sent.
 */
export async function postEnvelopes(plan: PostPlan): Promise<PostPhase & { bytes: number; envelopes: number }> {
  const phase = { timings: [] as PostTiming[], startedAt: performance.now(), endedAt: 0, accepted: 0, rejected: 0, bytes: 0, envelopes: 0 };
  const source = plan.envelopes[Symbol.iterator]();
  let index = 0;
  const lane = async () => {
    for (;;) {
      const next = source.next(); // synchronous: lanes never take the same envelope
      if (next.done) return;
      const envelope = next.value;
      const target = index++;
      const url = plan.urls[target % plan.urls.length]!;
      await plan.beforePost?.(envelope.episodes);
      const r = plan.format.transport.kind === 'mllp'
        ? await sendOverMllp(plan.mllpPorts![target % plan.mllpPorts!.length]!, envelope, plan.format)
        : await postOne(url, plan.keyFor(envelope.facility), envelope, plan.format);
      phase.timings.push({ ms: r.ms, episodes: envelope.episodes });
      phase.accepted += r.accepted;
      phase.rejected += r.rejected;
      phase.bytes += envelope.body.length;
      phase.envelopes++;
      plan.onDone?.({ episodes: envelope.episodes, accepted: r.accepted, rejected: r.rejected });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, lane));
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
  const totals: LinkTotals = { received: 0, linked: 0, rejected: 0, held: 0, failed: 0, pending: 0 };
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
    held: now.held - before.held,
    failed: now.failed - before.failed,
    pending: now.pending - before.pending,
  };
}

/** Records that reached a final state. */
export const settled = (t: LinkTotals): number => t.linked + t.rejected + t.held + t.failed;

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
  onTotals?: (t: LinkTotals, at: number) => void;
}): Promise<{ totals: LinkTotals; at: number; polls: number }> {
  for (let polls = 1; ; polls++) {
    o.check();
    const totals = await o.read();
    const at = performance.now();
    o.onTotals?.(totals, at);
    if (settled(totals) >= o.target) return { totals, at, polls };
    if (Date.now() > o.deadline) {
      throw new Error(`timed out: ${settled(totals)} of ${o.target} episodes settled (linked ${totals.linked}, pending ${totals.pending}, received ${totals.received})`);
    }
    await o.sleeper.sleep(o.nextDelayMs(totals, at));
  }
}
