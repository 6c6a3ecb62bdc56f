/**
 * Throughput of each tenth of a run: when did the 10 %, 20 %, … mark of settled episodes pass, and
 * how large was the FHIR store then — so a slowdown as the store fills up shows.
 */

/** One tenth of the run, in the closing JSON line. */
export interface Tenth {
  /** 1 … 10. */
  index: number;
  /** Episodes settled during this tenth. */
  episodes: number;
  seconds: number;
  episodesPerSecond: number;
  /** fhir_resources rows when the end of this tenth was seen (all runs in the store included). */
  storeResources: number;
  /** Episodes posted by then (less than the run while ingest was still going on). */
  posted: number;
}

interface Mark {
  at: number;
  posted: number;
  store: Promise<number>;
}

const round = (n: number, digits: number) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : 0);

/**
 * Follows settled counts as they are polled. A mark's time is interpolated linearly between the two
 * polls around it; the last mark is the time the run was seen settled (as endToEnd.seconds), so the
 * tenths add up to the end-to-end time. The store is counted when a mark is first seen.
 */
export class TenthsTracker {
  private readonly boundaries: number[];
  private readonly marks: Mark[] = [];
  private previous: { settled: number; at: number };

  constructor(
    target: number,
    private readonly startedAt: number,
    private readonly countStore: () => Promise<number>,
    private readonly onMark: (tenth: Omit<Tenth, 'storeResources'>) => void = () => undefined,
  ) {
    this.boundaries = Array.from({ length: 10 }, (_, i) => Math.round(((i + 1) * target) / 10));
    this.previous = { settled: 0, at: startedAt };
  }

  /** A poll saw `settled` episodes at `at` (performance.now()) with `posted` posted so far. */
  observe(settled: number, at: number, posted: number): void {
    let store: Promise<number> | undefined;
    while (this.marks.length < 9 && settled >= this.boundaries[this.marks.length]!) {
      const boundary = this.boundaries[this.marks.length]!;
      const { settled: s0, at: t0 } = this.previous;
      const markAt = settled > s0 ? t0 + ((boundary - s0) / (settled - s0)) * (at - t0) : at;
      store ??= this.countStore().catch(() => NaN);
      this.marks.push({ at: Math.max(markAt, t0), posted, store });
      this.onMark(this.describe(this.marks.length - 1));
    }
    this.previous = { settled, at };
  }

  /** The ten tenths, once the run is settled at `settledAt` with `posted` episodes posted. */
  async finish(settledAt: number, posted: number): Promise<Tenth[]> {
    while (this.marks.length < 9) this.marks.push({ at: settledAt, posted, store: Promise.resolve(NaN) });
    this.marks.push({ at: settledAt, posted, store: this.countStore().catch(() => NaN) });
    const stores = await Promise.all(this.marks.map((m) => m.store));
    return this.marks.map((_, i) => ({ ...this.describe(i), storeResources: stores[i]! }));
  }

  private describe(i: number): Omit<Tenth, 'storeResources'> {
    const episodes = this.boundaries[i]! - (i > 0 ? this.boundaries[i - 1]! : 0);
    const seconds = (this.marks[i]!.at - (i > 0 ? this.marks[i - 1]!.at : this.startedAt)) / 1000;
    return { index: i + 1, episodes, seconds: round(seconds, 3), episodesPerSecond: round(episodes / seconds, 1), posted: this.marks[i]!.posted };
  }
}
