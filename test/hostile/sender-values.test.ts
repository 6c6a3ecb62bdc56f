/**
 * Hostile sender, echoed values: a record's issues quote the sender's value so the facility can find
 * it, but never more than a few dozen characters of it (a 50 000-character NGAY_SINH is not stored or
 * answered back whole in every issue).
 */
import { describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { mapEnvelope } from '../helpers/qd130.js';

const HUGE = 50_000;

describe('values quoted in issues are bounded', () => {
  it.each([
    ['NGAY_SINH', { NGAY_SINH: '1'.repeat(HUGE) }],
    ['GIOI_TINH', { GIOI_TINH: '7'.repeat(HUGE) }],
    ['MA_LOAI_KCB', { MA_LOAI_KCB: '9'.repeat(HUGE) }],
    ['MA_BENH_CHINH', { MA_BENH_CHINH: 'Q'.repeat(HUGE) }],
    ['MA_BENH_KT', { MA_BENH_KT: Array.from({ length: 5000 }, () => 'QQQQQQQQQ').join(';') }],
    ['MA_CSKCB', { MA_CSKCB: '4'.repeat(HUGE) }],
  ])('%s', (field, overrides) => {
    const [episode] = mapEnvelope(envelope('46001', [[['XML1', xml1Document(makeXml1('46001', 'LK-QUOTE', 7, overrides))]]]));
    const issues = episode!.mapping.issues.filter((i) => i.field.endsWith(field));
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.message.length, issue.message.slice(0, 200)).toBeLessThan(300);
    expect(issues.some((i) => /characters|more/.test(i.message)), 'says how long the value (or the list) was').toBe(true);
  });

  it('keeps short values quoted whole, as before', () => {
    const [episode] = mapEnvelope(envelope('46001', [[['XML1', xml1Document(makeXml1('46001', 'LK-QUOTE', 7, { GIOI_TINH: '7' }))]]]));
    expect(episode!.mapping.issues.map((i) => i.message)).toContain('GIOI_TINH "7" must be 1 (Nam), 2 (Nữ) or 3 (Chưa xác định)');
  });
});
