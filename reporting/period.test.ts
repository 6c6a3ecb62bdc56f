import { describe, expect, it } from 'vitest';
import { splitPeriod } from './counts.repo.js';
import { addDays, addMonths, halfYear, isDay, isMonth, reportingMonth, vnDay } from './period.js';

describe('reporting periods', () => {
  it('names the Vietnam day of an instant (UTC+7)', () => {
    expect(vnDay(new Date('2026-03-31T16:59:59Z'))).toBe('2026-03-31');
    expect(vnDay(new Date('2026-03-31T17:00:00Z'))).toBe('2026-04-01');
  });
  it('moves by days and months across year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2025-12', 1)).toBe('2026-01');
  });
  it('runs a reporting month from the 10th to the 9th as Quảng Ngãi counts, or as the calendar month', () => {
    expect(reportingMonth('2023-02', 10)).toEqual({ from: '2023-01-10', to: '2023-02-10' });
    expect(reportingMonth('2023-01', 10)).toEqual({ from: '2022-12-10', to: '2023-01-10' });
    expect(reportingMonth('2026-12')).toEqual({ from: '2026-12-01', to: '2027-01-01' });
  });
  it('knows the half-years of the QĐ 2733 report', () => {
    expect(halfYear('2026-H1')).toEqual({ from: '2026-01-01', to: '2026-07-01' });
    expect(halfYear('2026-H2')).toEqual({ from: '2026-07-01', to: '2027-01-01' });
  });
  it('refuses dates that do not exist', () => {
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2026-13-01')).toBe(false);
    expect(isDay('0000-01-01')).toBe(false); // PostgreSQL has no year 0 (fuzz counterexample)
    expect(isDay('9999-12-31')).toBe(false);
    expect(isMonth('0000-01')).toBe(false);
    expect(isMonth('2026-12')).toBe(true);
  });
  it('reads whole months from the monthly table and the edges from the daily one', () => {
    // 22 of January's 31 days: January minus its first 9 days; 9 of April's 30: the days themselves.
    expect(splitPeriod('2026-01-10', '2026-04-10', false)).toEqual({ months: ['2026-01-01', '2026-04-01'], days: [['2026-04-01', '2026-04-10']], minus: [['2026-01-01', '2026-01-10']] });
    expect(splitPeriod('2026-01-20', '2026-04-25', false)).toEqual({ months: ['2026-02-01', '2026-05-01'], days: [['2026-01-20', '2026-02-01']], minus: [['2026-04-25', '2026-05-01']] });
    expect(splitPeriod('2026-01-01', '2026-02-01', false)).toEqual({ months: ['2026-01-01', '2026-02-01'], days: [] });
    // The reporting month 10th → 9th: January minus 01–09/01, plus 01–08/02.
    expect(splitPeriod('2026-01-10', '2026-02-09', false)).toEqual({ months: ['2026-01-01', '2026-02-01'], days: [['2026-02-01', '2026-02-09']], minus: [['2026-01-01', '2026-01-10']] });
    expect(splitPeriod('2026-01-20', '2026-02-05', false)).toEqual({ days: [['2026-01-20', '2026-02-05']] });
    expect(splitPeriod('2026-01-01', '2026-03-01', true)).toEqual({ days: [['2026-01-01', '2026-03-01']] });
  });
});
