import { MA_LOAI_KCB_TABLE } from '../shared/code-maps/index.js';
import { hisDateOrderKey, parseHisDate, type HisDate } from '../shared/dates.js';
import { parseIcd10 } from '../shared/icd10.js';
import { quoteList, quoteValue } from '../shared/quote.js';
import type { IssueCategory, RecordIssue } from '../contract.js';
import type { TableRecord } from './tables.js';
import { splitMulti } from './xml1-fields.js';

/** Fields an episode cannot be linked without (QĐ 130 XML1 "bắt buộc" fields the mapping needs). */
const REQUIRED = ['MA_LK', 'HO_TEN', 'NGAY_SINH', 'GIOI_TINH', 'NGAY_VAO', 'NGAY_RA', 'MA_LOAI_KCB', 'MA_BENH_CHINH'] as const;

/** Dates of XML1 after parsing, shared by checks and mapping. */
export interface Xml1Dates {
  birth?: HisDate;
  admit?: HisDate;
  inpatientAdmit?: HisDate;
  discharge?: HisDate;
}

/** XML1.GIOI_TINH: 1 Nam, 2 Nữ, 3 Chưa xác định (vn-health-data §1.5). */
export function genderOf(code: string | undefined): 'male' | 'female' | 'unknown' | undefined {
  return code === '1' ? 'male' : code === '2' ? 'female' : code === '3' ? 'unknown' : undefined;
}

function before(a: HisDate, b: HisDate): boolean {
  // Compare whole days when either side has no time (a `0000` time means "not given").
  if (a.minutes === undefined || b.minutes === undefined) {
    return Date.UTC(a.year, (a.month ?? 1) - 1, a.day ?? 1) < Date.UTC(b.year, (b.month ?? 1) - 1, b.day ?? 1);
  }
  return hisDateOrderKey(a) < hisDateOrderKey(b);
}

/** The day an episode's codes are judged by: its end (NGAY_RA), else its start, as `yyyy-mm-dd`. */
export function episodeDay(dates: Xml1Dates): string | undefined {
  const d = dates.discharge ?? dates.admit;
  return d?.day ? d.fhirDate : undefined;
}

/**
 * Check an XML1 record's own content: required fields, field formats, code lists in force on the
 * episode's date, ICD-10 codes (dagger/asterisk marks accepted) and date order. Identity (CCCD)
 * is not checked here: that is the identity stage's job.
 */
export function checkXml1(r: TableRecord): { issues: RecordIssue[]; dates: Xml1Dates } {
  const issues: RecordIssue[] = [];
  const add = (category: IssueCategory, field: string, message: string) => issues.push({ category, field: `XML1.${field}`, message });

  for (const f of REQUIRED) if (!r[f]) add('SCHEMA', f, `${f} is required and missing or empty`);
  if (r.MA_LK && r.MA_LK.length > 100) add('SCHEMA', 'MA_LK', `MA_LK is ${r.MA_LK.length} characters; QĐ 130 allows at most 100`);

  const dates: Xml1Dates = {};
  const date = (field: 'NGAY_SINH' | 'NGAY_VAO' | 'NGAY_VAO_NOI_TRU' | 'NGAY_RA', key: keyof Xml1Dates) => {
    if (!r[field]) return;
    const d = parseHisDate(r[field]);
    if (!d) add('SCHEMA', field, `${field} ${quoteValue(r[field])} is not a date in yyyymmddHHMM (or yyyymmdd) form`);
    else dates[key] = d;
  };
  date('NGAY_SINH', 'birth');
  date('NGAY_VAO', 'admit');
  date('NGAY_VAO_NOI_TRU', 'inpatientAdmit');
  date('NGAY_RA', 'discharge');

  if (r.GIOI_TINH && !genderOf(r.GIOI_TINH)) add('SCHEMA', 'GIOI_TINH', `GIOI_TINH ${quoteValue(r.GIOI_TINH)} must be 1 (Nam), 2 (Nữ) or 3 (Chưa xác định)`);
  if (r.MA_LOAI_KCB) {
    const day = episodeDay(dates);
    const known = day ? MA_LOAI_KCB_TABLE.lookup(r.MA_LOAI_KCB, day) : MA_LOAI_KCB_TABLE.anyVersion(r.MA_LOAI_KCB);
    if (!known) {
      const table = day ? MA_LOAI_KCB_TABLE.describe(day) : 'any version of the MA_LOAI_KCB list';
      add('SCHEMA', 'MA_LOAI_KCB', `MA_LOAI_KCB ${quoteValue(r.MA_LOAI_KCB)} is not a code of ${table}${day ? ` in force on ${day}` : ''}`);
    }
  }
  if (r.MA_BENH_CHINH && !parseIcd10(r.MA_BENH_CHINH)) add('SCHEMA', 'MA_BENH_CHINH', `MA_BENH_CHINH ${quoteValue(r.MA_BENH_CHINH)} is not an ICD-10 code`);
  const secondary = splitMulti(r.MA_BENH_KT);
  const badSecondary = secondary.filter((c) => !parseIcd10(c));
  if (badSecondary.length) add('SCHEMA', 'MA_BENH_KT', `MA_BENH_KT has codes that are not ICD-10: ${quoteList(badSecondary)}`);
  if (secondary.length > 12) add('SCHEMA', 'MA_BENH_KT', `MA_BENH_KT has ${secondary.length} codes; QĐ 130 allows at most 12`);

  if (dates.admit && dates.discharge && before(dates.discharge, dates.admit)) add('DATE_ORDER', 'NGAY_RA', 'NGAY_RA is earlier than NGAY_VAO');
  if (dates.admit && dates.inpatientAdmit && before(dates.inpatientAdmit, dates.admit)) {
    add('DATE_ORDER', 'NGAY_VAO_NOI_TRU', 'NGAY_VAO_NOI_TRU is earlier than NGAY_VAO');
  }
  if (dates.birth && dates.admit && before(dates.admit, dates.birth)) add('DATE_ORDER', 'NGAY_SINH', 'NGAY_SINH is later than NGAY_VAO');
  return { issues, dates };
}
