/** The dashboard's languages: Vietnamese by default, English on request (`?lang=en`, then a cookie). */
export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const vi = {
  appName: 'Cổng liên thông FHIR', overview: 'Tổng quan', facilities: 'Cơ sở KCB', facility: 'Cơ sở KCB', errors: 'Lỗi', uploads: 'Lượt gửi',
  reports: 'Báo cáo', login: 'Đăng nhập', logout: 'Đăng xuất', apiKey: 'Khóa API quản trị', loginHint: 'Nhập khóa API có vai trò quản trị (admin).',
  loginFailed: 'Khóa không đúng, đã bị thu hồi hoặc hết hạn.', notAdmin: 'Khóa này không có vai trò quản trị: chỉ khóa admin được đăng nhập bảng điều khiển.',
  month: 'Tháng', show: 'Xem', received: 'Đã nhận', linked: 'Đã liên thông', rejected: 'Bị từ chối', held: 'Chờ xem xét', failed: 'Liên thông thất bại',
  pending: 'Đang xử lý', successRate: 'Tỷ lệ thành công', perDay: 'Hồ sơ theo ngày và trạng thái', categories: 'Lỗi theo nhóm', code: 'Mã', name: 'Tên',
  none: 'Không có dữ liệu', unregistered: '(chưa có trong danh mục)', rerun: 'Chạy lại các hồ sơ liên thông thất bại', requeued: 'Đã đưa lại vào hàng đợi',
  records: 'hồ sơ', downloadCsv: 'Tải danh sách lỗi CSV', downloadXlsx: 'Tải danh sách lỗi XLSX', recentUploads: 'Lượt gửi gần đây', receivedAt: 'Thời điểm nhận',
  format: 'Định dạng', recordCount: 'Số hồ sơ', recordKey: 'Mã hồ sơ', status: 'Trạng thái', category: 'Mã lỗi', message: 'Mô tả', patient: 'Người bệnh',
  all: 'Tất cả', filter: 'Lọc', from: 'Từ ngày', to: 'Đến ngày', next: 'Trang sau', first: 'Trang đầu', noErrors: 'Không có hồ sơ lỗi',
  reportMonth: 'Tháng báo cáo', download: 'Tải về', title: 'Tiêu đề', errorPage: 'Không thực hiện được yêu cầu', forbidden: 'Yêu cầu bị từ chối',
  csrfFailed: 'Biểu mẫu đã hết hạn hoặc không đến từ trang này. Hãy tải lại trang và thử lại.', notFound: 'Không tìm thấy trang', back: 'Quay lại tổng quan',
  language: 'English', size: 'Dung lượng', detail: 'Chi tiết', loggedOut: 'Đã đăng xuất.', sessionEnded: 'Phiên làm việc đã kết thúc, hãy đăng nhập lại.',
} as const;

/** The labels of one language. */
export type Dict = { readonly [K in keyof typeof vi]: string };

const en: Dict = {
  appName: 'FHIR linkage gateway', overview: 'Overview', facilities: 'Facilities', facility: 'Facility', errors: 'Errors', uploads: 'Uploads',
  reports: 'Reports', login: 'Log in', logout: 'Log out', apiKey: 'Admin API key', loginHint: 'Enter an API key with the admin role.',
  loginFailed: 'The key is wrong, revoked or expired.', notAdmin: 'This key does not have the admin role: only admin keys may sign in to the dashboard.',
  month: 'Month', show: 'Show', received: 'Received', linked: 'Linked', rejected: 'Rejected', held: 'Held for review', failed: 'Linkage failed',
  pending: 'Pending', successRate: 'Success rate', perDay: 'Records per day by status', categories: 'Errors by category', code: 'Code', name: 'Name',
  none: 'No data', unregistered: '(not in the register)', rerun: 'Re-run failed records', requeued: 'Queued again',
  records: 'records', downloadCsv: 'Download errors CSV', downloadXlsx: 'Download errors XLSX', recentUploads: 'Recent uploads', receivedAt: 'Received at',
  format: 'Format', recordCount: 'Records', recordKey: 'Record key', status: 'Status', category: 'Error code', message: 'Description', patient: 'Patient',
  all: 'All', filter: 'Filter', from: 'From', to: 'To', next: 'Next page', first: 'First page', noErrors: 'No records with errors',
  reportMonth: 'Report month', download: 'Download', title: 'Title', errorPage: 'The request could not be completed', forbidden: 'Request refused',
  csrfFailed: 'The form has expired or did not come from this site. Reload the page and try again.', notFound: 'Page not found', back: 'Back to the overview',
  language: 'Tiếng Việt', size: 'Size', detail: 'Details', loggedOut: 'Logged out.', sessionEnded: 'Your session has ended; please log in again.',
};

const DICTS: Record<Lang, Dict> = { vi, en };

/** The labels of `lang`. */
export function dictOf(lang: Lang): Dict {
  return DICTS[lang];
}

/** `lang` if it is a supported language, else undefined. */
export function langOf(v: unknown): Lang | undefined {
  return (LANGS as readonly unknown[]).includes(v) ? (v as Lang) : undefined;
}
