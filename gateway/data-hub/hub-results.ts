/**
 * The answers of the data-hub contract (docs/formats/data-hub.md): result codes (`maKetQua`), the
 * fixed Vietnamese messages (`thongBao`) and the per-file and per-record results. Pure: no I/O.
 * Nothing here carries a name, a CCCD or an issue message (which may quote one): records are named
 * by MA_LK, with their status, category and the fields at fault.
 */
import { toOperationOutcome } from '../../errors/outcome.js';
import type { IngestResult } from '../../pipeline/ingest.pipeline.js';
import type { RecordIssue, RecordStatus } from '../../records/model.js';
import type { SubmissionView } from '../../records/submissions.repo.js';

/**
 * `maKetQua` values. Request level and file level share them: an HTTP status as text (the status
 * `POST /ingest/qd130` gives the same envelope, 202 read as 200), refined for files by 205, 206, 422,
 * and for a batch by 207 (stored in part; the files that hit a transient fault are resent as they are).
 */
export const KET_QUA = {
  '200': 'Tiếp nhận thành công',
  '205': 'Nội dung tệp không phải Base64 hợp lệ',
  '206': 'Đã tiếp nhận; một số hồ sơ bị từ chối, cần sửa và gửi lại',
  '207': 'Đã tiếp nhận một phần; một số tệp chưa được lưu do lỗi tạm thời (mã 503), vui lòng gửi lại nguyên các tệp đó sau, không cần sửa',
  '400': 'Yêu cầu không hợp lệ',
  '401': 'Khóa truy cập không hợp lệ',
  '403': 'Không có quyền gửi hoặc xem hồ sơ của cơ sở KCB này',
  '404': 'Không tìm thấy giao dịch',
  '413': 'Vượt quá giới hạn kích thước hoặc số hồ sơ',
  '415': 'Kiểu nội dung hoặc bảng mã không được hỗ trợ (chỉ nhận UTF-8)',
  '422': 'Đã tiếp nhận; tất cả hồ sơ bị từ chối, cần sửa và gửi lại',
  '429': 'Gửi quá nhiều yêu cầu, vui lòng thử lại sau',
  '500': 'Lỗi hệ thống; sự cố đã được ghi nhận',
  '503': 'Hệ thống tạm thời không lưu được; chưa tiếp nhận, vui lòng gửi lại sau',
} as const;

/** A result code with its own text. */
export type KetQua = keyof typeof KET_QUA;

/** The `thongBao` of a refused file where it says more than the request's (the file, not the request, is at fault). */
export const FILE_KET_QUA: Readonly<Partial<Record<KetQua, string>>> = {
  '400': 'Tệp không đọc được: không phải gói XML GIAMDINHHS hợp lệ',
  '403': 'Gói XML thuộc cơ sở KCB khác (MACSKCB không khớp)',
  '413': 'Tệp vượt quá giới hạn kích thước hoặc số hồ sơ',
  '415': 'Tệp không dùng bảng mã UTF-8',
};

/** The `thongBao` of a code (of a file: FILE_KET_QUA first); an HTTP status without its own text gets the 400 or 500 one. */
export function thongBaoOf(code: string, of: 'request' | 'file' = 'request'): string {
  if (of === 'file' && FILE_KET_QUA[code as KetQua]) return FILE_KET_QUA[code as KetQua]!;
  if (Object.hasOwn(KET_QUA, code)) return KET_QUA[code as KetQua];
  return code.startsWith('5') ? KET_QUA['500'] : KET_QUA['400'];
}

/** One record's result: MA_LK, the gateway's status, its category and the fields at fault. */
export interface HoSoResult {
  maLk: string;
  trangThai: RecordStatus;
  maLoi: string | null;
  truongLoi: string[];
}

/** One file's result in the answer of guiHoSoXml. */
export interface FileResult {
  /** 1-based position of the file in `files`. */
  stt: number;
  /** The submission id (look it up with tra-cuu-trang-thai); null when the file was not stored. */
  maGiaoDich: string | null;
  maKetQua: string;
  thongBao: string;
  /** The gateway's technical reason for a refused file (names elements and limits, as `/ingest` does). */
  chiTiet?: string;
  /** Where in the envelope the problem is (`GIAMDINHHS/THONGTINDONVI/MACSKCB`, …). */
  viTri?: string[];
  thoiGianTiepNhan?: string;
  maCSKCB?: string | null;
  soHoSo: number;
  soHoSoThanhCong: number;
  soHoSoLoi: number;
  hoSo: HoSoResult[];
}

/** `yyyyMMddHHmmss` in Việt Nam time (UTC+7), BHXH's `thoiGianTiepNhan`. */
export function hubTime(at: Date): string {
  return new Date(at.getTime() + 7 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** A record as the hub sees it; `maLoi` as the statistics count it (rejected: its category, failed: LINK_FAILED). */
function hoSoOf(r: { key: string; status: RecordStatus; issues?: RecordIssue[] | null; category?: string | null }): HoSoResult {
  const issues = r.issues ?? [];
  const maLoi = r.status === 'failed' ? 'LINK_FAILED' : r.status === 'rejected' ? r.category ?? issues[0]?.category ?? null : null;
  return { maLk: r.key, trangThai: r.status, maLoi, truongLoi: [...new Set(issues.map((i) => i.field))] };
}

/** The result of a stored file: 200 every record accepted, 206 some rejected, 422 all rejected. */
export function storedFileResult(stt: number, result: IngestResult, at: Date): FileResult {
  const hoSo = result.records.map(hoSoOf);
  const loi = hoSo.filter((h) => h.trangThai === 'rejected').length;
  const thanhCong = hoSo.length - loi;
  const code: KetQua = loi === 0 ? '200' : thanhCong === 0 ? '422' : '206';
  return {
    stt, maGiaoDich: result.submissionId, maKetQua: code, thongBao: KET_QUA[code], thoiGianTiepNhan: hubTime(at),
    maCSKCB: result.facility, soHoSo: hoSo.length, soHoSoThanhCong: thanhCong, soHoSoLoi: loi, hoSo,
  };
}

/** A refused file (nothing stored): the code and reason the ingest route would give, or 205 for base64. */
export function refusedFileResult(stt: number, err: unknown): FileResult {
  const { status, outcome } = toOperationOutcome(err);
  const issue = outcome.issue[0];
  return refused(stt, String(status), issue?.diagnostics, issue?.expression);
}

/** A file whose text is not base64. */
export function undecodableFileResult(stt: number, problem: string): FileResult {
  return refused(stt, '205', problem, [`files[${stt - 1}]`]);
}

function refused(stt: number, code: string, chiTiet: string | undefined, viTri: string[] | undefined): FileResult {
  return {
    stt, maGiaoDich: null, maKetQua: code, thongBao: thongBaoOf(code, 'file'),
    ...(chiTiet ? { chiTiet } : {}), ...(viTri?.length ? { viTri } : {}),
    soHoSo: 0, soHoSoThanhCong: 0, soHoSoLoi: 0, hoSo: [],
  };
}

/** The code of a file not stored because of a transient fault (storage unavailable): it is resent unchanged. */
export const TRANSIENT = '503';
/** Retry-After (seconds) of a batch answered HTTP 503: what `toOperationOutcome` gives a storage outage. */
export const TRANSIENT_RETRY_AFTER_SECONDS = 5;

/**
 * The request's `maKetQua`: the files' code when they all share one. Otherwise, when a file hit a
 * transient fault (503): 207 if another file was stored (resend the 503 files unchanged), else 503
 * (nothing stored: retry the request later). Otherwise 206 when at least one file was stored, else 400.
 */
export function batchCodeOf(files: readonly FileResult[]): string {
  const codes = new Set(files.map((f) => f.maKetQua));
  if (codes.size === 1) return files[0]!.maKetQua;
  const stored = files.some((f) => f.maGiaoDich);
  if (codes.has(TRANSIENT)) return stored ? '207' : TRANSIENT;
  return stored ? '206' : '400';
}

/** The answer of guiHoSoXml. */
export interface BatchAnswer {
  maKetQua: string;
  thongBao: string;
  batchId: string;
  thoiGianTiepNhan: string;
  maCSKCB: string;
  loaiHoSo: string;
  /** Files stored (each has a maGiaoDich), and files refused. */
  totalSuccess: number;
  totalFailed: number;
  soHoSoThanhCong: number;
  soHoSoLoi: number;
  fileResults: FileResult[];
}

/** Put the files' results together into the answer. */
export function batchAnswer(batchId: string, at: Date, request: { maCSKCB: string; loaiHoSo: string }, files: FileResult[]): BatchAnswer {
  const code = batchCodeOf(files);
  const stored = files.filter((f) => f.maGiaoDich).length;
  const sum = (k: 'soHoSoThanhCong' | 'soHoSoLoi') => files.reduce((n, f) => n + f[k], 0);
  return {
    maKetQua: code, thongBao: thongBaoOf(code), batchId, thoiGianTiepNhan: hubTime(at), maCSKCB: request.maCSKCB, loaiHoSo: request.loaiHoSo,
    totalSuccess: stored, totalFailed: files.length - stored, soHoSoThanhCong: sum('soHoSoThanhCong'), soHoSoLoi: sum('soHoSoLoi'), fileResults: files,
  };
}

/**
 * The HTTP status of a batch answer: 503 with Retry-After when nothing was stored because of a
 * transient fault (the whole request is retried later, as it is); otherwise 200, read `maKetQua`.
 */
export function batchHttp(answer: Pick<BatchAnswer, 'maKetQua'>): { status: number; headers: Record<string, string> } {
  if (answer.maKetQua === TRANSIENT) return { status: 503, headers: { 'Retry-After': String(TRANSIENT_RETRY_AFTER_SECONDS) } };
  return { status: 200, headers: {} };
}

/** The answer of tra-cuu-trang-thai: a submission's state now. */
export interface StatusAnswer {
  maKetQua: '200';
  thongBao: string;
  maGiaoDich: string;
  maCSKCB: string | null;
  thoiGianTiepNhan: string;
  /** `processing` while any record waits for linkage, else `done`. */
  trangThai: 'processing' | 'done';
  soHoSo: number;
  soHoSoDaLienThong: number;
  soHoSoLoi: number;
  soHoSoThatBai: number;
  soHoSoChoXuLy: number;
  hoSo: Array<HoSoResult & { thoiGianLienThong: string | null }>;
}

/** A submission's view in the hub's vocabulary (counts: linked, rejected, failed, pending = accepted). */
export function statusAnswer(view: SubmissionView): StatusAnswer {
  const c = view.counts;
  return {
    maKetQua: '200', thongBao: 'Tra cứu thành công', maGiaoDich: view.submissionId, maCSKCB: view.facility,
    thoiGianTiepNhan: hubTime(new Date(view.receivedAt)), trangThai: c.accepted > 0 ? 'processing' : 'done',
    soHoSo: view.records.length, soHoSoDaLienThong: c.linked, soHoSoLoi: c.rejected, soHoSoThatBai: c.failed, soHoSoChoXuLy: c.accepted,
    hoSo: view.records.map((r) => ({ ...hoSoOf(r), thoiGianLienThong: r.linkedAt ? hubTime(new Date(r.linkedAt)) : null })),
  };
}

/** The JSON of a refused request: `maKetQua` (the HTTP status), `thongBao` and the gateway's reason. */
export function errorAnswer(err: unknown): { status: number; headers: Record<string, string>; body: { maKetQua: string; thongBao: string; chiTiet?: string; viTri?: string[] } } {
  const { status, headers, outcome } = toOperationOutcome(err);
  const issue = outcome.issue[0];
  const code = String(status);
  return {
    status, headers,
    body: { maKetQua: code, thongBao: thongBaoOf(code), ...(issue?.diagnostics ? { chiTiet: issue.diagnostics } : {}), ...(issue?.expression?.length ? { viTri: issue.expression } : {}) },
  };
}
