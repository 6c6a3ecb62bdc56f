import { describe, expect, it } from 'vitest';
import { FIRST_DAY_2733, VISIT_TYPE_GROUPINGS, groupingOn, visitTypeGroup } from './visit-types.js';

describe('QĐ 2733 visit-type grouping (reporting/data/visit-types-2733.json)', () => {
  const grouping = groupingOn('2025-06-30')!;

  it('is in force from QĐ 2733/QĐ-BYT (17/09/2024), not before', () => {
    expect(FIRST_DAY_2733).toBe('2024-09-17');
    expect(groupingOn('2024-09-16')).toBeUndefined();
    expect(groupingOn('2024-09-17')).toBe(VISIT_TYPE_GROUPINGS[0]);
    expect(grouping.source).toMatch(/QĐ 2733\/QĐ-BYT/);
  });

  it('has six groups numbered 1–6, and no code in two groups', () => {
    expect(grouping.groups.map((g) => g.group)).toEqual([1, 2, 3, 4, 5, 6]);
    const codes = grouping.groups.flatMap((g) => g.codes);
    expect(new Set(codes).size).toBe(codes.length);
    expect(grouping.groups.filter((g) => g.otherwise)).toHaveLength(1);
  });

  it.each([
    ['01', 1], ['02', 2], ['05', 2], ['08', 2], ['03', 3], ['04', 4], ['09', 4], ['06', 5], ['07', 6], ['10', 6], ['13', 6],
  ])('puts MA_LOAI_KCB %s in group %d', (code, group) => {
    expect(visitTypeGroup(grouping, code)).toEqual({ group: expect.objectContaining({ group }), known: true });
  });

  it('reads the one-digit codes of QĐ 4210 as the QĐ 824 codes (3 → 03)', () => {
    expect(visitTypeGroup(grouping, '3').group.group).toBe(3);
    expect(visitTypeGroup(grouping, '1').group.group).toBe(1);
  });

  it('counts an unknown or missing code in "các trường hợp khác", marked unknown', () => {
    for (const code of ['99', '', null, undefined, 'AB']) {
      const hit = visitTypeGroup(grouping, code);
      expect(hit.group.group).toBe(6);
      expect(hit.known).toBe(false);
    }
  });

  it('covers every MA_LOAI_KCB code of QĐ 824 and QĐ 1804 (01–16)', () => {
    for (let i = 1; i <= 16; i++) expect(visitTypeGroup(grouping, String(i).padStart(2, '0')).known).toBe(true);
  });
});
