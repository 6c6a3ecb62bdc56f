import { describe, expect, it } from 'vitest';
import { evaluate, kindOf, majorityOwners, type RecordOutcome } from './evaluate.js';
import type { TruthRow } from './types.js';

const link = (personId: string): RecordOutcome => ({ status: 'linked', category: null, personId });
const held: RecordOutcome = { status: 'held', category: 'IDENTITY_REVIEW', personId: null };
const rejected = (category: string): RecordOutcome => ({ status: 'rejected', category, personId: null });

function row(rowKey: string, truePersonId: string, over: Partial<TruthRow> = {}): TruthRow {
  return { rowKey, truePersonId, injected: [], expect: 'link', acceptable: ['link'], ...over };
}

describe('evaluate', () => {
  it('counts precision, recall, held and correct shares', () => {
    const truth = [
      row('a', 'P1'), row('b', 'P1'), row('c', 'P2'), row('d', 'P3'),
      row('e', 'P4', { injected: ['missing-cccd'], expect: 'reject', acceptable: ['reject', 'hold', 'link'] }),
      row('f', 'P5', { injected: ['dob-swap'], expect: 'reject', acceptable: ['reject', 'hold'] }),
    ];
    const outcomes = new Map<string, RecordOutcome>([
      ['a', link('X1')], ['b', link('X1')], ['c', link('X2')], ['d', held], ['e', held], ['f', rejected('VERIFICATION_MISMATCH')],
    ]);
    const e = evaluate(truth, outcomes);
    expect(e.records).toBe(6);
    expect(e.autoLinks).toBe(3);
    expect(e.correctAutoLinks).toBe(3);
    expect(e.wrongAutoLinks).toBe(0);
    expect(e.precision).toBe(1);
    expect(e.recall).toBe(3 / 4); // d was expected to link and was held
    expect(e.heldShare).toBe(2 / 6);
    expect(e.rejectedShare).toBe(1 / 6);
    expect(e.correct).toBe(5);
    expect(e.correctShare).toBe(5 / 6);
    expect(e.confusion.link).toMatchObject({ link: 3, hold: 1 });
    expect(e.caughtByCategory['no-id']).toEqual({ injected: 1, caught: 1 });
    expect(e.caughtByCategory['verification-mismatch']).toEqual({ injected: 1, caught: 1 });
    expect(e.caughtByCategory.infants).toEqual({ injected: 0, caught: 0 });
  });

  it('detects a wrong link: a Patient holding two people counts the minority as wrong', () => {
    const truth = [row('a', 'P1'), row('b', 'P1'), row('c', 'P1'), row('d', 'P2')];
    const outcomes = new Map([['a', link('X')], ['b', link('X')], ['c', link('X')], ['d', link('X')]]);
    const e = evaluate(truth, outcomes);
    expect(majorityOwners(truth, outcomes).get('X')).toBe('P1');
    expect(e.autoLinks).toBe(4);
    expect(e.wrongAutoLinks).toBe(1);
    expect(e.precision).toBe(3 / 4);
    expect(e.recall).toBe(3 / 4);
    expect(e.wrongExamples).toEqual(['d']);
    expect(e.correctShare).toBe(3 / 4);
  });

  it('breaks a tie by the smaller true id, whatever the row order', () => {
    const truth = [row('a', 'P9'), row('b', 'P2')];
    const outcomes = new Map([['a', link('X')], ['b', link('X')]]);
    expect(majorityOwners(truth, outcomes).get('X')).toBe('P2');
    expect(evaluate(truth, outcomes).wrongExamples).toEqual(['a']);
  });

  it('counts infants: their own Patient is right, the mother\'s Patient is a wrong link', () => {
    const infant = { injected: ['infant-under-mother' as const] };
    const truth = [
      row('m1', 'MOTHER'), row('m2', 'MOTHER'),
      row('i1', 'BABY', infant), row('i2', 'BABY', infant), // filed under the mother: own temporary Patient
      row('i3', 'BABY2', infant), // another mother's baby put on her Patient
      row('m3', 'MOTHER2'), row('m4', 'MOTHER2'),
    ];
    const outcomes = new Map([
      ['m1', link('PM')], ['m2', link('PM')], ['i1', link('TEMP')], ['i2', link('TEMP')],
      ['i3', link('PM2')], ['m3', link('PM2')], ['m4', link('PM2')],
    ]);
    const e = evaluate(truth, outcomes);
    expect(e.caughtByCategory.infants).toEqual({ injected: 3, caught: 2 });
    expect(e.wrongAutoLinks).toBe(1);
    expect(e.wrongExamples).toEqual(['i3']);
  });

  it('counts a duplicate as caught only on the Patient of the row it repeats', () => {
    const dup = (key: string, of: string) => row(key, 'P1', { injected: ['duplicate'], duplicateOf: of });
    const truth = [row('o1', 'P1'), row('o2', 'P1'), row('o3', 'P1'), dup('d1', 'o1'), dup('d2', 'o2')];
    const outcomes = new Map([['o1', link('X')], ['o2', link('X')], ['o3', link('X')], ['d1', link('X')], ['d2', link('Y')]]);
    const e = evaluate(truth, outcomes);
    expect(e.caughtByCategory.duplicates).toEqual({ injected: 2, caught: 1 });
    expect(e.splitPersons).toBe(1); // P1 is on X and on Y
    expect(e.wrongAutoLinks).toBe(0); // Y holds only P1: a split, not a wrong link
  });

  it('does not count a rejection as correct when only a link was acceptable, nor a link where only rejection was', () => {
    const truth = [
      row('a', 'P1'),
      row('b', 'P2', { injected: ['typed-name'], expect: 'reject', acceptable: ['reject', 'hold'] }),
    ];
    const outcomes = new Map([['a', rejected('REGISTRY_NOT_FOUND')], ['b', link('X')]]);
    const e = evaluate(truth, outcomes);
    expect(e.correct).toBe(0);
    expect(e.correctAutoLinks).toBe(1); // the right person, though the row should have been stopped
    expect(e.caughtByCategory['verification-mismatch']).toEqual({ injected: 1, caught: 0 });
  });

  it('treats missing, pending and person-less links as not correct and not as links', () => {
    const truth = [row('a', 'P1'), row('b', 'P2'), row('c', 'P3'), row('d', 'P4')];
    const outcomes = new Map<string, RecordOutcome>([
      ['b', { status: 'accepted', category: null, personId: 'X' }],
      ['c', { status: 'linked', category: null, personId: null }],
      ['d', { status: 'failed', category: 'LINK_FAILED', personId: 'Y' }],
    ]);
    const e = evaluate(truth, outcomes);
    expect([kindOf(outcomes.get('a')), kindOf(outcomes.get('b')), kindOf(outcomes.get('c')), kindOf(outcomes.get('d'))])
      .toEqual(['missing', 'unsettled', 'unattributed', 'unsettled']);
    expect(e.autoLinks).toBe(0);
    expect(e.precision).toBe(1);
    expect(e.recall).toBe(0);
    expect(e.correctShare).toBe(0);
  });
});
