import { describe, expect, it } from 'vitest';
import { formatVnDate, formatVnNumber, formatVnPercent } from './vn-number.js';

describe('Vietnamese number formatting (Huế 17/BC-BĐH: 1.084.417, 97,36%)', () => {
  it.each([
    [0, '0'], [875, '875'], [4336, '4.336'], [54576, '54.576'], [1084417, '1.084.417'], [1163614000, '1.163.614.000'], [-27712, '-27.712'],
  ])('writes %d as %s', (n, text) => expect(formatVnNumber(n)).toBe(text));

  it('writes decimals after a comma and rounds half away from zero', () => {
    expect(formatVnNumber(1234.5, 1)).toBe('1.234,5');
    expect(formatVnNumber(1234.25, 1)).toBe('1.234,3');
    expect(formatVnNumber(-0.004, 2)).toBe('0,00');
    expect(formatVnNumber(1029841 / 3, 2)).toBe('343.280,33');
  });

  it('writes ratios as percentages with two decimals', () => {
    expect(formatVnPercent(1132934 / 1163614)).toBe('97,36%');
    expect(formatVnPercent(0.6883)).toBe('68,83%');
    expect(formatVnPercent(1)).toBe('100,00%');
    expect(formatVnPercent(null)).toBe('');
  });

  it('agrees with Intl vi-VN on integers where the runtime carries Vietnamese data', () => {
    const intl = new Intl.NumberFormat('vi-VN').format(1084417);
    if (intl === '1.084.417') expect(formatVnNumber(1084417)).toBe(intl);
  });

  it('writes days as DD/MM/YYYY', () => {
    expect(formatVnDate('2018-05-01')).toBe('01/05/2018');
  });

  it('leaves non-finite numbers empty', () => {
    expect(formatVnNumber(Number.NaN)).toBe('');
    expect(formatVnNumber(Number.POSITIVE_INFINITY)).toBe('');
  });
});
