import provinces from './cccd-provinces.json' with { type: 'json' };
import type { IssueCategory } from '../records/model.js';

/** What the 12 digits of a CCCD say about its holder (ND 137/2015 Điều 13, TT 07/2016 Điều 7). */
export interface DecodedCccd {
  provinceCode: string;
  provinceName: string;
  birthYear: number;
  gender: 'male' | 'female';
}

/** A CCCD check that failed, with exactly one category. */
export interface CccdProblem {
  category: IssueCategory;
  message: string;
}

const PROVINCES = provinces as Record<string, string>;

/**
 * Decode the structure of a 12-digit CCCD: province of birth registration (digits 1–3),
 * century/gender (digit 4: 0/1 → 1900s male/female, 2/3 → 2000s, …), year of birth (digits 5–6).
 * No check digit exists in any published source, so structure and consistency are all we can check.
 */
export function decodeCccd(value: string): DecodedCccd | CccdProblem {
  if (!/^\d{12}$/.test(value)) {
    const what = /\D/.test(value) ? `${value.length} characters including non-digits`
      : /^\d{9}$/.test(value) ? 'got 9 digits (an old CMND is not a CCCD)' : `got ${value.length} digits`;
    return { category: 'CCCD_FORMAT', message: `SO_CCCD must be 12 digits: ${what}` };
  }
  const provinceCode = value.slice(0, 3);
  const provinceName = PROVINCES[provinceCode];
  if (!provinceName || provinceCode === '_source') {
    return { category: 'CCCD_PROVINCE_UNKNOWN', message: `SO_CCCD province code ${provinceCode} is not a birth-registration province (TT 07/2016 Phụ lục 1)` };
  }
  const centuryDigit = Number(value[3]);
  const birthYear = 1900 + 100 * Math.floor(centuryDigit / 2) + Number(value.slice(4, 6));
  return { provinceCode, provinceName, birthYear, gender: centuryDigit % 2 === 0 ? 'male' : 'female' };
}

/** True when the decode failed. */
export function isCccdProblem(x: DecodedCccd | CccdProblem): x is CccdProblem {
  return 'category' in x;
}

/**
 * Check a CCCD against the person in the record: birth year from NGAY_SINH and gender from
 * GIOI_TINH (1 male, 2 female; 3 "undetermined" is not checked). Returns undefined when consistent.
 */
export function checkCccdAgainstPerson(
  value: string | undefined,
  person: { birthYear?: number; gender?: 'male' | 'female' | 'unknown' },
): CccdProblem | undefined {
  if (!value) return { category: 'CCCD_MISSING', message: 'SO_CCCD is empty: the episode cannot be keyed to a citizen ID' };
  const decoded = decodeCccd(value);
  if (isCccdProblem(decoded)) return decoded;
  if (person.birthYear !== undefined && decoded.birthYear !== person.birthYear) {
    return {
      category: 'CCCD_DOB_MISMATCH',
      message: `SO_CCCD encodes birth year ${decoded.birthYear} but NGAY_SINH says ${person.birthYear}`,
    };
  }
  if (person.gender && person.gender !== 'unknown' && decoded.gender !== person.gender) {
    return {
      category: 'CCCD_GENDER_MISMATCH',
      message: `SO_CCCD encodes gender ${decoded.gender} but GIOI_TINH says ${person.gender}`,
    };
  }
  return undefined;
}
