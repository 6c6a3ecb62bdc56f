import ketQuaDtri from './ket-qua-dtri.json' with { type: 'json' };
import maLoaiKcb from './ma-loai-kcb.json' with { type: 'json' };
import maLoaiRv from './ma-loai-rv.json' with { type: 'json' };
import qd4210Renames from './qd4210-renames.json' with { type: 'json' };
import niisVaccineCvx from './niis-vaccine-cvx.json' with { type: 'json' };
import trangThaiMuiTiem from './trang-thai-mui-tiem.json' with { type: 'json' };
import { loadCodeTable, type CodeTable } from '../code-tables.js';

/** Code tables live in JSON (reviewable by domain staff); `_source` cites the standard and is not a code. */
function table<T>(json: Record<string, unknown>): ReadonlyMap<string, T> {
  return new Map(Object.entries(json).filter(([k]) => k !== '_source') as Array<[string, T]>);
}

/** The codes of the version of `t` that starts on `validFrom` (null: the first), or the latest version. */
function versionMap<T>(t: CodeTable<T>, validFrom?: string | null): ReadonlyMap<string, T> {
  const v = validFrom === undefined ? t.versions[t.versions.length - 1] : t.versions.find((x) => x.validFrom === validFrom);
  if (!v) throw new Error(`code table ${t.source}: no version starting ${validFrom}`);
  return v.codes;
}

/** MA_LOAI_KCB by date (QĐ 4210 era, QĐ 824 Phụ lục 1 01–10, QĐ 1804 01–16 from 2026-08-01) → display and Encounter.class. */
export const MA_LOAI_KCB_TABLE = loadCodeTable<{ display: string; class: string }>(maLoaiKcb);
/** MA_LOAI_KCB 01–10 as in QĐ 824/QĐ-BYT Phụ lục 1 (undated; use MA_LOAI_KCB_TABLE to judge by the episode's date). */
export const MA_LOAI_KCB = versionMap(MA_LOAI_KCB_TABLE, '2023-02-15');
/** MA_LOAI_RV (QĐ 130) / TINH_TRANG_RV (QĐ 4210) by date → discharge-disposition code and Vietnamese display. */
export const MA_LOAI_RV_TABLE = loadCodeTable<{ display: string; code: string }>(maLoaiRv);
/** MA_LOAI_RV 1–5 as in QĐ 130 (undated; also read for QĐ 4210 TINH_TRANG_RV 1–4). */
export const MA_LOAI_RV = versionMap(MA_LOAI_RV_TABLE);
/** KET_QUA_DTRI by date (QĐ 4210 1–5, QĐ 130 1–7, QĐ 4750 1–8) → Vietnamese display. */
export const KET_QUA_DTRI_TABLE = loadCodeTable<string>(ketQuaDtri);
/** KET_QUA_DTRI 1–8 as in QĐ 130 amended by QĐ 4750 (undated). */
export const KET_QUA_DTRI = versionMap(KET_QUA_DTRI_TABLE);
/** QĐ 4210 XML1 field name → QĐ 130 field name. */
export const QD4210_RENAMES = table<string>(qd4210Renames);
/** NIIS vaccine id (VACXIN_ID) → display, suggested CVX and antigen (vn-health-data §6.3). */
export const NIIS_VACCINE = versionMap(loadCodeTable<{ display: string; cvx: string; antigen: string; note?: string }>(niisVaccineCvx));
/** NIIS dose status (TRANG_THAI_MUI_TIEM) → Immunization.status and v3-ActReason statusReason (vn-health-data §6.4). */
export const TRANG_THAI_MUI_TIEM = versionMap(loadCodeTable<{ display: string; status: 'completed' | 'not-done'; reason?: string }>(trangThaiMuiTiem));
