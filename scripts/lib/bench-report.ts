/**
 * Figures of a benchmark run: percentiles, the result record and its printed forms (a readable
 * block and one JSON line).
 */
import { availableParallelism } from 'node:os';
import type { BenchOptions } from './bench-options.js';
import type { LinkTotals, PostTiming } from './bench-http.js';
import type { PlainInsertResult } from './bench-baseline.js';
import { CPU_PARTIES, type CpuUsage } from './bench-cpu.js';
import type { RolePeaks } from './bench-fleet.js';
import type { Tenth } from './bench-tenths.js';

/** Targets of the one-pipeline issue: ≥ 1,500 episodes/s end to end on 2 cores and a ratio ≥ 0.30 (heading for 0.45). */
export const TARGETS = { e2eEpisodesPerSecond: 1500, e2eCores: 2, ratio: 0.30 } as const;

/** Nearest-rank percentile (`p` in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Everything measured in one run; also the JSON line. */
export interface BenchResults {
  options: BenchOptions;
  cpus: number;
  episodes: number;
  envelopes: number;
  envelopeMb: number;
  ingest: { seconds: number; episodesPerSecond: number; accepted: number; rejected: number };
  endToEnd: { seconds: number; episodesPerSecond: number; linkTailSeconds: number; linkedAtPostEnd: number; totals: LinkTotals };
  fhir: { resourcesPerEpisode: number; distinctResources: number; rowsWrittenInDb: number; resourcesPerSecond: number };
  latencyMs: { envelopeP50: number; envelopeP99: number; envelopeMax: number; perEpisodeP50: number; perEpisodeP99: number };
  /** gatewayPeakRss: the largest ROLE=all/gateway process; workerPeakRss: the largest ROLE=worker process. */
  memoryMb: { gatewayPeakRss: number; benchPeakRss: number; benchPeakRssDuringLoad: number; workerPeakRss?: number };
  /** CPU seconds per party over the timed phase, and the core-seconds the machine had. */
  cpuSeconds: CpuUsage & { available: number };
  plainInsert: { resources: number; seconds: number; resourcesPerSecond: number };
  ratio: number;
  targetsMet: { e2eEpisodesPerSecond: boolean; ratio: boolean };
  /** Processes under test, e.g. `1 all` or `2 gateway + 2 worker`. */
  layout: string;
  /** How ROLE=worker processes wrote to the FHIR store (`gateway` = the HTTP fallback); absent without workers. */
  workerEhr?: string;
  /** Per role: processes, peak RSS (max and sum of per-process peaks, MB) and CPU seconds over the timed phase. */
  roles: Array<RolePeaks & { cpuSeconds?: number }>;
  /** fhir_resources rows when timing started. */
  storeResourcesAtStart: number;
  /** Throughput of each tenth of the settled episodes, with the store size at its end. */
  tenths: Tenth[];
}

/** Raw measurements gathered by scripts/bench.ts. */
export interface RawMeasurements {
  options: BenchOptions;
  episodes: number;
  envelopes: number;
  envelopeBytes: number;
  post: { startedAt: number; endedAt: number; timings: PostTiming[]; accepted: number; rejected: number };
  settledAt: number;
  totals: LinkTotals;
  linkedAtPostEnd: number;
  cpu: CpuUsage;
  producedResources: number;
  distinctResources: number;
  rowsWrittenInDb: number;
  gatewayPeakRssKb: number;
  benchPeakRssKb: number;
  benchPeakRssDuringLoadKb: number;
  workerPeakRssKb?: number;
  plain: PlainInsertResult;
  layout: string;
  workerEhr?: string;
  roles: RolePeaks[];
  storeResourcesAtStart: number;
  tenths: Tenth[];
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/** Turn raw measurements into the result record. */
export function computeResults(m: RawMeasurements): BenchResults {
  const ingestSeconds = (m.post.endedAt - m.post.startedAt) / 1000;
  const e2eSeconds = (m.settledAt - m.post.startedAt) / 1000;
  const e2eEpisodesPerSecond = m.episodes / e2eSeconds;
  const fhirPerSecond = m.distinctResources / e2eSeconds;
  const ratio = fhirPerSecond / m.plain.perSecond;
  const envelopeMs = m.post.timings.map((t) => t.ms);
  const perEpisodeMs = m.post.timings.map((t) => t.ms / t.episodes);
  return {
    options: m.options,
    cpus: availableParallelism(),
    episodes: m.episodes,
    envelopes: m.envelopes,
    envelopeMb: round(m.envelopeBytes / 1048576),
    ingest: { seconds: round(ingestSeconds, 2), episodesPerSecond: round(m.episodes / ingestSeconds), accepted: m.post.accepted, rejected: m.post.rejected },
    endToEnd: {
      seconds: round(e2eSeconds, 2),
      episodesPerSecond: round(e2eEpisodesPerSecond),
      linkTailSeconds: round((m.settledAt - m.post.endedAt) / 1000, 2),
      linkedAtPostEnd: m.linkedAtPostEnd,
      totals: m.totals,
    },
    fhir: {
      resourcesPerEpisode: round(m.producedResources / Math.max(1, m.post.accepted), 2),
      distinctResources: m.distinctResources,
      rowsWrittenInDb: m.rowsWrittenInDb,
      resourcesPerSecond: round(fhirPerSecond),
    },
    latencyMs: {
      envelopeP50: round(percentile(envelopeMs, 50)),
      envelopeP99: round(percentile(envelopeMs, 99)),
      envelopeMax: round(Math.max(...envelopeMs)),
      perEpisodeP50: round(percentile(perEpisodeMs, 50), 3),
      perEpisodeP99: round(percentile(perEpisodeMs, 99), 3),
    },
    memoryMb: {
      gatewayPeakRss: round(m.gatewayPeakRssKb / 1024),
      benchPeakRss: round(m.benchPeakRssKb / 1024),
      benchPeakRssDuringLoad: round(m.benchPeakRssDuringLoadKb / 1024),
      ...(m.workerPeakRssKb !== undefined ? { workerPeakRss: round(m.workerPeakRssKb / 1024) } : {}),
    },
    cpuSeconds: { ...m.cpu, available: round(availableParallelism() * e2eSeconds, 2) },
    plainInsert: { resources: m.plain.resources, seconds: round(m.plain.ms / 1000, 3), resourcesPerSecond: round(m.plain.perSecond) },
    ratio: round(ratio, 3),
    targetsMet: { e2eEpisodesPerSecond: e2eEpisodesPerSecond >= TARGETS.e2eEpisodesPerSecond, ratio: ratio >= TARGETS.ratio },
    layout: m.layout,
    ...(m.workerEhr ? { workerEhr: m.workerEhr } : {}),
    roles: m.roles.map((r) => {
      const cpu = r.role === 'worker' ? m.cpu.worker : m.cpu.gateway;
      return { ...r, ...(cpu !== undefined ? { cpuSeconds: cpu } : {}) };
    }),
    storeResourcesAtStart: m.storeResourcesAtStart,
    tenths: m.tenths,
  };
}

const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
const fmt = (n: number) => n.toLocaleString('en-US');

/** CPU seconds per party and how busy the machine was. */
function formatCpu(r: BenchResults): string {
  const c = r.cpuSeconds;
  const parts = CPU_PARTIES.filter((k) => c[k] !== undefined).map((k) => `${k} ${c[k]} s`);
  const total = CPU_PARTIES.reduce((s, k) => s + (c[k] ?? 0), 0);
  return `${parts.join(', ')}; ${round(total, 1)} of ${c.available} core-seconds (${round((100 * total) / c.available, 0)} % of ${r.cpus} CPUs)`;
}

/** The readable block. */
export function formatResults(r: BenchResults): string {
  const o = r.options;
  const t = r.endToEnd.totals;
  const lines: Array<[string, string]> = [
    ['setup', `${r.cpus} CPUs here; format ${o.format}${o.format === 'qd130' ? '' : ' (an "episode" is one record)'}; ${o.facilities} facilities, ${o.perEnvelope} episodes/envelope, HTTP concurrency ${o.httpConcurrency}, worker concurrency ${o.workerConcurrency}, link batch ${o.linkBatchSize}`],
    ['episodes', `${fmt(r.episodes)} in ${fmt(r.envelopes)} envelopes (${r.envelopeMb} MB of XML)`],
    ['outcome', `linked ${fmt(t.linked)}, rejected ${fmt(t.rejected)}, failed ${fmt(t.failed)} (accepted at ingest ${fmt(r.ingest.accepted)})`],
    ['ingest only', `${fmt(r.ingest.episodesPerSecond)} episodes/s (${r.ingest.seconds} s for all POSTs)`],
    ['end to end', `${fmt(r.endToEnd.episodesPerSecond)} episodes/s (${r.endToEnd.seconds} s; ${fmt(r.endToEnd.linkedAtPostEnd)} linked when the POSTs ended, tail ${r.endToEnd.linkTailSeconds} s)   target ≥ ${fmt(TARGETS.e2eEpisodesPerSecond)} on ${TARGETS.e2eCores} cores: ${mark(r.targetsMet.e2eEpisodesPerSecond)}`],
    ['FHIR resources', `${fmt(r.fhir.resourcesPerSecond)} resources/s end to end (${fmt(r.fhir.distinctResources)} distinct, ${r.fhir.resourcesPerEpisode}/episode; ${fmt(r.fhir.rowsWrittenInDb)} fhir_resources rows written)`],
    ['latency/envelope', `p50 ${fmt(r.latencyMs.envelopeP50)} ms, p99 ${fmt(r.latencyMs.envelopeP99)} ms, max ${fmt(r.latencyMs.envelopeMax)} ms`],
    ['latency/episode', `p50 ${r.latencyMs.perEpisodeP50} ms, p99 ${r.latencyMs.perEpisodeP99} ms`],
    ['processes', `${r.layout}${r.workerEhr ? `; workers write to the FHIR store ${r.workerEhr === 'gateway' ? 'over HTTP via the gateways (FALLBACK)' : 'in-process'}` : ''}`],
    ['peak RSS', `gateway ${fmt(r.memoryMb.gatewayPeakRss)} MB${r.memoryMb.workerPeakRss !== undefined ? `, worker ${fmt(r.memoryMb.workerPeakRss)} MB (largest process of each role)` : ''}; bench ${fmt(r.memoryMb.benchPeakRssDuringLoad)} MB during load, ${fmt(r.memoryMb.benchPeakRss)} MB overall`],
    ...(r.layout === '1 all' ? [] : r.roles).map((x): [string, string] => [
      `  ${x.role} ×${x.processes}`, `peak RSS max ${fmt(x.peakRssMbMax)} MB, sum ${fmt(x.peakRssMbSum)} MB; CPU ${x.cpuSeconds ?? '?'} s`,
    ]),
    ['CPU (timed)', formatCpu(r)],
    ['plain INSERT', `${fmt(r.plainInsert.resourcesPerSecond)} resources/s (${fmt(r.plainInsert.resources)} in ${r.plainInsert.seconds} s, batches of ${o.plainBatch})`],
    ['ratio', `${r.ratio} (end-to-end FHIR resources/s ÷ plain INSERT resources/s)   target ≥ ${TARGETS.ratio}: ${mark(r.targetsMet.ratio)}`],
  ];
  lines.push(['store at start', `${fmt(r.storeResourcesAtStart)} fhir_resources rows`]);
  for (const t of r.tenths) {
    lines.push([`  tenth ${t.index}`, `${fmt(t.episodesPerSecond)} episodes/s (${fmt(t.episodes)} in ${t.seconds} s); store ${fmt(t.storeResources)} resources; posted ${fmt(t.posted)}`]);
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  return ['== benchmark results ==', ...lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join('\n');
}

/** The one-line JSON form (for the closing note). */
export function resultsJsonLine(r: BenchResults): string {
  return JSON.stringify({ bench: `${r.options.format}-e2e`, format: r.options.format, ...r });
}
