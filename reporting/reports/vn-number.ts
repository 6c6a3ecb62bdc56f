/**
 * Numbers written the Vietnamese way: `.` between thousands, `,` before decimals (Huế report
 * 17/BC-BĐH: "1.084.417", "97,36%"). Our own formatter rather than `Intl.NumberFormat('vi-VN')`, so
 * the output never depends on the ICU data a Node build carries (small-icu builds fall back to
 * `1,084,417`).
 */

/** Group the digits of a non-negative integer string by thousands with `.`. */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/**
 * `n` with `decimals` digits after `,` (rounded half away from zero) and `.` between thousands:
 * `formatVnNumber(1084417)` → `1.084.417`, `formatVnNumber(-1234.5, 1)` → `-1.234,5`.
 */
export function formatVnNumber(n: number, decimals = 0): string {
  if (!Number.isFinite(n)) return '';
  const factor = 10 ** decimals;
  const scaled = Math.round(Math.abs(n) * factor);
  const sign = n < 0 && scaled !== 0 ? '-' : '';
  const whole = Math.floor(scaled / factor);
  const frac = decimals > 0 ? `,${String(scaled % factor).padStart(decimals, '0')}` : '';
  return `${sign}${groupThousands(String(whole))}${frac}`;
}

/** A ratio as a percentage with two decimals: `formatVnPercent(0.97364)` → `97,36%`; null → ``. */
export function formatVnPercent(ratio: number | null, decimals = 2): string {
  return ratio === null || !Number.isFinite(ratio) ? '' : `${formatVnNumber(ratio * 100, decimals)}%`;
}

/** A `YYYY-MM-DD` day as `DD/MM/YYYY`, the way Vietnamese reports write dates. */
export function formatVnDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}
