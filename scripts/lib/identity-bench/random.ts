/**
 * Deterministic randomness for the identity benchmark: the mulberry32 PRNG of the other synthetic
 * generators (scripts/lib/qd130-synthetic.ts) and a few helpers. Never Math.random: the same seed
 * always gives the same province, registry and feed.
 */
import { rng } from '../qd130-synthetic.js';

/** A seeded source of numbers in [0, 1) with the helpers the generators need. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = rng(seed);
  }

  /** A number in [0, 1). */
  float(): number {
    return this.next();
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element, uniformly. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** One element, in proportion to its weight. */
  weighted<T>(table: WeightedTable<T>): T {
    let r = this.next() * table.total;
    for (const [value, w] of table.entries) {
      r -= w;
      if (r < 0) return value;
    }
    return table.entries[table.entries.length - 1]![0];
  }

  /** `n` digits as text. */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(Math.floor(this.next() * 10));
    return s;
  }

  /** Shuffle `xs` in place (Fisher–Yates) and return it. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

/** Values with weights, summed once. */
export interface WeightedTable<T> {
  entries: ReadonlyArray<readonly [T, number]>;
  total: number;
}

/** Build a weighted table from `[value, weight]` pairs. */
export function weightedTable<T>(entries: ReadonlyArray<readonly [T, number]>): WeightedTable<T> {
  return { entries, total: entries.reduce((s, [, w]) => s + w, 0) };
}

/**
 * Unique numbers of a fixed width under each prefix without remembering them: the n-th number
 * under a prefix is `(n × 7919 + salt) mod 10^width`, a bijection because 7919 is prime to 10.
 */
export class UniqueNumbers {
  private readonly counters = new Map<string, { n: number; salt: number }>();

  constructor(private readonly random: Random, private readonly width: number) {}

  /** The next unused `width`-digit number under `prefix`, as `prefix + digits`. */
  next(prefix: string): string {
    const modulo = 10 ** this.width;
    let c = this.counters.get(prefix);
    if (!c) {
      c = { n: 0, salt: Math.floor(this.random.float() * modulo) };
      this.counters.set(prefix, c);
    }
    if (c.n >= modulo) throw new Error(`no more ${this.width}-digit numbers under ${prefix}`);
    const value = (c.n * 7919 + c.salt) % modulo;
    c.n += 1;
    return prefix + String(value).padStart(this.width, '0');
  }
}

const DAY_MS = 86_400_000;

/** `yyyy-mm-dd` of a UTC day number (days since 1970-01-01). */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC day number of a `yyyy-mm-dd` date. */
export function dayOf(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}
