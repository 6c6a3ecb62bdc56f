import { describe, expect, it } from 'vitest';
import { cappedBackoff } from './queues.js';

describe('linkage retry backoff', () => {
  const job = { opts: { backoff: { delay: 200 } } };

  it('doubles from the job\'s base delay and stops at the ceiling', () => {
    const noJitter = cappedBackoff(2000, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => noJitter(n, 'capped-exponential', undefined, job))).toEqual([200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it('spreads retries by ±20 % so a burst of failed jobs does not retry in lockstep', () => {
    expect(cappedBackoff(60_000, () => 0)(3, undefined, undefined, job)).toBe(640);
    expect(cappedBackoff(60_000, () => 1)(3, undefined, undefined, job)).toBe(960);
  });
});
