/**
 * Synthetic QĐ 130 envelopes for tests, the benchmark and the demo. Every person is invented;
 * CCCDs are structurally valid (province of birth registration, century/gender digit, birth year)
 * unless a caller overrides SO_CCCD.
 */

/** XML1 fields (QĐ 130 names); values are written as text, CDATA for free text. */
export type Xml1Fields = Record<string, string>;

const FAMILY = ['NGUYỄN', 'TRẦN', 'LÊ', 'PHẠM', 'HOÀNG', 'PHAN', 'VÕ', 'ĐẶNG', 'BÙI', 'ĐỖ'];
const MIDDLE = ['VĂN', 'THỊ', 'HỮU', 'ĐỨC', 'NGỌC', 'MINH', 'THANH', 'QUỐC'];
const GIVEN = ['AN', 'BÌNH', 'CHÂU', 'DŨNG', 'HÀ', 'HẢI', 'HOA', 'HÙNG', 'LAN', 'LONG', 'MAI', 'NAM', 'NGA', 'PHÚC', 'QUÂN', 'THẢO'];
const ICD = ['J03', 'J18.9', 'I10', 'E11.9', 'K29.7', 'J44.9', 'A09', 'M54.5', 'N39.0', 'K21.9', 'J20.9', 'R50.9'];

/** Deterministic PRNG (mulberry32) so generated data is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const p2 = (n: number) => String(n).padStart(2, '0');

/** A structurally valid CCCD for a person born in `year` with `gender` 1 (male) / 2 (female). */
export function makeCccd(province: string, year: number, gender: '1' | '2', r: () => number): string {
  const century = Math.floor((year - 1900) / 100) * 2 + (gender === '2' ? 1 : 0);
  return `${province}${century}${p2(year % 100)}${digits(r, 6)}`;
}

/** A complete, valid XML1 record for facility `facility`, episode `maLk`; `overrides` replace fields. */
export function makeXml1(facility: string, maLk: string, seed: number, overrides: Xml1Fields = {}): Xml1Fields {
  const r = rng(seed);
  const gender = r() < 0.5 ? '1' : '2';
  const year = 1940 + Math.floor(r() * 80);
  const month = 1 + Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * 28);
  const inpatient = r() < 0.3;
  const admitDay = 1 + Math.floor(r() * 20);
  const stay = inpatient ? 1 + Math.floor(r() * 7) : 0;
  const province = facility.slice(0, 2);
  const secondary = Array.from({ length: Math.floor(r() * 3) }, () => pick(r, ICD)).join(';');
  return {
    MA_LK: maLk, STT: '1', MA_BN: `BN${digits(r, 8)}`,
    HO_TEN: `${pick(r, FAMILY)} ${gender === '2' ? 'THỊ' : pick(r, MIDDLE)} ${pick(r, GIVEN)}`,
    SO_CCCD: makeCccd(`0${province}`, year, gender, r),
    NGAY_SINH: `${year}${p2(month)}${p2(day)}0000`, GIOI_TINH: gender,
    MA_QUOCTICH: '000', MA_DANTOC: '01', MA_NGHE_NGHIEP: '00000',
    DIA_CHI: `Thôn ${pick(r, GIVEN)}, Xã Phú ${pick(r, GIVEN)}`,
    MATINH_CU_TRU: province, MAHUYEN_CU_TRU: '474', MAXA_CU_TRU: `19${digits(r, 3)}`,
    DIEN_THOAI: `09${digits(r, 8)}`,
    MA_THE_BHYT: `GD4${province}${digits(r, 10)}`, MA_DKBD: facility, GT_THE_TU: '20250101', GT_THE_DEN: '20251231',
    LY_DO_VV: 'Đau họng, sốt', CHAN_DOAN_VAO: 'Viêm họng cấp', CHAN_DOAN_RV: 'Viêm họng cấp',
    MA_BENH_CHINH: pick(r, ICD), MA_BENH_KT: secondary, MA_DOITUONG_KCB: '1.1',
    NGAY_VAO: `202502${p2(admitDay)}0800`, NGAY_RA: `202502${p2(admitDay + stay)}${inpatient ? '1000' : '0930'}`,
    SO_NGAY_DTRI: String(inpatient ? stay + 1 : 0), KET_QUA_DTRI: '1', MA_LOAI_RV: '1',
    NGAY_TTOAN: `202502${p2(admitDay + stay)}1100`, T_THUOC: '125000', T_VTYT: '0', T_TONGCHI_BV: '245000',
    T_TONGCHI_BH: '245000', T_BNTT: '0', T_BNCCT: '49000', T_BHTT: '196000', T_NGUONKHAC: '0', T_BHTT_GDV: '0',
    NAM_QT: '2025', THANG_QT: '02', MA_LOAI_KCB: inpatient ? '03' : '01', MA_KHOA: 'K01', MA_CSKCB: facility,
    MA_HSBA: maLk, MA_TTDV: digits(r, 10),
    ...overrides,
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const CDATA_FIELDS = new Set(['HO_TEN', 'DIA_CHI', 'LY_DO_VV', 'CHAN_DOAN_VAO', 'CHAN_DOAN_RV']);

/** Serialize XML1 as the inner document (with XML declaration), CDATA for free-text fields. */
export function xml1Document(fields: Xml1Fields): string {
  const body = Object.entries(fields)
    .map(([k, v]) => (CDATA_FIELDS.has(k) && v ? `<${k}><![CDATA[${v}]]></${k}>` : `<${k}>${esc(v)}</${k}>`))
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<TONG_HOP>${body}</TONG_HOP>`;
}

/** One HOSO: its tables as (LOAIHOSO, inner document) pairs. */
export type SyntheticHoso = Array<[loaiHoSo: string, document: string]>;

/** Wrap HOSOs in a GIAMDINHHS envelope (base64 NOIDUNGFILE, empty CHUKYDONVI). */
export function envelope(macskcb: string, hosos: SyntheticHoso[], ngayLap = '20250228'): string {
  const files = hosos.map((files) => `<HOSO>${files
    .map(([loai, doc]) => `<FILEHOSO><LOAIHOSO>${loai}</LOAIHOSO><NOIDUNGFILE>${Buffer.from(doc, 'utf8').toString('base64')}</NOIDUNGFILE></FILEHOSO>`)
    .join('')}</HOSO>`).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<THONGTINDONVI><MACSKCB>${macskcb}</MACSKCB></THONGTINDONVI>` +
    `<THONGTINHOSO><NGAYLAP>${ngayLap}</NGAYLAP><SOLUONGHOSO>${hosos.length}</SOLUONGHOSO><DANHSACHHOSO>\n${files}\n</DANHSACHHOSO></THONGTINHOSO>` +
    '<CHUKYDONVI></CHUKYDONVI></GIAMDINHHS>';
}

/** An envelope of `count` valid XML1-only episodes; MA_LK = `${prefix}${i}`. */
export function syntheticEnvelope(facility: string, prefix: string, count: number, seed = 1): string {
  return envelope(facility, Array.from({ length: count }, (_, i) => [['XML1', xml1Document(makeXml1(facility, `${prefix}${i}`, seed * 1_000_003 + i))]]));
}
