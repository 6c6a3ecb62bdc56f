/**
 * Linkage progress during the timed phase, read cheaply from PostgreSQL: only the run's open records
 * (status accepted or failed, a partial index) are counted, so a poll costs what the backlog costs,
 * not what the whole run costs (GET /api/stats/facilities groups every record of the day, which for
 * a million records would load the system it measures; it is read once at the start and the end).
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { LinkTotals } from './bench-http.js';

/** What the POSTs have brought in so far (from their answers). */
export interface Received {
  accepted: number;
  rejected: number;
}

/**
 * Progress of the run whose MA_LKs start with `keyPrefix`. Records of a POST still in flight are
 * pending before its answer counts them as received, so `linked` can only be underestimated.
 */
export class RunProgress {
  private lastQueryMs = 0;
  private queryCostMs = 0;
  private previous: { settled: number; at: number } | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly keyPrefix: string,
    private readonly target: number,
  ) {}

  /** The run's totals now. */
  async read(received: Received): Promise<LinkTotals> {
    const t0 = performance.now();
    const like = `${this.keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await this.pool.query<{ pending: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'accepted')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM records WHERE status IN ('accepted', 'failed') AND record_key LIKE $1`,
      [like],
    );
    const ms = performance.now() - t0;
    this.queryCostMs = Math.min(ms, this.lastQueryMs); // the smaller of the last two: one slow answer (the first, cold) is not a trend
    this.lastQueryMs = ms;
    const pending = rows[0]?.pending ?? 0;
    const failed = rows[0]?.failed ?? 0;
    const total = received.accepted + received.rejected;
    // Held records are answered as not accepted, so they are among received.rejected here.
    return { received: total, linked: Math.max(0, total - pending - failed - received.rejected), rejected: received.rejected, held: 0, failed, pending };
  }

  /**
   * Delay before the next poll: about a quarter of a tenth of the run at the current rate (so each
   * tenth is seen several times), a third of the estimated time left once the POSTs are done,
   * between 100 ms and 1 s, and never less than 20 × what a query takes (the smaller of the last two), so polls stay under ~5 % of a core.
   */
  nextDelayMs(settledNow: number, at: number, postsDone: boolean): number {
    const prev = this.previous;
    this.previous = { settled: settledNow, at };
    const rate = prev && at > prev.at ? (settledNow - prev.settled) / (at - prev.at) : 0;
    let delay = 250;
    if (rate > 0) {
      delay = this.target / 10 / rate / 4;
      if (postsDone) delay = Math.min(delay, (this.target - settledNow) / rate / 3);
      delay = Math.min(1000, Math.max(100, delay));
    }
    return Math.max(delay, 20 * this.queryCostMs);
  }
}

/** fhir_resources rows (the store's size, all runs included). */
export async function countStoreResources(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resources');
  return rows[0]?.n ?? 0;
}

/**
 * Holds POSTs while `limit` episodes are posted but not settled (0 = no limit). One envelope may
 * always go when nothing is outstanding, so a limit below the envelope size cannot stall the run.
 */
export class BacklogGate {
  private started = 0;
  private settledCount = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Resolves when `episodes` more may be posted. */
  async admit(episodes: number): Promise<void> {
    while (this.limit > 0 && this.started - this.settledCount > 0 && this.started - this.settledCount + episodes > this.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.started += episodes;
  }

  /** A new progress reading: lanes waiting on the gate check again. */
  update(settledNow: number): void {
    this.settledCount = settledNow;
    const waiting = this.waiters;
    this.waiters = [];
    waiting.forEach((w) => w());
  }
}
