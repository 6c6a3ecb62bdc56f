import { QD4210_RENAMES } from '../shared/code-maps/index.js';
import type { TableRecord } from './tables.js';

const RENAMES = [...QD4210_RENAMES];

/**
 * Whether `v` has anything the whitespace rule below changes: a leading or trailing space, two spaces
 * in a row, or any other whitespace character (JS `\s`: C0 controls ≤ U+0020, U+00A0, U+1680,
 * U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF; and U+200B). Most values have none,
 * so a scan of character codes replaces a regular-expression replace.
 */
function needsSpaceFix(v: string): boolean {
  const n = v.length;
  if (n === 0) return false;
  if (v.charCodeAt(0) === 0x20 || v.charCodeAt(n - 1) === 0x20) return true;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || (c === 0x20 && v.charCodeAt(i + 1) === 0x20)) return true;
    if (c < 0xa0) continue;
    if (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff) return true;
  }
  return false;
}

/**
 * Bring an XML1 record to QĐ 130 field names: QĐ 4210 names are renamed (§1.8) when the QĐ 130
 * name is absent, and the 1-digit QĐ 4210 `MA_LOAI_KCB` is padded to the 2-char QĐ 130 code.
 */
export function normalizeXml1(record: TableRecord): TableRecord {
  const out: TableRecord = {};
  // Collapse every kind of whitespace (no-break spaces pasted from Word, U+2028, tabs, form feeds) to one
  // space: FHIR string and code datatypes do not allow them (http://hl7.org/fhir/R4/datatypes.html#primitive).
  for (const [k, v] of Object.entries(record)) out[k] = needsSpaceFix(v) ? v.replace(/[\s\u200b\ufeff]+/g, ' ').trim() : v;
  for (const [from, to] of RENAMES) {
    if (out[from] !== undefined && !out[to]) {
      out[to] = out[from];
      delete out[from];
    }
  }
  if (out.MA_LOAI_KCB && /^\d$/.test(out.MA_LOAI_KCB)) out.MA_LOAI_KCB = `0${out.MA_LOAI_KCB}`;
  return out;
}

/** Split a `;`-joined multi-value field (MA_THE_BHYT, MA_BENH_KT, MA_KHOA, …), dropping empty items. */
export function splitMulti(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(';').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Fields the XML1 mapper turns into FHIR; everything else present is reported as unmapped. */
export const MAPPED_XML1_FIELDS = new Set([
  'MA_LK', 'STT', 'MA_BN', 'HO_TEN', 'SO_CCCD', 'NGAY_SINH', 'GIOI_TINH', 'MA_QUOCTICH', 'MA_DANTOC',
  'MA_NGHE_NGHIEP', 'DIA_CHI', 'MATINH_CU_TRU', 'MAHUYEN_CU_TRU', 'MAXA_CU_TRU', 'DIEN_THOAI',
  'MA_THE_BHYT', 'MA_DKBD', 'GT_THE_TU', 'GT_THE_DEN', 'LY_DO_VV', 'CHAN_DOAN_VAO', 'CHAN_DOAN_RV',
  'MA_BENH_CHINH', 'MA_BENH_KT', 'MA_DOITUONG_KCB', 'MA_NOI_DI', 'MA_NOI_DEN', 'NGAY_VAO', 'NGAY_VAO_NOI_TRU',
  'NGAY_RA', 'SO_NGAY_DTRI', 'KET_QUA_DTRI', 'MA_LOAI_RV', 'MA_LOAI_KCB', 'MA_KHOA', 'MA_CSKCB', 'MA_HSBA',
]);
