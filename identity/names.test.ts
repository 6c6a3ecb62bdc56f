import { describe, expect, it } from 'vitest';
import {
  compareBirthDates,
  compareNames,
  foldName,
  isChildNamePattern,
  jaroWinkler,
  motherNameOfChildPattern,
  nameSimilarity,
  normaliseNameExact,
} from './names.js';

const NFD_NGUYEN_VAN_A = 'Nguyễn Văn A'.normalize('NFD');

describe('normaliseNameExact and foldName', () => {
  it('the NFD test input really is decomposed', () => {
    expect(NFD_NGUYEN_VAN_A).not.toBe('Nguyễn Văn A'.normalize('NFC'));
  });

  it.each([
    ['Nguyễn Văn A', 'NGUYỄN VĂN A', 'NGUYEN VAN A'],
    [NFD_NGUYEN_VAN_A, 'NGUYỄN VĂN A', 'NGUYEN VAN A'],
    ['NGUYEN VAN A', 'NGUYEN VAN A', 'NGUYEN VAN A'],
    ['Nguyen  Van A', 'NGUYEN VAN A', 'NGUYEN VAN A'],
    ['\tNguyễn\u00a0Văn \n A  ', 'NGUYỄN VĂN A', 'NGUYEN VAN A'],
    ['Đặng Thị Đào', 'ĐẶNG THỊ ĐÀO', 'DANG THI DAO'],
    ['đặng thị đào', 'ĐẶNG THỊ ĐÀO', 'DANG THI DAO'],
    ['Dang Thi Dao', 'DANG THI DAO', 'DANG THI DAO'],
    ['Nguyễn-Văn.A,', 'NGUYỄN VĂN A', 'NGUYEN VAN A'],
    ["H'Hen Niê", 'HHEN NIÊ', 'HHEN NIE'],
    ['   ', '', ''],
  ])('%j → exact %j, folded %j', (input, exact, folded) => {
    expect(normaliseNameExact(input)).toBe(exact.normalize('NFC'));
    expect(foldName(input)).toBe(folded);
  });
});

describe('compareNames', () => {
  it.each([
    ['Nguyễn Văn A', 'NGUYỄN VĂN A', 'exact'],
    ['Nguyễn Văn A', NFD_NGUYEN_VAN_A, 'exact'],
    ['Nguyễn Văn A', 'nguyễn  văn\ta', 'exact'],
    ['Nguyễn\u00a0Văn A', 'Nguyễn Văn A', 'exact'],
    ['Nguyễn Văn A', 'NGUYEN VAN A', 'variant'],
    ['Nguyễn Văn A', 'Nguyen  Van A', 'variant'],
    [NFD_NGUYEN_VAN_A, 'NGUYEN VAN A', 'variant'],
    ['Đặng Thị Đào', 'DANG THI DAO', 'variant'],
    ['Đặng Thị Đào', 'Dang Thi Dao', 'variant'],
    ['DANG THI DAO', 'Dang Thi Dao', 'exact'],
    ['Nguyễn Văn A', 'Nguyễn Văn B', 'different'],
    ['Nguyễn Văn An', 'Nguyễn Văn Anh', 'different'],
    ['', '', 'different'],
    ['  \t', 'Nguyễn Văn A', 'different'],
  ])('%j vs %j is %s', (a, b, expected) => {
    expect(compareNames(a, b)).toBe(expected);
    expect(compareNames(b, a)).toBe(expected);
  });
});

describe('jaroWinkler and nameSimilarity', () => {
  it.each([
    ['MARTHA', 'MARHTA', 0.9611],
    ['DWAYNE', 'DUANE', 0.84],
    ['DIXON', 'DICKSONX', 0.8133],
    ['ABC', 'XYZ', 0],
    ['SAME', 'SAME', 1],
    ['', 'A', 0],
  ])('jaroWinkler(%s, %s) ≈ %s', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 4);
    expect(jaroWinkler(b, a)).toBeCloseTo(expected, 4);
  });

  it.each([
    ['MARTHA', 'MARHTA', 0.9611],
    ['Nguyễn Văn A', 'NGUYEN  VAN A', 1],
    ['NGUYEN VAN AN', 'NGUYEN VAN AN H', 0.92],
    ['Nguyễn Văn Minh', 'Nguyễn Văn Mạnh', 0.9117],
    ['Nguyễn Văn An', 'Nguyễn Văn Bình', 0.764],
    ['Nguyễn Thị Lan', 'Nguyễn Thị Hoa', 0.4714],
    ['', 'Nguyễn Văn A', 0],
  ])('nameSimilarity(%j, %j) ≈ %s', (a, b, expected) => {
    expect(nameSimilarity(a, b)).toBeCloseTo(expected, 3);
  });

  it('does not credit the family and middle names siblings share as whole-name Jaro–Winkler does', () => {
    expect(jaroWinkler('NGUYEN VAN AN', 'NGUYEN VAN BINH')).toBeGreaterThan(0.94);
    expect(nameSimilarity('Nguyễn Văn An', 'Nguyễn Văn Bình')).toBeLessThan(0.9);
  });
});

describe('compareBirthDates', () => {
  it.each([
    ['1990-05-12', '1990-05-12', 'exact'],
    ['1990-05', '1990-05', 'exact'],
    ['1990', '1990', 'exact'],
    ['1990', '1990-05-12', 'compatible'],
    ['1990-05-12', '1990-05', 'compatible'],
    ['1990', '1990-05', 'compatible'],
    ['1990-05-12', '1990-12-05', 'different'],
    ['1990', '1991-05-12', 'different'],
    ['1990-05', '1990-06-01', 'different'],
    ['1990-05-12T08:30:00+07:00', '1990-05-12', 'exact'],
    ['1990-05-12T23:59:00Z', '1990', 'compatible'],
    [undefined, '1990-05-12', undefined],
    ['1990', undefined, undefined],
    ['', '1990', undefined],
    ['12/05/1990', '1990-05-12', undefined],
  ])('%s vs %s is %s', (a, b, expected) => {
    expect(compareBirthDates(a, b)).toBe(expected);
    expect(compareBirthDates(b, a)).toBe(expected);
  });
});

describe('infant placeholder names', () => {
  it.each([
    ['Con bà Lan', 'LAN'],
    ['CON BA LAN', 'LAN'],
    ['con của bà Nguyễn Thị Lan', 'NGUYEN THI LAN'],
    ['Con của Trần Thị Hoa', 'TRAN THI HOA'],
    ['Con chị Hoa', 'HOA'],
    ['CB Nguyễn Thị Lan', 'NGUYEN THI LAN'],
    ['cb  nguyen thi lan', 'NGUYEN THI LAN'],
    ['SS Trần Thị B', 'TRAN THI B'],
    ['Sơ sinh Lê Thị Mai', 'LE THI MAI'],
    ['Con bà Đào'.normalize('NFD'), 'DAO'],
  ])('%j is a placeholder naming the mother %j', (name, mother) => {
    expect(isChildNamePattern(name)).toBe(true);
    expect(motherNameOfChildPattern(name)).toBe(mother);
  });

  it.each(['Bé Na', 'BE NA', 'Bé gái', 'Bé trai Nguyễn', 'Sơ sinh', 'SS', 'Con Thị Lan', 'Con bà'])(
    '%j is a placeholder without a mother’s name',
    (name) => {
      expect(isChildNamePattern(name)).toBe(true);
      expect(motherNameOfChildPattern(name)).toBeUndefined();
    },
  );

  it.each(['Trần Bé Na', 'Nguyễn Văn Con', 'Bế Văn Đàn', 'Bế Thị Hoa', 'Cao Bá Quát', 'Sở Văn Sinh', 'Bea', 'Consuelo', ''])(
    '%j is a real name, not a placeholder',
    (name) => {
      expect(isChildNamePattern(name)).toBe(false);
      expect(motherNameOfChildPattern(name)).toBeUndefined();
    },
  );
});
