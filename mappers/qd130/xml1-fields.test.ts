import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeXml1 } from './xml1-fields.js';

/** The rule as first written: every run of whitespace (JS `\s`, U+200B, U+FEFF) becomes one space, then trimmed. */
const reference = (v: string) => v.replace(/[\s\u200b\ufeff]+/g, ' ').trim();

describe('normalizeXml1 whitespace', () => {
  it('collapses no-break spaces, tabs, line separators and doubled spaces; leaves clean values as they are', () => {
    expect(normalizeXml1({ HO_TEN: ' NGUYỄN\u00a0VĂN\t\tA\u2028', DIA_CHI: 'Thôn  1', MA_LK: 'LK1' })).toEqual({ HO_TEN: 'NGUYỄN VĂN A', DIA_CHI: 'Thôn 1', MA_LK: 'LK1' });
  });

  it('gives the same value as the regular-expression rule for any text', () => {
    const chars = fc.constantFrom('a', 'Ễ', ' ', '  ', '\t', '\n', '\r', '\u00a0', '\u1680', '\u2000', '\u200a', '\u200b', '\u2028', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0001', '\u0085', '1', 'đ');
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join('')), fc.string({ maxLength: 8 }), (built, random) => {
      for (const v of [built, random, `${built}${random}`]) expect(normalizeXml1({ F: v }).F).toBe(reference(v));
    }), { numRuns: 3000 });
  });
});
