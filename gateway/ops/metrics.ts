import type { Queue } from 'bullmq';
import type pg from 'pg';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { StoredHistogram } from './latency-histogram.js';
import { readMetricsSnapshot, type MetricsSnapshot } from './metrics.repo.js';
import { withTimeout } from './timeout.js';

/** Job states of the linkage queue that are exposed (bullmq `Queue.getJobCounts`). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** What the metrics read: PostgreSQL (the statistics counters) and the BullMQ linkage queue. */
export interface MetricsSources {
  pool: pg.Pool;
  queue: Pick<Queue, 'getJobCounts'>;
  /**
   * Bounds per scrape, so a hung dependency never hangs one: PostgreSQL (default 5 s, also its
   * statement_timeout) and Redis (default 1 s: queue counts take milliseconds when it is up, and
   * bullmq waits for a connection that may never come when it is down).
   */
  timeoutMs?: { postgres?: number; redis?: number };
  /** Told when a source stops being readable (once, until it is read again); its metrics are then absent and `source_up` is 0. */
  onSourceError?: (source: 'postgres' | 'redis', err: Error) => void;
}

/** The gateway's Prometheus metrics: one Registry per app (never prom-client's global one). */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Read every source and render the Prometheus text format; concurrent scrapes share one read. */
  scrape(): Promise<string>;
}

/** Metric names, for docs/operations.md and the tests. */
export const METRIC = {
  records: 'fhir_gateway_records',
  rejected: 'fhir_gateway_rejected_records',
  ehrFailed: 'fhir_gateway_ehr_failed_records',
  identityWaiting: 'fhir_gateway_identity_waiting_records',
  identityWarnings: 'fhir_gateway_identity_warning_records',
  identityOperations: 'fhir_gateway_identity_operations',
  identityOperationRecords: 'fhir_gateway_identity_operation_records',
  queue: 'fhir_gateway_queue_jobs',
  latency: 'fhir_gateway_link_latency_seconds',
  sourceUp: 'fhir_gateway_metrics_source_up',
} as const;

/** Warnings of the identity stage (records/model.ts WARNING_TABLE) exposed as identity outcomes. */
const IDENTITY_WARNINGS = new Set(['MATCHED_WITHOUT_CCCD', 'INFANT_UNDER_MOTHER_ID']);

/**
 * Build the metrics over `sources`. Every value comes from PostgreSQL or Redis at scrape time, so
 * every gateway process of a scaled-out layout answers the same numbers; only the process metrics
 * (`collectDefaultMetrics`, prefix `fhir_gateway_process_`/`nodejs_`) are this process's own.
 * Labels carry facility codes, formats, statuses and categories only, never personal data.
 */
export function createGatewayMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const g = {
    records: gauge(METRIC.records, 'Records received, all time, by facility, format and current status (statistics counters, arrival basis).', ['facility', 'format', 'status']),
    rejected: gauge(METRIC.rejected, 'Rejected records, all time, by facility and category (records/model.ts ISSUE_CATEGORY_TABLE).', ['facility', 'category']),
    ehrFailed: gauge(METRIC.ehrFailed, 'Records whose linkage failed (EHR refused them or stayed unreachable after every retry), by facility.', ['facility']),
    identityWaiting: gauge(METRIC.identityWaiting, 'Records waiting for an identity decision now: held for review (by reason) or unverified (registry unavailable).', ['status', 'category']),
    identityWarnings: gauge(METRIC.identityWarnings, 'Records accepted with an identity warning, all time (MATCHED_WITHOUT_CCCD, INFANT_UNDER_MOTHER_ID).', ['warning']),
    identityOperations: gauge(METRIC.identityOperations, 'Identity operations of the person index, all time (rekey, merge, move).', ['action']),
    identityOperationRecords: gauge(METRIC.identityOperationRecords, 'Records affected by identity operations, all time.', ['action']),
    queue: gauge(METRIC.queue, 'Jobs of the linkage queue by state (completed and failed are capped by the queue\'s retention).', ['state']),
    sourceUp: gauge(METRIC.sourceUp, '1 when this scrape could read the source (postgres, redis), else 0 and its metrics are absent.', ['source']),
  };
  const latency = new StoredHistogram(METRIC.latency, 'Arrival → linked latency of records, all time (statistics counters; _sum approximated from bucket midpoints).');
  registry.registerMetric(latency.asMetric());
  const pgMs = sources.timeoutMs?.postgres ?? 5000;
  const redisMs = sources.timeoutMs?.redis ?? 1000;

  const apply = (snap: MetricsSnapshot | undefined, queue: Record<string, number> | undefined) => {
    for (const m of Object.values(g)) m.reset();
    g.sourceUp.set({ source: 'postgres' }, snap ? 1 : 0);
    g.sourceUp.set({ source: 'redis' }, queue ? 1 : 0);
    latency.set(snap?.latency);
    if (queue) for (const state of QUEUE_STATES) g.queue.set({ state }, queue[state] ?? 0);
    if (!snap) return;
    for (const r of snap.records) {
      if (r.warning === '') {
        g.records.inc({ facility: r.facility, format: r.format, status: r.status }, r.n);
        if (r.status === 'rejected') g.rejected.inc({ facility: r.facility, category: r.category }, r.n);
        if (r.status === 'failed') g.ehrFailed.inc({ facility: r.facility }, r.n);
        if (r.status === 'held' || r.status === 'unverified') g.identityWaiting.inc({ status: r.status, category: r.category }, r.n);
      } else if (IDENTITY_WARNINGS.has(r.warning) && r.status !== 'rejected') {
        g.identityWarnings.inc({ warning: r.warning }, r.n);
      }
    }
    for (const o of snap.identityOperations) {
      g.identityOperations.set({ action: o.action }, o.operations);
      g.identityOperationRecords.set({ action: o.action }, o.records);
    }
  };

  const down = new Set<'postgres' | 'redis'>();
  const read = <T>(source: 'postgres' | 'redis', work: Promise<T>, ms: number) => withTimeout(work, ms).then(
    (v) => { down.delete(source); return v; },
    (err: Error) => { if (!down.has(source)) sources.onSourceError?.(source, err); down.add(source); return undefined; },
  );
  let inflight: Promise<string> | undefined;
  const scrapeOnce = async () => {
    const [snap, queue] = await Promise.all([
      read('postgres', readMetricsSnapshot(sources.pool, pgMs), pgMs),
      read('redis', sources.queue.getJobCounts(...QUEUE_STATES), redisMs),
    ]);
    apply(snap, queue);
    return registry.metrics();
  };
  return {
    registry,
    contentType: registry.contentType,
    scrape() {
      inflight ??= scrapeOnce().finally(() => { inflight = undefined; });
      return inflight;
    },
  };
}
