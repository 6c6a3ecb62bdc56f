import { QD4210_RENAMES } from '../shared/code-maps/index.js';
import type { TableRecord } from './tables.js';

const RENAMES = [...QD4210_RENAMES];

/**
 * Bring an XML1 record to QĐ 130 field names: QĐ 4210 names are renamed (§1.8) when the QĐ 130
 * name is absent, and the 1-digit QĐ 4210 `MA_LOAI_KCB` is padded to the 2-char QĐ 130 code.
 */
export function normalizeXml1(record: TableRecord): TableRecord {
  const out: TableRecord = {};
  // Collapse every kind of whitespace (no-break spaces pasted from Word, U+2028, tabs, form feeds) to one
  // space: FHIR string and code datatypes do not allow them (http://hl7.org/fhir/R4/datatypes.html#primitive).
  for (const [k, v] of Object.entries(record)) out[k] = v.replace(/[\s\u200b\ufeff]+/g, ' ').trim();
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
