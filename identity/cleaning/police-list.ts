/**
 * The list of wrong records a commune health station sends to the commune police for the "làm sạch"
 * (cleaning) round trip, and what the police hand back: the row model and the one column table that
 * the writers (`write-list.ts`) and the reader (`read-return.ts`) share. Pure data, no I/O.
 * See docs/cleaning.md.
 */
import { foldName } from '../names.js';

/** One record on the list sent to the commune police. */
export interface CleaningRow {
  /** Opaque reference of the record (the gateway's record id, e.g. `R12345`); the police hand it back unchanged. */
  ref: string;
  /** MA_CSKCB of the facility that sent the record. */
  facility: string;
  /** Administrative codes of the resident's area. */
  area: { province?: string; district?: string; commune?: string };
  /** Why the record is on the list (category + which fields disagree), Vietnamese text. */
  reason: string;
  cccd: string;
  name: string;
  /** FHIR date: `yyyy-mm-dd`, or partial `yyyy-mm` / `yyyy`. */
  birthDate: string;
  gender: 'male' | 'female' | 'unknown';
  address?: string;
}

/** The corrections the police wrote on a row answered `Sửa`. */
export interface RowCorrections {
  cccd?: string;
  name?: string;
  /** FHIR date: `yyyy-mm-dd`, `yyyy-mm` or `yyyy`. */
  birthDate?: string;
  gender?: 'male' | 'female';
}

/** What the police answered for one row. */
export type ReturnedRow =
  | { ref: string; row: number; result: 'confirmed' }
  | { ref: string; row: number; result: 'corrected'; corrections: RowCorrections }
  | { ref: string; row: number; result: 'not_found'; note?: string };

/** One thing wrong in a returned list: where, never the personal data itself. */
export interface ListProblem {
  /** Spreadsheet row number (the header is row 1). */
  row: number;
  /** The column's header code, e.g. `SO_CCCD_DUNG`; `*` for the file as a whole. */
  column: string;
  message: string;
}

/** The police's answer for a row. */
export type CleaningResult = ReturnedRow['result'];

/** Header code of every column, in the order the list is written. */
export type ColumnHeader =
  | 'MA_THAM_CHIEU' | 'MA_CSKCB' | 'MA_TINH' | 'MA_HUYEN' | 'MA_XA' | 'LY_DO'
  | 'SO_CCCD' | 'HO_TEN' | 'NGAY_SINH' | 'GIOI_TINH' | 'DIA_CHI'
  | 'KET_QUA' | 'SO_CCCD_DUNG' | 'HO_TEN_DUNG' | 'NGAY_SINH_DUNG' | 'GIOI_TINH_DUNG' | 'GHI_CHU';

/** One column of the police list. */
export interface CleaningColumn {
  /** Stable machine key (English). */
  key: string;
  /** The header cell as written, the QĐ 130 style code the form uses. */
  header: ColumnHeader;
  /** Vietnamese label of the column; accepted as a header too (it folds to the code). */
  label: string;
  /** Column width in Excel characters. */
  width: number;
  /** Who fills the column: the gateway when it writes the list, or the police. */
  filledBy: 'gateway' | 'police';
  /** Written as text (`@`) in the XLSX so leading zeros and 12 digits survive, and Excel does not re-read dates. */
  text: boolean;
}

/** The columns of the list, in order: the gateway's informational columns, then the ones the police fill. */
export const CLEANING_COLUMNS: readonly CleaningColumn[] = [
  { key: 'ref', header: 'MA_THAM_CHIEU', label: 'Mã tham chiếu', width: 16, filledBy: 'gateway', text: true },
  { key: 'facility', header: 'MA_CSKCB', label: 'Mã CSKCB', width: 10, filledBy: 'gateway', text: true },
  { key: 'province', header: 'MA_TINH', label: 'Mã tỉnh', width: 8, filledBy: 'gateway', text: true },
  { key: 'district', header: 'MA_HUYEN', label: 'Mã huyện', width: 9, filledBy: 'gateway', text: true },
  { key: 'commune', header: 'MA_XA', label: 'Mã xã', width: 8, filledBy: 'gateway', text: true },
  { key: 'reason', header: 'LY_DO', label: 'Lý do', width: 40, filledBy: 'gateway', text: false },
  { key: 'cccd', header: 'SO_CCCD', label: 'Số CCCD', width: 15, filledBy: 'gateway', text: true },
  { key: 'name', header: 'HO_TEN', label: 'Họ tên', width: 26, filledBy: 'gateway', text: false },
  { key: 'birthDate', header: 'NGAY_SINH', label: 'Ngày sinh', width: 12, filledBy: 'gateway', text: true },
  { key: 'gender', header: 'GIOI_TINH', label: 'Giới tính', width: 10, filledBy: 'gateway', text: false },
  { key: 'address', header: 'DIA_CHI', label: 'Địa chỉ', width: 36, filledBy: 'gateway', text: false },
  { key: 'result', header: 'KET_QUA', label: 'Kết quả', width: 16, filledBy: 'police', text: false },
  { key: 'correctCccd', header: 'SO_CCCD_DUNG', label: 'Số CCCD đúng', width: 15, filledBy: 'police', text: true },
  { key: 'correctName', header: 'HO_TEN_DUNG', label: 'Họ tên đúng', width: 26, filledBy: 'police', text: false },
  { key: 'correctBirthDate', header: 'NGAY_SINH_DUNG', label: 'Ngày sinh đúng', width: 14, filledBy: 'police', text: true },
  { key: 'correctGender', header: 'GIOI_TINH_DUNG', label: 'Giới tính đúng', width: 12, filledBy: 'police', text: false },
  { key: 'note', header: 'GHI_CHU', label: 'Ghi chú', width: 30, filledBy: 'police', text: false },
];

/** The KET_QUA values as written in the dropdown, one per result. */
export const RESULT_LABELS: Readonly<Record<CleaningResult, string>> = {
  confirmed: 'Đúng',
  corrected: 'Sửa',
  not_found: 'Không tìm thấy',
};

/** GIOI_TINH as written on the list. */
export const GENDER_LABELS: Readonly<Record<CleaningRow['gender'], string>> = {
  male: 'Nam',
  female: 'Nữ',
  unknown: 'Không rõ',
};

/**
 * The comparison key of a header or a coded value: no diacritics, đ → d, upper case, any run of
 * spaces, underscores or punctuation as one space ("Kết quả", "KET_QUA", " ket quả " → `KET QUA`).
 */
export function foldKey(text: string): string {
  return foldName(text);
}

/**
 * A FHIR date as Vietnamese officials read it: `1990-03-05` → `05/03/1990`, `1990-03` → `03/1990`,
 * `1990` → `1990`. Anything else is written unchanged.
 */
export function formatListDate(fhirDate: string): string {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(fhirDate);
  if (!m) return fhirDate;
  const [, year, month, day] = m;
  if (day !== undefined) return `${day}/${month}/${year}`;
  return month !== undefined ? `${month}/${year}` : year!;
}
