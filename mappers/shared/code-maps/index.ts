import ketQuaDtri from './ket-qua-dtri.json' with { type: 'json' };
import maLoaiKcb from './ma-loai-kcb.json' with { type: 'json' };
import maLoaiRv from './ma-loai-rv.json' with { type: 'json' };
import qd4210Renames from './qd4210-renames.json' with { type: 'json' };

/** Code tables live in JSON (reviewable by domain staff); `_source` cites the standard and is not a code. */
function table<T>(json: Record<string, unknown>): ReadonlyMap<string, T> {
  return new Map(Object.entries(json).filter(([k]) => k !== '_source') as Array<[string, T]>);
}

/** MA_LOAI_KCB (QĐ 824 Phụ lục 1) → display and Encounter.class code. */
export const MA_LOAI_KCB = table<{ display: string; class: string }>(maLoaiKcb);
/** MA_LOAI_RV / TINH_TRANG_RV → discharge-disposition code and Vietnamese display. */
export const MA_LOAI_RV = table<{ display: string; code: string }>(maLoaiRv);
/** KET_QUA_DTRI → Vietnamese display. */
export const KET_QUA_DTRI = table<string>(ketQuaDtri);
/** QĐ 4210 XML1 field name → QĐ 130 field name. */
export const QD4210_RENAMES = table<string>(qd4210Renames);
