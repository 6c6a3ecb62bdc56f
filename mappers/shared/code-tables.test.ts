import { describe, expect, it } from 'vitest';
import { KET_QUA_DTRI, KET_QUA_DTRI_TABLE, MA_LOAI_KCB, MA_LOAI_KCB_TABLE, MA_LOAI_RV, MA_LOAI_RV_TABLE } from './code-maps/index.js';
import { loadCodeTable } from './code-tables.js';

const TEN = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'];
const NEW = ['11', '12', '13', '14', '15', '16'];

describe('MA_LOAI_KCB by the episode date (QĐ 824 Phụ lục 1, QĐ 1804/QĐ-BYT from 2026-08-01)', () => {
  it.each(['2026-08-01', '2026-12-31', '2030-01-01'])('has 01–16 in force on %s', (day) => {
    expect(MA_LOAI_KCB_TABLE.inForceOn(day)).toEqual([...TEN, ...NEW]);
    for (const code of NEW) expect(MA_LOAI_KCB_TABLE.lookup(code, day), code).toBeDefined();
  });

  it.each(['2024-05-10', '2026-07-31', '2019-03-01'])('has only 01–10 in force on %s', (day) => {
    expect(MA_LOAI_KCB_TABLE.inForceOn(day)).toEqual(TEN);
    for (const code of NEW) expect(MA_LOAI_KCB_TABLE.lookup(code, day), code).toBeUndefined();
  });

  it('keeps the meaning of 01–10 across versions', () => {
    for (const code of TEN) expect(MA_LOAI_KCB_TABLE.lookup(code, '2026-08-01')).toEqual(MA_LOAI_KCB_TABLE.lookup(code, '2024-05-10'));
  });

  it.each([['11', 'AMB'], ['12', 'HH'], ['13', 'AMB'], ['14', 'VR'], ['15', 'AMB'], ['16', 'AMB']])('maps %s to Encounter.class %s', (code, cls) => {
    expect(MA_LOAI_KCB_TABLE.lookup(code, '2026-09-15')?.class).toBe(cls);
  });

  it('describes the version in force for messages', () => {
    expect(MA_LOAI_KCB_TABLE.describe('2026-08-01')).toBe('QĐ 1804/QĐ-BYT (19/06/2026) (from 2026-08-01): 01–16');
    expect(MA_LOAI_KCB_TABLE.describe('2024-05-10')).toBe('QĐ 824/QĐ-BYT (15/02/2023) Phụ lục 1 (2023-02-15 to 2026-07-31): 01–10');
  });

  it('finds a code in any version when the date is unknown', () => {
    expect(MA_LOAI_KCB_TABLE.anyVersion('14')?.class).toBe('VR');
    expect(MA_LOAI_KCB_TABLE.anyVersion('03')?.class).toBe('IMP');
    expect(MA_LOAI_KCB_TABLE.anyVersion('17')).toBeUndefined();
  });

  it('refuses a day that is not yyyy-mm-dd', () => {
    expect(() => MA_LOAI_KCB_TABLE.lookup('01', '20260801')).toThrow(TypeError);
  });
});

describe('undated maps kept for existing callers', () => {
  it('MA_LOAI_KCB is still 01–10 of QĐ 824', () => {
    expect([...MA_LOAI_KCB.keys()]).toEqual(TEN);
    expect(MA_LOAI_KCB.get('09')).toEqual({ display: 'Điều trị nội trú dưới 04 giờ', class: 'SS' });
    expect(MA_LOAI_KCB.has('11')).toBe(false);
  });

  it('MA_LOAI_RV and KET_QUA_DTRI are their latest versions', () => {
    expect([...MA_LOAI_RV.keys()]).toEqual(['1', '2', '3', '4', '5']);
    expect(MA_LOAI_RV.get('2')).toEqual({ display: 'Chuyển tuyến theo yêu cầu chuyên môn', code: 'other-hcf' });
    expect([...KET_QUA_DTRI.keys()]).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(KET_QUA_DTRI_TABLE.lookup('8', '2023-06-01')).toBeUndefined();
    expect(KET_QUA_DTRI_TABLE.lookup('8', '2024-01-02')).toBe('Tử vong ngoại viện');
    expect(MA_LOAI_RV_TABLE.lookup('5', '2019-05-01')).toBeUndefined();
  });
});

describe('loadCodeTable refuses malformed files', () => {
  const v = (validFrom: string | null, validTo: string | null) => ({ validFrom, validTo, source: 'QĐ x', codes: { a: 1 } });
  it.each([
    ['no _source', { versions: [v(null, null)] }],
    ['no versions', { _source: 's', versions: [] }],
    ['a bad date', { _source: 's', versions: [v('2023-02-30x', null)] }],
    ['overlapping versions', { _source: 's', versions: [v(null, '2024-01-01'), v('2024-01-01', null)] }],
    ['an open version before another', { _source: 's', versions: [v(null, null), v('2024-01-01', null)] }],
    ['a later version without validFrom', { _source: 's', versions: [v('2020-01-01', '2020-12-31'), v(null, null)] }],
    ['an end before the start', { _source: 's', versions: [v('2024-02-01', '2024-01-01')] }],
    ['no source', { _source: 's', versions: [{ validFrom: null, validTo: null, codes: {} }] }],
  ])('refuses %s', (_, json) => {
    expect(() => loadCodeTable(json)).toThrow(TypeError);
  });

  it('lists codes that are not a run one by one and reports no version in a gap', () => {
    const t = loadCodeTable<number>({ _source: 's', versions: [{ validFrom: '2020-01-01', validTo: '2020-12-31', source: 'QĐ x', codes: { '1.1': 1, '1.2': 2 } }] });
    expect(t.describe('2020-06-01')).toBe('QĐ x (2020-01-01 to 2020-12-31): 1.1, 1.2');
    expect(t.describe('2021-06-01')).toBe('no version in force on 2021-06-01 (known: QĐ x, 2020-01-01 to 2020-12-31)');
    expect(t.inForceOn('2019-01-01')).toEqual([]);
  });
});
