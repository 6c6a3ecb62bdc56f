import type { Metric } from 'prom-client';

/**
 * Bucket upper bounds (seconds) of the arrival → linked latency, as `stats_latency_bucket` in
 * reporting/migrations/002_record_counts.sql assigns them. Always exposed, so every scrape has the
 * same series (Prometheus histograms must keep their buckets stable).
 */
export const LATENCY_BOUNDS = [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400] as const;

/** One exposed line of the histogram. */
export interface HistogramSample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * Per-bucket counts (non-cumulative, as `stats_link_latency` stores them) → Prometheus histogram
 * samples: `_bucket{le}` cumulative and non-decreasing, `le="+Inf"` = `_count` = every observation
 * (https://prometheus.io/docs/concepts/metric_types/#histogram).
 * `_sum` is not stored, so it is an approximation: each observation counts at the midpoint of its
 * bucket (the first bucket at half its bound), and the +Inf bucket at the last finite bound.
 */
export function histogramSamples(name: string, buckets: ReadonlyArray<{ le: number; n: number }>, bounds: readonly number[] = LATENCY_BOUNDS): HistogramSample[] {
  const finite = [...new Set([...bounds, ...buckets.map((b) => b.le).filter((le) => Number.isFinite(le))])].sort((a, b) => a - b);
  const perBound = new Map<number, number>();
  let overflow = 0;
  for (const b of buckets) {
    if (Number.isFinite(b.le)) perBound.set(b.le, (perBound.get(b.le) ?? 0) + b.n);
    else overflow += b.n;
  }
  const samples: HistogramSample[] = [];
  let cumulative = 0;
  let sum = 0;
  let previous = 0;
  for (const le of finite) {
    const n = perBound.get(le) ?? 0;
    cumulative += n;
    sum += n * (previous + le) / 2;
    previous = le;
    samples.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
  }
  const count = cumulative + overflow;
  sum += overflow * previous;
  samples.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count });
  samples.push({ metricName: `${name}_sum`, labels: {}, value: sum });
  samples.push({ metricName: `${name}_count`, labels: {}, value: count });
  return samples;
}

/**
 * A histogram whose buckets are read, not observed: prom-client's Histogram only counts
 * `observe()` calls in this process, whereas these counts are PostgreSQL's (the same on every
 * gateway process). Registered in a prom-client Registry like any metric; `set()` replaces the
 * buckets before each scrape.
 */
export class StoredHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'first';
  private buckets: ReadonlyArray<{ le: number; n: number }> = [];
  private present = false;

  constructor(readonly name: string, readonly help: string) {}

  /** Replace the buckets; `undefined` hides the metric (its source could not be read). */
  set(buckets: ReadonlyArray<{ le: number; n: number }> | undefined): void {
    this.present = !!buckets;
    this.buckets = buckets ?? [];
  }

  /** What prom-client's Registry reads at scrape time. */
  async get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.present ? histogramSamples(this.name, this.buckets) : [] };
  }

  reset(): void {
    this.set(undefined);
  }

  /** The shape Registry.registerMetric accepts (it only calls `get`, `reset` and reads `name`). */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
