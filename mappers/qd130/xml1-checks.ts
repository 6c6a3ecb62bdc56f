import { MA_LOAI_KCB } from '../shared/code-maps/index.js';
import { checkCccdAgainstPerson, decodeCccd, isCccdProblem } from '../shared/cccd.js';
import { hisDateOrderKey, parseHisDate, type HisDate } from '../shared/dates.js';
import type { IssueCategory, RecordIssue } from '../types.js';
import type { TableRecord } from './tables.js';
import { splitMulti } from './xml1-fields.js';

/** Fields an episode cannot be linked without (QĐ 130 XML1 "bắt buộc" fields the mapping needs). */
const REQUIRED = ['MA_LK', 'HO_TEN', 'NGAY_SINH', 'GIOI_TINH', 'NGAY_VAO', 'NGAY_RA', 'MA_LOAI_KCB', 'MA_BENH_CHINH'] as const;

/** ICD-10 as sent by HIS: letter + 2 digits, optional dot, up to 4 more (e.g. `J03`, `J03.9`, `S52.50`). */
export const ICD10 = /^[A-Z]\d{2}(\.?[0-9A-Z]{1,4})?$/;

/** Rejection order: the first issue's category is the record's category in statistics. */
const PRIORITY: IssueCategory[] = [
  'FACILITY_MISMATCH', 'SCHEMA', 'CCCD_MISSING', 'CCCD_FORMAT', 'CCCD_PROVINCE_UNKNOWN',
  'CCCD_DOB_MISMATCH', 'CCCD_GENDER_MISMATCH', 'DATE_ORDER',
];

/** Dates of XML1 after parsing, shared by checks and mapping. */
export interface Xml1Dates {
  birth?: HisDate;
  admit?: HisDate;
  inpatientAdmit?: HisDate;
  discharge?: HisDate;
}

/** The CCCD the episode is keyed by: SO_CCCD, or a 12-digit item of MA_THE_BHYT (ND 188/2025 allows the CCCD as card number). */
export function resolveCccd(r: TableRecord): { value: string | undefined; field: string } {
  if (r.SO_CCCD) return { value: r.SO_CCCD.replace(/\s+/g, ''), field: 'XML1.SO_CCCD' };
  const fromCard = splitMulti(r.MA_THE_BHYT).find((c) => /^\d{12}$/.test(c) && !isCccdProblem(decodeCccd(c)));
  return { value: fromCard, field: fromCard ? 'XML1.MA_THE_BHYT' : 'XML1.SO_CCCD' };
}

function gender(code: string | undefined): 'male' | 'female' | 'unknown' | undefined {
  return code === '1' ? 'male' : code === '2' ? 'female' : code === '3' ? 'unknown' : undefined;
}

function before(a: HisDate, b: HisDate): boolean {
  // Compare whole days when either side has no time (a `0000` time means "not given").
  if (a.minutes === undefined || b.minutes === undefined) {
    return Date.UTC(a.year, (a.month ?? 1) - 1, a.day ?? 1) < Date.UTC(b.year, (b.month ?? 1) - 1, b.day ?? 1);
  }
  return hisDateOrderKey(a) < hisDateOrderKey(b);
}

/**
 * Check an XML1 record: required fields, field formats, CCCD structure and consistency with
 * NGAY_SINH / GIOI_TINH (exactly one CCCD category), and date order. Issues come sorted so the
 * first one is the record's category.
 */
export function checkXml1(
  r: TableRecord,
  motherCccds: readonly string[] = [],
): { issues: RecordIssue[]; dates: Xml1Dates; cccd?: string } {
  const issues: RecordIssue[] = [];
  const add = (category: IssueCategory, field: string, message: string) => issues.push({ category, field: `XML1.${field}`, message });

  for (const f of REQUIRED) if (!r[f]) add('SCHEMA', f, `${f} is required and missing or empty`);
  if (r.MA_LK && r.MA_LK.length > 100) add('SCHEMA', 'MA_LK', `MA_LK is ${r.MA_LK.length} characters; QĐ 130 allows at most 100`);

  const dates: Xml1Dates = {};
  const date = (field: 'NGAY_SINH' | 'NGAY_VAO' | 'NGAY_VAO_NOI_TRU' | 'NGAY_RA', key: keyof Xml1Dates) => {
    if (!r[field]) return;
    const d = parseHisDate(r[field]);
    if (!d) add('SCHEMA', field, `${field} "${r[field]}" is not a date in yyyymmddHHMM (or yyyymmdd) form`);
    else dates[key] = d;
  };
  date('NGAY_SINH', 'birth');
  date('NGAY_VAO', 'admit');
  date('NGAY_VAO_NOI_TRU', 'inpatientAdmit');
  date('NGAY_RA', 'discharge');

  if (r.GIOI_TINH && !gender(r.GIOI_TINH)) add('SCHEMA', 'GIOI_TINH', `GIOI_TINH "${r.GIOI_TINH}" must be 1 (Nam), 2 (Nữ) or 3 (Chưa xác định)`);
  if (r.MA_LOAI_KCB && !MA_LOAI_KCB.has(r.MA_LOAI_KCB)) {
    add('SCHEMA', 'MA_LOAI_KCB', `MA_LOAI_KCB "${r.MA_LOAI_KCB}" is not a code of QĐ 824 Phụ lục 1 (01–10)`);
  }
  if (r.MA_BENH_CHINH && !ICD10.test(r.MA_BENH_CHINH)) add('SCHEMA', 'MA_BENH_CHINH', `MA_BENH_CHINH "${r.MA_BENH_CHINH}" is not an ICD-10 code`);
  const secondary = splitMulti(r.MA_BENH_KT);
  const badSecondary = secondary.filter((c) => !ICD10.test(c));
  if (badSecondary.length) add('SCHEMA', 'MA_BENH_KT', `MA_BENH_KT has codes that are not ICD-10: ${badSecondary.join(', ')}`);
  if (secondary.length > 12) add('SCHEMA', 'MA_BENH_KT', `MA_BENH_KT has ${secondary.length} codes; QĐ 130 allows at most 12`);

  const { value: cccd, field: cccdField } = resolveCccd(r);
  const problem = checkCccdAgainstPerson(cccd, { birthYear: dates.birth?.year, gender: gender(r.GIOI_TINH) });
  if (problem) {
    issues.push({ category: problem.category, field: cccdField, message: problem.message });
  } else if (cccd && motherCccds.includes(cccd)) {
    add('CCCD_DOB_MISMATCH', 'SO_CCCD', 'SO_CCCD is the mother\'s or guardian\'s CCCD (XML9.SO_CCCD_NND): register the infant under its own identity');
  }

  if (dates.admit && dates.discharge && before(dates.discharge, dates.admit)) add('DATE_ORDER', 'NGAY_RA', 'NGAY_RA is earlier than NGAY_VAO');
  if (dates.admit && dates.inpatientAdmit && before(dates.inpatientAdmit, dates.admit)) {
    add('DATE_ORDER', 'NGAY_VAO_NOI_TRU', 'NGAY_VAO_NOI_TRU is earlier than NGAY_VAO');
  }
  if (dates.birth && dates.admit && before(dates.admit, dates.birth)) add('DATE_ORDER', 'NGAY_SINH', 'NGAY_SINH is later than NGAY_VAO');

  issues.sort((a, b) => PRIORITY.indexOf(a.category) - PRIORITY.indexOf(b.category));
  return problem || !cccd ? { issues, dates } : { issues, dates, cccd };
}
