import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { histogramSamples, LATENCY_BOUNDS, StoredHistogram } from './latency-histogram.js';

/** The buckets in exposition order, as [le, value] pairs. */
const bucketsOf = (samples: ReturnType<typeof histogramSamples>) =>
  samples.filter((s) => s.metricName.endsWith('_bucket')).map((s) => [String(s.labels.le), s.value] as const);
const byLe = (samples: ReturnType<typeof histogramSamples>) => Object.fromEntries(bucketsOf(samples));

describe('histogramSamples', () => {
  it('turns per-bucket counts into cumulative buckets with +Inf = _count', () => {
    const samples = histogramSamples('lat', [{ le: 1, n: 2 }, { le: 5, n: 3 }, { le: Infinity, n: 1 }]);
    const buckets = byLe(samples);
    expect(buckets).toMatchObject({ '0.5': 0, '1': 2, '2': 2, '5': 5, '86400': 5, '+Inf': 6 });
    expect(bucketsOf(samples).map(([le]) => le)).toEqual([...LATENCY_BOUNDS.map(String), '+Inf']);
    expect(samples.find((s) => s.metricName === 'lat_count')!.value).toBe(6);
    // midpoints: 2 × 0.75 + 3 × 3.5, and the +Inf observation at the last finite bound
    expect(samples.find((s) => s.metricName === 'lat_sum')!.value).toBeCloseTo(1.5 + 10.5 + 86400);
  });

  it('exposes every bucket at zero when nothing was linked', () => {
    const buckets = byLe(histogramSamples('lat', []));
    expect(Object.values(buckets).every((v) => v === 0)).toBe(true);
  });

  it('adds a bound the database knows but the list does not, keeping the buckets non-decreasing', () => {
    const values = bucketsOf(histogramSamples('lat', [{ le: 7, n: 1 }, { le: 10, n: 1 }])).map(([, v]) => v);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(byLe(histogramSamples('lat', [{ le: 7, n: 1 }]))['7']).toBe(1);
  });
});

describe('StoredHistogram in a prom-client Registry', () => {
  it('renders as a Prometheus histogram, and not at all while its source is unreadable', async () => {
    const registry = new Registry();
    const h = new StoredHistogram('test_latency_seconds', 'help text');
    registry.registerMetric(h.asMetric());
    h.set([{ le: 0.5, n: 4 }]);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE test_latency_seconds histogram');
    expect(text).toContain('test_latency_seconds_bucket{le="0.5"} 4');
    expect(text).toContain('test_latency_seconds_bucket{le="+Inf"} 4');
    expect(text).toContain('test_latency_seconds_count 4');
    h.set(undefined);
    expect(await registry.metrics()).not.toContain('test_latency_seconds_bucket');
  });
});
