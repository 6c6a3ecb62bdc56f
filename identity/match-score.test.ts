import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  decideMatch,
  HARD_CONFLICT_CAP,
  scoreCandidate,
  type MatchCandidate,
  type MatchSubject,
} from './match-score.js';

const COMMUNE = '19753';

function candidate(personId: string, fields: Partial<MatchCandidate> = {}): MatchCandidate {
  return { personId, cccds: [], bhytSocial: [], cmnd: [], passports: [], patientNumbers: [], ...fields };
}

/** The same man as typed at another facility: no diacritics, so names agree as a variant. */
const AN: MatchSubject = { name: 'NGUYEN VAN AN', birthDate: '1990-05-12', gender: 'male', commune: COMMUNE };
const AN_KNOWN = { name: 'Nguyễn Văn An', birthDate: '1990-05-12', gender: 'male', commune: COMMUNE } as const;

describe('deterministic rules', () => {
  it.each([
    ['a: same CCCD', { cccd: '046090001234' }, { cccds: ['001090000001', '046090001234'] }, 'cccd'],
    ['b: same passport, spacing and case aside', { passport: 'c 1234567' }, { passports: ['C1234567'] }, 'passport'],
    ['c: same BHYT social number, full dates', { bhytSocial: '4601234567' }, { bhytSocial: ['4601234567'] }, 'bhyt+birthDate+name'],
    ['c: same BHYT, year-only birth date', { bhytSocial: '4601234567', birthDate: '1990' }, { bhytSocial: ['4601234567'] }, 'bhyt+birthDate+name'],
    ['c: same BHYT, a name typed with a slip', { bhytSocial: '4601234567', name: 'NGUYEN VAN AN H' }, { bhytSocial: ['4601234567'] }, 'bhyt+birthDate+name'],
    ['d: same CMND', { cmnd: '191234567', birthDate: '1990-05' }, { cmnd: ['191234567'] }, 'cmnd+birthDate+name'],
    ['e: same patient number at the same facility', { patientNumber: { facility: '46001', value: 'BN-0042' } },
      { patientNumbers: [{ facility: '46001', value: 'BN-0042' }] }, 'patientNumber+birthDate+name'],
  ])('rule %s links', (_, subjectFields, candidateFields, rule) => {
    const subject: MatchSubject = { ...AN, ...subjectFields };
    const result = decideMatch(subject, [candidate('p1', { ...AN_KNOWN, ...candidateFields }), candidate('p2', { name: 'Lê Thị Mai' })]);
    expect(result).toMatchObject({ decision: 'link', personId: 'p1', rule });
  });

  it('a CCCD alone links even without name or birth date', () => {
    const result = decideMatch({ cccd: '046090001234' }, [candidate('p1', { cccds: ['046090001234'] })]);
    expect(result).toMatchObject({ decision: 'link', personId: 'p1', rule: 'cccd' });
  });

  it.each([
    ['the same patient number at another facility', { patientNumber: { facility: '46002', value: 'BN-0042' } },
      { patientNumbers: [{ facility: '46001', value: 'BN-0042' }] }, 'probable'],
    ['a CMND with a year-only birth date and a slipped name', { cmnd: '191234567', birthDate: '1990', name: 'NGUYEN VAN AN H', gender: undefined, commune: undefined },
      { cmnd: ['191234567'] }, 'probable'],
  ])('%s is no rule and goes to review (%s)', (_, subjectFields, candidateFields, reason) => {
    const result = decideMatch({ ...AN, ...subjectFields }, [candidate('p1', { ...AN_KNOWN, ...candidateFields })]);
    expect(result).toMatchObject({ decision: 'review', reason });
  });

  it('a BHYT card used for a brother with the same birth date does not link', () => {
    const subject = { ...AN, name: 'Nguyễn Văn Bình', bhytSocial: '4601234567' };
    const result = decideMatch(subject, [candidate('p1', { ...AN_KNOWN, bhytSocial: ['4601234567'] })]);
    expect(result.decision).toBe('none');
    expect(result.scored[0]?.score).toBeCloseTo(1 / 3, 4);
  });
});

describe('weighted score', () => {
  it.each([
    ['name variant + full birth date + gender + commune', AN, AN_KNOWN, 0.8],
    ['name exact + full birth date + gender + commune', { ...AN, name: 'Nguyễn Văn An' }, AN_KNOWN, 0.8889],
    ['name variant + full birth date', { name: AN.name, birthDate: AN.birthDate }, AN_KNOWN, 0.3333],
    ['name variant + year of birth + gender + commune', { ...AN, birthDate: '1990' }, AN_KNOWN, 0.1111],
    ['the same + a matching BHYT', { ...AN, bhytSocial: '4601234567' }, { ...AN_KNOWN, bhytSocial: ['4601234567'] }, 0.999],
    ['the same + a matching CMND', { ...AN, cmnd: '191234567' }, { ...AN_KNOWN, cmnd: ['191234567'] }, 0.999],
  ])('%s scores %s', (_, subject, known, expected) => {
    expect(scoreCandidate(subject, candidate('p1', known)).score).toBeCloseTo(expected, 3);
  });

  it('name, birth date, gender and commune reach review but never auto-link', () => {
    for (const name of ['NGUYEN VAN AN', 'Nguyễn Văn An']) {
      const { score, agreements } = scoreCandidate({ ...AN, name }, candidate('p1', AN_KNOWN));
      expect(score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.review);
      expect(score).toBeLessThan(DEFAULT_THRESHOLDS.autoLink);
      expect(agreements).toEqual([name === AN.name ? 'name:variant' : 'name:exact', 'birthDate:exact', 'gender', 'commune']);
    }
    expect(decideMatch(AN, [candidate('p1', AN_KNOWN)])).toMatchObject({ decision: 'review', reason: 'probable' });
  });

  it('adding a matching BHYT links', () => {
    const subject = { ...AN, bhytSocial: '4601234567' };
    expect(decideMatch(subject, [candidate('p1', { ...AN_KNOWN, bhytSocial: ['4601234567'] })])).toMatchObject({ decision: 'link', personId: 'p1' });
  });

  const steps: Array<[string, Partial<MatchSubject>]> = [
    ['commune', { commune: COMMUNE }],
    ['gender', { gender: 'male' }],
    ['year of birth', { birthDate: '1990' }],
    ['month of birth', { birthDate: '1990-05' }],
    ['day of birth', { birthDate: '1990-05-12' }],
    ['patient number', { patientNumber: { facility: '46001', value: 'BN-0042' } }],
    ['CMND', { cmnd: '191234567' }],
    ['BHYT', { bhytSocial: '4601234567' }],
  ];
  it('adding agreeing fields one by one never lowers the score', () => {
    const known = candidate('p1', {
      ...AN_KNOWN, cmnd: ['191234567'], bhytSocial: ['4601234567'], patientNumbers: [{ facility: '46001', value: 'BN-0042' }],
    });
    let subject: MatchSubject = { name: 'NGUYEN VAN AN H' };
    let previous = scoreCandidate(subject, known).score;
    for (const [, fields] of steps) {
      subject = { ...subject, ...fields };
      const score = scoreCandidate(subject, known).score;
      expect(score).toBeGreaterThanOrEqual(previous);
      previous = score;
    }
    expect(previous).toBeGreaterThan(0.9999);
  });

  it.each([['NGUYEN VAN AN H', 'name:similar'], ['NGUYEN VAN AN', 'name:variant'], ['Nguyễn Văn An', 'name:exact']])(
    'a better name agreement (%s) never lowers the score',
    (name, label) => {
      const { agreements, score } = scoreCandidate({ ...AN, name }, candidate('p1', AN_KNOWN));
      expect(agreements[0]).toBe(label);
      expect(score).toBeGreaterThan(scoreCandidate({ ...AN, name: 'Nguyễn Văn Bình' }, candidate('p1', AN_KNOWN)).score);
    },
  );
});

describe('siblings and namesakes', () => {
  it.each([
    ['twin brothers with different given names', 'Nguyễn Văn Bình', 'none'],
    ['twin brothers with near-identical given names', 'Nguyễn Văn Anh', 'review'],
  ])('%s in the same commune are not linked', (_, twinName, decision) => {
    const subject: MatchSubject = { name: twinName, birthDate: '2015-03-01', gender: 'male', commune: COMMUNE };
    const twin = candidate('twin', { name: 'Nguyễn Văn An', birthDate: '2015-03-01', gender: 'male', commune: COMMUNE });
    expect(decideMatch(subject, [twin]).decision).toBe(decision);
  });

  it('a twin of the other gender is a conflict and ruled out', () => {
    const subject: MatchSubject = { name: 'Nguyễn Thị An', birthDate: '2015-03-01', gender: 'female', commune: COMMUNE };
    const result = decideMatch(subject, [candidate('twin', { name: 'Nguyễn Văn An', birthDate: '2015-03-01', gender: 'male', commune: COMMUNE })]);
    expect(result.decision).toBe('none');
    expect(result.scored[0]?.conflicts).toEqual(['gender']);
  });
});

describe('conflicts', () => {
  it.each([
    ['another CCCD', { cccd: '046090009999', bhytSocial: '4601234567' }, { cccds: ['046090001234'], bhytSocial: ['4601234567'] }, ['cccd']],
    ['the other gender', { gender: 'female' as const, bhytSocial: '4601234567' }, { bhytSocial: ['4601234567'] }, ['gender']],
  ])('%s caps the score and rules the candidate out even with a matching BHYT', (_, subjectFields, candidateFields, conflicts) => {
    const result = decideMatch({ ...AN, name: 'Nguyễn Văn An', ...subjectFields }, [candidate('p1', { ...AN_KNOWN, ...candidateFields })]);
    expect(result.decision).toBe('none');
    expect(result.scored[0]?.conflicts).toEqual(conflicts);
    expect(result.scored[0]?.score).toBeLessThanOrEqual(HARD_CONFLICT_CAP);
  });

  it('a conflicting CCCD is never linked, whatever else agrees', () => {
    const subject: MatchSubject = { ...AN, cccd: '046090009999', passport: 'C1234567', cmnd: '191234567' };
    const result = decideMatch(subject, [candidate('p1', { ...AN_KNOWN, cccds: ['046090001234'], passports: ['C1234567'], cmnd: ['191234567'] })]);
    expect(result.decision).toBe('none');
  });

  it.each([
    ['lost diacritics and swapped day/month with a matching BHYT', { birthDate: '1990-12-05', bhytSocial: '4601234567' }, { bhytSocial: ['4601234567'] }, ['birthDate']],
    ['the same passport with another birth year', { birthDate: '1991-05-12', passport: 'C1234567' }, { passports: ['C1234567'] }, ['birthDate']],
    ['the same CCCD with another birth date', { birthDate: '1990-05-21', cccd: '046090001234' }, { cccds: ['046090001234'] }, ['birthDate']],
    ['the same CMND with another BHYT', { cmnd: '191234567', bhytSocial: '4609999999' }, { cmnd: ['191234567'], bhytSocial: ['4601234567'] }, ['bhyt']],
  ])('%s goes to review, never link', (_, subjectFields, candidateFields, conflicts) => {
    const result = decideMatch({ ...AN, ...subjectFields }, [candidate('p1', { ...AN_KNOWN, ...candidateFields })]);
    expect(result).toMatchObject({ decision: 'review', reason: 'conflict' });
    expect(result.scored[0]?.conflicts).toEqual(conflicts);
  });

  it('lost diacritics and swapped day/month with nothing else is not a match', () => {
    const result = decideMatch({ ...AN, birthDate: '1990-12-05' }, [candidate('p1', AN_KNOWN)]);
    expect(result.decision).toBe('none');
    expect(result.scored[0]).toMatchObject({ conflicts: ['birthDate'], agreements: ['name:variant', 'gender', 'commune'] });
  });
});

describe('decideMatch', () => {
  it('two candidates that both meet a rule are ambiguous', () => {
    const subject = { ...AN, bhytSocial: '4601234567' };
    const twins = ['p1', 'p2'].map((id) => candidate(id, { ...AN_KNOWN, bhytSocial: ['4601234567'] }));
    expect(decideMatch(subject, twins)).toMatchObject({ decision: 'review', reason: 'ambiguous' });
  });

  it('one rule and one auto-link score are ambiguous', () => {
    const subject: MatchSubject = { ...AN, cccd: '046090001234', cmnd: '191234567' };
    const result = decideMatch(subject, [candidate('p1', { cccds: ['046090001234'] }), candidate('p2', { ...AN_KNOWN, cmnd: ['191234567'] })]);
    expect(result).toMatchObject({ decision: 'review', reason: 'ambiguous' });
  });

  it('an auto-link score links only when no runner-up reaches review', () => {
    const subject: MatchSubject = { ...AN, cmnd: '191234567' };
    const slipped = candidate('p1', { ...AN_KNOWN, name: 'NGUYEN VAN AN H', cmnd: ['191234567'] });
    const namesake = candidate('p2', AN_KNOWN);
    expect(decideMatch(subject, [slipped])).toMatchObject({ decision: 'link', personId: 'p1', rule: 'score' });
    const both = decideMatch(subject, [namesake, slipped]);
    expect(both).toMatchObject({ decision: 'review', reason: 'runner-up' });
    expect(both.scored.map((s) => s.personId)).toEqual(['p1', 'p2']);
  });

  it('sorts every candidate by score, best first', () => {
    const result = decideMatch(AN, [
      candidate('far', { name: 'Lê Thị Mai', birthDate: '1970' }),
      candidate('near', AN_KNOWN),
      candidate('mid', { ...AN_KNOWN, commune: '00001', gender: undefined }),
    ]);
    expect(result.scored.map((s) => s.personId)).toEqual(['near', 'mid', 'far']);
    expect(result.scored.map((s) => Number(s.score.toFixed(4)))).toEqual([0.8, 0.2, 0]);
  });

  it.each([
    [{ autoLink: 0.85, review: 0.5 }, 'link'],
    [DEFAULT_THRESHOLDS, 'review'],
    [{ autoLink: 0.99, review: 0.95 }, 'none'],
  ] as const)('follows the thresholds %o: %s', (thresholds, decision) => {
    expect(decideMatch({ ...AN, name: 'Nguyễn Văn An' }, [candidate('p1', AN_KNOWN)], thresholds).decision).toBe(decision);
  });

  it('no candidates is none', () => {
    expect(decideMatch(AN, [])).toEqual({ decision: 'none', scored: [] });
  });
});

describe('a damaged CCCD on the record: one typing slip from the candidate\'s is not a conflict', () => {
  const known = candidate('p1', { ...AN_KNOWN, cccds: ['001090012345'], bhytSocial: ['4601234567'] });
  it.each([
    ['wrong century digit (one digit)', '001290012345', 'link'],
    ['two neighbours swapped', '001090012354', 'link'],
    ['two digits far apart', '001290012346', 'none'],
    ['another person\'s number', '079185000111', 'none'],
  ])('%s → %s', (_what, cccd, decision) => {
    expect(decideMatch({ ...AN, cccd, bhytSocial: '4601234567' }, [known]).decision).toBe(decision);
  });
});
