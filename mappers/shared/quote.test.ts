import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstCodePoints } from './quote.js';

describe('firstCodePoints', () => {
  it('is Array.from(value).slice(0, max).join(""), surrogate pairs (and lone surrogates) included', () => {
    const piece = fc.constantFrom('a', 'Ạ', '😀', '\ud800', '\udc00', '𝔸');
    fc.assert(fc.property(fc.array(piece, { maxLength: 60 }).map((p) => p.join('')), fc.integer({ min: 0, max: 50 }), (value, max) => {
      expect(firstCodePoints(value, max)).toBe(Array.from(value).slice(0, max).join(''));
    }), { numRuns: 2000 });
    expect(firstCodePoints(`${'a'.repeat(199)}😀😀`, 200)).toBe(`${'a'.repeat(199)}😀`);
  });

  it('reads only the head of a huge value', () => {
    expect(firstCodePoints('x'.repeat(30_000_000), 200)).toBe('x'.repeat(200));
  });
});
