import { describe, expect, it } from 'vitest';
import { oneYearBefore } from './bang-3.js';

describe('under one year on the last day: born after oneYearBefore(lastDay)', () => {
  it.each([
    ['2018-12-31', '2017-12-31'], ['2025-07-01', '2024-07-01'], ['2024-02-29', '2023-02-28'], ['2025-03-01', '2024-03-01'],
  ])('the day one year before %s is %s', (day, before) => expect(oneYearBefore(day)).toBe(before));
});
